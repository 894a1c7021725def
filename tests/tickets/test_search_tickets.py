"""Search over tickets, their messages and customers in Chinese, Korean and English: on a
corpus the test writes, every query finds exactly the tickets a substring scan finds,
with or without filters, page after page, newest first, without collecting all matches."""

from __future__ import annotations

import datetime as dt
import random
import re
import unicodedata

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from kefu.customers.services import create_customer
from kefu.tickets import search, selectors, services
from kefu.tickets.models import Message, Ticket
from kefu.tickets.selectors import TicketFilters
from tests.factories import make_shop

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages are checked in English, whatever language an earlier test left active."""
    with translation.override("en"):
        yield


ZH = [
    *("退款", "退货", "申请退款", "快递", "物流", "发货", "尺码", "破损"),
    *("换货", "发票", "优惠券", "质量问题", "客服", "订单", "没收到", "颜色"),
]
KO = [
    *("환불", "환불해", "환불이", "배송", "배송이", "교환", "반품"),
    *("사이즈", "파손", "쿠폰", "주문", "문의", "영수증", "늦어요"),
]
EN = [
    *("refund", "refunded", "refunds", "delivery", "parcel", "damaged"),
    *("size", "exchange", "invoice", "coupon", "order", "late"),
]
NOW = timezone.now().replace(microsecond=0)


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


@pytest.fixture
def corpus(shop):
    """~150 tickets with 1-3 messages of random zh/ko/en words, two shops, all statuses."""
    rng = random.Random(20260101)
    shop2 = make_shop(name="쿠팡 스토어")
    customers = [create_customer(actor=None, name=f"Buyer {i}") for i in range(6)]
    texts: dict[int, list[str]] = {}
    tickets: dict[int, Ticket] = {}
    for _ in range(150):
        words = rng.choice([ZH, KO, EN])

        def sentence(words=words) -> str:
            glue = "" if words is ZH else " "
            return glue.join(rng.choice(words) for _ in range(rng.randint(2, 6)))

        created = NOW - dt.timedelta(hours=rng.randint(0, 24 * 60))
        ticket = Ticket.objects.create(
            shop=rng.choice([shop, shop2]),
            customer=rng.choice(customers),
            subject=sentence(),
            status=rng.choice(Ticket.Status.values),
            created_at=created,
        )
        bodies = [sentence() for _ in range(rng.randint(1, 3))]
        for n, body in enumerate(bodies):
            Message.objects.create(
                ticket=ticket,
                kind=rng.choice(["inbound", "reply", "note"]) if n else "inbound",
                body=body,
                created_at=created + dt.timedelta(minutes=n),
            )
        texts[ticket.pk] = [ticket.subject, *bodies]
        tickets[ticket.pk] = ticket
    search.reindex(tickets)
    return tickets, texts, rng


def brute(texts, query: str, keep=lambda pk: True) -> list[int]:
    """What an agent expects: CJK as a substring, an English word as a word prefix."""
    q = fold(query)
    if re.fullmatch(r"[a-z0-9]+", q):
        hits = [
            pk
            for pk, parts in texts.items()
            if any(w.startswith(q) for part in parts for w in re.findall(r"\w+", fold(part)))
        ]
    else:
        hits = [pk for pk, parts in texts.items() if any(q in fold(p) for p in parts)]
    return sorted((pk for pk in hits if keep(pk)), reverse=True)


def found(user, q: str, **filters) -> list[int]:
    listing = selectors.ticket_list(user, TicketFilters(view="all", q=q, **filters), NOW)
    return [t.pk for t in listing[0:1000]]


def test_every_substring_query_finds_exactly_what_a_scan_finds(agent, corpus):
    _tickets, texts, rng = corpus
    queries = [
        "退款",
        "申请退",
        "款",
        "환불",
        "불해",
        "배송이",
        "refund",
        "refunded",
        "REFUND",
        "deliv",
    ]
    for _ in range(40):  # random substrings of the corpus itself, 2 to 4 characters
        part = rng.choice(rng.choice(list(texts.values())))
        runs = re.findall(r"[\u4e00-\u9fff]{2,}|[\uac00-\ud7af]{2,}", part)
        if runs:
            run = rng.choice(runs)
            start = rng.randrange(0, len(run) - 1)
            queries.append(run[start : start + rng.randint(2, 4)])
    for q in queries:
        assert found(agent, q) == brute(texts, q), q


@pytest.mark.parametrize(
    ("narrow", "few"),
    [(0, 0), (3000, 0), (0, 2000)],
    ids=["walk-the-matches", "read-the-few", "rare-word-from-the-index"],
)
def test_search_combines_with_status_shop_and_dates(agent, corpus, shop, monkeypatch, narrow, few):
    """Every way gives the same answer: walking the newest matches and testing the
    filters, (filters leaving few tickets) reading those and testing them against the
    matches, or (PostgreSQL, a word few tickets have) listing its matches from the index."""
    monkeypatch.setattr(selectors, "NARROW", narrow)
    monkeypatch.setattr(selectors, "FEW_MATCHES", few)
    tickets, texts, _rng = corpus
    since = NOW - dt.timedelta(days=20)
    cases = [
        ({"statuses": ("open", "new")}, lambda pk: tickets[pk].status in ("open", "new")),
        ({"shop": shop.pk}, lambda pk: tickets[pk].shop_id == shop.pk),
        ({"created_from": since}, lambda pk: tickets[pk].created_at >= since),
        (
            {"shop": shop.pk, "statuses": ("solved",), "created_to": since},
            lambda pk: (
                tickets[pk].shop_id == shop.pk
                and tickets[pk].status == "solved"
                and tickets[pk].created_at < since
            ),
        ),
    ]
    for filters, keep in cases:
        for q in ("退款", "환불", "refund", "배송"):
            assert found(agent, q, **filters) == brute(texts, q, keep), (q, filters)


def test_results_page_newest_first(agent, corpus):
    _tickets, texts, _rng = corpus
    expected = brute(texts, "退")
    listing = selectors.ticket_list(agent, TicketFilters(view="all", q="退"), NOW)
    pages = [[t.pk for t in listing[i : i + 4]] for i in range(0, len(expected) + 4, 4)]
    assert [pk for page in pages for pk in page] == expected


def test_a_new_message_is_found_at_once(agent, corpus):
    tickets, _texts, _rng = corpus
    ticket = next(iter(tickets.values()))
    ticket.status = Ticket.Status.OPEN
    ticket.save()
    assert ticket.pk not in found(agent, "顺丰速运")
    services.add_message(actor=None, ticket=ticket, kind="inbound", body="我用顺丰速运寄回了")
    assert ticket.pk in found(agent, "顺丰速运")


def test_a_customers_name_or_phone_finds_their_tickets(agent, shop):
    customer = create_customer(actor=None, name="欧阳娜娜", phones=["+86 139 8765 4321"])
    ticket = services.create_ticket(
        actor=None, customer=customer, shop=shop, subject="", body="衣服什么时候到"
    )
    assert found(agent, "欧阳") == [ticket.pk]
    assert found(agent, "4321") == [ticket.pk]
    assert found(agent, "13987654321") == [ticket.pk]


def test_chinese_glued_to_digits_is_found(agent, shop):
    customer = create_customer(actor=None, name="Buyer")
    ticket = services.create_ticket(
        actor=None, customer=customer, shop=shop, subject="", body="订单123还没发货"
    )
    assert found(agent, "订单123") == [ticket.pk]
    assert found(agent, "单12") == [ticket.pk]


def test_nothing_searchable_finds_nothing(agent, corpus):
    assert found(agent, "!!!") == []
    assert found(agent, "不存在的词") == []


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's planner")
def test_search_streams_newest_matches_instead_of_collecting_them(agent, corpus, shop, monkeypatch):
    monkeypatch.setattr(selectors, "NARROW", 0)  # as when the shop has many tickets
    with CaptureQueriesContext(connection) as captured:
        found(agent, "退款", shop=shop.pk, statuses=("open",))
    (sql,) = [
        q["sql"]
        for q in captured.captured_queries
        if "MATCH" in q["sql"] and "CROSS JOIN" in q["sql"]
    ]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql)
        plan = [row[-1] for row in cursor.fetchall()]
    assert plan[0].startswith("SCAN search_tickets VIRTUAL TABLE"), plan
    assert "USING INTEGER PRIMARY KEY" in plan[1], plan
    assert not any("TEMP B-TREE" in step for step in plan), plan


def test_the_api_searches_with_filters(agent, api_as, corpus, shop):
    _tickets, texts, _rng = corpus
    tickets = _tickets
    body = api_as(agent).get(
        "/tickets", {"q": "환불", "shop_id": shop.pk, "status": ["open", "closed"], "limit": 200}
    )
    assert [t["id"] for t in body.json()["items"]] == brute(
        texts,
        "환불",
        lambda pk: tickets[pk].shop_id == shop.pk and tickets[pk].status in ("open", "closed"),
    )
