"""The Django side of the tickets benchmark, run as its own process against the bench's
data dir or database (KEFU_DATA_DIR / KEFU_DATABASE_URL set by bench_tickets.py).

    python tests/bench/tickets_prepare.py recall GROUND_TRUTH.json OUT.json
    python tests/bench/tickets_prepare.py setup OUT.json

``recall``: every query of the ground truth through kefu's ticket search index (the same
SQL the search screens use, never LIKE), ALL matching tickets, compared with
``expected_any``. ``setup``: users and API tokens for the HTTP measures, one ticket with
30 messages, and the ids the measures need. Both print nothing but write JSON.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

PASSWORD = "bench-password-42"
MARK = "[bench] 30 messages"
API_CLIENTS = 4

# Lines for the 30-message ticket: a parcel that arrived broken, back and forth.
THREAD = [
    ("inbound", "你好，今天收到的空气炸锅外壳裂了，内胆也有划痕。"),
    ("reply", "您好，非常抱歉！麻烦拍一下外箱和面单的照片发给我们。"),
    ("inbound", "照片已经发了，请查收。"),
    ("note", "已联系仓库核对出库前的检验记录。"),
    ("reply", "收到照片了，我们正在和快递公司核实。"),
    ("inbound", "需要多久？我等着用。"),
    ("reply", "一般一到两个工作日，有结果马上通知您。"),
    ("note", "快递方要求补充开箱视频。"),
    ("reply", "请问您有开箱视频吗？有的话理赔会快很多。"),
    ("inbound", "有的，视频太大发不上来，可以发网盘吗？"),
    ("reply", "可以的，或者截几张关键画面也行。"),
    ("inbound", "截图已经发了三张。"),
    ("note", "截图清楚，提交理赔。"),
    ("reply", "已为您提交理赔，同时先给您安排补发。"),
    ("inbound", "好的，补发用什么快递？"),
    ("reply", "还是原来的快递，明天上午发出。"),
    ("inbound", "能不能换一家？上次就是他们摔坏的。"),
    ("note", "客户要求换快递，组长已同意。"),
    ("reply", "可以，给您换成另一家，运费我们承担。"),
    ("inbound", "谢谢，那旧的要寄回吗？"),
    ("reply", "不用寄回，您直接处理掉就可以。"),
    ("inbound", "Got it, thanks. Please send the new tracking number."),
    ("reply", "Of course — it will be in this thread as soon as the parcel ships."),
    ("note", "补发单已出库。"),
    ("reply", "新包裹已经发出，单号会在物流页面更新。"),
    ("inbound", "看到了，明天能到吗？"),
    ("reply", "按路线预计后天上午送达。"),
    ("inbound", "收到了，这次完好无损。"),
    ("reply", "太好了！使用中有任何问题随时联系我们。"),
    ("inbound", "好的，给你们好评。"),
]


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.settings")
    import django

    django.setup()


def recall(ground_truth: Path, out: Path) -> None:
    _django()
    from django.db import connection

    from kefu.tickets.search import TICKET_INDEX

    truth = json.loads(ground_truth.read_text(encoding="utf-8"))
    rows = []
    for item in truth["queries"]:
        q = item["q"]
        expected = set(item["expected_any"])
        started = time.perf_counter()
        found_sql = TICKET_INDEX.ids_sql(connection, q)
        found: set[str] = set()
        outside = 0
        if found_sql is not None:
            sql, params = found_sql
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT t.source_ref FROM tickets_ticket t WHERE t.id IN ({sql})", params
                )
                for (ref,) in cursor.fetchall():
                    if ref is None:
                        outside += 1  # made by kefu itself (the bench's own tickets)
                    else:
                        found.add(ref)
        took = time.perf_counter() - started
        missing = sorted(expected - found)
        extra = sorted(found - expected)
        rows.append(
            {
                "q": q,
                "kind": item.get("kind", ""),
                "lang": item.get("lang", ""),
                "expected": len(expected),
                "found": len(found),
                "missing": len(missing),
                "extra": len(extra),
                "missing_sample": missing[:10],
                "extra_sample": extra[:10],
                "outside_workload": outside,
                "recall": round(len(expected & found) / len(expected), 6) if expected else 1.0,
                "precision": round(len(expected & found) / len(found), 6) if found else 1.0,
                "fetch_all_ms": round(took * 1000, 1),
            }
        )
    out.write_text(json.dumps(rows, ensure_ascii=False, indent=1))


def setup(out: Path) -> None:
    _django()
    from django.db import connection
    from django.db.models import Count

    from kefu.core.models import Shop, User
    from kefu.core.roles import Role
    from kefu.core.tokens import create_token
    from kefu.tickets import services
    from kefu.tickets.models import Message, Ticket

    def user(username: str, role: str) -> User:
        found = User.objects.filter(username=username).first()
        if found is None:
            found = User.objects.create_user(username=username, password=PASSWORD, role=role)
        else:
            found.set_password(PASSWORD)
            found.save(update_fields=["password"])
        return found

    lead = user("bench-lead", Role.LEAD)
    # the workload's busiest agent, for the "my tickets" inbox
    busiest = (
        Ticket.objects.filter(assignee__isnull=False)
        .values("assignee")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    agent = User.objects.get(pk=busiest["assignee"]) if busiest else user("bench-agent", Role.AGENT)
    agent.set_password(PASSWORD)
    agent.save(update_fields=["password"])
    tokens = [
        create_token(actor=None, user=user(f"bench-api{n}", Role.AGENT), name="bench")
        for n in range(1, API_CLIENTS + 1)
    ]

    # tickets with the most messages the workload has (≤ 6), newest and oldest
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ticket_id FROM tickets_message GROUP BY ticket_id "
            "HAVING COUNT(*) >= 6 ORDER BY ticket_id DESC LIMIT 20"
        )
        many = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT ticket_id FROM tickets_message GROUP BY ticket_id "
            "HAVING COUNT(*) >= 6 ORDER BY ticket_id LIMIT 5"
        )
        many += [row[0] for row in cursor.fetchall()]

    long_ticket = Ticket.objects.filter(subject=MARK).first()
    sample = Ticket.objects.select_related("customer", "shop").order_by("-pk").first()
    if long_ticket is None:
        long_ticket = services.create_ticket(
            actor=None,
            customer=sample.customer,
            shop=sample.shop,
            subject=MARK,
            body="[bench] " + THREAD[0][1],
        )
        for kind, body in THREAD[1:]:
            services.add_message(
                actor=None if kind == "inbound" else lead, ticket=long_ticket, kind=kind, body=body
            )
    count = Message.objects.filter(ticket=long_ticket).count()

    shops = list(
        Shop.objects.annotate(n=Count("tickets")).order_by("-n").values_list("pk", "slug", "n")
    )
    customers = list(
        Ticket.objects.order_by("-pk").values_list("customer_id", "shop_id").distinct()[:200]
    )
    out.write_text(
        json.dumps(
            {
                "password": PASSWORD,
                "lead": lead.username,
                "agent": agent.username,
                "agent_id": agent.pk,
                "tokens": tokens,
                "tickets_6": many,
                "ticket_30": long_ticket.pk,
                "ticket_30_messages": count,
                "shops": [{"id": pk, "slug": slug, "tickets": n} for pk, slug, n in shops],
                "customers": [{"customer": c, "shop": s} for c, s in customers],
                "tickets_total": Ticket.objects.count(),
                "messages_total": Message.objects.count(),
                "vendor": connection.vendor,
            }
        )
    )


if __name__ == "__main__":
    command, *rest = sys.argv[1:]
    if command == "recall":
        recall(Path(rest[0]), Path(rest[1]))
    elif command == "setup":
        setup(Path(rest[0]))
    else:
        raise SystemExit(f"unknown command {command!r}")
