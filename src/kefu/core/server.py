"""Gunicorn, embedded: `kefu serve` runs the production server in-process."""

from __future__ import annotations

import logging
import signal
import subprocess
import threading

from gunicorn.app.base import BaseApplication

log = logging.getLogger("kefu.serve")


class _KefuServer(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from kefu.wsgi import application

        return application


def serve(*, bind: str, workers: int = 2, threads: int = 1) -> None:
    _KefuServer(
        {
            "bind": bind,
            "workers": max(1, workers),
            "threads": max(1, threads),
            "worker_class": "gthread",
            "timeout": 60,
            "graceful_timeout": 20,
            "accesslog": "-",
            "access_log_format": '%(h)s "%(r)s" %(s)s %(b)s %(M)sms',
            "errorlog": "-",
            "loglevel": "warning",
            "proc_name": "kefu",
        }
    ).run()


class JobWorkerChild:
    """The job worker `kefu serve` runs beside the web server on the embedded default.

    A watchdog thread starts it again if it dies, so a crash of the worker never leaves
    an installation without its jobs and sweeps (the durable job rows make up for the
    work the dead worker held).
    """

    def __init__(self, command: list[str], check_every: float = 2.0):
        self.command = command
        self.check_every = check_every
        self.process: subprocess.Popen | None = None
        self.restarts = 0
        self._stopping = threading.Event()
        self._thread = threading.Thread(
            target=self._watch, name="kefu-worker-watchdog", daemon=True
        )

    def start(self) -> None:
        self.process = subprocess.Popen(self.command)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stopping.wait(self.check_every):
            if self.process is not None and self.process.poll() is not None:
                log.warning(
                    "the job worker exited with %s; starting it again", self.process.returncode
                )
                self.process = subprocess.Popen(self.command)
                self.restarts += 1

    def stop(self, timeout: float = 20) -> None:
        self._stopping.set()
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
