"""Languages: switching, remembering the choice, and no English left on translated pages."""

from __future__ import annotations

from html.parser import HTMLParser

import polib
import pytest
from django.conf import settings
from django.test import Client

from tests.conftest import PASSWORD

LOCALE = settings.BASE_DIR / "locale"
PO_NAMES = {"ko": "ko", "zh-hans": "zh_Hans"}


def switch(client: Client, language: str, next_url: str = "/"):
    return client.post("/language/", {"language": language, "next": next_url})


def test_switching_to_korean_renders_the_dashboard_in_korean(login, agent):
    client = login(agent)
    response = switch(client, "ko")
    assert response.status_code == 302
    assert response["Location"] == "/"
    html = client.get("/").content.decode()
    assert '<html lang="ko">' in html
    assert "대시보드" in html
    assert "로그아웃" in html
    assert "agent님, 환영합니다" in html
    agent.refresh_from_db()
    assert agent.language == "ko"


def test_switching_to_simplified_chinese_renders_the_dashboard_in_chinese(login, agent):
    client = login(agent)
    switch(client, "zh-hans")
    html = client.get("/").content.decode()
    assert '<html lang="zh-hans">' in html
    assert "工作台" in html
    assert "退出登录" in html
    assert "欢迎，agent" in html
    agent.refresh_from_db()
    assert agent.language == "zh-hans"


def test_the_choice_follows_the_user_into_a_new_session(agent):
    first = Client()
    assert first.post("/login/", {"username": "agent", "password": PASSWORD}).status_code == 302
    switch(first, "ko")
    first.post("/logout/")

    # another browser: no cookie, an English Accept-Language, yet the user's own choice wins
    second = Client(headers={"accept-language": "en"})
    assert second.get("/login/").content.decode().count("Sign in") >= 1
    assert second.post("/login/", {"username": "agent", "password": PASSWORD}).status_code == 302
    html = second.get("/").content.decode()
    assert "대시보드" in html


def test_anonymous_visitor_gets_the_login_page_in_the_browser_language(client, db):
    html = client.get("/login/", headers={"accept-language": "ko-KR,ko;q=0.9,en;q=0.5"}).content
    assert "kefu 로그인" in html.decode()
    html = client.get("/login/", headers={"accept-language": "zh-CN,zh;q=0.9"}).content
    assert "登录 kefu" in html.decode()


def test_anonymous_visitor_can_switch_language_before_signing_in(client, db):
    response = switch(client, "ko", "/login/?next=/")
    assert response["Location"] == "/login/?next=/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ko"
    assert "kefu 로그인" in client.get("/login/?next=/").content.decode()


def test_an_unknown_language_or_a_foreign_next_is_ignored(login, agent):
    client = login(agent)
    response = switch(client, "xx", "https://evil.example/")
    assert response["Location"] == "/"
    agent.refresh_from_db()
    assert agent.language == ""


# ---------------------------------------------------------------- nothing left in English


class _VisibleText(HTMLParser):
    """The text a person sees or hears: text nodes and the labelling attributes."""

    LABELS = ("title", "aria-label", "placeholder", "alt")

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in self.LABELS and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return "\n".join(parser.parts)


def interface_strings() -> list[str]:
    """Every English string of kefu's own screens (templates and web/*.py)."""
    catalog = polib.pofile(str(LOCALE / "ko" / "LC_MESSAGES" / "django.po"))
    found = []
    for entry in catalog:
        if entry.obsolete or entry.msgid == entry.msgstr:
            continue
        if any(path.startswith("web/") or path == "core/roles.py" for path, _ in entry.occurrences):
            # a string with placeholders is looked for by its longest fixed part
            fixed = max(entry.msgid.replace("%(", "\0").split("\0"), key=len)
            fixed = fixed.split(")s", 1)[-1].strip(" ,.:")
            if len(fixed) >= 4:
                found.append(fixed)
    return found


def test_the_catalogue_covers_the_interface():
    strings = interface_strings()
    assert "Dashboard" in strings and "Log out" in strings and "Language" in strings


@pytest.mark.parametrize("language", ["ko", "zh-hans"])
def test_pages_show_no_english_interface_text(language, login, make_user, client):
    english = interface_strings()
    pages = []
    for role in ("agent", "lead", "finance", "warehouse", "admin"):
        user = make_user(role, f"{role}-{language}", language=language)
        signed_in = login(user)
        pages.append((f"dashboard as {role}", signed_in.get("/")))
        pages.append((f"404 as {role}", signed_in.get("/missing/")))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    pages.append(("login", client.get("/login/")))
    pages.append(("login error", client.post("/login/", {"username": "x", "password": "y"})))

    for name, response in pages:
        assert response.headers["Content-Language"] == language, name
        text = visible_text(response.content.decode())
        # language names are shown in their own language on purpose
        for own_name in ("English", "简体中文", "한국어"):
            text = text.replace(own_name, "")
        leftovers = [s for s in english if s in text]
        assert not leftovers, f"{name} in {language} still shows English: {leftovers}"


def test_the_english_check_would_notice_english(login, agent):
    """Control for the test above: the same check on the English page finds plenty."""
    text = visible_text(login(agent).get("/").content.decode())
    found = [s for s in interface_strings() if s in text]
    assert {"Dashboard", "Log out", "Language", "My open tickets"} <= set(found)
