"""A person's first minutes with kefu, in headless Chromium against the production server.

kefu is served by gunicorn (`kefu serve`), never by Django's development server, so this
test starts `kefu serve --no-worker` on a free port with its own data directory, after
`kefu init`, and drives it through the pages as someone would: sign in, look at the
dashboard, switch to Korean and to Chinese, sign out. It does the same on a phone-sized
screen, where the navigation folds behind a menu button.

Screenshots go to $KEFU_SCREENSHOTS when set (to look at them), else to the test's
temporary directory.
"""

from __future__ import annotations

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

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(),
        reason=f"{CHROMIUM} is not installed (scripts/ensure-chromium installs Debian's chromium)",
    ),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _kefu(*args: str, env: dict, timeout: int = 120) -> subprocess.CompletedProcess:
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


def _wait_until_up(url: str, process: subprocess.Popen, log: Path, seconds: float = 60) -> None:
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


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """Base URL of a running `kefu serve` with an admin and an agent named Li Na."""
    data = tmp_path_factory.mktemp("kefu-browser-data")
    port = _free_port()
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
    _kefu("init", env=env)
    _kefu(
        "manage",
        "shell",
        "-c",
        "from kefu.core.models import User; "
        f"User.objects.create_user(username='lina', password='{PASSWORD}', "
        "role='agent', display_name='Li Na')",
        env=env,
    )
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
        _wait_until_up(f"{base}/healthz", process, log)
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
    folder = Path(os.environ.get("KEFU_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _sign_in(page, base: str) -> None:
    page.goto(f"{base}/")
    assert page.url == f"{base}/login/?next=/"
    page.fill("#id_username", "lina")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].btn-primary")
    page.wait_for_url(f"{base}/")


def _choose_language(page, name: str) -> None:
    page.click("details.lang-menu > summary")
    with page.expect_navigation():
        page.click(f"details.lang-menu button.menu-item:has-text('{name}')")


def _watch_for_problems(page) -> list[str]:
    """Collect script errors and failed requests: a page must load all it needs."""
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on("requestfailed", lambda request: problems.append(f"request failed: {request.url}"))
    page.on(
        "response",
        lambda response: (
            response.status >= 400 and problems.append(f"{response.status} for {response.url}")
        ),
    )
    return problems


def test_sign_in_switch_languages_and_sign_out_on_a_laptop(server, browser, shots):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    page = context.new_page()
    problems = _watch_for_problems(page)
    try:
        page.goto(f"{server}/")
        assert page.locator("h1").inner_text() == "Sign in to kefu"
        page.screenshot(path=str(shots / "login-desktop.png"), full_page=True)

        # a wrong password is refused clearly
        page.fill("#id_username", "lina")
        page.fill("#id_password", "not-the-password")
        page.click("button[type=submit].btn-primary")
        assert page.locator("[role=alert]").is_visible()
        page.screenshot(path=str(shots / "login-error-desktop.png"), full_page=True)

        _sign_in(page, server)
        assert page.locator("h1").inner_text() == "Welcome, Li Na"
        assert page.locator("nav.primary-nav a[aria-current=page]").inner_text() == "Dashboard"
        assert page.locator(".nav-admin").count() == 0
        assert page.evaluate("typeof window.htmx") == "object"
        page.screenshot(path=str(shots / "dashboard-desktop.png"), full_page=True)

        # the user menu: name, role, time zone, sign-out
        page.click("details.user-menu > summary")
        menu = page.locator("details.user-menu .menu-panel")
        assert menu.is_visible()
        assert menu.locator(".user-time-zone").inner_text() == "Asia/Shanghai"
        page.screenshot(path=str(shots / "user-menu-desktop.png"), animations="disabled")
        page.keyboard.press("Escape")
        assert not menu.is_visible()

        _choose_language(page, "한국어")
        assert page.locator("html").get_attribute("lang") == "ko"
        assert page.locator("h1").inner_text() == "Li Na님, 환영합니다"
        assert page.locator("nav.primary-nav a").first.inner_text() == "대시보드"
        page.screenshot(path=str(shots / "dashboard-ko-desktop.png"), full_page=True)

        _choose_language(page, "简体中文")
        assert page.locator("html").get_attribute("lang") == "zh-hans"
        assert page.locator("h1").inner_text() == "欢迎，Li Na"
        assert "我的未结工单" in page.locator(".stat-grid").inner_text()
        page.screenshot(path=str(shots / "dashboard-zh-desktop.png"), full_page=True)

        page.click("details.user-menu > summary")
        with page.expect_navigation():
            page.click("details.user-menu button:has-text('退出登录')")
        page.wait_for_url(f"{server}/login/")
        # signed out, and the sign-in page keeps the language last chosen
        assert page.locator("h1").inner_text() == "登录 kefu"
        page.screenshot(path=str(shots / "login-zh-desktop.png"), full_page=True)
        page.goto(f"{server}/")
        assert page.url.startswith(f"{server}/login/")

        assert not problems, problems
    finally:
        context.close()


def test_the_navigation_folds_on_a_phone(server, browser, shots):
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="ko-KR",
    )
    page = context.new_page()
    problems = _watch_for_problems(page)
    try:
        page.goto(f"{server}/login/")
        # the browser's language is enough before signing in
        assert page.locator("h1").inner_text() == "kefu 로그인"
        page.screenshot(path=str(shots / "login-phone.png"), full_page=True)

        _sign_in(page, server)
        _choose_language(page, "English")
        nav = page.locator("nav.primary-nav")
        toggle = page.locator("button.nav-toggle")
        assert toggle.is_visible()
        assert not nav.is_visible()
        # nothing sticks out sideways
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(shots / "dashboard-phone.png"), full_page=True)

        toggle.click()
        assert nav.is_visible()
        assert toggle.get_attribute("aria-expanded") == "true"
        assert nav.locator("a").first.inner_text() == "Dashboard"
        page.screenshot(path=str(shots / "dashboard-phone-menu.png"))
        toggle.click()
        assert not nav.is_visible()

        page.click("details.user-menu > summary")
        panel = page.locator("details.user-menu .menu-panel")
        assert panel.is_visible()
        box = panel.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
        page.screenshot(path=str(shots / "user-menu-phone.png"), animations="disabled")
        assert not problems, problems
    finally:
        context.close()


def test_vendored_echarts_draws_a_declared_chart(server, browser):
    """The chart helper later pages use: an option in json_script, a div naming it."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    problems = _watch_for_problems(page)
    try:
        page.goto(f"{server}/login/")
        page.evaluate(
            """() => {
                const option = document.createElement("script");
                option.type = "application/json";
                option.id = "demo-chart";
                option.textContent = JSON.stringify({
                    xAxis: {type: "category", data: ["a", "b", "c"]},
                    yAxis: {type: "value"},
                    series: [{type: "bar", data: [3, 1, 2]}],
                });
                const box = document.createElement("div");
                box.className = "chart";
                box.setAttribute("data-chart", "demo-chart");
                document.querySelector("main").append(option, box);
            }"""
        )
        for script in (
            "vendor/echarts/echarts.min.js",
            "vendor/echarts/i18n/langKO.js",
            "kefu/charts.js",
        ):
            page.add_script_tag(url=f"{server}/static/{script}")
        page.evaluate("window.kefuCharts.draw(document)")
        assert page.locator("[data-chart=demo-chart] svg").count() == 1
        assert page.locator("[data-chart=demo-chart] svg path").count() >= 3
        assert not problems, problems
    finally:
        context.close()
