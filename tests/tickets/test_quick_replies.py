"""Quick replies (快捷短语): /shortcut → the reply in the customer's language, with the
ticket's customer, order, waybill and refund amount filled in (000-(4) §4)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from kefu.core.errors import DomainError, NotAllowed
from kefu.core.roles import Role
from kefu.tickets import quick_replies, services
from kefu.tickets.models import Message, QuickReply
from tests.factories import make_customer, make_order, make_shop

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages are checked in English, whatever language an earlier test left active."""
    with translation.override("en"):
        yield


REFUND = {
    "body_zh": "{name}您好，订单{order}的退款{refund_amount}将在7天内原路退回。客服{agent}",
    "body_ko": (
        "{name}님, 주문 {order}의 환불 {refund_amount}은 7일 이내에 처리됩니다. 상담원 {agent}"
    ),
    "body_en": (
        "Hi {name}, the refund of {refund_amount} for order {order} arrives within 7 days. {agent}"
    ),
}


@pytest.fixture
def shared_refund(lead):
    return quick_replies.save_quick_reply(
        actor=lead, shortcut="/refund7", title="7天退款", shared=True, **REFUND
    )


def ticket_for(shop, language: str, *, with_order: bool = True, waybill: str = "SF1001"):
    customer = make_customer(name={"zh-hans": "王芳", "ko": "김민지", "en": "Emma Smith"}[language])
    order = (
        make_order(
            shop=shop,
            customer=customer,
            amount="199.50",
            external_id="TB880011",
            waybill=waybill,
            carrier="顺丰",
        )
        if with_order
        else None
    )
    return services.create_ticket(
        actor=None,
        customer=customer,
        shop=shop,
        subject="",
        body="退款",
        order=order,
        language=language,
    )


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("zh-hans", "王芳您好，订单TB880011的退款¥199.50将在7天内原路退回。客服Li Na"),
        ("ko", "김민지님, 주문 TB880011의 환불 ¥199.50은 7일 이내에 처리됩니다. 상담원 Li Na"),
        (
            "en",
            "Hi Emma Smith, the refund of ¥199.50 for order TB880011 arrives within 7 days. Li Na",
        ),
    ],
)
def test_a_shortcut_expands_in_the_customers_language_with_the_variables_filled(
    make_user, shop, shared_refund, language, expected
):
    agent = make_user(Role.AGENT, "lina", display_name="Li Na")
    ticket = ticket_for(shop, language)
    expansion = quick_replies.expand(user=agent, ticket=ticket, shortcut="/refund7")
    assert (expansion.text, expansion.language, expansion.missing) == (expected, language, [])


def test_without_a_text_in_the_language_english_is_used(agent, lead, shop):
    quick_replies.save_quick_reply(
        actor=lead, shortcut="hello", title="Hello", shared=True, body_en="Hello {name}!"
    )
    ticket = ticket_for(shop, "ko")
    expansion = quick_replies.expand(user=agent, ticket=ticket, shortcut="hello")
    assert (expansion.text, expansion.language) == ("Hello 김민지!", "en")


def test_the_waybill_carries_the_carrier_and_a_missing_value_is_reported(agent, lead, shop):
    quick_replies.save_quick_reply(
        actor=lead, shortcut="ship", title="发货", shared=True, body_zh="您的快递：{waybill}"
    )
    with_waybill = ticket_for(shop, "zh-hans")
    assert quick_replies.expand(user=agent, ticket=with_waybill, shortcut="ship").text == (
        "您的快递：顺丰 SF1001"
    )
    no_order = ticket_for(shop, "zh-hans", with_order=False)
    expansion = quick_replies.expand(user=agent, ticket=no_order, shortcut="ship")
    assert expansion.text == "您的快递：{waybill}" and expansion.missing == ["waybill"]
    with pytest.raises(DomainError, match=r"Fill in \{waybill\}"):
        services.post_message(actor=agent, ticket=no_order, kind="reply", body=expansion.text)
    # a note may keep the placeholder: it is the team's own
    services.post_message(actor=agent, ticket=no_order, kind="note", body=expansion.text)


def test_a_refund_amount_source_wins_over_the_paid_amount(agent, lead, shop):
    quick_replies.save_quick_reply(
        actor=lead, shortcut="amt", title="金额", shared=True, body_zh="{refund_amount}"
    )
    ticket = ticket_for(shop, "zh-hans")
    quick_replies.REFUND_AMOUNT_SOURCES.append(lambda t: Decimal("59.9"))
    try:
        assert quick_replies.expand(user=agent, ticket=ticket, shortcut="amt").text == "¥59.90"
    finally:
        quick_replies.REFUND_AMOUNT_SOURCES.pop()


def test_an_unknown_variable_is_refused_naming_the_valid_ones(agent, shop):
    with pytest.raises(DomainError) as refused:
        quick_replies.save_quick_reply(
            actor=agent, shortcut="coupon", title="券", body_zh="送您{coupon_code}"
        )
    assert refused.value.code == "validation_error"
    message = refused.value.fields["body_zh"][0]
    assert "{coupon_code}" in message
    for name in ("{name}", "{order}", "{waybill}", "{refund_amount}", "{agent}"):
        assert name in message
    # a text stored some other way is refused at expansion, with the same list
    QuickReply.objects.create(shortcut="old", title="old", owner=agent, body_en="{nickname}")
    with pytest.raises(DomainError, match=r"Valid variables: \{name\}"):
        quick_replies.expand(user=agent, ticket=ticket_for(shop, "en"), shortcut="old")


def test_a_personal_shortcut_hides_the_shared_one(agent, make_user, shop, shared_refund):
    mine = quick_replies.save_quick_reply(
        actor=agent, shortcut="refund7", title="我的退款话术", body_zh="亲，{name}，马上退"
    )
    ticket = ticket_for(shop, "zh-hans")
    assert quick_replies.find(agent, "/refund7", shop) == mine
    assert (
        quick_replies.expand(user=agent, ticket=ticket, shortcut="refund7").text
        == "亲，王芳，马上退"
    )
    colleague = make_user(Role.AGENT, "colleague")
    assert quick_replies.find(colleague, "refund7", shop) == shared_refund


def test_a_reply_for_one_shop_is_offered_on_that_shops_tickets_only(agent, lead, shop):
    coupang = make_shop(slug="coupang", name="쿠팡", platform="coupang", currency="KRW")
    quick_replies.save_quick_reply(
        actor=lead, shortcut="cp", title="쿠팡", shared=True, body_ko="쿠팡 안내", shop=coupang
    )
    assert quick_replies.find(agent, "cp", coupang) is not None
    assert quick_replies.find(agent, "cp", shop) is None


def test_only_leads_keep_the_shared_set(agent, lead, shared_refund):
    with pytest.raises(NotAllowed):
        quick_replies.save_quick_reply(
            actor=agent, shortcut="x", title="x", body_en="x", shared=True
        )
    with pytest.raises(NotAllowed):
        quick_replies.delete_quick_reply(actor=agent, reply=shared_refund)
    with pytest.raises(DomainError, match="already has /refund7"):
        quick_replies.save_quick_reply(
            actor=lead, shortcut="REFUND7", title="dup", body_en="x", shared=True
        )
    quick_replies.delete_quick_reply(actor=lead, reply=shared_refund)
    assert not QuickReply.objects.exists()


def test_shortcuts_are_checked(agent):
    for bad in ("", "/", "has space", "x" * 40, "a/b"):
        with pytest.raises(DomainError):
            quick_replies.save_quick_reply(actor=agent, shortcut=bad, title="t", body_en="x")
    reply = quick_replies.save_quick_reply(actor=agent, shortcut="/退款7", title="t", body_en="x")
    assert reply.shortcut == "退款7"


# ---------------------------------------------------------------- on the screens


def test_the_reply_box_expands_a_shortcut_through_the_server(agent, login, shop, shared_refund):
    ticket = ticket_for(shop, "zh-hans")
    client = login(agent)
    html = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert '"shortcut": "refund7"' in html  # the list the reply box suggests from
    response = client.post(f"/tickets/{ticket.pk}/expand/", {"shortcut": "/refund7"})
    assert response.json()["text"].startswith("王芳您好，订单TB880011")
    unknown = client.post(f"/tickets/{ticket.pk}/expand/", {"shortcut": "/nope"})
    assert unknown.status_code == 404 and "no quick reply" in unknown.json()["error"]


def test_sending_only_a_shortcut_shows_the_expansion_first(agent, login, shop, shared_refund):
    ticket = ticket_for(shop, "zh-hans")
    response = login(agent).post(
        f"/tickets/{ticket.pk}/messages/", {"kind": "reply", "body": "/refund7"}
    )
    html = response.content.decode()
    assert "王芳您好，订单TB880011的退款¥199.50" in html and "was filled in" in html
    assert not ticket.messages.filter(kind=Message.Kind.REPLY).exists()


def test_the_quick_replies_page_creates_edits_and_deletes(agent, login):
    client = login(agent)
    page = client.get("/tickets/quick-replies/").content.decode()
    assert "{refund_amount}" in page and "{waybill}" in page  # the variables are documented
    response = client.post(
        "/tickets/quick-replies/",
        {"shortcut": "thanks", "title": "感谢", "body_zh": "谢谢{name}", "shared": "on"},
    )
    assert response.status_code == 302
    reply = QuickReply.objects.get(shortcut="thanks")
    assert reply.owner == agent  # an agent cannot share: the box is disabled
    client.post(
        f"/tickets/quick-replies/{reply.pk}/",
        {
            "shortcut": "thanks",
            "title": "感谢您",
            "body_zh": "谢谢{name}",
            "body_en": "Thanks {name}",
        },
    )
    reply.refresh_from_db()
    assert reply.title == "感谢您" and reply.body_en == "Thanks {name}"
    refused = client.post(
        "/tickets/quick-replies/", {"shortcut": "bad", "title": "x", "body_en": "{foo}"}
    )
    assert refused.status_code == 400 and "Valid variables" in refused.content.decode()
    client.post(f"/tickets/quick-replies/{reply.pk}/delete/")
    assert not QuickReply.objects.filter(pk=reply.pk).exists()


def test_someone_elses_personal_reply_is_not_found(agent, make_user, login):
    other = make_user(Role.AGENT, "other")
    theirs = quick_replies.save_quick_reply(actor=other, shortcut="mine", title="t", body_en="x")
    assert login(agent).get(f"/tickets/quick-replies/{theirs.pk}/").status_code == 404
    assert login(agent).post(f"/tickets/quick-replies/{theirs.pk}/delete/").status_code == 404
