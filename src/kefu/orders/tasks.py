"""Background work of orders: importing an uploaded export too big to import in a request."""

from __future__ import annotations

import logging

from kefu.core import jobs
from kefu.customers import services as customer_services
from kefu.orders import selectors, services
from kefu.orders.models import ImportBatch

log = logging.getLogger("kefu.orders")


@jobs.job("orders.import_file")
def import_file(payload: dict) -> None:
    """Import the stored upload of batch ``payload["batch"]``. Safe to run twice: a
    finished batch is left alone, and importing the same file again changes nothing."""
    batch = (
        ImportBatch.objects.select_related("shop", "started_by")
        .filter(pk=payload.get("batch"))
        .first()
    )
    if batch is None:
        return
    try:
        services.run_stored_import(batch)
    except Exception:  # the batch says what went wrong; retrying would fail the same way
        log.exception("order import %s failed", batch.pk)


@jobs.job("orders.refresh_segments")
def refresh_segments(payload: dict) -> None:
    """After an import: put the customers whose orders it wrote in the segment the
    customers' rule says (potential → existing → VIP). Idempotent."""
    batch = ImportBatch.objects.filter(pk=payload.get("batch")).first()
    if batch is None:
        return
    ids = selectors.customers_touched_since(batch.shop_id, batch.started_at)
    customer_services.refresh_segments(ids)
