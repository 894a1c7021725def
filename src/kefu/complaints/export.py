"""The complaint register (投诉登记表) as a spreadsheet: one row per complaint with each
step's fields, as XLSX (openpyxl) or CSV; and the classification table as XLSX."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.complaints.models import Complaint
from kefu.complaints.selectors import Table

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 50_000


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _safe(value: str) -> str:
    # A cell starting with = + - @ would run as a formula in a spreadsheet.
    if value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


def columns() -> list[tuple[str, callable]]:
    return [
        (_("No."), lambda c: c.pk),
        (_("Shop"), lambda c: c.shop.name),
        (_("Complainant"), lambda c: c.complainant_name),
        (_("Customer"), lambda c: c.customer.name),
        (_("Complaint time"), lambda c: _when(c.occurred_at)),
        (_("Registered"), lambda c: _when(c.registered_at)),
        (_("Channel"), lambda c: c.get_channel_display()),
        (_("Order"), lambda c: c.order.external_id if c.order_id else ""),
        (_("Category"), lambda c: c.get_category_display()),
        (_("Severity"), lambda c: c.get_severity_display()),
        (_("Content"), lambda c: c.content),
        (_("Status"), lambda c: c.get_status_display()),
        (_("Founded"), lambda c: "" if c.founded is None else (_("yes") if c.founded else _("no"))),
        (_("Responsible department"), lambda c: c.department),
        (_("Cause"), lambda c: c.cause),
        (_("Owner"), lambda c: str(c.owner or "")),
        (
            _("Chosen solution"),
            lambda c: c.chosen_solution.description if c.chosen_solution_id else "",
        ),
        (_("Accountable"), lambda c: c.accountable),
        (_("Accountability measure"), lambda c: c.accountability_measure),
        (_("Customer's acceptance"), lambda c: c.acceptance),
        (_("Customer's feedback"), lambda c: c.customer_feedback),
        (_("Follow-up"), lambda c: c.followup_note),
        (_("Closed"), lambda c: _when(c.closed_at)),
        (_("Current step due"), lambda c: _when(c.due_at) if c.closed_at is None else ""),
    ]


def rows(qs: Iterable[Complaint]) -> Iterable[list]:
    cols = columns()
    yield [str(name) for name, _fn in cols]
    for c in qs:
        yield [_safe(v) if isinstance(v, str) else v for v in (fn(c) for _n, fn in cols)]


def register_queryset(qs):
    return qs.select_related("chosen_solution")[:MAX_ROWS]


def register_csv(qs) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows(register_queryset(qs)):
        writer.writerow(row)
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: Excel reads it as UTF-8


def register_xlsx(qs) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook(write_only=False)
    ws = wb.active
    ws.title = str(_("Complaint register"))[:31]
    for row in rows(register_queryset(qs)):
        ws.append(row)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def classification_xlsx(table: Table) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = str(_("Classification"))[:31]
    head = [str(_("Category") if table.by == "category" else _("Shop"))]
    for p in table.periods:
        head += [p.label, str(_("change"))]
    head += [str(_("Total")), str(_("Share %"))]
    ws.append(head)
    for line in table.lines:
        row = [line.label]
        for n, ch in zip(line.counts, line.changes, strict=True):
            row += [n, ch.delta]
        row += [line.total, float(line.share)]
        ws.append(row)
    total = [str(_("Total"))]
    for n, ch in zip(table.totals, table.total_changes, strict=True):
        total += [n, ch.delta]
    total += [table.total, 100.0 if table.total else 0.0]
    ws.append(total)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
