"""A lead and an agent on the follow-up screens in headless Chromium with the demo shop:
the call list, one call with its script, recording an attempt, and the measures charts;
and the customer's survey page on a phone and a desktop in each language."""

from __future__ import annotations

import json

import pytest

from tests.browser_support import kefu_server, requires_chromium, sign_in, watch_for_problems

pytestmark = requires_chromium

LANGUAGES = ("zh-hans", "ko", "en")

# After the demo: one open survey per language, their links written to a file.
SURVEY_LINKS = """
import json
from kefu.followups import surveys
from kefu.followups.models import Survey
links = {{}}
rows = list(Survey.objects.select_related("ticket").order_by("pk"))
for lang, survey in zip({languages!r}, rows):
    Survey.objects.filter(pk=survey.pk).update(
        language=lang, rating=None, comment="", answered_at=None
    )
    survey.refresh_from_db()
    links[lang] = surveys.token_for(survey)
open({path!r}, "w").write(json.dumps(links))
"""


@pytest.fixture(scope="module")
def links_file(tmp_path_factory):
    return tmp_path_factory.mktemp("survey-links") / "links.json"


@pytest.fixture(scope="module")
def server(tmp_path_factory, links_file):
    shell = SURVEY_LINKS.format(languages=LANGUAGES, path=str(links_file))
    with kefu_server(tmp_path_factory, demo=True, shell=shell) as base:
        yield base


def rating_layout(page) -> dict:
    return page.evaluate(
        """() => {
          const boxes = [...document.querySelectorAll('.rating-choice')]
            .map(l => l.getBoundingClientRect());
          const doc = document.documentElement;
          return {
            count: boxes.length,
            tops: boxes.map(b => Math.round(b.top)),
            lefts: boxes.map(b => Math.round(b.left)),
            minWidth: Math.min(...boxes.map(b => b.width)),
            minHeight: Math.min(...boxes.map(b => b.height)),
            overflow: doc.scrollWidth - doc.clientWidth,
          };
        }"""
    )


def test_the_survey_fits_a_phone_in_every_language(server, browser, shots, links_file):
    links = json.loads(links_file.read_text())
    assert sorted(links) == sorted(LANGUAGES)
    for lang in LANGUAGES:
        url = f"{server}/survey/{links[lang]}/"
        for width in (375, 1280):
            context = browser.new_context(
                viewport={"width": width, "height": 800}, java_script_enabled=False
            )
            page = context.new_page()
            problems = watch_for_problems(page)
            try:
                page.goto(url)
                assert page.locator("html").get_attribute("lang") == lang
                layout = rating_layout(page)
                assert layout["count"] == 5
                assert layout["overflow"] <= 0, f"{lang} {width}px scrolls sideways"
                assert len(set(layout["tops"])) == 1, f"{lang} {width}px: not one row"
                assert layout["lefts"] == sorted(layout["lefts"])
                assert layout["minWidth"] >= 44 and layout["minHeight"] >= 44  # tappable
                page.screenshot(path=str(shots / f"survey-{lang}-{width}.png"), full_page=True)
                assert problems == []
            finally:
                context.close()


def test_a_customer_answers_on_a_phone_without_javascript(server, browser, shots, links_file):
    links = json.loads(links_file.read_text())
    context = browser.new_context(
        viewport={"width": 375, "height": 740}, java_script_enabled=False, has_touch=True
    )
    page = context.new_page()
    try:
        url = f"{server}/survey/{links['ko']}/"
        page.goto(url)
        with page.expect_navigation():
            page.click(".survey-submit")  # no rating: a clear error, same page
        assert page.locator(".survey-error").count() == 1
        page.screenshot(path=str(shots / "survey-ko-375-error.png"), full_page=True)
        page.keyboard.press("Tab")  # keyboard users reach the choices and see where they are
        assert page.evaluate("document.activeElement.name") == "rating"
        focused = page.evaluate(
            "getComputedStyle(document.activeElement.nextElementSibling).outlineStyle"
        )
        assert focused != "none"
        page.keyboard.press("ArrowRight")
        assert page.is_checked("#rating-2")
        page.click("label[for=rating-4]")
        assert page.is_checked("#rating-4")
        page.fill("#comment", "배송이 빨랐어요")
        page.screenshot(path=str(shots / "survey-ko-375-checked.png"), full_page=True)
        with page.expect_navigation():
            page.click(".survey-submit")
        assert page.locator(".survey-done h1").count() == 1
        assert rating_layout(page)["overflow"] <= 0
        page.screenshot(path=str(shots / "survey-ko-375-thanks.png"), full_page=True)
        page.goto(f"{server}/survey/not-a-real-link/")
        assert page.locator(".survey-refused h1").count() == 1
        page.screenshot(path=str(shots / "survey-375-refused.png"), full_page=True)
    finally:
        context.close()


def test_a_lead_works_a_call_and_reads_the_measures(server, browser, shots):
    context = browser.new_context(viewport={"width": 1366, "height": 860}, locale="zh-CN")
    page = context.new_page()
    problems = watch_for_problems(page)
    try:
        sign_in(page, server, "lead")
        page.goto(f"{server}/followups/")
        page.screenshot(path=str(shots / "followups-calls.png"), full_page=True)
        link = page.locator("#calls-overdue a.cell-main").first
        with page.expect_navigation():
            link.click()
        assert page.locator(".call-script").count() == 1
        page.check("input[name=outcome][value=no_answer]")
        with page.expect_navigation():
            page.click("form[action$='/attempt/'] button[type=submit]")
        assert page.locator("#attempts-title").count() == 1
        assert page.locator("table >> text=/无人接听|No answer/").count() >= 1
        page.goto(f"{server}/followups/measures/")
        page.wait_for_selector("[data-chart=followup-satisfaction] svg")
        page.screenshot(path=str(shots / "followups-measures.png"), full_page=True)
        assert problems == []
    finally:
        context.close()
