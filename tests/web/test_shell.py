"""The page shell: signing in and out, navigation by role, menus, messages, error pages."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.contrib.messages import constants, get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client, RequestFactory
from django.urls import include, path, reverse

from kefu.web import context, views
from kefu.web.context import Link, Menu, build_navigation, nav_links
from kefu.web.decorators import staff_required
from tests.conftest import PASSWORD

STATIC = Path(__file__).resolve().parents[2] / "src" / "kefu" / "web" / "static"


# ---------------------------------------------------------------- signing in and out


def test_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/"


def test_login_page_renders_a_form_and_the_language_switcher(client, db):
    response = client.get("/login/?next=/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="username"' in html and 'name="password"' in html
    assert 'name="next" value="/"' in html
    # the language switcher is there before signing in too
    assert 'action="/language/"' in html
    for code in ("en", "zh-hans", "ko"):
        assert f'name="language" value="{code}"' in html
    assert "Log out" not in html


def test_signing_in_with_username_and_password_opens_the_dashboard(client, agent):
    response = client.post("/login/", {"username": "agent", "password": PASSWORD, "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    dashboard = client.get("/")
    assert dashboard.status_code == 200
    assert "Welcome, agent" in dashboard.content.decode()


def test_a_wrong_password_is_reported_clearly(client, agent):
    response = client.post("/login/", {"username": "agent", "password": "wrong"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "Please enter a correct username and password" in html
    assert client.get("/").status_code == 302


def test_logging_out_is_a_post_and_ends_the_session(login, agent):
    client = login(agent)
    assert client.get("/logout/").status_code == 405
    response = client.post("/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert client.get("/")["Location"].startswith("/login/")


# ---------------------------------------------------------------- shell


def test_dashboard_shows_name_role_navigation_and_user_menu(login, make_user):
    user = make_user("agent", "wangfang", display_name="王芳")
    html = login(user).get("/").content.decode()
    assert "Welcome, 王芳" in html
    assert '<a href="/" aria-current="page">Dashboard</a>' in html
    assert 'class="menu user-menu"' in html
    assert ">Agent<" in html  # role shown next to the name
    assert "wangfang" in html  # the user name under the display name
    assert 'action="/logout/"' in html
    assert "My open tickets" in html and "Overdue follow-ups" in html
    assert "stat-value is-empty" not in html  # every card of an agent is counted


def _bar(user, path="/"):
    """The top bar as labels: a link is its label, a menu is (label, [its labels])."""
    return [
        (str(e["label"]), [str(i["label"]) for i in e["items"]])
        if e.get("is_menu")
        else str(e["label"])
        for e in build_navigation(user, path)
    ]


def test_the_top_bar_groups_the_screens_of_a_lead(lead):
    assert _bar(lead) == [
        "Dashboard",
        "Today",
        "Inbox",
        "Escalations",
        "Customers",
        "Orders",
        ("After-sales", ["After-sales cases", "Refunds to pay", "Carrier claims"]),
        ("Customer care", ["Complaints", "Calls", "Reviews", "Retention"]),
        "Search",
    ]


def test_a_menu_holds_only_what_the_role_may_open(finance, warehouse, admin_user):
    finance_bar = _bar(finance)
    assert ("After-sales", ["After-sales cases", "Refunds to pay", "Carrier claims"]) in finance_bar
    assert not any(isinstance(e, tuple) and e[0] == "Customer care" for e in finance_bar)
    assert "Escalations" not in finance_bar and "Today" not in finance_bar
    assert ("After-sales", ["After-sales cases", "Warehouse desk", "Carrier claims"]) in _bar(
        warehouse
    )
    # the admin sees every screen of the top bar, each once
    shown = [i for e in _bar(admin_user) for i in (e[1] if isinstance(e, tuple) else [e])]
    assert shown == [str(link.label) for link in nav_links()]


def test_every_screen_of_the_top_bar_exists():
    for link in nav_links():
        assert reverse(link.url_name), link


def test_a_menu_with_one_screen_of_the_user_is_a_plain_link(monkeypatch, finance):
    monkeypatch.setattr(
        context,
        "NAV",
        [
            Menu(
                "Team",
                (
                    Link("web:today", "Today", "overdue.view"),
                    Link("aftersales:finance", "Refunds to pay", "finance.view"),
                ),
            ),
            Menu("Hidden", (Link("web:today", "Today", "overdue.view"),)),
        ],
    )
    assert _bar(finance) == ["Refunds to pay"]


def test_the_current_screen_and_its_menu_are_marked(login, warehouse):
    html = login(warehouse).get("/aftersales/warehouse/").content.decode()
    assert '<details class="menu nav-menu is-current">' in html
    assert 'href="/aftersales/warehouse/" aria-current="page">Warehouse desk</a>' in html
    assert html.count('aria-current="page"') == 1
    # on the dashboard no menu is current
    html = login(warehouse).get("/").content.decode()
    assert "is-current" not in html
    assert '<a href="/" aria-current="page">Dashboard</a>' in html


def test_search_shows_an_icon_with_its_label_for_screen_readers(login, agent):
    html = login(agent).get("/tickets/search/").content.decode()
    match = re.search(r'<a class="nav-icon" href="/tickets/search/"[^>]*>(.*?)</a>', html)
    assert match, html
    assert 'title="Search"' in match.group(0) and 'aria-current="page"' in match.group(0)
    assert '<span class="nav-label">Search</span>' in match.group(1)


def test_dashboard_cards_follow_the_role(login, finance, warehouse, lead):
    assert "Refunds to confirm" in login(finance).get("/").content.decode()
    assert "Parcels to inspect" in login(warehouse).get("/").content.decode()
    assert "Solutions to approve" in login(lead).get("/").content.decode()


def test_time_zone_of_the_user_is_shown(login, make_user):
    html = login(make_user("agent", "seoul", time_zone="Asia/Seoul")).get("/").content.decode()
    assert '<dd class="user-time-zone">Asia/Seoul</dd>' in html
    assert "Times are shown in Asia/Seoul" in html
    html = login(make_user("agent", "shop-default")).get("/").content.decode()
    assert '<dd class="user-time-zone">Asia/Shanghai</dd>' in html


def test_htmx_is_loaded_with_the_csrf_header(login, agent):
    client = login(agent)
    html = client.get("/").content.decode()
    assert '<script src="/static/vendor/htmx/htmx.min.js"' in html
    match = re.search(r"""hx-headers='\{"X-CSRFToken": "([A-Za-z0-9]+)"\}'""", html)
    assert match, "the body carries the CSRF token for htmx requests"


def test_agent_sees_no_admin_link_and_is_kept_out_of_admin(login, agent):
    client = login(agent)
    html = client.get("/").content.decode()
    assert "/admin/" not in html
    # Django admin refuses every role but admin, for every page of it.
    for url in ("/admin/", "/admin/login/", "/admin/core/user/", "/admin/core/auditentry/"):
        assert client.get(url).status_code == 403, url


@pytest.mark.parametrize("role", ["lead", "finance", "warehouse"])
def test_no_role_but_admin_opens_django_admin(login, make_user, role):
    assert login(make_user(role)).get("/admin/").status_code == 403


def test_anonymous_visitor_of_admin_is_sent_to_sign_in(client):
    response = client.get("/admin/")
    assert response.status_code == 302 and "login" in response["Location"]


def test_admin_sees_the_admin_link_and_can_open_it(login, admin_user):
    client = login(admin_user)
    html = client.get("/").content.decode()
    assert 'href="/admin/"' in html
    assert client.get("/admin/").status_code == 200


def test_flash_messages_are_shown_and_dismissable(agent, db):
    request = RequestFactory().get("/")
    request.user = agent
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    request._messages.add(constants.SUCCESS, "Ticket #12 saved.")
    request._messages.add(constants.ERROR, "The refund could not be confirmed.")
    html = views.dashboard(request).content.decode()
    assert 'class="flash flash-success" role="status"' in html
    assert 'class="flash flash-error" role="alert"' in html
    assert "Ticket #12 saved." in html
    assert html.count('data-dismiss=".flash"') == 2
    assert get_messages(request).used, "shown messages are consumed"


def test_unknown_page_is_a_friendly_404(login, agent, client):
    response = login(agent).get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html and "Back to the dashboard" in html
    assert client.get("/no-such-page/").status_code == 404


@staff_required("reports.view")
def _reports_only(request):  # pragma: no cover - an agent never gets here
    raise AssertionError("reached")


urlpatterns = [path("lead-only/", _reports_only), path("", include("kefu.urls"))]


def test_forbidden_page_is_a_friendly_403(login, agent, settings):
    settings.ROOT_URLCONF = __name__
    response = login(agent).get("/lead-only/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "This page is not open to your role" in html
    assert "You are signed in as Agent" in html
    assert "Back to the dashboard" in html


# ---------------------------------------------------------------- assets


@pytest.mark.parametrize(
    "path",
    [
        "vendor/htmx/htmx.min.js",
        "vendor/htmx/LICENSE",
        "vendor/echarts/echarts.min.js",
        "vendor/echarts/i18n/langKO.js",
        "vendor/echarts/LICENSE",
        "vendor/echarts/NOTICE",
        "kefu/kefu.css",
        "kefu/kefu.js",
        "kefu/charts.js",
        "kefu/favicon.svg",
    ],
)
def test_assets_are_vendored_and_served_offline(client, db, path):
    assert (STATIC / path).is_file()
    response = client.get(f"/static/{path}")
    assert response.status_code == 200


def test_pages_load_nothing_from_other_hosts(login, agent):
    for client, url in ((Client(), "/login/"), (login(agent), "/")):
        html = client.get(url).content.decode()
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", html), url


def test_no_static_file_is_ignored_by_git():
    """A vendored file git ignores (say, under a dist/ folder) would be missing from a clone."""
    if shutil.which("git") is None or not (STATIC.parents[3] / ".git").exists():
        pytest.skip("not a git work tree")
    result = subprocess.run(
        ["git", "ls-files", "--others", "--ignored", "--exclude-standard", str(STATIC)],
        capture_output=True,
        text=True,
        cwd=STATIC,
        check=True,
    )
    ignored = [line for line in result.stdout.splitlines() if line.strip()]
    assert not ignored, f"git ignores these static files: {ignored}"


def test_vendored_versions_are_the_pinned_ones():
    assert (STATIC / "vendor/htmx/VERSION").read_text().split() == ["htmx.org", "2.0.11"]
    assert (STATIC / "vendor/echarts/VERSION").read_text().split() == ["echarts", "6.1.0"]
    assert 'version:"2.0.11"' in (STATIC / "vendor/htmx/htmx.min.js").read_text()
    assert 'version="6.1.0"' in (STATIC / "vendor/echarts/echarts.min.js").read_text()


def test_a_stale_form_gets_a_friendly_translated_csrf_page(db):
    client = Client(enforce_csrf_checks=True, headers={"accept-language": "ko"})
    response = client.post("/login/", {"username": "agent", "password": "x"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "페이지를 새로 고쳐 주세요" in html
    assert 'href="/"' in html
