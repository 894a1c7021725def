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

import pytest

from tests.browser_support import (
    PASSWORD,
    kefu_server,
    requires_chromium,
    sign_in,
    watch_for_problems,
)

pytestmark = requires_chromium


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """Base URL of a running `kefu serve` with an admin and an agent named Li Na."""
    shell = (
        "from kefu.core.models import User; "
        f"User.objects.create_user(username='lina', password='{PASSWORD}', "
        "role='agent', display_name='Li Na'); "
        f"User.objects.create_user(username='weijie', password='{PASSWORD}', "
        "role='lead', display_name='Zhang Weijie')"
    )
    with kefu_server(tmp_path_factory, shell=shell) as base:
        yield base


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


def test_sign_in_switch_languages_and_sign_out_on_a_laptop(server, browser, shots):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    page = context.new_page()
    problems = watch_for_problems(page)
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
        assert page.locator("a[href='/admin/']").count() == 0
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
    problems = watch_for_problems(page)
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
        # a group opens in place, its screens listed under it
        group = nav.locator("details.nav-menu").first
        group.locator("summary").click()
        first = group.locator("a.menu-item").first
        assert first.is_visible()
        box = first.bounding_box()
        assert box is not None and box["x"] + box["width"] <= 390
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(shots / "dashboard-phone-menu-group.png"))
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


# Whether the top bar fits: every entry it shows, and the boxes it must stay clear of.
_TOP_BAR_BOXES = """() => {
  const box = (el) => {
    const r = el.getBoundingClientRect();
    return {x: r.x, y: r.y, right: r.right, bottom: r.bottom, text: el.innerText};
  };
  const shown = (el) => el.getClientRects().length > 0;
  return {
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    entries: [...document.querySelectorAll(
      "nav.primary-nav > a, nav.primary-nav > details > summary")].filter(shown).map(box),
    tools: [...document.querySelectorAll(
      ".topbar-tools > details > summary, .brand")].filter(shown).map(box),
  };
}"""


def _overlaps(a: dict, b: dict) -> bool:
    return (
        a["x"] < b["right"]
        and b["x"] < a["right"]
        and a["y"] < b["bottom"]
        and b["y"] < a["bottom"]
    )


@pytest.mark.parametrize("language", ["en", "zh-hans", "ko"])
def test_the_top_bar_fits_from_a_small_laptop_up(server, browser, shots, language):
    """Admin and lead see the most entries; the bar holds them on one line beside the
    language and user menus at 1024, 1400 and 1920 px, and the groups open as menus."""
    context = browser.new_context(viewport={"width": 1024, "height": 800})
    page = context.new_page()
    problems = watch_for_problems(page)
    try:
        for username in ("admin", "weijie"):
            sign_in(page, server, username)
            page.evaluate(
                "(code) => fetch('/language/', {method: 'POST', body: new URLSearchParams("
                "{language: code, next: '/', csrfmiddlewaretoken: document.querySelector("
                "'[name=csrfmiddlewaretoken]').value})})",
                language,
            )
            page.goto(f"{server}/aftersales/")
            assert page.locator("html").get_attribute("lang") == language
            for width in (1024, 1400, 1920):
                page.set_viewport_size({"width": width, "height": 800})
                bar = page.evaluate(_TOP_BAR_BOXES)
                assert bar["scrollWidth"] <= bar["innerWidth"], (username, width, bar)
                assert len(bar["entries"]) >= 8, (username, width, bar["entries"])
                middles = [(entry["y"] + entry["bottom"]) / 2 for entry in bar["entries"]]
                assert max(middles) - min(middles) < 2, f"the entries wrap: {bar}"
                for entry in bar["entries"]:
                    assert entry["right"] <= width, (username, width, entry)
                    for tool in bar["tools"]:
                        assert not _overlaps(entry, tool), (username, width, entry, tool)
                page.screenshot(path=str(shots / f"topbar-{username}-{language}-{width}.png"))

            # the page's group is marked, and opens by keyboard; Escape and a click away close it
            group = page.locator("nav.primary-nav details.nav-menu.is-current")
            assert group.count() == 1
            group.locator("summary").focus()
            page.keyboard.press("Enter")
            panel = group.locator(".menu-panel")
            assert panel.is_visible()
            page.screenshot(
                path=str(shots / f"topbar-menu-{username}-{language}.png"), animations="disabled"
            )
            assert panel.locator("a[aria-current=page]").get_attribute("href") == "/aftersales/"
            panel_box = panel.bounding_box()
            assert panel_box is not None and panel_box["x"] + panel_box["width"] <= 1920
            page.keyboard.press("Escape")
            assert not panel.is_visible()
            group.locator("summary").click()
            assert panel.is_visible()
            page.click("main h1")
            assert not panel.is_visible()

            page.click("details.user-menu > summary")
            with page.expect_navigation():
                page.click("details.user-menu button.danger-item")
        assert not problems, problems
    finally:
        context.close()


def test_vendored_echarts_draws_a_declared_chart(server, browser):
    """The chart helper later pages use: an option in json_script, a div naming it."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    problems = watch_for_problems(page)
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
