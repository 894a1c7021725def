"""What is overdue today, across the features: one list for the lead.

Each feature registers a source in its ``AppConfig.ready``::

    from kefu.web import overdue
    overdue.register("complaint", _("Complaints"), selectors.overdue_items)

A source is ``source(user, now) -> Iterable[OverdueItem]``: the items past their due time
(or due before the end of today) that ``user`` may see. The "Today" page draws them in
one table, most overdue first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils import timezone


@dataclass(frozen=True)
class OverdueItem:
    title: str
    url: str
    due: dt.datetime
    owner: str = ""
    detail: str = ""

    def age(self, now: dt.datetime) -> dt.timedelta:
        return now - self.due


Source = Callable[[object, dt.datetime], Iterable[OverdueItem]]

_sources: dict[str, tuple[str, Source]] = {}


def register(kind: str, label: str, source: Source) -> None:
    _sources[kind] = (label, source)


def sources() -> dict[str, tuple[str, Source]]:
    return dict(_sources)


@dataclass(frozen=True)
class Row:
    kind: str
    kind_label: str
    item: OverdueItem
    overdue: bool
    age: dt.timedelta


def collect(user, now: dt.datetime | None = None) -> list[Row]:
    """Every registered source's items for ``user``, the longest overdue first."""
    now = now or timezone.now()
    rows = [
        Row(kind, label, item, item.due <= now, item.age(now))
        for kind, (label, source) in _sources.items()
        for item in source(user, now)
    ]
    rows.sort(key=lambda row: (row.item.due, row.kind, row.item.title))
    return rows
