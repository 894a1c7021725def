"""Shared pieces of the browser tests: a real `kefu serve` (gunicorn) on a free port with
its own data dir, Debian's chromium driven by Playwright, and a watcher for page problems.

The fixtures `browser` and `shots` are available everywhere (tests/conftest.py loads this
module as a plugin). Use in a test module:

    from tests.browser_support import kefu_server, requires_chromium

    pytestmark = requires_chromium

    @pytest.fixture(scope="module")
    def server(tmp_path_factory):
        with kefu_server(tmp_path_factory, shell="...python run after init...", demo=False) as base:
            yield base
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "browser-test-42"

requires_chromium = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(),
        reason=f"{CHROMIUM} is not installed (scripts/ensure-chromium installs Debian's chromium)",
    ),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_kefu(*args: str, env: dict, timeout: int = 300) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "kefu.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, (
        f"kefu {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    )
    return result


def wait_until_up(url: str, process: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"kefu serve exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.25)
    pytest.fail(f"kefu serve did not answer {url} within {seconds}s:\n{log.read_text()}")


@contextlib.contextmanager
def kefu_server(tmp_path_factory, *, shell: str = "", demo: bool = False):
    """Yield the base URL of `kefu serve --no-worker` on a fresh SQLite data dir.

    ``shell`` is Python run with `kefu manage shell -c` after `kefu init` (make users, rows);
    ``demo`` loads the demo shop (every demo user's password is PASSWORD).
    """
    data = tmp_path_factory.mktemp("kefu-browser-data")
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        # its own SQLite database and job queue, whatever the test run itself uses
        if key not in {"KEFU_DATABASE_URL", "KEFU_REDIS_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        KEFU_DATA_DIR=str(data),
        KEFU_ADMIN_PASSWORD=PASSWORD,
        KEFU_BIND=f"127.0.0.1:{port}",
        KEFU_TIME_ZONE="Asia/Shanghai",
    )
    run_kefu("init", env=env)
    if demo:
        run_kefu("demo", "--password", PASSWORD, env=env)
    if shell:
        run_kefu("manage", "shell", "-c", shell, env=env)
    log = data / "serve.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "kefu.cli", "serve", "--no-worker", "--workers", "1"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(f"{base}/healthz", process, log)
        yield base
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def shots(tmp_path) -> Path:
    """Where screenshots go: $KEFU_SCREENSHOTS when set (to look at them), else tmp."""
    folder = Path(os.environ.get("KEFU_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def sign_in(page, base: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit].btn-primary")
    page.wait_for_url(f"{base}/")


def watch_for_problems(page) -> list[str]:
    """Collect script errors and failed requests: a page must load all it needs."""
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on(
        "requestfailed",
        lambda request: (
            # a navigation cancels what the old page was still loading (its favicon, say):
            # that is the browser's doing, not a missing asset
            request.failure != "net::ERR_ABORTED"
            and problems.append(f"request failed: {request.url} ({request.failure})")
        ),
    )
    page.on(
        "response",
        lambda response: (
            response.status >= 400 and problems.append(f"{response.status} for {response.url}")
        ),
    )
    return problems
