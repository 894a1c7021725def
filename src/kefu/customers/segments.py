"""Rule-based segments: potential (never bought), existing (bought), VIP (bought a lot lately).

Customers sit below orders, so they cannot count orders themselves. The orders app
registers a *purchase source* here (``register_purchases``): given customer ids (or None
for everyone) and the start of the VIP window, it yields one :class:`Purchases` row per
customer and shop that has paid orders. :func:`target_segments` turns those rows into
segments with the VIP thresholds of :mod:`kefu.customers.rules` (spend is compared per
shop, in the shop's currency, with the shop's own threshold when an admin set one).

A hand-set segment (``segment_is_manual``) is never changed by the rule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from kefu.customers import rules
from kefu.customers.models import Segment


@dataclass(frozen=True)
class Purchases:
    customer_id: int
    shop_id: int | None
    paid_orders: int  # paid orders ever (not cancelled or refunded in full)
    recent_orders: int  # of those, paid within the VIP window
    recent_spend: Decimal  # paid within the VIP window, in the shop's currency


PurchaseSource = Callable[[list[int] | None, dt.datetime], Iterable[Purchases]]

_sources: dict[str, PurchaseSource] = {}


def register_purchases(name: str, source: PurchaseSource) -> None:
    """Register (or replace) the purchase source called ``name`` (e.g. "orders")."""
    _sources[name] = source


def unregister_purchases(name: str) -> None:
    _sources.pop(name, None)


def has_sources() -> bool:
    return bool(_sources)


RANK = {Segment.POTENTIAL: 0, Segment.EXISTING: 1, Segment.VIP: 2}


def higher(a: str, b: str) -> str:
    return a if RANK.get(a, 0) >= RANK.get(b, 0) else b


def window_start(now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(days=rules.VIP_WINDOW_DAYS.get())


def target_segments(ids: list[int] | None, now: dt.datetime) -> dict[int, str]:
    """{customer id: segment by the rule} for every customer with paid orders; a customer
    missing from the answer has none, so the rule makes them potential."""
    since = window_start(now)
    min_orders = rules.VIP_MIN_ORDERS.get()
    spend_threshold: dict[int | None, Decimal] = {}
    totals: dict[int, list] = {}  # id → [paid ever, recent orders, is vip by spend]
    for source in list(_sources.values()):
        for row in source(ids, since):
            if row.shop_id not in spend_threshold:
                spend_threshold[row.shop_id] = _spend_threshold(row.shop_id)
            acc = totals.setdefault(row.customer_id, [0, 0, False])
            acc[0] += row.paid_orders
            acc[1] += row.recent_orders
            if row.recent_orders and Decimal(row.recent_spend) >= spend_threshold[row.shop_id]:
                acc[2] = True
    out = {}
    for customer_id, (paid, recent, big_spender) in totals.items():
        if paid <= 0:
            continue
        out[customer_id] = Segment.VIP if big_spender or recent >= min_orders else Segment.EXISTING
    return out


def _spend_threshold(shop_id: int | None) -> Decimal:
    if shop_id is None:
        return rules.VIP_MIN_SPEND.get()
    from kefu.core.models import Shop

    return rules.VIP_MIN_SPEND.get(shop=Shop(pk=shop_id))
