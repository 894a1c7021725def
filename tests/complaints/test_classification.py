"""The classification table against numbers counted by hand (003 §6)."""

import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from kefu.complaints import export, selectors
from kefu.core.errors import DomainError
from tests.complaints.helpers import register
from tests.factories import make_shop

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")

# (category, local date-time in Shanghai) — counted by hand below
FIXTURE = [
    # 2025-Q2, the quarter before the range: only for the first change
    ("quality", (2025, 4, 3, 10)),
    ("quality", (2025, 6, 30, 23)),
    # 2025-Q3
    ("quality", (2025, 7, 1, 0)),
    ("quality", (2025, 8, 15, 12)),
    ("quality", (2025, 9, 2, 9)),
    ("quality", (2025, 9, 30, 23, 30)),  # 15:30 UTC: still Q3 in Shanghai
    ("service", (2025, 8, 1, 9)),
    ("general", (2025, 7, 20, 9)),
    ("general", (2025, 9, 9, 9)),
    # 2025-Q4
    ("quality", (2025, 10, 1, 0, 10)),  # 2025-09-30 16:10 UTC: Q4 in Shanghai
    ("quality", (2025, 12, 31, 22)),
    ("service", (2025, 10, 10, 9)),
    ("service", (2025, 11, 11, 11)),
    ("service", (2025, 12, 12, 12)),
    ("general", (2025, 11, 1, 9)),
    ("general", (2025, 11, 2, 9)),
    ("emergency", (2025, 11, 3, 9)),
    # 2026-Q1
    ("quality", (2026, 1, 5, 9)),
    ("quality", (2026, 2, 5, 9)),
    ("quality", (2026, 3, 31, 23, 59)),
    ("general", (2026, 2, 14, 9)),
    # after the range
    ("quality", (2026, 4, 1, 8)),
]


@pytest.fixture
def complaints(agent, shop):
    for category, parts in FIXTURE:
        register(agent, shop, category=category, occurred_at=dt.datetime(*parts, tzinfo=SH))


def _line(table, key):
    return next(line for line in table.lines if line.key == key)


def _changes(line):
    return [(c.delta, c.percent) for c in line.changes]


def D(s):
    return Decimal(s)


def test_quarters_by_category_with_quarter_over_quarter_change(complaints):
    t = selectors.classification(
        period="quarter", by="category", start=dt.date(2025, 7, 1), end=dt.date(2026, 3, 31)
    )
    assert [p.key for p in t.periods] == ["2025-Q3", "2025-Q4", "2026-Q1"]
    quality, service = _line(t, "quality"), _line(t, "service")
    general, emergency = _line(t, "general"), _line(t, "emergency")
    assert quality.counts == [4, 2, 3]
    assert service.counts == [1, 3, 0]
    assert general.counts == [2, 2, 1]
    assert emergency.counts == [0, 1, 0]
    assert t.totals == [7, 8, 4] and t.total == 19
    assert _changes(quality) == [(2, D("100.0")), (-2, D("-50.0")), (1, D("50.0"))]
    assert _changes(service) == [(1, None), (2, D("200.0")), (-3, D("-100.0"))]
    assert _changes(general) == [(2, None), (0, D("0.0")), (-1, D("-50.0"))]
    assert _changes(emergency) == [(0, None), (1, None), (-1, D("-100.0"))]
    assert [(c.delta, c.percent) for c in t.total_changes] == [
        (5, D("250.0")),
        (1, D("14.3")),
        (-4, D("-50.0")),
    ]
    assert [line.share for line in t.lines] == [D("47.4"), D("21.1"), D("26.3"), D("5.3")]


def test_months_and_the_month_before(complaints):
    t = selectors.classification(
        period="month", by="category", start=dt.date(2025, 11, 1), end=dt.date(2025, 12, 31)
    )
    assert [p.key for p in t.periods] == ["2025-11", "2025-12"]
    assert _line(t, "service").counts == [1, 1]
    assert _changes(_line(t, "service")) == [(0, D("0.0")), (0, D("0.0"))]
    assert _line(t, "general").counts == [2, 0]
    assert t.totals == [4, 2]
    assert [(c.delta, c.percent) for c in t.total_changes] == [(2, D("100.0")), (-2, D("-50.0"))]


def test_by_shop_and_for_one_shop(complaints, agent, shop):
    other = make_shop(name="쿠팡 스토어")
    register(agent, other, category="service", occurred_at=dt.datetime(2025, 8, 1, tzinfo=SH))
    args = {"period": "quarter", "start": dt.date(2025, 7, 1), "end": dt.date(2025, 9, 30)}
    t = selectors.classification(by="shop", **args)
    assert {line.label: line.counts for line in t.lines} == {shop.name: [7], "쿠팡 스토어": [1]}
    one = selectors.classification(by="category", shop=other, **args)
    assert _line(one, "service").counts == [1] and one.total == 1


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"period": "week"}, "period"),
        ({"by": "colour"}, "by"),
        ({"start": dt.date(2026, 1, 1), "end": dt.date(2025, 1, 1)}, "end"),
        ({"period": "month", "start": dt.date(2010, 1, 1)}, "start"),
    ],
)
def test_bad_table_requests(db, kw, field):
    args = {"start": dt.date(2025, 1, 1), "end": dt.date(2025, 12, 31), **kw}
    with pytest.raises(DomainError) as err:
        selectors.classification(**args)
    assert field in err.value.fields


def test_the_table_exports_to_xlsx(complaints):
    t = selectors.classification(
        period="quarter", by="category", start=dt.date(2025, 7, 1), end=dt.date(2026, 3, 31)
    )
    ws = load_workbook(io.BytesIO(export.classification_xlsx(t))).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("Category", "2025-Q3", "change")
    assert rows[1] == ("Quality", 4, 2, 2, -2, 3, 1, 9, 47.4)
    assert rows[-1] == ("Total", 7, 5, 8, 1, 4, -4, 19, 100.0)
