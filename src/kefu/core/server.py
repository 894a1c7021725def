"""Gunicorn, embedded: `kefu serve` runs the production server in-process."""

from __future__ import annotations

from gunicorn.app.base import BaseApplication


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


def serve(*, bind: str, workers: int = 2, threads: int = 4) -> None:
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
