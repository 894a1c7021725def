"""Customer archive benchmark: bulk load, search latency, the customer page.

    python tests/bench/run.py customers --customers 1000000
    python tests/bench/run.py customers --data /tmp/w1m          # customers.jsonl from workload.py
    KEFU_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench python tests/bench/run.py customers

1. Load. The workload's customers (``customers.jsonl`` of ``workload.py --customers N``, or
   the same records made in-process with the workload module's own ``make_customer``)
   go in through ``customers.services.bulk_create_customers``: customers, phones, emails,
   one marketplace ID each (the buyer's nick on the workload's marketplace: the handle
   of their email), their search index entries and one audit entry each, in batches of
   one transaction. Reports the time and rate.
2. Search. For each kind of query an agent types — the phone as given (+86 138 …), the
   national number, its last four digits, a Chinese, a Korean and an English name, a
   marketplace ID, an email — ``--queries`` customers are drawn (fixed seed) and their
   value searched: server time = ``selectors.search_customers(q)`` plus materialising the
   first page of 20 with what the list shows (``selectors.page_of``: owner, phones,
   emails, marketplace IDs, tags), exactly what the customer list screen does.
   p50/p95/p99 per kind; the target is p95 < 20 ms. Exact lookups (full phone, national
   number, marketplace ID, email) are also checked to find the customer searched for.
3. Customer page. A customer with 500 orders and 200 tickets: ``GET /customers/<id>/``
   through Django's test client (middleware, session, template: the whole server side),
   ``--renders`` times; p50/p95/p99 and the number of queries. Target p95 < 100 ms.

SQLite by default, in a fresh data dir (``--data-dir`` to keep and reuse one: a second run
measures without loading again); PostgreSQL when KEFU_DATABASE_URL is set (an empty
database, or one a previous run loaded with the same --customers). JSON goes to
bench-results/customers-<vendor>-<N>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_WORKLOAD = ROOT.parent / "shared" / "bench" / "workload.py"
LANGUAGE = {"zh": "zh-hans", "ko": "ko", "en": "en"}
PLATFORM = {
    "tmall": "tmall",
    "taobao": "taobao",
    "jd": "jd",
    "douyin": "douyin",
    "coupang": "coupang",
    "naver": "naver",
    "shopify": "shopify",
}
SEGMENT = {0: "potential", 1: "existing", 2: "existing", 3: "vip"}
PAGE_EMAIL = "bench.page@example.com"  # the customer with 500 orders and 200 tickets
KINDS = (
    "phone_as_given",
    "phone_national",
    "phone_last4",
    "name_zh",
    "name_ko",
    "name_en",
    "marketplace_id",
    "email",
)
EXACT = {"phone_as_given", "phone_national", "marketplace_id", "email"}


def register(sub) -> None:
    parser = sub.add_parser(
        "customers",
        help="customer archive: bulk load, search p95, customer page p95",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--customers", type=int, default=1_000_000, help="how many to load")
    parser.add_argument("--data", type=Path, help="a workload.py --out dir with customers.jsonl")
    parser.add_argument(
        "--workload", type=Path, default=DEFAULT_WORKLOAD, help="workload.py (in-process data)"
    )
    parser.add_argument("--seed", type=int, default=20261101, help="the workload's seed")
    parser.add_argument("--queries", type=int, default=200, help="queries per kind")
    parser.add_argument("--renders", type=int, default=100, help="customer page renders")
    parser.add_argument("--batch", type=int, default=5000, help="customers per transaction")
    parser.add_argument("--data-dir", type=Path, help="SQLite: keep the data dir here (reuse)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench-results")
    parser.set_defaults(run=run)


# ---------------------------------------------------------------- setup


def _setup(args) -> str:
    if not os.environ.get("KEFU_DATABASE_URL"):
        data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="kefu-bench-customers-"))
        data_dir.mkdir(parents=True, exist_ok=True)
        os.environ["KEFU_DATA_DIR"] = str(data_dir)
    else:
        os.environ.setdefault("KEFU_DATA_DIR", tempfile.mkdtemp(prefix="kefu-bench-customers-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "kefu.settings"
    (Path(os.environ["KEFU_DATA_DIR"]) / "static").mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.db import connection

    return connection.vendor


def _workload_customers(args):
    """The workload's customer records, from customers.jsonl or made in-process."""
    if args.data:
        with (args.data / "customers.jsonl").open(encoding="utf-8") as lines:
            for n, line in enumerate(lines):
                if n >= args.customers:
                    return
                yield json.loads(line)
        return
    spec = importlib.util.spec_from_file_location("kefu_bench_workload", args.workload)
    workload = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(workload)
    anchor = dt.datetime.fromisoformat(workload.DEFAULT_ANCHOR).astimezone(dt.UTC)
    for j in range(args.customers):
        yield workload.make_customer(args.seed, j, anchor)


def _nick(record: dict) -> str:
    return record["email"].split("@", 1)[0]


def _shops() -> dict[str, int]:
    from kefu.core.models import Shop

    out = {}
    for code, platform_name in (
        *PLATFORM.items(),
        ("11st", "own"),
        ("gmarket", "own"),
        ("amazon", "own"),
        ("ebay", "own"),
    ):
        shop, _ = Shop.objects.get_or_create(
            slug=f"bench-{code}", defaults={"name": f"bench {code}", "platform": platform_name}
        )
        out[code] = shop.pk
    return out


def _load(args) -> dict:
    from django.utils.dateparse import parse_datetime

    from kefu.customers.models import Customer
    from kefu.customers.services import NewCustomer, bulk_create_customers

    already = Customer.objects.exclude(emails__normalized=PAGE_EMAIL).count()
    if already:
        if already != args.customers:
            sys.exit(
                f"the database holds {already} customers, not {args.customers}: "
                "use an empty database (or the same --customers to reuse it)"
            )
        print(f"reusing the {already} customers already loaded", flush=True)
        return {"reused": True, "customers": already}
    shops = _shops()
    started = time.perf_counter()
    last = [started]

    def rows():
        for n, record in enumerate(_workload_customers(args), start=1):
            created = parse_datetime(record["created_at"])
            yield NewCustomer(
                name=record["name"],
                phones=[record["phone"]],
                emails=[record["email"]],
                identities=[(shops[record["marketplace"]], _nick(record))],
                language=LANGUAGE[record["locale"]],
                first_contact_at=created,
                extra={"segment": SEGMENT.get(record.get("vip_level", 0), "potential")},
            )
            if n % 100_000 == 0:
                now = time.perf_counter()
                print(
                    f"  {n:>9,} customers  {now - started:7.1f} s  "
                    f"({100_000 / (now - last[0]):,.0f}/s lately)",
                    flush=True,
                )
                last[0] = now

    total = bulk_create_customers(actor=None, rows=rows(), batch_size=args.batch, reason="bench")
    seconds = time.perf_counter() - started
    return {
        "reused": False,
        "customers": total,
        "seconds": round(seconds, 1),
        "customers_per_second": round(total / seconds),
    }


# ---------------------------------------------------------------- search


def _national(phone: str) -> str:
    """What a caller reads out without the country code: 138 1234 5678, 010-1234-5678."""
    from kefu.customers import normalize

    code, rest = phone.split(" ", 1) if phone.startswith("+") else ("", phone)
    if code == "+82":
        return "0" + rest  # 10-1234-5678 → 010-1234-5678
    if code == "+1":
        return rest
    return rest if code else normalize.phone_query(phone) or phone


def _queries(args, total: int) -> dict[str, list[tuple[str, int]]]:
    """(query, id of the customer it was taken from) per kind, drawn with a fixed seed."""
    from kefu.customers.models import Customer

    rng = random.Random(f"{args.seed}:customer-bench")
    wanted = {kind: [] for kind in KINDS}
    first_id = Customer.objects.order_by("pk").values_list("pk", flat=True).first()
    per_lang = {"zh-hans": "name_zh", "ko": "name_ko", "en": "name_en"}
    tries = 0
    while any(len(v) < args.queries for v in wanted.values()) and tries < args.queries * 200:
        tries += 1
        pk = first_id + rng.randrange(total)
        c = (
            Customer.objects.filter(pk=pk)
            .prefetch_related("phones", "emails", "identities")
            .first()
        )
        if c is None:
            continue
        phone = c.phones.all()[0].number
        name_kind = per_lang[c.language]
        candidates = {
            "phone_as_given": phone,
            "phone_national": _national(phone),
            "phone_last4": phone.replace("-", "").replace(" ", "")[-4:],
            name_kind: c.name,
            "marketplace_id": c.identities.all()[0].external_id,
            "email": c.emails.all()[0].email,
        }
        for kind, q in candidates.items():
            if len(wanted[kind]) < args.queries:
                wanted[kind].append((q, c.pk))
    return wanted


def _percentiles(samples_ms: list[float]) -> dict:
    ordered = sorted(samples_ms)

    def pick(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))], 2)

    return {
        "n": len(ordered),
        "p50_ms": pick(0.50),
        "p95_ms": pick(0.95),
        "p99_ms": pick(0.99),
        "mean_ms": round(statistics.fmean(ordered), 2),
        "max_ms": round(ordered[-1], 2),
    }


def _search(args, total: int) -> dict:
    from kefu.customers import selectors

    queries = _queries(args, total)
    for q, _pk in queries["name_zh"][:20]:  # warm the caches a little
        selectors.page_of(selectors.search_customers(q))
    out = {}
    for kind in KINDS:
        samples, misses, hits = [], 0, []
        for q, pk in queries[kind]:
            started = time.perf_counter()
            page, _more = selectors.page_of(selectors.search_customers(q), size=20)
            samples.append((time.perf_counter() - started) * 1000)
            hits.append(len(page))
            if kind in EXACT and not selectors.search_customers(q).filter(pk=pk).exists():
                misses += 1
        if not samples:
            continue
        out[kind] = {
            **_percentiles(samples),
            "example": queries[kind][0][0],
            "first_page_rows_mean": round(statistics.fmean(hits), 1),
        }
        if kind in EXACT:
            out[kind]["not_found"] = misses
        print(
            f"  {kind:<15} p50 {out[kind]['p50_ms']:7.2f} ms  p95 {out[kind]['p95_ms']:7.2f} ms  "
            f"p99 {out[kind]['p99_ms']:7.2f} ms   e.g. {queries[kind][0][0]!r}",
            flush=True,
        )
    return out


# ---------------------------------------------------------------- the customer page


def _page_customer(agent, shop):
    """A customer with 500 orders (one item each), 200 tickets (one message each), 20 notes."""
    from decimal import Decimal

    from django.db import transaction
    from django.utils import timezone

    from kefu.customers import services
    from kefu.orders.models import Order, OrderItem
    from kefu.tickets.models import Message, Ticket

    customer = services.create_customer(
        actor=agent,
        name="王芳（压测）",
        phones=["+86 138 0000 0000"],
        emails=[PAGE_EMAIL],
        tags=["VIP"],
    )
    now = timezone.now()
    with transaction.atomic():
        orders = Order.objects.bulk_create(
            Order(
                shop=shop,
                customer=customer,
                external_id=f"BENCH{customer.pk}-{i:05d}",
                currency="CNY",
                status=Order.Status.COMPLETED,
                total_amount=Decimal("199.00"),
                paid_amount=Decimal("199.00"),
                placed_at=now - dt.timedelta(hours=7 * i),
                paid_at=now - dt.timedelta(hours=7 * i),
            )
            for i in range(500)
        )
        OrderItem.objects.bulk_create(
            OrderItem(order=o, title="羊绒围巾", unit_price=Decimal("199"), amount=Decimal("199"))
            for o in orders
        )
        tickets = Ticket.objects.bulk_create(
            Ticket(
                shop=shop,
                customer=customer,
                subject=f"订单咨询 {i}",
                created_at=now - dt.timedelta(hours=17 * i + 3),
            )
            for i in range(200)
        )
        Message.objects.bulk_create(
            Message(ticket=t, kind="inbound", body="我要退款", created_at=t.created_at)
            for t in tickets
        )
    for i in range(20):
        services.add_note(actor=agent, customer=customer, body=f"回访记录 {i}")
    return customer


def _page(args) -> dict:
    from django.db import connection
    from django.test import Client

    from kefu.core.models import Shop, User
    from kefu.customers.models import Customer

    agent, _ = User.objects.get_or_create(
        username="bench-agent", defaults={"role": "agent", "display_name": "Bench"}
    )
    shop = Shop.objects.get(slug="bench-tmall")
    customer = Customer.objects.filter(emails__normalized=PAGE_EMAIL).first()
    if customer is None:
        customer = _page_customer(agent, shop)
    client = Client()
    client.force_login(agent)
    url = f"/customers/{customer.pk}/"
    assert client.get(url).status_code == 200
    queries = []
    with connection.execute_wrapper(lambda run, sql, *rest: queries.append(sql) or run(sql, *rest)):
        client.get(url)
    samples = []
    for _ in range(args.renders):
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    result = {
        **_percentiles(samples),
        "orders": 500,
        "tickets": 200,
        "notes": 20,
        "queries": len(queries),
        "timeline_items": response.content.decode().count('class="timeline-item"'),
    }
    print(
        f"  customer page   p50 {result['p50_ms']:7.2f} ms  p95 {result['p95_ms']:7.2f} ms  "
        f"p99 {result['p99_ms']:7.2f} ms   {result['queries']} queries",
        flush=True,
    )
    return result


# ---------------------------------------------------------------- run


def run(args) -> int:
    vendor = _setup(args)
    print(f"customers benchmark on {vendor}, {args.customers:,} customers", flush=True)
    load = _load(args)
    if not load.get("reused"):
        print(
            f"loaded {load['customers']:,} customers in {load['seconds']} s "
            f"({load['customers_per_second']:,}/s)",
            flush=True,
        )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics for the planner, as after a real import
    print("search (server time: selector + first page of 20):", flush=True)
    search = _search(args, load["customers"])
    print("customer page:", flush=True)
    page = _page(args)
    result = {
        "bench": "customers",
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "database": vendor,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "customers": load["customers"],
        "load": load,
        "search": search,
        "search_target_p95_ms": 20,
        "search_p95_worst_ms": max(v["p95_ms"] for v in search.values()),
        "customer_page": page,
        "customer_page_target_p95_ms": 100,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"customers-{vendor}-{load['customers']}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=1))
    print(f"written to {path}", flush=True)
    return 0
