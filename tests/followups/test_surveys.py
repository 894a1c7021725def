"""The satisfaction survey: one-click link without login, one answer per ticket, in the
customer's language; tampered, foreign, expired or used links change nothing."""

from __future__ import annotations

import time
from unittest import mock

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from kefu.followups import surveys
from kefu.followups.models import Survey
from kefu.tickets.models import Message
from tests.factories import make_customer, make_ticket

from .conftest import at

pytestmark = pytest.mark.django_db


def solved_ticket(shop, customer=None, **kw):
    return make_ticket(
        shop=shop,
        customer=customer or make_customer(),
        status="solved",
        solved_at=kw.pop("solved_at", at(2026, 3, 2, 9, 0)),
        **kw,
    )


@pytest.fixture
def survey(clock, sh_shop):
    ticket = solved_ticket(sh_shop, language="ko")
    return surveys.create_survey(actor=None, ticket=ticket)[0]


def url(survey_or_token) -> str:
    token = (
        survey_or_token if isinstance(survey_or_token, str) else surveys.token_for(survey_or_token)
    )
    return reverse("survey:answer", args=[token])


def test_the_sweep_gives_each_solved_ticket_one_survey(clock, sh_shop):
    solved = solved_ticket(sh_shop)
    open_ticket = make_ticket(shop=sh_shop, customer=make_customer())
    old = solved_ticket(sh_shop, solved_at=at(2026, 1, 1, 9, 0))
    assert surveys.create_for_solved() == 1
    assert surveys.create_for_solved() == 0
    assert list(Survey.objects.values_list("ticket_id", flat=True)) == [solved.pk]
    assert not Survey.objects.filter(ticket__in=[open_ticket, old]).exists()


def test_an_unsolved_ticket_gets_no_survey(clock, sh_shop, agent):
    from kefu.core.errors import Conflict

    with pytest.raises(Conflict):
        surveys.create_survey(
            actor=agent, ticket=make_ticket(shop=sh_shop, customer=make_customer())
        )


def test_the_customer_answers_with_one_click_in_their_language(survey):
    page = Client().get(url(survey))
    assert page.status_code == 200
    assert 'lang="ko"' in page.content.decode()
    answered = Client().post(url(survey), {"rating": "4", "comment": "친절했어요"})
    assert answered.status_code == 200
    survey.refresh_from_db()
    assert (survey.rating, survey.comment) == (4, "친절했어요")
    assert survey.answered_at is not None


def test_a_second_answer_changes_nothing(survey):
    Client().post(url(survey), {"rating": "5"})
    again = Client().post(url(survey), {"rating": "1", "comment": "changed my mind"})
    assert again.status_code == 200
    survey.refresh_from_db()
    assert survey.rating == 5 and survey.comment == ""
    with pytest.raises(surveys.AlreadyAnswered):
        surveys.answer(token=surveys.token_for(survey), rating=2)


def test_an_altered_token_is_refused_and_changes_nothing(survey):
    token = surveys.token_for(survey)
    altered = token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB")
    page = Client().post(url(altered), {"rating": "1"})
    assert page.status_code == 404
    assert "not valid" in page.content.decode()
    survey.refresh_from_db()
    assert survey.rating is None


def test_a_token_cannot_be_pointed_at_someone_elses_ticket(survey, sh_shop):
    other = surveys.create_survey(actor=None, ticket=solved_ticket(sh_shop))[0]
    # the right signature over another survey's id with our nonce: signed by the attacker
    forged = signing.dumps({"s": other.pk, "n": survey.nonce}, salt=surveys.SALT)
    assert Client().post(url(forged), {"rating": "1"}).status_code == 404
    # a token signed with another salt (another feature's token) is refused too
    foreign = signing.dumps({"s": other.pk, "n": other.nonce}, salt="kefu.portal")
    assert Client().post(url(foreign), {"rating": "1"}).status_code == 404
    other.refresh_from_db()
    assert other.rating is None


def test_a_bad_rating_gets_a_clear_error(survey):
    page = Client().post(url(survey), {"rating": "9"})
    assert page.status_code == 400
    assert "1 to 5" in page.content.decode() or "1" in page.content.decode()
    survey.refresh_from_db()
    assert survey.answered_at is None


def test_an_expired_link_is_refused(survey):
    token = surveys.token_for(survey)  # signed now, checked 31 days later
    later = time.time() + 31 * 86400
    with mock.patch.object(time, "time", return_value=later):
        with pytest.raises(surveys.LinkExpired):
            surveys.survey_for_token(token)
        page = Client().get(url(token))
    assert page.status_code == 410
    assert "expired" in page.content.decode()


def test_the_database_keeps_one_survey_per_ticket(survey):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Survey.objects.create(
            ticket=survey.ticket,
            customer=survey.customer,
            nonce="x",
            language="en",
            created_at=survey.created_at,
        )


def test_the_agent_sends_the_link_as_a_reply_recorded_on_the_ticket(survey, agent):
    sent = surveys.send_link(actor=agent, survey=survey, base_url="https://kefu.example.com/")
    assert sent.sent_by == agent and sent.sent_at is not None
    reply = survey.ticket.messages.filter(kind=Message.Kind.REPLY).get()
    assert "https://kefu.example.com/survey/" in reply.body
    assert surveys.token_for(survey) in reply.body


def test_the_ticket_panel_shows_the_answer(survey, agent, login):
    surveys.answer(token=surveys.token_for(survey), rating=2, comment="太慢了")
    page = login(agent).get(reverse("followups:ticket_survey", args=[survey.ticket_id]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "2 / 5" in body and "太慢了" in body


def test_stats_average_and_distribution(clock, sh_shop):
    for rating in (5, 4, 4, 1):
        s = surveys.create_survey(actor=None, ticket=solved_ticket(sh_shop))[0]
        surveys.answer(token=surveys.token_for(s), rating=rating)
    data = surveys.stats()
    assert data["answered"] == 4
    assert data["average"] == 3.5
    assert data["distribution"] == {1: 1, 2: 0, 3: 0, 4: 2, 5: 1}


def test_the_ticket_panel_sends_the_link_and_refuses_roles_that_do_not_work_tickets(
    survey, agent, finance, login
):
    url_ = reverse("followups:ticket_survey", args=[survey.ticket_id])
    assert login(finance).post(url_).status_code == 403
    response = login(agent).post(url_, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "Send the link again" in response.content.decode()
    survey.refresh_from_db()
    assert survey.sent_by == agent
    assert survey.ticket.messages.filter(kind=Message.Kind.REPLY).count() == 1
