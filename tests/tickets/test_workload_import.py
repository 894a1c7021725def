"""`kefu import workload DIR`: the bulk path the benchmarks load a million tickets with.
Same rows on SQLite and PostgreSQL (COPY there), searchable, and a second run adds nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.db import connection
from django.db.models.expressions import RawSQL

from kefu.core.errors import DomainError
from kefu.customers.models import Customer, CustomerPhone
from kefu.orders.models import Order
from kefu.tickets.models import Message, Ticket
from kefu.tickets.search import TICKET_INDEX
from kefu.tickets.workload import import_workload

pytestmark = pytest.mark.django_db(transaction=True)


def _write(directory: Path, name: str, rows: list[dict]) -> None:
    text = "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n"
    (directory / name).write_text(text, encoding="utf-8")


@pytest.fixture
def workload(tmp_path) -> Path:
    _write(tmp_path, "agents.jsonl", [{"id": "agent01", "name": "王芳", "locale": "zh"}])
    _write(
        tmp_path,
        "customers.jsonl",
        [
            {
                "id": "C1",
                "name": "赵杰",
                "email": "zhao@example.net",
                "phone": "+86 165 3555 3045",
                "locale": "zh",
                "country": "CN",
                "marketplace": "tmall",
                "vip_level": 3,
                "created_at": "2025-03-19T20:25:32Z",
            },
            {
                "id": "C2",
                "name": "이지우",
                "email": "lee@example.com",
                "phone": "+82 10-4380-1286",
                "locale": "ko",
                "country": "KR",
                "marketplace": "naver",
                "vip_level": 0,
                "created_at": "2024-12-20T02:09:50Z",
            },
        ],
    )
    _write(
        tmp_path,
        "orders.jsonl",
        [
            {
                "id": "TM100",
                "customer_id": "C1",
                "marketplace": "tmall",
                "currency": "CNY",
                "placed_at": "2025-10-14T14:24:53Z",
                "total": 129,
                "status": "shipped",
                "carrier": "中通",
                "tracking_no": "ZT5516",
                "items": [{"sku": "SKU-1", "name": "保温杯 500ml", "qty": 1, "unit_price": 129}],
            },
        ],
    )
    _write(
        tmp_path,
        "tickets.jsonl",
        [
            {
                "id": "T1",
                "customer_id": "C1",
                "customer_email": "zhao@example.net",
                "order_id": "TM100",
                "marketplace": "tmall",
                "channel": "phone",
                "locale": "zh",
                "category": "refund_request",
                "subject": "保温杯不想要了",
                "body": "申请退款，谢谢",
                "created_at": "2025-11-01T00:15:59Z",
                "updated_at": "2025-11-02T23:12:59Z",
                "status": "closed",
                "priority": 3,
                "assignee": "agent01",
                "followups": [
                    {
                        "author_type": "agent",
                        "author": "agent01",
                        "public": False,
                        "created_at": "2025-11-01T18:36:47Z",
                        "body": "已联系仓库核实。",
                    },
                    {
                        "author_type": "customer",
                        "public": True,
                        "created_at": "2025-11-02T23:12:59Z",
                        "body": "Refunded yet?",
                    },
                ],
            },
            {
                "id": "T2",
                "customer_id": "C2",
                "marketplace": "naver",
                "channel": "email",
                "locale": "ko",
                "category": "shipping",
                "subject": "배송 문의",
                "body": "환불해 주세요",
                "created_at": "2025-11-03T01:00:00Z",
                "status": "open",
                "priority": 2,
                "followups": [],
            },
            {
                "id": "T3",
                "customer_id": "C404",
                "subject": "unknown buyer",
                "body": "x",
                "created_at": "2025-11-03T01:00:00Z",
            },
        ],
    )
    return tmp_path


def _found(query: str) -> set[str]:
    sql, params = TICKET_INDEX.ids_sql(connection, query)
    rows = Ticket.objects.filter(pk__in=RawSQL(sql, params))
    return set(rows.values_list("source_ref", flat=True))


def test_a_workload_loads_searchable_and_a_second_run_adds_nothing(workload):
    first = import_workload(workload, out=lambda line: None)
    assert (first["tickets"], first["messages"], first["skipped_tickets"]) == (2, 4, 1)
    assert Customer.objects.count() == 2 and CustomerPhone.objects.count() == 2
    assert Order.objects.get().external_id == "TM100"
    t1 = Ticket.objects.get(source_ref="T1")
    assert t1.order.external_id == "TM100" and t1.customer.name == "赵杰"
    assert t1.assignee.username == "agent01" and t1.status == "closed"
    assert t1.first_response_at is None  # the agent's only follow-up was an internal note
    kinds = list(
        Message.objects.filter(ticket=t1).order_by("created_at").values_list("kind", flat=True)
    )
    assert kinds == ["inbound", "note", "inbound"]
    assert _found("退款") == {"T1"}
    assert _found("환불") == {"T2"}
    assert _found("refunded") == {"T1"}

    second = import_workload(workload, out=lambda line: None)
    assert second["tickets"] == 0 and second["skipped_tickets"] == 3
    assert Ticket.objects.count() == 2 and Message.objects.count() == 4


def test_a_directory_without_the_workload_files_is_refused(tmp_path):
    with pytest.raises(DomainError, match=r"has no \w+\.jsonl"):
        import_workload(tmp_path, out=lambda line: None)
