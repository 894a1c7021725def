"""Order import: how fast `kefu import orders` writes a big CSV export.

    python3 ../shared/bench/workload.py --tickets 135000 --out /tmp/w135k   # ≥ 100,000 orders
    python tests/bench/run.py import-orders --data /tmp/w135k --orders 100000
    KEFU_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        python tests/bench/run.py import-orders --data /tmp/w135k --orders 100000

Not timed: the workload's orders.jsonl (with customers.jsonl for each buyer's name, phone
and email) is turned into a CSV file in kefu's own layout; a fresh data dir is
initialised. Timed: `kefu import orders FILE --shop S`, a separate process through the
real code path, wall clock including the process start. Then the same file is imported
again (every order found unchanged), which is timed too.

By default all orders go into one shop (a Tmall shop in CNY; the amounts of the
workload's KRW and USD orders are taken as yuan), so one run imports all of them.
``--per-currency`` writes one file per currency instead, each imported into a shop of
that currency (CNY Tmall, KRW Coupang, USD Shopify): three runs, three process starts.

The workload's orders have one item each. The issue's target is stated for about 2.5
items per order, so by default each order gets 1, 2, 3 or 4 items in turn (the extra
ones are other sizes and colours of the same product, and the total is their sum);
``--items-per-order 1`` keeps the workload's single item.

With KEFU_DATABASE_URL set, a scratch database is created on that server and dropped
afterwards; otherwise SQLite in a temporary data dir (the embedded default).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
KEFU = Path(sys.executable).with_name("kefu")
COMMAND = [str(KEFU)] if KEFU.exists() else [sys.executable, "-m", "kefu.cli"]

SHOPS = {
    # currency: (slug, platform, time zone, language)
    "CNY": ("bench-tmall", "tmall", "Asia/Shanghai", "zh-hans"),
    "KRW": ("bench-coupang", "coupang", "Asia/Seoul", "ko"),
    "USD": ("bench-shopify", "shopify", "America/Los_Angeles", "en"),
}
STATUS = {"refund_requested": "delivered"}  # a refund request is an after-sales case
COLUMNS = [
    "order_number",
    "placed_at",
    "status",
    "total",
    "paid_at",
    "shipped_at",
    "delivered_at",
    "completed_at",
    "carrier",
    "waybill",
    "buyer_id",
    "customer_name",
    "customer_phone",
    "customer_email",
    "item_title",
    "sku",
    "style_no",
    "size",
    "color",
    "quantity",
    "unit_price",
]
SIZES = ("S", "M", "L", "XL")
COLORS = ("black", "white", "grey", "navy")


def register(sub) -> None:
    p = sub.add_parser(
        "import-orders",
        help="orders/s of `kefu import orders` on a big CSV (SQLite, or PostgreSQL)",
        description=__doc__,
        formatter_class=__import__("argparse").RawDescriptionHelpFormatter,
    )
    p.add_argument("--data", required=True, type=Path, help="workload.py output directory")
    p.add_argument("--orders", type=int, default=100_000, help="orders to import (default 100000)")
    p.add_argument(
        "--items-per-order",
        choices=["1", "2.5"],
        default="2.5",
        help="1: the workload's single item; 2.5: 1-4 items in turn (default)",
    )
    p.add_argument(
        "--per-currency",
        action="store_true",
        help="one file and shop per currency (three runs) instead of one shop for all",
    )
    p.add_argument("--out", type=Path, default=ROOT / "bench-results", help="results directory")
    p.add_argument("--keep", action="store_true", help="keep the data dir and CSV files")
    p.set_defaults(run=run)


# ---------------------------------------------------------------- data


def _iso(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def convert(data: Path, n: int, items_per_order: str, out: Path, per_currency: bool) -> dict:
    """Write kefu-layout CSV (one per currency, or one for all); return counts per file."""
    customers = {}
    with (data / "customers.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            c = json.loads(line)
            customers[c["id"]] = (c["name"], c["phone"], c["email"])
    files, writers, counts = {}, {}, {}
    orders = items = 0
    try:
        with (data / "orders.jsonl").open(encoding="utf-8") as fh:
            for line in fh:
                if orders >= n:
                    break
                o = json.loads(line)
                cur = o["currency"] if per_currency else "CNY"
                if cur not in writers:
                    path = out / f"orders-{cur.lower()}.csv"
                    files[cur] = path.open("w", newline="", encoding="utf-8")
                    writers[cur] = csv.writer(files[cur])
                    writers[cur].writerow(COLUMNS)
                    counts[cur] = {"file": str(path), "orders": 0, "items": 0}
                name, phone, email = customers[o["customer_id"]]
                placed = _iso(o["placed_at"])
                status = STATUS.get(o["status"], o["status"])
                shipped = status in ("shipped", "delivered", "completed")
                done = status == "completed"
                first = o["items"][0]
                lines = [(first["name"], first["sku"], "", "", first["qty"], first["unit_price"])]
                extra = orders % 4 if items_per_order == "2.5" else 0
                for k in range(extra):
                    lines.append(
                        (
                            first["name"],
                            f"{first['sku']}-{SIZES[k]}",
                            SIZES[k],
                            COLORS[(orders + k) % 4],
                            1,
                            first["unit_price"],
                        )
                    )
                total = sum(q * p for _, _, _, _, q, p in lines)
                w = writers[cur]
                for i, (title, sku, size, color, qty, price) in enumerate(lines):
                    head = i == 0
                    w.writerow(
                        [
                            o["id"],
                            o["placed_at"] if head else "",
                            status if head else "",
                            total if head else "",
                            (placed + dt.timedelta(minutes=3)).isoformat() if head else "",
                            (placed + dt.timedelta(days=1)).isoformat() if head and shipped else "",
                            (placed + dt.timedelta(days=3)).isoformat()
                            if head and status in ("delivered", "completed")
                            else "",
                            (placed + dt.timedelta(days=10)).isoformat() if head and done else "",
                            o["carrier"] if head else "",
                            o["tracking_no"] if head else "",
                            o["customer_id"] if head else "",
                            name if head else "",
                            phone if head else "",
                            email if head else "",
                            title,
                            sku,
                            "-".join(sku.split("-")[:2]),
                            size,
                            color,
                            qty,
                            price,
                        ]
                    )
                counts[cur]["orders"] += 1
                counts[cur]["items"] += len(lines)
                orders += 1
                items += len(lines)
    finally:
        for fh in files.values():
            fh.close()
    return {"orders": orders, "items": items, "files": counts}


# ---------------------------------------------------------------- running kefu


def kefu(*args: str, env: dict, timeout: int = 3600) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [*COMMAND, *args], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"kefu {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def _scratch_database(url: str) -> tuple[str, str]:
    """(url of a new empty database, its name) on the server ``url`` points at."""
    import psycopg

    parts = urlsplit(url)
    name = f"kefu_bench_{os.getpid()}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}")), name


def _drop_database(url: str, name: str) -> None:
    import psycopg

    admin = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _child_cpu() -> float:
    """CPU seconds (user + system) used by the finished child processes so far: what an
    import costs, whatever else the machine is busy with."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _time_imports(files: dict, env: dict) -> dict:
    runs = []
    started = time.monotonic()
    for cur, info in files.items():
        slug = SHOPS[cur][0]
        t0 = time.monotonic()
        cpu0 = _child_cpu()
        result = kefu("import", "orders", info["file"], "--shop", slug, env=env)
        took = time.monotonic() - t0
        cpu = _child_cpu() - cpu0
        summary = result.stdout.strip().splitlines()[-1]
        runs.append(
            {
                "currency": cur,
                "shop": slug,
                "orders": info["orders"],
                "items": info["items"],
                "seconds": round(took, 3),
                "cpu_seconds": round(cpu, 3),
                "orders_per_s": round(info["orders"] / took),
                "summary": summary,
            }
        )
        print(
            f"  {cur}: {info['orders']:,} orders in {took:.2f}s ({cpu:.2f}s of CPU) — {summary}",
            flush=True,
        )
    wall = time.monotonic() - started
    orders = sum(r["orders"] for r in runs)
    items = sum(r["items"] for r in runs)
    return {
        "seconds": round(wall, 3),
        "cpu_seconds": round(sum(r["cpu_seconds"] for r in runs), 3),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "orders_per_s": round(orders / wall),
        "items_per_s": round(items / wall),
        "runs": runs,
    }


def run(args) -> int:
    url = os.environ.get("KEFU_DATABASE_URL", "")
    vendor = "postgresql" if url else "sqlite"
    work = Path(tempfile.mkdtemp(prefix="kefu-bench-import-"))
    scratch = None
    try:
        print(f"converting {args.data} to kefu's CSV layout…", flush=True)
        data = convert(args.data, args.orders, args.items_per_order, work, args.per_currency)
        if data["orders"] < args.orders:
            print(
                f"note: the workload has only {data['orders']:,} orders "
                f"(make it with more --tickets for {args.orders:,})",
                flush=True,
            )
        print(f"  {data['orders']:,} orders, {data['items']:,} items", flush=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("KEFU_", "DJANGO_"))}
        env["KEFU_DATA_DIR"] = str(work / "data")
        if url:
            env["KEFU_DATABASE_URL"], scratch = _scratch_database(url)
        kefu("init", "--admin-password", "bench-password-1", env=env)
        shops = "; ".join(
            f"Shop.objects.create(slug={slug!r}, name={slug!r}, platform={plat!r}, "
            f"currency={cur!r}, time_zone={tz!r}, language={lang!r})"
            for cur, (slug, plat, tz, lang) in SHOPS.items()
        )
        kefu("manage", "shell", "-c", f"from kefu.core.models import Shop; {shops}", env=env)

        print(f"importing on {vendor}…", flush=True)
        first = _time_imports(data["files"], env)
        print(
            f"first import: {data['orders']:,} orders in {first['seconds']:.1f}s = "
            f"{first['orders_per_s']:,} orders/s, {first['items_per_s']:,} items/s "
            f"({first['cpu_seconds']:.1f}s of CPU; load average {first['load_average'][0]})",
            flush=True,
        )
        print("importing the same again (nothing changed)…", flush=True)
        again = _time_imports(data["files"], env)
        print(
            f"re-import: {again['seconds']:.1f}s = {again['orders_per_s']:,} orders/s",
            flush=True,
        )
        results = {
            "benchmark": "import-orders",
            "database": vendor,
            "shops": "per currency" if args.per_currency else "one",
            "orders": data["orders"],
            "items": data["items"],
            "items_per_order": args.items_per_order,
            "first_import": first,
            "reimport_unchanged": again,
            "target_orders_per_s": 5000,
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "platform": platform.platform(),
            },
            "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        args.out.mkdir(parents=True, exist_ok=True)
        split = "-per-currency" if args.per_currency else ""
        name = f"import-orders-{vendor}-{data['orders']}{split}.json"
        (args.out / name).write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
        print(f"results: {args.out / name}")
        return 0
    finally:
        if scratch:
            _drop_database(url, scratch)
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
