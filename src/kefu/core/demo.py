"""`kefu demo`: a realistic demo business with a Tmall, a Taobao, a Coupang and a Shopify shop.

Everything is generated from one ``random.Random(seed)`` and dated relative to now, so the
same seed gives the same buyers, orders and conversations on every machine. The load runs
in one transaction: it finishes completely or leaves nothing behind.

What counts as demo data, and is removed by ``--reset``:

* customers, orders and tickets flagged ``is_demo`` (with their phones, items, messages…),
* orders and tickets that hang on a demo customer (they cannot outlive the customer).

Kept across resets: the demo users (audit entries point at them; only their password is
set again), the demo shops (marked by their ``demo-`` slugs), teams, categories and tags.
"""

from __future__ import annotations

import random
import secrets
import string
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal
from importlib import import_module
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from kefu.core import audit
from kefu.core.demo_data import catalogue as cat
from kefu.core.demo_data import people, places
from kefu.core.demo_data import scenarios as sc
from kefu.core.models import Shop, User
from kefu.core.money import fmt, quantize
from kefu.customers import normalize
from kefu.customers import search as customer_search
from kefu.customers.models import (
    Address,
    AttributeDefinition,
    Customer,
    CustomerEmail,
    CustomerPhone,
    MarketplaceIdentity,
    Segment,
    Tag,
)
from kefu.orders.models import Order, OrderItem
from kefu.tickets import search as ticket_search
from kefu.tickets.models import Category, Message, QuickReply, Team, Ticket

ZH, KO, EN = "zh-hans", "ko", "en"
LANGUAGES = (ZH, KO, EN)
ALREADY_LOADED = "demo data is already loaded; --reset reloads it"
MAX_CUSTOMERS = 20000
HISTORY_DAYS = 120

# The demo shops are recognised by these slugs.
DEMO_SHOPS = {
    "demo-tmall": dict(
        name="云裳官方旗舰店",
        platform="tmall",
        store_type="mall",
        currency="CNY",
        time_zone="Asia/Shanghai",
        language=ZH,
        link_allowlist="tmall.com\ntaobao.com\nalipay.com\nyunshang.example.com",
    ),
    "demo-taobao": dict(
        name="云裳小铺（淘宝）",
        platform="taobao",
        store_type="c_store",
        currency="CNY",
        time_zone="Asia/Shanghai",
        language=ZH,
        link_allowlist="taobao.com\ntmall.com\nalipay.com",
    ),
    "demo-coupang": dict(
        name="윤샹 공식스토어",
        platform="coupang",
        store_type="c_store",
        currency="KRW",
        time_zone="Asia/Seoul",
        language=KO,
        link_allowlist="coupang.com\nyunshang.example.com",
    ),
    "demo-shopify": dict(
        name="Yunshang Studio",
        platform="shopify",
        store_type="c_store",
        currency="USD",
        time_zone="America/Los_Angeles",
        language=EN,
        link_allowlist="yunshang.example.com\nyunshang-studio.myshopify.com\nshopify.com",
    ),
}
DEMO_SHOP_SLUGS = frozenset(DEMO_SHOPS)

CATEGORIES = {
    "商品咨询": ["尺码建议", "缺货与到货通知", "优惠活动", "会员与积分"],
    "订单": ["修改地址", "催发货", "发票"],
    "物流": ["未收到", "破损", "延迟"],
    "退换货": ["退货", "换货", "退款"],
    "评价": ["中差评"],
    "投诉": ["质量问题", "服务态度"],
}

# The apparel attributes demo customers carry (002 篇2: height, weight, size, brands).
ATTRIBUTES = [
    # key, label, 中文, 한국어, kind, unit
    ("height_cm", "Height", "身高", "키", "integer", "cm"),
    ("weight_kg", "Weight", "体重", "몸무게", "integer", "kg"),
    ("size", "Clothing size", "尺码", "사이즈", "text", ""),
    ("shoe_size", "Shoe size", "鞋码", "신발 사이즈", "text", ""),
    ("preferred_brand", "Preferred brand", "偏好品牌", "선호 브랜드", "text", ""),
]
COUNTRY_CODE = {"CN": "86", "KR": "82", "US": "1", "GB": "44"}
DUPLICATE_SHARE = 0.02  # buyers who wrote in again from another channel and got a second record

TAGS = {
    "VIP": "#b45309",
    "老客户": "#2563eb",
    "단골": "#2563eb",
    "Repeat buyer": "#2563eb",
    "高退货": "#dc2626",
    "반품 잦음": "#dc2626",
    "Frequent returns": "#dc2626",
    "差评风险": "#7c3aed",
    "리뷰 주의": "#7c3aed",
    "Review risk": "#7c3aed",
}
REPEAT_TAG = {ZH: "老客户", KO: "단골", EN: "Repeat buyer"}
RETURNS_TAG = {ZH: "高退货", KO: "반품 잦음", EN: "Frequent returns"}
REVIEW_TAG = {ZH: "差评风险", KO: "리뷰 주의", EN: "Review risk"}

CUSTOMER_NOTES = {
    ZH: [
        "喜欢宽松版型，发货前电话确认尺码",
        "公司团购联系人，逢年过节有采购",
        "对色差敏感，推荐时附实拍图",
        "只接受顺丰，不要发其他快递",
        "上班时间不方便接电话，微信/旺旺联系",
    ],
    KO: [
        "오버핏 선호, 한 치수 크게 구매하는 편",
        "배송 전 연락 요청",
        "회사 단체 주문 담당자",
        "통화보다 문자 선호",
    ],
    EN: [
        "Prefers email; works night shifts",
        "Gift buyer - always asks for gift wrap",
        "Sensitive to colour differences, send real photos",
        "Buys for a small boutique now and then",
    ],
}

# Minutes until a first response / a resolution is due, by priority (1 low … 4 urgent).
FIRST_RESPONSE_DUE = {1: 8 * 60, 2: 4 * 60, 3: 60, 4: 30}
RESOLUTION_DUE = {1: 72 * 60, 2: 48 * 60, 3: 24 * 60, 4: 8 * 60}
AUTO_CLOSE = timedelta(days=3)  # solved tickets close after three quiet days
TMALL_AUTO_CONFIRM = timedelta(days=10)  # marketplace confirms receipt 10 days after shipping
COUPANG_AUTO_CONFIRM = timedelta(days=7)  # 구매확정: 7 days after delivery

# Busy hours of an online shop's day (local time) and their weights.
HOURS = list(range(8, 24))
HOUR_WEIGHTS = [2, 4, 6, 7, 5, 4, 6, 6, 5, 4, 5, 7, 9, 10, 8, 4]


class DemoError(Exception):
    """The demo cannot be loaded or reset; the message says why in one line."""


# ---------------------------------------------------------------- entry point


def demo_loaded() -> bool:
    return (
        Customer.objects.filter(is_demo=True).exists()
        or Order.objects.filter(is_demo=True).exists()
        or Ticket.objects.filter(is_demo=True).exists()
    )


def load_demo(
    *,
    customers: int = 400,
    reset: bool = False,
    seed: int = 2026,
    password: str | None = None,
    out: Callable[[str], None] = print,
) -> dict | None:
    """Load the demo. Returns the counts, or None when demo data was there already."""
    if not 1 <= customers <= MAX_CUSTOMERS:
        raise DemoError(f"--customers must be between 1 and {MAX_CUSTOMERS}")
    if demo_loaded() and not reset:
        out(ALREADY_LOADED)
        return None
    started = time.monotonic()
    given = bool(password)
    password = password or secrets.token_urlsafe(9)
    # One hash for all demo users: hashing is deliberately slow, seven times would be seconds.
    password_hash = make_password(password)
    with transaction.atomic():
        deleted = _delete_demo(out) if reset else None
        users, created_users, password_set = _ensure_users(password_hash, set_admin_password=given)
        shops = _ensure_shops()
        teams = _ensure_teams(users)
        categories = _ensure_categories()
        tags = _ensure_tags()
        _ensure_attributes()
        builder = Builder(
            rng=random.Random(seed),
            now=timezone.now(),
            users=users,
            shops=shops,
            teams=teams,
            categories=categories,
            tags=tags,
            out=out,
        )
        counts = builder.build(customers)
        counts.update(_run_feature_steps(builder))
        if deleted is not None:
            audit.record(
                actor=None,
                obj=shops["demo-tmall"],
                action="demo.reset",
                reason="kefu demo --reset",
                changes=deleted,
            )
        audit.record(
            actor=None,
            obj=shops["demo-tmall"],
            action="demo.load",
            reason=f"kefu demo --customers {customers} --seed {seed}",
            changes={
                **counts,
                "seed": seed,
                "users_created": created_users,
                "passwords_set": password_set,
            },
        )
    took = time.monotonic() - started
    out(
        f"demo loaded in {took:.1f} s: {counts['customers']} customers, {counts['orders']} orders, "
        f"{counts['tickets']} tickets, {counts['messages']} messages"
    )
    logins = [username for username, *_ in people.STAFF]
    if given:
        out(f"demo logins (password as given): {', '.join(logins)}")
    else:
        if "admin" not in created_users:
            logins.remove("admin")
        out(f"demo logins: {', '.join(logins)}   password: {password}")
        if "admin" not in created_users:
            out("admin keeps its password (give --password to set it too)")
    return counts


# Each feature adds its own demo rows on top of the customers, orders and tickets: a module
# with ``load(builder) -> dict[str, int]`` (counts for the summary). ``builder`` gives
# ``rng``, ``now``, ``users`` (by demo login), ``shops`` (by code) and ``out``. Rows must
# hang on demo customers, orders or tickets (or carry ``is_demo``) so a reset removes them;
# a module may also define ``delete() -> int`` to remove what a reset would otherwise miss.
DEMO_STEPS = [
    "kefu.aftersales.demo",
    "kefu.orders.carrier_demo",
    "kefu.complaints.demo",
    "kefu.followups.demo",
    "kefu.reviews.demo",
    "kefu.retention.demo",
]


def _feature_modules():
    for name in DEMO_STEPS:
        try:
            yield import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise


def _run_feature_steps(builder) -> dict:
    counts: dict[str, int] = {}
    for module in _feature_modules():
        counts.update(module.load(builder))
    return counts


def _delete_demo(out: Callable[[str], None]) -> dict:
    n_features = sum(module.delete() for module in _feature_modules() if hasattr(module, "delete"))
    demo_customers = Customer.objects.filter(is_demo=True)
    customer_ids = list(demo_customers.values_list("pk", flat=True))
    try:
        n_other = _delete_dependants()
        tickets = Ticket.objects.filter(Q(is_demo=True) | Q(customer__is_demo=True))
        ticket_ids = list(tickets.values_list("pk", flat=True))
        n_tickets = len(ticket_ids)
        tickets.delete()
        ticket_search.reindex(ticket_ids)  # drops the deleted tickets from the index
        orders = Order.objects.filter(Q(is_demo=True) | Q(customer__is_demo=True))
        n_orders = orders.count()
        orders.delete()
        demo_customers.exclude(merged_into=None).update(merged_into=None)
        n_customers = demo_customers.count()
        demo_customers.delete()
        customer_search.reindex(customer_ids)  # drops the deleted customers from the index
    except (models.ProtectedError, models.RestrictedError) as exc:
        kinds = sorted({obj._meta.verbose_name_plural for obj in exc.args[1]})
        raise DemoError(
            "cannot reset: data outside the demo refers to demo rows "
            f"({', '.join(str(k) for k in kinds)}); remove it first"
        ) from None
    out(
        f"removed the previous demo: {n_customers} customers, {n_orders} orders, "
        f"{n_tickets} tickets"
        + (f", {n_other} row{'s' * (n_other != 1)} that hung on them" if n_other else "")
    )
    n_other += n_features
    return {"customers": n_customers, "orders": n_orders, "tickets": n_tickets, "other": n_other}


def _delete_dependants() -> int:
    """Rows of other kinds that point at demo rows only, through a protecting foreign key.

    Work done on the demo (a merge of two demo customers, a complaint on a demo ticket)
    goes with it. A row that also points at real data stays, and the reset then refuses.
    """
    roots = (Customer, Order, Ticket)
    removed = 0
    for root in roots:
        for rel in root._meta.related_objects:
            model = rel.related_model
            if model in roots or rel.on_delete not in (models.PROTECT, models.RESTRICT):
                continue
            rows = model._default_manager.filter(**{f"{rel.field.name}__is_demo": True})
            for field_ in model._meta.concrete_fields:
                if field_.is_relation and field_.related_model in roots:
                    rows = rows.exclude(**{f"{field_.name}__is_demo": False})
            removed += rows.delete()[0]
    return removed


# ---------------------------------------------------------------- fixed parts


def _ensure_users(
    password_hash: str, *, set_admin_password: bool
) -> tuple[dict[str, User], list[str], list[str]]:
    """The demo team: made when missing; existing users keep their profile, get the password."""
    users: dict[str, User] = {}
    created: list[str] = []
    password_set: list[str] = []
    for username, role, display, language, tz, capacity in people.STAFF:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(
                username=username,
                role=role,
                display_name=display,
                language=language,
                time_zone=tz,
                capacity=capacity,
                is_staff=role == "admin",
            )
            user.password = password_hash
            user.save()
            created.append(username)
        elif username != "admin" or set_admin_password:
            User.objects.filter(pk=user.pk).update(password=password_hash)
            password_set.append(username)
        users[username] = user
    return users, created, password_set


def _ensure_shops() -> dict[str, Shop]:
    shops = {}
    for slug, fields in DEMO_SHOPS.items():
        shop = Shop.objects.filter(slug=slug).first()
        if shop is None:
            shop = Shop.objects.create(slug=slug, webhook_secret=secrets.token_hex(24), **fields)
        shops[slug] = shop
    return shops


def _ensure_teams(users: dict[str, User]) -> dict[str, Team]:
    teams = {}
    for name, members in people.TEAMS.items():
        team, _ = Team.objects.get_or_create(name=name, defaults=people.TEAM_ROUTING.get(name, {}))
        team.members.add(*(users[m] for m in members))
        teams[name] = team
    _ensure_quick_replies()
    return teams


def _ensure_quick_replies() -> None:
    """Shared quick replies (快捷短语) every demo agent can type."""
    from kefu.tickets.quick_replies import normalize_shortcut

    for typed, title, bodies in people.QUICK_REPLIES:
        shortcut = normalize_shortcut(typed)  # stored without the "/" the agent types
        # Demos loaded before stored the "/" too, and no agent could expand them.
        QuickReply.objects.filter(shortcut=typed, owner=None).exclude(shortcut=shortcut).filter(
            ~models.Exists(QuickReply.objects.filter(shortcut=shortcut, owner=None))
        ).update(shortcut=shortcut)
        QuickReply.objects.get_or_create(
            shortcut=shortcut, owner=None, defaults={"title": title, **bodies}
        )


def _ensure_categories() -> dict[tuple[str, ...], Category]:
    found: dict[tuple[str, ...], Category] = {}
    for root_name, children in CATEGORIES.items():
        root = Category.objects.filter(parent=None, name=root_name).first()
        if root is None:
            root = Category.objects.create(name=root_name)
        found[(root_name,)] = root
        for child in children:
            node, _ = Category.objects.get_or_create(parent=root, name=child)
            found[(root_name, child)] = node
    return found


def _ensure_attributes() -> None:
    for position, (key, label, zh, ko, kind, unit) in enumerate(ATTRIBUTES):
        AttributeDefinition.objects.get_or_create(
            key=key,
            defaults=dict(
                label=label,
                label_zh=zh,
                label_ko=ko,
                kind=kind,
                unit=unit,
                group="apparel",
                position=position,
            ),
        )


def _ensure_tags() -> dict[str, Tag]:
    tags = {}
    for name, color in TAGS.items():
        tag, _ = Tag.objects.get_or_create(name=name, defaults={"color": color})
        tags[name] = tag
    return tags


# ---------------------------------------------------------------- plans


@dataclass
class Line:
    product: cat.Product
    item: OrderItem


@dataclass
class OrderPlan:
    order: Order
    lines: list[Line]
    platform: str
    refund_tickets: int = 0
    used: set[str] = field(default_factory=set)


@dataclass
class CustomerPlan:
    customer: Customer
    lang: str
    first: str
    shop: Shop
    shops: list[Shop]
    place: dict
    phone: str
    phone_normalized: str = ""
    email: str = ""
    tags: set[str] = field(default_factory=set)
    orders: list[OrderPlan] = field(default_factory=list)
    tickets: list[Ticket] = field(default_factory=list)
    contact_times: list[datetime] = field(default_factory=list)
    since: datetime | None = None


class Builder:
    """Generates the rows in memory, then writes them with bulk_create."""

    def __init__(self, *, rng, now, users, shops, teams, categories, tags, out):
        self.rng: random.Random = rng
        self.now: datetime = now
        self.users = users
        self.shops = shops
        self.teams = teams
        self.categories = categories
        self.tags = tags
        self.out = out
        self.phones: list[CustomerPhone] = []
        self.emails: list[CustomerEmail] = []
        self.identities: list[MarketplaceIdentity] = []
        self.addresses: list[Address] = []
        self.ticket_messages: dict[int, list[Message]] = {}
        self.taken: dict[str, set[str]] = {}
        self.phish_pending = set(LANGUAGES)

    # ------------------------------------------------------------ helpers

    def unique(self, space: str, make: Callable[[], str]) -> str:
        seen = self.taken.setdefault(space, set())
        value = make()
        while value in seen:
            value = make()
        seen.add(value)
        return value

    def digits(self, n: int) -> str:
        return "".join(self.rng.choice(string.digits) for _ in range(n))

    def pattern(self, spec: str) -> str:
        """A number from a pattern: SF{13} is SF and 13 digits, {6A} six letters or digits."""
        out, i = [], 0
        while i < len(spec):
            if spec[i] == "{":
                j = spec.index("}", i)
                token = spec[i + 1 : j]
                if token.endswith("A"):
                    alphabet = string.ascii_uppercase + string.digits
                    out.append("".join(self.rng.choice(alphabet) for _ in range(int(token[:-1]))))
                else:
                    out.append(self.digits(int(token)))
                i = j + 1
            else:
                out.append(spec[i])
                i += 1
        return "".join(out)

    def weighted(self, options: dict):
        keys = list(options)
        return self.rng.choices(keys, weights=[options[k] for k in keys])[0]

    def local_moment(self, days_ago: int, tz: str) -> datetime:
        """A moment ``days_ago`` days back at a busy local hour, never in the future."""
        zone = ZoneInfo(tz)
        day = (self.now.astimezone(zone) - timedelta(days=days_ago)).date()
        hour = self.rng.choices(HOURS, weights=HOUR_WEIGHTS)[0]
        moment = datetime.combine(
            day, dtime(hour, self.rng.randrange(60), self.rng.randrange(60)), tzinfo=zone
        ).astimezone(UTC)
        if moment > self.now:
            moment = self.now - timedelta(minutes=self.rng.randint(20, 600))
        return moment

    def minutes(self, low: float, high: float) -> timedelta:
        return timedelta(seconds=int(self.rng.uniform(low, high) * 60))

    def money_text(self, amount: Decimal, currency: str) -> str:
        if currency == "KRW":
            return f"{int(amount):,}원"
        return fmt(amount, currency)

    # ------------------------------------------------------------ build

    def build(self, n: int) -> dict:
        twins = round(n * DUPLICATE_SHARE)
        plans = [self.plan_customer(lang) for lang in self.languages(n - twins)]
        originals = [p for p in plans if p.customer.segment != Segment.POTENTIAL]
        plans += [self.plan_twin(p) for p in self.rng.sample(originals, min(twins, len(originals)))]
        for plan in plans:
            self.plan_orders(plan)
        self.number_shopify_orders(plans)
        for plan in plans:
            self.plan_tickets(plan)
        for plan in plans:
            self.finish_customer(plan)
        return self.write(plans)

    def languages(self, n: int) -> list[str]:
        zh = round(n * 0.45)
        ko = round(n * 0.30)
        langs = [ZH] * zh + [KO] * ko + [EN] * (n - zh - ko)
        self.rng.shuffle(langs)
        return langs

    # ------------------------------------------------------------ customers

    def plan_customer(self, lang: str) -> CustomerPlan:
        rng = self.rng
        r = rng.random()
        segment = Segment.POTENTIAL if r < 0.25 else Segment.VIP if r < 0.33 else Segment.EXISTING
        if lang == ZH:
            first = rng.choice(people.ZH_GIVEN)
            name = rng.choice(people.ZH_SURNAMES) + first
            primary = self.shops["demo-tmall"] if rng.random() < 0.6 else self.shops["demo-taobao"]
            shops = [primary]
            if rng.random() < 0.2:
                shops.append(
                    self.shops["demo-taobao" if primary.slug == "demo-tmall" else "demo-tmall"]
                )
            province, city, district, postcode, streets = rng.choice(places.ZH_PLACES)
            place = dict(
                country="CN",
                region=province,
                city=city,
                postcode=postcode,
                tz="Asia/Shanghai",
                district=district,
                streets=streets,
            )
        elif lang == KO:
            first = rng.choice(people.KO_GIVEN)
            name = rng.choice(people.KO_SURNAMES) + first
            primary = self.shops["demo-coupang"]
            shops = [primary]
            region, city, prefix, roads = rng.choice(places.KO_PLACES)
            place = dict(
                country="KR",
                region=region,
                city=city,
                postcode=prefix + self.digits(3),
                tz="Asia/Seoul",
                streets=roads,
            )
        else:
            first = rng.choice(people.EN_FIRST)
            name = f"{first} {rng.choice(people.EN_LAST)}"
            primary = self.shops["demo-shopify"]
            shops = [primary]
            country, region, city, tz, postcodes, areas, streets = rng.choice(places.EN_PLACES)
            place = dict(
                country=country,
                region=region,
                city=city,
                postcode=rng.choice(postcodes),
                tz=tz,
                areas=areas,
                streets=streets,
            )
        customer = Customer(
            name=name,
            segment=segment,
            language=lang,
            time_zone=place["tz"],
            is_demo=True,
            no_calls=rng.random() < 0.06,
            no_marketing=rng.random() < 0.12,
            attributes=self.attributes(lang) if rng.random() < 0.75 else {},
        )
        if rng.random() < 0.1:
            customer.notes = rng.choice(CUSTOMER_NOTES[lang])
        plan = CustomerPlan(
            customer=customer,
            lang=lang,
            first=first,
            shop=primary,
            shops=shops,
            place=place,
            phone="",
        )
        if segment == Segment.VIP:
            plan.tags.add("VIP")
        self.plan_contacts(plan)
        return plan

    def plan_twin(self, original: CustomerPlan) -> CustomerPlan:
        """A second record of a buyer who wrote in from another channel: same phone or email,
        the name as that channel knew it. The merge feature finds and joins these."""
        rng, lang, o = self.rng, original.lang, original.customer
        if lang == ZH:
            name = o.name[0] + rng.choice(["女士", "先生"])
        elif lang == KO:
            name = o.name
        else:
            name = f"{original.first[0]}. {o.name.split(' ', 1)[1]}"
        customer = Customer(
            name=name, segment=Segment.POTENTIAL, language=lang, time_zone=o.time_zone, is_demo=True
        )
        plan = CustomerPlan(
            customer=customer,
            lang=lang,
            first=original.first,
            shop=original.shop,
            shops=[original.shop],
            place=original.place,
            phone="",
        )
        if original.email and (rng.random() < 0.5 or not original.phone_normalized):
            email = original.email.upper() if rng.random() < 0.5 else original.email.lower()
            self.emails.append(
                CustomerEmail(customer=customer, email=email, normalized=normalize.email(email))
            )
        else:
            plan.phone = "+" + original.phone_normalized  # as a phone system shows a caller
            plan.phone_normalized = original.phone_normalized
            self.phones.append(
                CustomerPhone(
                    customer=customer,
                    number=plan.phone,
                    normalized=plan.phone_normalized,
                    label=places.PHONE_LABELS[lang][0],
                )
            )
        return plan

    def attributes(self, lang: str) -> dict:
        rng = self.rng
        height = max(148, min(195, round(rng.gauss(165 if lang != EN else 170, 8))))
        bmi = max(16.5, min(31.0, rng.gauss(21.5, 2.6)))
        weight = round(bmi * (height / 100) ** 2)
        runs = {
            ZH: ([50, 58, 66], ["S", "M", "L", "XL"]),
            KO: ([48, 55, 63, 72], cat.SIZES["top"][KO]),
            EN: ([50, 58, 68, 80], cat.SIZES["top"][EN]),
        }
        limits, sizes = runs[lang]
        size = sizes[sum(weight > limit for limit in limits)]
        shoe = cat.SIZES["shoe"][lang]
        return {
            "height_cm": height,
            "weight_kg": weight,
            "size": size,
            "shoe_size": shoe[max(0, min(len(shoe) - 1, (height - 150) // 5))],
            "preferred_brand": rng.choice(cat.BRANDS[lang]),
        }

    def plan_contacts(self, plan: CustomerPlan) -> None:
        rng, c, lang, place = self.rng, plan.customer, plan.lang, plan.place
        labels = places.PHONE_LABELS[lang]
        for index in range(2 if rng.random() < 0.12 else 1):
            number = self.phone_number(lang, place)
            normalized = normalize.phone(number, COUNTRY_CODE[place["country"]])
            if index == 0:
                plan.phone, plan.phone_normalized = number, normalized
            self.phones.append(
                CustomerPhone(customer=c, number=number, normalized=normalized, label=labels[index])
            )
        if rng.random() < {ZH: 0.35, KO: 0.55, EN: 0.95}[lang]:
            email = self.unique("email", lambda: self.email_address(plan))
            plan.email = email
            self.emails.append(
                CustomerEmail(customer=c, email=email, normalized=normalize.email(email))
            )
        nick = None
        for shop in plan.shops:
            if shop.platform in ("tmall", "taobao"):
                nick = nick or self.unique("nick", self.taobao_nick)
                external = nick
            elif shop.platform == "coupang":
                external = self.unique("coupang", self.coupang_id)
            else:
                external = self.unique(
                    "shopify", lambda: str(rng.randint(6_000_000_000_000, 7_999_999_999_999))
                )
            self.identities.append(MarketplaceIdentity(customer=c, shop=shop, external_id=external))
        if c.segment != Segment.POTENTIAL or rng.random() < 0.3:
            self.addresses.append(self.address(plan, default=True))
            if rng.random() < 0.18:
                self.addresses.append(self.address(plan, default=False))

    def phone_number(self, lang: str, place: dict) -> str:
        """A mobile number as buyers type it, in one of the usual national formats."""
        rng = self.rng
        if lang == ZH:
            prefix = rng.choice(places.ZH_MOBILE_PREFIXES)
            a, b = self.digits(4), self.digits(4)
            return rng.choice([f"{prefix}{a}{b}", f"{prefix} {a} {b}", f"+86 {prefix}-{a}-{b}"])
        if lang == KO:
            a, b = str(rng.randint(2000, 9999)), self.digits(4)
            return rng.choice([f"010-{a}-{b}", f"010-{a}-{b}", f"+82 10-{a}-{b}"])
        if place["country"] == "GB":
            # Ofcom keeps 07700 900000-900999 for drama and examples.
            tail = f"{rng.randint(0, 999):03d}"
            return rng.choice([f"+44 7700 900{tail}", f"07700 900{tail}"])
        # 555-0100 to 555-0199 are reserved for fiction in North America.
        area, tail = rng.choice(place["areas"]), f"01{rng.randint(0, 99):02d}"
        return rng.choice([f"+1 ({area}) 555-{tail}", f"{area}-555-{tail}"])

    def email_address(self, plan: CustomerPlan) -> str:
        rng = self.rng
        domain = rng.choice(places.MAIL_DOMAINS)
        if plan.lang == ZH:
            local = (
                (self.digits(1).replace("0", "1") + self.digits(rng.randint(7, 9)))
                if rng.random() < 0.5
                else f"{rng.choice(people.ZH_MAILBOX_WORDS)}{rng.randint(1, 2024)}"
            )
        elif plan.lang == KO:
            local = "".join(rng.sample(people.KO_HANDLE_PARTS, 2)) + str(rng.randint(1, 999))
        else:
            last = "".join(ch for ch in plan.customer.name.split(" ", 1)[1] if ch.isalnum())
            local = rng.choice(
                [f"{plan.first}.{last}", f"{plan.first[0]}{last}", f"{plan.first}{last[0]}"]
            )
            local += str(rng.randint(1, 99)) if rng.random() < 0.6 else ""
            if rng.random() < 0.5:
                local = local.lower()
        return f"{local}@{domain}"

    def taobao_nick(self) -> str:
        rng = self.rng
        style = rng.random()
        if style < 0.4:
            return f"tb_{rng.choice(people.ZH_NICK_WORDS)}{rng.randint(1988, 2024)}"
        if style < 0.7:
            return (
                rng.choice(people.ZH_NICK_WORDS)
                + rng.choice(people.ZH_NICK_SUFFIX)
                + str(rng.randint(1, 99))
            )
        if style < 0.85:
            return f"tb{self.digits(9)}"
        return f"{rng.choice(people.ZH_MAILBOX_WORDS)}_{rng.randint(10, 99)}"

    def coupang_id(self) -> str:
        rng = self.rng
        return (
            "".join(rng.sample(people.KO_HANDLE_PARTS, 2))
            + f"{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        )

    def address(self, plan: CustomerPlan, *, default: bool) -> Address:
        rng, place = self.rng, plan.place
        if plan.lang == ZH:
            line = (
                f"{place['district']}{rng.choice(place['streets'])}{rng.randint(1, 999)}号"
                f"{rng.choice(places.ZH_ESTATES)}{rng.randint(1, 30)}栋{rng.randint(1, 4)}单元"
                f"{rng.randint(1, 28)}{rng.randint(1, 4):02d}室"
            )
            postcode = place["postcode"]
        elif plan.lang == KO:
            line = (
                f"{rng.choice(place['streets'])} {rng.randint(1, 400)}, "
                f"{rng.choice(places.KO_BUILDINGS)} "
                f"{rng.randint(101, 115)}동 {rng.randint(1, 25)}{rng.randint(1, 4):02d}호"
            )
            postcode = place["postcode"]
        else:
            line = f"{rng.randint(10, 4999)} {rng.choice(place['streets'])}"
            if rng.random() < 0.4:
                line += f", {'Flat' if place['country'] == 'GB' else 'Apt'} {rng.randint(1, 40)}"
            postcode = place["postcode"]
        return Address(
            customer=plan.customer,
            recipient=plan.customer.name,
            phone=plan.phone,
            country=place["country"],
            region=place["region"],
            city=place["city"],
            line=line,
            postcode=postcode,
            is_default=default,
        )

    def address_text(self, plan: CustomerPlan) -> str:
        a = self.address(plan, default=False)
        if plan.lang == ZH:
            return f"{a.region}{a.city if a.city != a.region else ''}{a.line}"
        if plan.lang == KO:
            return f"{a.region} {a.city} {a.line}"
        return f"{a.line}, {a.city}, {a.region} {a.postcode}"

    # ------------------------------------------------------------ orders

    def plan_orders(self, plan: CustomerPlan) -> None:
        rng, c = self.rng, plan.customer
        if c.segment == Segment.POTENTIAL:
            return
        count = rng.randint(3, 6) if c.segment == Segment.VIP else rng.choice([2, 2, 3, 3, 4])
        days = sorted((int(HISTORY_DAYS * rng.random() ** 0.9) for _ in range(count)), reverse=True)
        for days_ago in days:
            shop = (
                rng.choice(plan.shops) if len(plan.shops) > 1 and rng.random() < 0.3 else plan.shop
            )
            plan.orders.append(
                self.make_order(plan, shop, self.local_moment(days_ago, plan.place["tz"]))
            )
        if count >= 3:
            plan.tags.add(REPEAT_TAG[plan.lang])

    def make_order(self, plan: CustomerPlan, shop: Shop, placed: datetime) -> OrderPlan:
        rng, lang, currency = self.rng, plan.lang, shop.currency
        n_lines = rng.choices([1, 2, 3], weights=[60, 30, 10])[0]
        lines = []
        for product in rng.sample(cat.PRODUCTS, n_lines):
            colour = rng.choice(product.colours)
            size = self.size_for(plan, product)
            qty = (
                1 if product.max_qty == 1 or rng.random() < 0.7 else rng.randint(2, product.max_qty)
            )
            unit = product.prices[currency]
            item = OrderItem(
                sku="-".join(p for p in (product.style, colour, size.replace(".", "")) if p)[:64],
                style_no=f"{product.style}-{colour}",
                title=product.titles[lang],
                size=size,
                color=cat.COLOURS[colour][lang],
                quantity=qty,
                unit_price=unit,
                amount=unit * qty,
            )
            lines.append(Line(product, item))
        subtotal = sum((line.item.amount for line in lines), Decimal(0))
        discount = self.discount(shop, subtotal)
        promo = (
            rng.random()
            < {"tmall": 0.25, "taobao": 0.2, "coupang": 0.15, "shopify": 0.15}[shop.platform]
        )
        shipping = Decimal(0) if promo else self.shipping(shop, subtotal - discount, plan)
        total = subtotal - discount + shipping
        order = Order(
            shop=shop,
            customer=plan.customer,
            currency=currency,
            total_amount=total,
            shipping_fee=shipping,
            discount_amount=discount,
            free_shipping_promo=promo,
            placed_at=placed,
            is_demo=True,
            external_id=self.order_number(shop),
        )
        if rng.random() < 0.15:
            order.buyer_note = rng.choice(cat.BUYER_NOTES[lang])
        if rng.random() < 0.06:
            order.seller_note = rng.choice(cat.SELLER_NOTES[lang])
        for line in lines:
            line.item.order = order
        op = OrderPlan(order=order, lines=lines, platform=shop.platform)
        self.order_timeline(op)
        return op

    def size_for(self, plan: CustomerPlan, product: cat.Product) -> str:
        sizes = cat.SIZES[product.size_kind][plan.lang]
        attrs = plan.customer.attributes
        if product.size_kind == "top" and attrs.get("size") in sizes and self.rng.random() < 0.8:
            return attrs["size"]
        if (
            product.size_kind == "shoe"
            and attrs.get("shoe_size") in sizes
            and self.rng.random() < 0.8
        ):
            return attrs["shoe_size"]
        return self.rng.choice(sizes)

    def discount(self, shop: Shop, subtotal: Decimal) -> Decimal:
        rng = self.rng
        if shop.platform == "tmall" and subtotal >= 300 and rng.random() < 0.5:
            return Decimal(30) * int(subtotal // 300)  # 每满300减30
        if shop.platform == "taobao" and subtotal >= 99 and rng.random() < 0.25:
            return Decimal(rng.choice([5, 10, 20]))
        if shop.platform == "coupang" and rng.random() < 0.3:
            if subtotal >= 30000 and rng.random() < 0.6:
                return Decimal(5000)
            return (quantize(subtotal * Decimal("0.10"), "KRW") // 10) * 10
        if shop.platform == "shopify" and rng.random() < 0.25:
            return quantize(subtotal * Decimal("0.10"), "USD")
        return Decimal(0)

    def shipping(self, shop: Shop, net: Decimal, plan: CustomerPlan) -> Decimal:
        if shop.platform == "tmall":
            return Decimal(0)  # the flagship ships free
        if shop.platform == "taobao":
            if net >= 99:
                return Decimal(0)
            return Decimal("15.00") if plan.place["region"] == "云南省" else Decimal("8.00")
        if shop.platform == "coupang":
            return Decimal(0) if net >= 19800 else Decimal(3000)
        if net >= 75:
            return Decimal(0)
        return Decimal("12.00") if plan.place["country"] == "GB" else Decimal("7.95")

    def order_number(self, shop: Shop) -> str:
        if shop.platform in ("tmall", "taobao"):
            return self.unique(shop.slug, lambda: str(self.rng.randint(1, 4)) + self.digits(18))
        if shop.platform == "coupang":
            return self.unique(shop.slug, lambda: "3" + self.digits(13))
        return ""  # Shopify numbers follow the order of placing: number_shopify_orders()

    def number_shopify_orders(self, plans: list[CustomerPlan]) -> None:
        """Shopify numbers orders #1001, #1002, … in the order they were placed."""
        unnumbered = sorted(
            (op.order for p in plans for op in p.orders if not op.order.external_id),
            key=lambda o: o.placed_at,
        )
        for number, order in enumerate(unnumbered, start=1001):
            order.external_id = f"#{number}"

    def order_timeline(self, op: OrderPlan) -> None:
        """Payment, shipment, delivery and confirmation, each only if it has happened by now."""
        rng, o, now = self.rng, op.order, self.now
        S = Order.Status
        age = now - o.placed_at
        r = rng.random()
        if age > timedelta(days=3) and r < 0.04:
            o.status = S.CANCELLED  # never paid; the marketplace closed it after three days
            return
        paid = o.placed_at + (
            self.minutes(0.3, 40) if rng.random() < 0.9 else self.minutes(60, 20 * 60)
        )
        if (age < timedelta(days=3) and r < 0.15) or paid > now:
            o.status = S.UNPAID
            return
        o.paid_at, o.paid_amount, o.status = paid, o.total_amount, S.PAID
        carriers = cat.CARRIERS[op.platform]
        name, _, spec = rng.choices(carriers, weights=[w for _, w, _ in carriers])[0]
        late = rng.random()
        hours = (
            rng.uniform(1.5, 60)
            if late < 0.9
            else rng.uniform(60, 72)
            if late < 0.97
            else rng.uniform(72, 110)
        )
        shipped = paid + timedelta(hours=hours)
        if rng.random() < 0.02:
            o.status = S.REFUNDED  # refunded before shipping (仅退款)
            return
        if shipped > now:
            return
        o.shipped_at, o.status, o.carrier, o.waybill = shipped, S.SHIPPED, name, self.pattern(spec)
        if op.platform in ("tmall", "taobao"):
            o.auto_confirm_at = shipped + TMALL_AUTO_CONFIRM
        transit_days = {"tmall": (1, 3), "taobao": (1, 4), "coupang": (1, 2), "shopify": (2, 6)}[
            op.platform
        ]
        low, high = transit_days
        if rng.random() >= 0.9:
            low, high = high + 2, high + 6  # held up at a hub
        delivered = shipped + timedelta(days=rng.randint(low, high), hours=rng.uniform(0, 10))
        if delivered > now:
            return
        o.delivered_at, o.status = delivered, S.DELIVERED
        if op.platform == "coupang":
            o.auto_confirm_at = delivered + COUPANG_AUTO_CONFIRM
        if rng.random() < 0.02:
            o.status = S.REFUNDED  # refunded after a return handled outside the demo's tickets
            return
        if o.auto_confirm_at is None:
            return  # Shopify orders stay "delivered"
        completed = o.auto_confirm_at
        if rng.random() < 0.55:
            completed = min(completed, delivered + self.minutes(120, 4 * 24 * 60))
        completed = max(completed, delivered)
        if completed <= now:
            o.completed_at, o.status = completed, S.COMPLETED

    # ------------------------------------------------------------ tickets

    def plan_tickets(self, plan: CustomerPlan) -> None:
        rng, c = self.rng, plan.customer
        if c.segment == Segment.POTENTIAL:
            count = 1 + (rng.random() < 0.15)
            for _ in range(count):
                scenario = self.pick(lambda s: s.weight_potential)
                days_ago = int(HISTORY_DAYS * rng.random() ** 2)
                self.make_ticket(
                    plan, scenario, None, self.local_moment(days_ago, plan.place["tz"])
                )
            return
        count = rng.choices([0, 1, 2, 3, 4], weights=[10, 40, 30, 15, 5])[0]
        if c.segment == Segment.VIP and rng.random() < 0.5:
            count += 1
        for index in range(count):
            scenario = None
            if index == 0 and plan.lang in self.phish_pending:
                scenario = next(s for s in sc.SCENARIOS if s.key == "phishing")
            for _ in range(8):
                scenario = scenario or self.pick(lambda s: s.weight)
                if scenario.order is None:
                    first_order = plan.orders[0].order.placed_at
                    span = max(1, (self.now - first_order).days + 10)
                    moment = self.local_moment(rng.randrange(span), plan.place["tz"])
                    self.make_ticket(plan, scenario, None, moment)
                    break
                picked = self.pick_order(plan, scenario)
                if picked:
                    op, moment = picked
                    self.make_ticket(plan, scenario, op, moment)
                    if scenario.key == "phishing":
                        self.phish_pending.discard(plan.lang)
                    break
                scenario = None

    def pick(self, weight: Callable[[sc.Scenario], int]) -> sc.Scenario:
        options = [s for s in sc.SCENARIOS if weight(s) > 0]
        return self.rng.choices(options, weights=[weight(s) for s in options])[0]

    def pick_order(
        self, plan: CustomerPlan, scenario: sc.Scenario
    ) -> tuple[OrderPlan, datetime] | None:
        candidates = []
        for op in plan.orders:
            if scenario.key in op.used or (scenario.refunds_order and op.refund_tickets):
                continue
            if scenario.extra.get("needs_size") and not any(
                line.product.goods == cat.APPAREL for line in op.lines
            ):
                continue
            span = self.window(op.order, scenario.order)
            if span:
                candidates.append((op, span))
        if not candidates:
            return None
        op, (start, end) = self.rng.choice(candidates)
        op.used.add(scenario.key)
        moment = start + timedelta(seconds=int(self.rng.uniform(0, (end - start).total_seconds())))
        return op, moment

    def window(self, o: Order, state: str) -> tuple[datetime, datetime] | None:
        S = Order.Status
        latest = self.now - timedelta(minutes=5)
        if state == "unshipped":
            if not o.paid_at:
                return None
            start, end = o.paid_at + timedelta(minutes=3), o.paid_at + timedelta(hours=12)
            if o.shipped_at:
                end = min(end, o.shipped_at)
        elif state == "waiting":
            if not o.paid_at or o.status == S.REFUNDED:
                return None
            start, end = o.paid_at + timedelta(hours=24), o.paid_at + timedelta(days=4)
            if o.shipped_at:
                end = min(end, o.shipped_at)
        elif state == "in_transit":
            if not o.shipped_at:
                return None
            start, end = (
                o.shipped_at + timedelta(hours=36),
                o.delivered_at or o.shipped_at + timedelta(days=9),
            )
        elif state == "delivered":
            if not o.delivered_at or o.status not in (S.DELIVERED, S.COMPLETED):
                return None
            start, end = o.delivered_at + timedelta(hours=1), o.delivered_at + timedelta(days=6)
        elif state == "completed":
            if not o.delivered_at or o.status not in (S.DELIVERED, S.COMPLETED):
                return None
            start, end = o.delivered_at + timedelta(days=1), o.delivered_at + timedelta(days=20)
        else:
            raise ValueError(state)
        end = min(end, latest)
        return (start, end) if end > start else None

    def make_ticket(
        self, plan: CustomerPlan, scenario: sc.Scenario, op: OrderPlan | None, created: datetime
    ):
        rng, lang, now = self.rng, plan.lang, self.now
        created = min(created, now - timedelta(minutes=2))
        channel = self.channel(lang, scenario)
        # Each language has its agent; the same agent owns the buyers of that language.
        owner = self.users[people.OWNER_BY_LANGUAGE[lang]]
        assignee = owner
        untouched = (
            channel != "phone" and now - created < timedelta(hours=48) and rng.random() < 0.45
        )
        if untouched and rng.random() < 0.5:
            assignee = None
        shop = op.order.shop if op else plan.shop
        ctx = self.context(plan, scenario, op, owner, shop)
        ticket = Ticket(
            shop=shop,
            customer=plan.customer,
            order=op.order if op else None,
            subject=scenario.subject[lang].format(**ctx)[:255],
            channel=channel,
            kind=scenario.kind,
            category=self.categories[scenario.category],
            language=lang,
            assignee=assignee,
            team=self.team_for(lang, scenario),
            created_at=created,
            is_demo=True,
        )
        low, normal, high, urgent = scenario.priority
        priority = rng.choices([1, 2, 3, 4], weights=[low, normal, high, urgent])[0]
        if plan.customer.segment == Segment.VIP and priority < 4 and rng.random() < 0.4:
            priority += 1
        ticket.priority = priority
        ticket.first_response_due = created + timedelta(minutes=FIRST_RESPONSE_DUE[priority])
        ticket.resolution_due = created + timedelta(minutes=RESOLUTION_DUE[priority])

        messages, complete = self.script(ticket, scenario, ctx, untouched)
        self.settle(ticket, messages, complete)
        if op and scenario.refunds_order:
            op.refund_tickets += 1
            refund_at = next((m.created_at for m, step in messages if step.refunds), None)
            if refund_at is not None:
                o = op.order
                o.status = Order.Status.REFUNDED
                if o.completed_at and o.completed_at > created:
                    o.completed_at = None  # confirmation was held back while the return was open
        if scenario.key == "negative_review":
            plan.tags.add(REVIEW_TAG[lang])
        if op and sum(o.refund_tickets for o in plan.orders) >= 2:
            plan.tags.add(RETURNS_TAG[lang])
        self.ticket_messages[id(ticket)] = [m for m, _ in messages]
        plan.tickets.append(ticket)
        plan.contact_times.extend(m.created_at for m, _ in messages if m.kind != Message.Kind.NOTE)

    def channel(self, lang: str, scenario: sc.Scenario) -> str:
        mix = scenario.channels or sc.CHANNEL_MIX[lang]
        channel = self.weighted(mix)
        if channel == "marketplace" and lang == EN:
            channel = "web"  # Shopify reviews arrive through the shop's review form
        return channel

    def team_for(self, lang: str, scenario: sc.Scenario) -> Team:
        if lang == KO:
            return self.teams["한국팀"]
        return self.teams["售前组" if scenario.kind in ("pre_sales", "other") else "售后组"]

    def context(self, plan, scenario, op, agent, shop) -> dict:
        rng, lang = self.rng, plan.lang
        attrs = plan.customer.attributes
        if op:
            sized = [line for line in op.lines if line.product.goods == cat.APPAREL]
            line = rng.choice(sized if scenario.extra.get("needs_size") else op.lines)
            product, item = line.product, line.item
            size, colour_name, currency = item.size, item.color, op.order.currency
            item_amount = item.amount
        else:
            sized = scenario.key in ("size_advice", "restock")
            pool = [p for p in cat.PRODUCTS if p.goods == cat.APPAREL] if sized else cat.PRODUCTS
            product = rng.choice(pool)
            size = self.size_for(plan, product)
            colour_name = cat.COLOURS[rng.choice(product.colours)][lang]
            currency = shop.currency
            item_amount = product.prices[currency]
        others = [
            cat.COLOURS[c][lang] for c in product.colours if cat.COLOURS[c][lang] != colour_name
        ]
        sizes = cat.SIZES[product.size_kind][lang]
        tight = rng.choice(["small", "big"])
        new_size = size
        if size in sizes and len(sizes) > 1:
            i = sizes.index(size)
            step = 1 if tight == "small" else -1
            if not 0 <= i + step < len(sizes):
                step, tight = -step, "big" if tight == "small" else "small"
            new_size = sizes[i + step]
        height = attrs.get("height_cm") or rng.randint(155, 180)
        weight = attrs.get("weight_kg") or rng.randint(45, 80)
        order = op.order if op else None
        carrier_name = order.carrier if order and order.carrier else ""
        platform = shop.platform
        carrier_spec = next((s for n, _, s in cat.CARRIERS[platform] if n == carrier_name), None)
        if carrier_spec is None:
            carrier_name, _, carrier_spec = cat.CARRIERS[platform][0]
        return_carrier, return_spec = rng.choice(cat.RETURN_CARRIERS[lang])
        company, tax_id = rng.choice(cat.COMPANIES[lang])
        stars, review_text = rng.choice(sc.REVIEW_TEXTS[lang])
        link = rng.choice(sc.PHISHING_LINKS[lang]).format(token=self.pattern("{10A}").lower())
        return {
            "first": plan.first,
            "customer": plan.customer.name,
            "agent": agent.display_name or agent.username,
            "shop": shop.name,
            "item": product.titles[lang],
            "style": f"{product.style}",
            "size": size or "-",
            "new_size": new_size or "-",
            "color": colour_name,
            "alt_color": rng.choice(others) if others else colour_name,
            "tight_zh": sc.TIGHT[tight][ZH],
            "tight_ko": sc.TIGHT[tight][KO],
            "tight_en": sc.TIGHT[tight][EN],
            "height": height,
            "weight": weight,
            "weight_jin": weight * 2,
            "order": order.external_id if order else "",
            "amount": self.money_text(order.total_amount, currency) if order else "",
            "item_amount": self.money_text(item_amount, currency),
            "waybill": order.waybill if order and order.waybill else "",
            "carrier": carrier_name,
            "carrier_id": str(rng.randint(10000, 99999)),
            "hub": rng.choice(cat.HUBS[lang]),
            "new_waybill": self.pattern(carrier_spec),
            "return_carrier": return_carrier,
            "return_waybill": self.pattern(return_spec),
            "defect": rng.choice(sc.DEFECTS[product.goods][lang]),
            "quality_issue": rng.choice(sc.QUALITY_ISSUES[product.goods][lang]),
            "batch": f"{product.style}-{rng.randint(2401, 2412)}",
            "stars": stars,
            "review_text": review_text,
            "link": link,
            "company": company,
            "tax_id": tax_id,
            "new_address": self.address_text(plan),
            "phone": plan.phone,
            "photo": sc.PHOTO[lang],
            "postage_note": sc.POSTAGE_NOTE[lang],
        }

    def script(self, ticket: Ticket, scenario: sc.Scenario, ctx: dict, untouched: bool):
        """The messages of a ticket up to now, and whether the conversation ran to its end."""
        rng, lang, now = self.rng, ticket.language, self.now
        stall_at = rng.randint(1, len(scenario.steps) - 1) if rng.random() < 0.1 else None
        at = ticket.created_at
        out: list[tuple[Message, sc.Step]] = []
        for index, step in enumerate(scenario.steps):
            if index and rng.random() >= step.p:
                return out, True  # the optional tail did not happen: the case ended here
            if index and (untouched or index == stall_at):
                return out, False
            if index:
                low, high = (
                    sc.REPLY_DELAY[ticket.channel]
                    if step.delay == "reply"
                    else sc.DELAYS[step.delay]
                )
                at = at + self.minutes(low, high)
            if at > now:
                return out, False
            body = rng.choice(step.texts[lang]).format(**ctx)
            kind, author = step.kind, self.author(step, ticket)
            seconds, outcome = None, ""
            if index == 0 and ticket.channel == "phone":
                kind, author = Message.Kind.CALL, ticket.assignee
                body = sc.CALL_PREFIX[lang] + body
                seconds, outcome = rng.randint(60, 420), "answered"
            elif kind == Message.Kind.CALL:
                no_answer = rng.random() < 0.15
                outcome = "no_answer" if no_answer else step.outcome
                seconds = 0 if no_answer else rng.randint(*step.seconds)
            out.append(
                (
                    Message(
                        kind=kind,
                        author=author,
                        body=body,
                        created_at=at,
                        call_seconds=seconds,
                        call_outcome=outcome,
                    ),
                    step,
                )
            )
        return out, True

    def author(self, step: sc.Step, ticket: Ticket) -> User | None:
        if step.who == "customer":
            return None
        if step.who == "assignee":
            return ticket.assignee
        return self.users[step.who]

    def settle(self, ticket: Ticket, messages, complete: bool) -> None:
        """Status and its timestamps, from what happened."""
        now, St = self.now, Ticket.Status
        msgs = [m for m, _ in messages]
        for m in msgs:
            m.ticket = ticket
        ticket.last_message_at = msgs[-1].created_at
        ticket.first_response_at = next(
            (
                m.created_at
                for m in msgs
                if m.kind in (Message.Kind.REPLY, Message.Kind.CALL) and m.author
            ),
            None,
        )
        last = msgs[-1]
        if ticket.first_response_at is None:
            ticket.status = St.NEW
        elif not complete:
            ticket.status = {
                Message.Kind.INBOUND: St.OPEN,
                Message.Kind.NOTE: St.PENDING_INTERNAL,
            }.get(last.kind, St.PENDING_CUSTOMER)
        else:
            solved = min(now, last.created_at + self.minutes(2, 180))
            ticket.solved_at, ticket.status = solved, St.SOLVED
            if solved + AUTO_CLOSE <= now:
                ticket.closed_at, ticket.status = solved + AUTO_CLOSE, St.CLOSED

    # ------------------------------------------------------------ customers, finished

    def finish_customer(self, plan: CustomerPlan) -> None:
        rng, c, now = self.rng, plan.customer, self.now
        moments = [op.order.placed_at for op in plan.orders] + plan.contact_times
        moments += [t.created_at for t in plan.tickets]
        first = min(moments)
        if c.segment != Segment.POTENTIAL and rng.random() < (
            0.6 if c.segment == Segment.VIP else 0.25
        ):
            first = min(
                first,
                now - timedelta(days=rng.randint(HISTORY_DAYS, 720), hours=rng.randint(0, 23)),
            )
        c.first_contact_at = first
        c.last_contact_at = max(moments)
        # The archive is built within two days of the first contact…
        plan.since = min(now, first + self.minutes(5, 40 * 60))
        if rng.random() < (0.9 if c.segment != Segment.POTENTIAL else 0.35):
            # …then the lead gives it an owner, who contacts the buyer within a week (mostly).
            c.owner = self.users[people.OWNER_BY_LANGUAGE[plan.lang]]
            c.owner_assigned_at = min(now, plan.since + self.minutes(10, 2 * 24 * 60))
            if rng.random() < 0.85:
                c.owner_contacted_at = min(now, c.owner_assigned_at + self.minutes(60, 6 * 24 * 60))

    # ------------------------------------------------------------ write

    def write(self, plans: list[CustomerPlan]) -> dict:
        plans.sort(key=lambda p: p.since)
        customers = [p.customer for p in plans]
        self.bulk(Customer, customers, "customers")
        for plan in plans:
            plan.customer.created_at = plan.since
        Customer.objects.bulk_update(customers, ["created_at"], batch_size=500)
        Address.objects.bulk_create(self.addresses, batch_size=500)
        CustomerPhone.objects.bulk_create(self.phones, batch_size=500)
        CustomerEmail.objects.bulk_create(self.emails, batch_size=500)
        MarketplaceIdentity.objects.bulk_create(self.identities, batch_size=500)
        customer_search.reindex([c.pk for c in customers])
        through = Customer.tags.through
        Customer.tags.through.objects.bulk_create(
            [
                through(customer_id=p.customer.pk, tag_id=self.tags[name].pk)
                for p in plans
                for name in sorted(p.tags)
            ],
            batch_size=500,
            ignore_conflicts=True,
        )

        order_plans = sorted(
            (op for p in plans for op in p.orders), key=lambda op: op.order.placed_at
        )
        orders = [op.order for op in order_plans]
        self.bulk(Order, orders, "orders")
        for order in orders:
            order.created_at = order.placed_at + timedelta(seconds=self.rng.randint(20, 300))
        Order.objects.bulk_update(orders, ["created_at"], batch_size=500)
        OrderItem.objects.bulk_create(
            [line.item for op in order_plans for line in op.lines], batch_size=500
        )

        tickets = sorted((t for p in plans for t in p.tickets), key=lambda t: t.created_at)
        self.bulk(Ticket, tickets, "tickets")
        messages = [m for t in tickets for m in self.ticket_messages[id(t)]]
        self.bulk(Message, messages, "messages")
        ticket_search.reindex([t.pk for t in tickets])
        return {
            "customers": len(customers),
            "orders": len(orders),
            "order_items": sum(len(op.lines) for op in order_plans),
            "tickets": len(tickets),
            "messages": len(messages),
        }

    def bulk(
        self, model: type[models.Model], rows: Sequence[models.Model], label: str, chunk: int = 500
    ):
        total = len(rows)
        for start in range(0, total, chunk):
            model.objects.bulk_create(rows[start : start + chunk])
            self.out(f"{label} {min(start + chunk, total)}/{total}")
        if not total:
            self.out(f"{label} 0/0")
