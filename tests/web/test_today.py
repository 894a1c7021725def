"""The lead's Today page: every feature's overdue items in one list, longest overdue first."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kefu.web import overdue

pytestmark = pytest.mark.django_db


@pytest.fixture
def sources(monkeypatch):
    """Only the sources a test registers (the real ones are covered by their features)."""
    monkeypatch.setattr(overdue, "_sources", {})
    return overdue


def test_items_of_every_source_in_one_list_longest_overdue_first(sources, login, lead):
    now = timezone.now()

    def calls(user, at):
        yield overdue.OverdueItem("回访 王芳", "/followups/7/", at - dt.timedelta(hours=2), "agent")
        yield overdue.OverdueItem("Call Kim", "/followups/8/", at + dt.timedelta(hours=1))

    def complaints(user, at):
        yield overdue.OverdueItem("投诉 #3", "/complaints/3/", at - dt.timedelta(days=2), "lead")

    sources.register("followup", "Follow-up calls", calls)
    sources.register("complaint", "Complaints", complaints)

    rows = overdue.collect(lead, now)
    assert [r.item.title for r in rows] == ["投诉 #3", "回访 王芳", "Call Kim"]
    assert [r.overdue for r in rows] == [True, True, False]

    html = login(lead).get("/today/").content.decode()
    assert html.index("投诉 #3") < html.index("回访 王芳") < html.index("Call Kim")
    assert 'href="/complaints/3/"' in html
    assert html.count('class="row-overdue"') == 2


def test_nothing_due_says_so_and_names_what_was_checked(sources, login, lead):
    sources.register("review", "Reviews", lambda user, at: [])
    html = login(lead).get("/today/").content.decode()
    assert "Nothing is overdue or due today." in html
    assert "Reviews" in html


def test_agents_finance_and_warehouse_may_not_open_it(login, agent, finance, warehouse):
    for user in (agent, finance, warehouse):
        assert login(user).get("/today/").status_code == 403


def test_the_dashboard_shows_what_is_due_for_the_user(sources, login, agent, lead):
    def calls(user, at):
        if user.username == "agent":  # each source decides what a user may see
            yield overdue.OverdueItem("回访 王芳", "/followups/7/", at - dt.timedelta(hours=2))

    sources.register("followup", "Follow-up calls", calls)
    html = login(agent).get("/").content.decode()
    assert "回访 王芳" in html and 'href="/followups/7/"' in html
    assert 'href="/today/"' not in html  # the full Today page is the lead's
    html = login(lead).get("/").content.decode()
    assert "回访 王芳" not in html and "Nothing is overdue or due today" in html
    assert 'href="/today/"' in html
