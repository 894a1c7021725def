"""`kefu demo`: a realistic demo shop that loads once, resets only itself, and adds up."""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.db.models.expressions import RawSQL
from django.utils import timezone

from kefu.core import demo
from kefu.core.demo import ALREADY_LOADED, DEMO_SHOP_SLUGS, DemoError, load_demo
from kefu.core.demo_data import people
from kefu.core.demo_data import scenarios as sc
from kefu.core.models import AuditEntry, Shop, User
from kefu.customers import normalize
from kefu.customers.models import Customer, CustomerEmail, CustomerPhone, MergeRecord, Segment
from kefu.customers.search import CUSTOMER_INDEX
from kefu.orders.models import Order, OrderItem
from kefu.tickets.models import Category, Message, Team, Ticket

PASSWORD = "demo-test-pw-7"
N = 60
S = Order.Status


COUNTRY_CODE = {"zh-hans": "86", "ko": "82"}


def found(query: str) -> set[int]:
    sql, params = CUSTOMER_INDEX.ids_sql(connection, query)
    return set(Customer.objects.filter(pk__in=RawSQL(sql, params)).values_list("pk", flat=True))


def load(**kwargs):
    lines: list[str] = []
    options = {"customers": N, "seed": 7, "password": PASSWORD, **kwargs}
    counts = load_demo(out=lines.append, **options)
    return counts, lines


@pytest.fixture
def loaded(db):
    counts, lines = load()
    return counts, lines


# ---------------------------------------------------------------- users, shops, setup


def test_load_creates_the_team_with_roles(loaded):
    roles = dict(User.objects.values_list("username", "role"))
    assert roles == {
        "admin": "admin",
        "lead": "lead",
        "agent": "agent",
        "agent2": "agent",
        "agent3": "agent",
        "finance": "finance",
        "warehouse": "warehouse",
    }
    agent2 = User.objects.get(username="agent2")
    assert (agent2.language, agent2.time_zone) == ("ko", "Asia/Seoul")
    assert User.objects.get(username="agent3").language == "en"
    for user in User.objects.all():
        assert user.display_name
        assert user.check_password(PASSWORD), user.username
    assert set(Team.objects.values_list("name", flat=True)) >= {"售前组", "售后组", "한국팀"}
    assert agent2 in Team.objects.get(name="한국팀").members.all()
    damaged = Category.objects.get(name="破损")
    assert damaged.parent.name == "物流"


def test_shops_cover_four_marketplaces(loaded):
    shops = {s.slug: s for s in Shop.objects.filter(slug__in=DEMO_SHOP_SLUGS)}
    assert {s.platform for s in shops.values()} == {"tmall", "taobao", "coupang", "shopify"}
    assert shops["demo-tmall"].store_type == "mall"
    assert shops["demo-taobao"].store_type == "c_store"
    assert (shops["demo-coupang"].currency, shops["demo-coupang"].language) == ("KRW", "ko")
    assert shops["demo-shopify"].currency == "USD"
    for shop in shops.values():
        assert shop.webhook_secret and shop.link_allowlist


def test_counts_and_progress(loaded):
    counts, lines = loaded
    assert Customer.objects.filter(is_demo=True).count() == N == counts["customers"]
    assert Order.objects.filter(is_demo=True).count() == counts["orders"]
    assert Ticket.objects.filter(is_demo=True).count() == counts["tickets"]
    assert Message.objects.filter(ticket__is_demo=True).count() == counts["messages"]
    assert 1.2 * N <= counts["tickets"] <= 2.2 * N
    assert f"customers {N}/{N}" in lines
    assert f"tickets {counts['tickets']}/{counts['tickets']}" in lines
    assert any(line.startswith("demo loaded in") for line in lines)

    for customer in Customer.objects.filter(is_demo=True):
        orders = customer.orders.count()
        if customer.segment == Segment.POTENTIAL:
            assert orders == 0
        else:
            assert orders >= 2
    for ticket in Ticket.objects.filter(is_demo=True):
        assert 1 <= ticket.messages.count() <= 6


def test_all_three_languages_everywhere(loaded):
    assert set(Ticket.objects.values_list("language", flat=True)) == {"zh-hans", "ko", "en"}
    assert set(Customer.objects.values_list("language", flat=True)) == {"zh-hans", "ko", "en"}
    for ticket in Ticket.objects.select_related("customer", "shop"):
        assert ticket.language == ticket.customer.language == ticket.shop.language
    hangul = re.compile(r"[\uac00-\ud7a3]")
    han = re.compile(r"[\u4e00-\u9fff]")
    bodies = {
        lang: " ".join(
            Message.objects.filter(ticket__language=lang, kind="inbound").values_list(
                "body", flat=True
            )
        )
        for lang in ("zh-hans", "ko", "en")
    }
    assert han.search(bodies["zh-hans"])
    assert hangul.search(bodies["ko"])
    assert not hangul.search(bodies["en"]) and not han.search(bodies["en"])


def test_contacts_are_normalised(loaded):
    prefixes = {"zh-hans": ("86",), "ko": ("82",), "en": ("1", "44")}
    for phone in CustomerPhone.objects.select_related("customer"):
        lang = phone.customer.language
        code = COUNTRY_CODE.get(lang) or (
            "44" if phone.number.lstrip("+").startswith(("44", "07")) else "1"
        )
        assert phone.normalized == normalize.phone(phone.number, code), phone.number
        assert phone.normalized.startswith(prefixes[lang]), phone.number
    emails = CustomerEmail.objects.all()
    assert emails.exists()
    for email in emails:
        assert email.normalized == email.email.lower()
        assert email.normalized.rsplit("@", 1)[1] in {"example.com", "example.net", "example.org"}


def test_demo_customers_are_searchable(loaded):
    customer = Customer.objects.filter(is_demo=True, language="ko").first()
    phone = customer.phones.first()
    assert customer.pk in found(customer.name)
    assert customer.pk in found(phone.normalized[-4:])
    identity = Customer.objects.filter(is_demo=True, identities__isnull=False).first()
    assert identity.pk in found(identity.identities.first().external_id)


def test_some_buyers_have_a_duplicate_record(loaded):
    demo = Customer.objects.filter(is_demo=True)
    phones = CustomerPhone.objects.filter(customer__in=demo).values_list("normalized", "customer")
    emails = CustomerEmail.objects.filter(customer__in=demo).values_list("normalized", "customer")
    owners: dict[str, set[int]] = {}
    for key, customer in [*phones, *emails]:
        owners.setdefault(key, set()).add(customer)
    assert any(len(ids) > 1 for ids in owners.values())


def test_inbound_messages_include_suspicious_links(loaded):
    links = Message.objects.filter(kind="inbound", body__contains="http://")
    assert set(links.values_list("ticket__language", flat=True)) == {"zh-hans", "ko", "en"}


def test_every_script_renders_in_every_language(loaded):
    users = {u.username: u for u in User.objects.all()}
    builder = demo.Builder(
        rng=random.Random(3),
        now=timezone.now(),
        users=users,
        shops={s.slug: s for s in Shop.objects.filter(slug__in=DEMO_SHOP_SLUGS)},
        teams={t.name: t for t in Team.objects.all()},
        categories=demo._ensure_categories(),
        tags=demo._ensure_tags(),
        out=lambda line: None,
    )
    for lang in ("zh-hans", "ko", "en"):
        plan = builder.plan_customer(lang)
        while not any(line.product.goods == "apparel" for op in plan.orders for line in op.lines):
            plan.orders.clear()
            plan.customer.segment = Segment.EXISTING
            builder.plan_orders(plan)
        op = next(op for op in plan.orders if any(ln.product.goods == "apparel" for ln in op.lines))
        for scenario in sc.SCENARIOS:
            assert 1 <= len(scenario.steps) <= 6, scenario.key
            root, child = scenario.category
            assert child in demo.CATEGORIES[root], scenario.key
            ctx = builder.context(
                plan, scenario, op if scenario.order else None, users["agent"], plan.shop
            )
            rendered = [scenario.subject[lang].format(**ctx)]
            for step in scenario.steps:
                rendered += [text.format(**ctx) for text in step.texts[lang]]
            for text in rendered:
                assert text.strip() and "{" not in text and "}" not in text, (
                    scenario.key,
                    lang,
                    text,
                )


# ---------------------------------------------------------------- money and time


def test_order_money_adds_up(loaded):
    for order in Order.objects.prefetch_related("items"):
        items = list(order.items.all())
        assert items, order.external_id
        for item in items:
            assert item.amount == item.unit_price * item.quantity
        subtotal = sum((item.amount for item in items), Decimal(0))
        assert order.total_amount == subtotal - order.discount_amount + order.shipping_fee
        assert order.total_amount > 0
        assert order.discount_amount >= 0 and order.shipping_fee >= 0
        if order.free_shipping_promo:
            assert order.shipping_fee == 0
        if order.currency == "KRW":
            for value in (order.total_amount, order.discount_amount, order.shipping_fee):
                assert value == value.to_integral_value(), order.external_id
        assert order.paid_amount == (order.total_amount if order.paid_at else 0)
    assert set(Order.objects.values_list("currency", flat=True)) == {"CNY", "KRW", "USD"}


def test_order_timestamps_follow_the_status(loaded):
    now = timezone.now()
    statuses = set()
    for o in Order.objects.select_related("shop"):
        statuses.add(o.status)
        moments = [o.placed_at, o.paid_at, o.shipped_at, o.delivered_at]
        present = [m for m in moments if m]
        assert present == sorted(present), o.external_id
        assert all(m <= now for m in present)
        gap = next((i for i, m in enumerate(moments) if m is None), len(moments))
        assert all(m is None for m in moments[gap:]), o.external_id  # no step skipped
        if o.completed_at:
            assert o.delivered_at and o.completed_at >= o.delivered_at
        if o.shop.platform in ("tmall", "taobao") and o.shipped_at:
            assert o.auto_confirm_at == o.shipped_at + timedelta(days=10)
        if o.shipped_at:
            assert o.carrier and o.waybill
        assert _status_matches(o), (o.external_id, o.status)
    assert {S.COMPLETED, S.DELIVERED, S.REFUNDED} <= statuses


def _status_matches(o: Order) -> bool:
    if o.status in (S.UNPAID, S.CANCELLED):
        return o.paid_at is None
    if o.status == S.PAID:
        return bool(o.paid_at and not o.shipped_at)
    if o.status == S.SHIPPED:
        return bool(o.shipped_at and not o.delivered_at)
    if o.status == S.DELIVERED:
        return bool(o.delivered_at and not o.completed_at)
    if o.status == S.COMPLETED:
        return bool(o.completed_at)
    return o.status == S.REFUNDED and o.paid_at is not None


def test_ticket_timestamps_are_consistent(loaded):
    now = timezone.now()
    T = Ticket.Status
    for t in Ticket.objects.prefetch_related("messages"):
        msgs = list(t.messages.all())
        assert msgs[0].created_at == t.created_at
        assert [m.created_at for m in msgs] == sorted(m.created_at for m in msgs)
        assert t.last_message_at == msgs[-1].created_at <= now
        replies = [m.created_at for m in msgs if m.kind in ("reply", "call") and m.author_id]
        assert t.first_response_at == (replies[0] if replies else None)
        if t.status == T.NEW:
            assert t.first_response_at is None
        if t.status in (T.SOLVED, T.CLOSED):
            assert t.solved_at and t.solved_at >= t.last_message_at
        else:
            assert t.solved_at is None
        if t.status == T.CLOSED:
            assert t.closed_at and t.closed_at >= t.solved_at
        else:
            assert t.closed_at is None
        if t.order_id:
            assert t.order.customer_id == t.customer_id
            assert t.created_at >= t.order.placed_at
        for m in msgs:
            if m.kind == "inbound":
                assert m.author_id is None
            else:
                assert m.author_id is not None
            if m.kind == "call":
                assert m.call_outcome and m.call_seconds is not None
            if m.kind == "reply":
                assert m.author_id == t.assignee_id


def test_customer_contact_dates(loaded):
    for c in Customer.objects.filter(is_demo=True):
        assert c.first_contact_at <= c.last_contact_at <= timezone.now()
        assert c.created_at >= c.first_contact_at
        if c.owner_assigned_at:
            assert c.owner_assigned_at >= c.created_at
        if c.owner_contacted_at:
            assert c.owner_contacted_at >= c.owner_assigned_at


# ---------------------------------------------------------------- loading twice, resetting


def test_second_load_is_a_no_op(loaded):
    before = (Customer.objects.count(), Order.objects.count(), Ticket.objects.count())
    counts, lines = load(seed=99)
    assert counts is None
    assert lines == [ALREADY_LOADED]
    assert (Customer.objects.count(), Order.objects.count(), Ticket.objects.count()) == before


def test_reset_reloads_only_the_demo(db, shop):
    own = Customer.objects.create(name="真实客户")
    own_order = Order.objects.create(
        shop=shop,
        external_id="REAL-1",
        customer=own,
        currency="CNY",
        total_amount=Decimal("10.00"),
        placed_at=timezone.now(),
    )
    OrderItem.objects.create(
        order=own_order, title="真实商品", unit_price=Decimal("10.00"), amount=Decimal("10.00")
    )
    first, _ = load()
    users = User.objects.count()
    demo_customer_ids = set(Customer.objects.filter(is_demo=True).values_list("id", flat=True))

    counts, lines = load(reset=True, password="another-pw-8")

    assert counts == first
    assert any(line.startswith("removed the previous demo") for line in lines)
    assert Customer.objects.filter(is_demo=True).count() == N
    assert Customer.objects.count() == N + 1
    assert not demo_customer_ids & set(Customer.objects.values_list("id", flat=True))
    assert Order.objects.get(pk=own_order.pk).items.count() == 1
    assert Customer.objects.get(pk=own.pk).name == "真实客户"
    assert User.objects.count() == users
    assert User.objects.get(username="lead").check_password("another-pw-8")
    assert Shop.objects.filter(slug__in=DEMO_SHOP_SLUGS).count() == 4
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions.count("demo.load") == 2 and actions.count("demo.reset") == 1


def test_same_seed_gives_the_same_data(db):
    load()
    names = list(Customer.objects.order_by("id").values_list("name", flat=True))
    numbers = sorted(Order.objects.values_list("external_id", flat=True))
    load(reset=True)
    assert list(Customer.objects.order_by("id").values_list("name", flat=True)) == names
    assert sorted(Order.objects.values_list("external_id", flat=True)) == numbers


def test_reset_takes_work_done_on_the_demo_with_it(loaded):
    first, second = Customer.objects.filter(is_demo=True)[:2]
    lead = User.objects.get(username="lead")
    MergeRecord.objects.create(survivor=first, merged=second, merged_by=lead)
    Customer.objects.filter(pk=second.pk).update(merged_into=first)
    counts, lines = load(reset=True)
    assert counts
    assert not MergeRecord.objects.exists()
    # the merge record, and the demo's own work of the other features (cases, calls …)
    assert any(re.search(r"\d+ rows? that hung on them", line) for line in lines), lines
    assert not Customer.objects.filter(pk__in=[first.pk, second.pk]).exists()
    assert first.pk not in found(first.name)  # the index forgot the deleted records


def test_reset_refuses_when_outside_data_points_into_the_demo(loaded):
    demo = Customer.objects.filter(is_demo=True).first()
    Customer.objects.create(name="merged", merged_into=demo)
    before = Ticket.objects.count()
    with pytest.raises(DemoError, match="cannot reset"):
        load(reset=True)
    assert Ticket.objects.count() == before


def test_without_a_password_one_is_generated_and_admin_keeps_its_own(db):
    admin = User.objects.create_user(username="admin", password="init-pw-3", role="admin")
    counts, lines = load(password=None)
    assert counts
    admin.refresh_from_db()
    assert admin.check_password("init-pw-3")
    shown = next(line for line in lines if "password:" in line)
    generated = shown.rsplit("password:", 1)[1].strip()
    assert "admin" not in shown.split("password:")[0]
    assert User.objects.get(username="agent").check_password(generated)


def test_a_failure_leaves_nothing_behind(db, monkeypatch):
    def fail(self, model, rows, label, chunk=500):
        if label == "tickets":
            raise RuntimeError("disk full")
        return real(self, model, rows, label, chunk)

    real = demo.Builder.bulk
    monkeypatch.setattr(demo.Builder, "bulk", fail)
    with pytest.raises(RuntimeError):
        load()
    assert not Customer.objects.exists()
    assert not Order.objects.exists()
    assert not User.objects.exists()
    assert not AuditEntry.objects.exists()


def test_customers_must_be_positive(db):
    with pytest.raises(DemoError):
        load(customers=0)


# ---------------------------------------------------------------- the command


KEFU = Path(sys.executable).with_name("kefu")
COMMAND = [str(KEFU)] if KEFU.exists() else [sys.executable, "-m", "kefu.cli"]


def kefu(*args: str, data: Path):
    """Always the embedded SQLite in a temp dir: never a shared PostgreSQL database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KEFU_", "DJANGO_"))}
    env["KEFU_DATA_DIR"] = str(data)
    return subprocess.run(
        [*COMMAND, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        check=False,
    )


@pytest.mark.slow
def test_kefu_demo_command(tmp_path):
    init = kefu("init", "--admin-password", "init-pw-5", data=tmp_path)
    assert init.returncode == 0, init.stderr

    first = kefu("demo", "--customers", "40", "--password", "kefu-demo", data=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "customers 40/40" in first.stdout.splitlines()
    assert "demo logins (password as given)" in first.stdout

    again = kefu("demo", data=tmp_path)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == ALREADY_LOADED

    reset = kefu("demo", "--customers", "40", "--reset", data=tmp_path)
    assert reset.returncode == 0, reset.stderr
    assert "removed the previous demo: 40 customers" in reset.stdout
    assert "password:" in reset.stdout


def test_every_demo_quick_reply_expands_when_typed(loaded):
    from kefu.tickets import quick_replies

    agent = User.objects.get(username="agent")
    ticket = Ticket.objects.filter(order__isnull=False).first()
    for typed, _title, _bodies in people.QUICK_REPLIES:
        expansion = quick_replies.expand(user=agent, ticket=ticket, shortcut=typed)
        assert expansion.text and not expansion.text.startswith("/"), typed
