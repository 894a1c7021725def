from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Order(models.Model):
    class Status(models.TextChoices):
        UNPAID = "unpaid", _("Awaiting payment")
        PAID = "paid", _("Paid, awaiting shipment")
        SHIPPED = "shipped", _("Shipped")
        DELIVERED = "delivered", _("Delivered")
        COMPLETED = "completed", _("Transaction complete")
        CANCELLED = "cancelled", _("Cancelled")
        REFUNDED = "refunded", _("Refunded")

    # Both foreign keys lead a composite index (see Meta), so they need none of their own.
    shop = models.ForeignKey(
        "core.Shop", on_delete=models.PROTECT, related_name="orders", db_index=False
    )
    external_id = models.CharField(_("order number"), max_length=64)
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name=_("customer"),
        db_index=False,
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PAID
    )
    currency = models.CharField(_("currency"), max_length=3)
    total_amount = models.DecimalField(_("total"), max_digits=14, decimal_places=2)
    shipping_fee = models.DecimalField(
        _("shipping fee"), max_digits=12, decimal_places=2, default=0
    )
    discount_amount = models.DecimalField(_("discount"), max_digits=12, decimal_places=2, default=0)
    paid_amount = models.DecimalField(_("paid"), max_digits=14, decimal_places=2, default=0)
    free_shipping_promo = models.BooleanField(_("free-shipping promotion"), default=False)
    placed_at = models.DateTimeField(_("placed"))
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("shipped"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    auto_confirm_at = models.DateTimeField(_("auto-confirm deadline"), null=True, blank=True)
    completed_at = models.DateTimeField(_("transaction complete"), null=True, blank=True)
    carrier = models.CharField(_("carrier"), max_length=40, blank=True)
    waybill = models.CharField(_("waybill"), max_length=64, blank=True, db_index=True)
    buyer_id = models.CharField(_("buyer's marketplace ID"), max_length=120, blank=True)
    recipient_name = models.CharField(_("recipient"), max_length=120, blank=True)
    recipient_phone = models.CharField(_("recipient's phone"), max_length=40, blank=True)
    shipping_address = models.TextField(_("shipping address"), blank=True)
    remote_updated_at = models.DateTimeField(
        _("changed on the marketplace"),
        null=True,
        blank=True,
        help_text=_("The marketplace's own last-change time; older deliveries are ignored."),
    )
    buyer_note = models.TextField(_("buyer's note"), blank=True)
    seller_note = models.TextField(_("seller's note"), blank=True)
    is_demo = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "external_id"], name="order_number_once_per_shop"
            )
        ]
        indexes = [
            models.Index(fields=["customer", "-placed_at"]),
            models.Index(fields=["status", "-placed_at"]),
            models.Index(fields=["external_id"]),
            models.Index(fields=["shop", "-placed_at"]),
            models.Index(fields=["-placed_at"]),
        ]

    def __str__(self) -> str:
        return self.external_id


class OrderItem(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    sku = models.CharField(_("SKU"), max_length=64, blank=True)
    style_no = models.CharField(_("style number"), max_length=64, blank=True, db_index=True)
    title = models.CharField(_("item"), max_length=255)
    size = models.CharField(_("size"), max_length=32, blank=True)
    color = models.CharField(_("colour"), max_length=32, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=2)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("order item")
        verbose_name_plural = _("order items")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1), name="item_quantity_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ×{self.quantity}"


class ImportBatch(models.Model):
    """One run of an order import (file upload or `kefu import orders`) and what it did.

    ``errors`` lists the refused rows as ``{"line": n, "reason": "..."}``; ``line`` is the
    row number a spreadsheet shows (the header is row 1). ``upload`` names the stored
    file while a background import still needs it.
    """

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    class Source(models.TextChoices):
        UPLOAD = "upload", _("Upload")
        CLI = "cli", _("Command line")

    shop = models.ForeignKey("core.Shop", on_delete=models.PROTECT, related_name="imports")
    filename = models.CharField(_("file"), max_length=255)
    layout = models.CharField(_("layout"), max_length=20)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.RUNNING
    )
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.CLI
    )
    rows_expected = models.PositiveIntegerField(_("rows expected"), default=0)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    orders_total = models.PositiveIntegerField(_("orders in the file"), default=0)
    orders_created = models.PositiveIntegerField(_("orders created"), default=0)
    orders_updated = models.PositiveIntegerField(_("orders updated"), default=0)
    orders_unchanged = models.PositiveIntegerField(_("orders unchanged"), default=0)
    orders_failed = models.PositiveIntegerField(_("orders refused"), default=0)
    items_written = models.PositiveIntegerField(_("items written"), default=0)
    customers_created = models.PositiveIntegerField(_("customers created"), default=0)
    rows_failed = models.PositiveIntegerField(_("rows refused"), default=0)
    errors = models.JSONField(_("refused rows"), default=list, blank=True)
    message = models.TextField(_("message"), blank=True)
    upload = models.CharField(max_length=255, blank=True, editable=False)
    language = models.CharField(max_length=10, blank=True, editable=False)

    class Meta:
        verbose_name = _("order import")
        verbose_name_plural = _("order imports")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.status})"

    @property
    def orders_done(self) -> int:
        return (
            self.orders_created + self.orders_updated + self.orders_unchanged + self.orders_failed
        )


class WebhookDelivery(models.Model):
    """A verified order webhook, remembered by its delivery id so a replay changes nothing."""

    shop = models.ForeignKey("core.Shop", on_delete=models.CASCADE, related_name="+")
    delivery_id = models.CharField(max_length=100)
    topic = models.CharField(max_length=60, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    order = models.ForeignKey(
        Order, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(fields=["shop", "delivery_id"], name="webhook_delivery_once")
        ]

    def __str__(self) -> str:
        return f"{self.shop_id}:{self.delivery_id}"


# ---------------------------------------------------------------- carrier: tracking and claims


class TrackingQuery(models.Model):
    """One call to the carrier about a parcel (002-篇4 §1 快件跟踪): who answered (the
    carrier agent's ID, 工号), what was asked about (the waybill), what came of it, and who
    of the team asked, so any colleague can read it on the order."""

    class Outcome(models.TextChoices):
        IN_TRANSIT = "in_transit", _("In transit")
        DELIVERED = "delivered", _("Delivered")
        DELAYED = "delayed", _("Delayed")
        ADDRESS_CHANGED = "address_changed", _("Address changed")
        RETURNING = "returning", _("Returning to sender")
        DAMAGED = "damaged", _("Damaged")
        LOST = "lost", _("Lost")
        OTHER = "other", _("Other")

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="tracking_queries", verbose_name=_("order")
    )
    queried_at = models.DateTimeField(_("queried"))
    carrier = models.CharField(_("carrier"), max_length=40)
    carrier_agent_id = models.CharField(_("carrier agent ID"), max_length=40, blank=True)
    waybill = models.CharField(_("waybill"), max_length=64)
    outcome = models.CharField(_("result"), max_length=20, choices=Outcome.choices)
    result = models.CharField(_("what the carrier said"), max_length=500, blank=True)
    customer_told = models.BooleanField(_("customer told"), default=False)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("handler"),
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tracking query")
        verbose_name_plural = _("tracking queries")
        indexes = [
            models.Index(fields=["order", "-queried_at"]),
            models.Index(fields=["-queried_at"]),
            models.Index(fields=["waybill"]),
        ]

    def __str__(self) -> str:
        return f"{self.waybill} {self.queried_at:%Y-%m-%d}"


class DamageClaim(models.Model):
    """A damage or loss report to the carrier (破损、遗失报告) and its register line
    (破损登记簿): report date, waybill, parcel state, carrier agent, value, style number,
    handler; then what the carrier paid."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        FILED = "filed", _("Filed with the carrier")
        SETTLED = "settled", _("Settled")
        REJECTED = "rejected", _("Rejected by the carrier")
        CLOSED = "closed", _("Closed")

    class ParcelState(models.TextChoices):
        BOX_DAMAGED = "box_damaged", _("Outer box damaged")
        CRUSHED = "crushed", _("Crushed")
        WET = "wet", _("Wet")
        PARTLY_MISSING = "partly_missing", _("Partly missing")
        LOST = "lost", _("Lost")
        OTHER = "other", _("Other damage")

    class Outcome(models.TextChoices):
        PAID = "paid", _("Paid by the carrier")
        WRITTEN_OFF = "written_off", _("Written off")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="damage_claims", verbose_name=_("order")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    report_date = models.DateField(_("report date"))
    waybill = models.CharField(_("waybill"), max_length=64)
    carrier = models.CharField(_("carrier"), max_length=40)
    carrier_agent_id = models.CharField(_("carrier agent ID"), max_length=40, blank=True)
    parcel_state = models.CharField(_("parcel state"), max_length=20, choices=ParcelState.choices)
    ship_date = models.DateField(_("ship date"), null=True, blank=True)
    origin = models.CharField(_("shipped from"), max_length=120, blank=True)
    destination = models.CharField(_("delivery area"), max_length=120, blank=True)
    delivery_result = models.CharField(_("delivery result"), max_length=200, blank=True)
    description = models.TextField(_("what happened"), blank=True)
    currency = models.CharField(_("currency"), max_length=3)
    declared_value = models.DecimalField(_("value of the goods"), max_digits=14, decimal_places=2)
    amount_claimed = models.DecimalField(_("amount claimed"), max_digits=14, decimal_places=2)
    amount_paid = models.DecimalField(
        _("amount paid"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    carrier_reference = models.CharField(_("carrier's case number"), max_length=64, blank=True)
    rejection_reason = models.TextField(_("why the carrier refused"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("handler"),
    )
    filed_at = models.DateTimeField(_("filed"), null=True, blank=True)
    settled_at = models.DateTimeField(_("settled"), null=True, blank=True)
    rejected_at = models.DateTimeField(_("rejected"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("damage or loss claim")
        verbose_name_plural = _("damage and loss claims")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(declared_value__gte=0), name="claim_value_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(amount_claimed__gte=0), name="claim_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(amount_paid__isnull=True) | models.Q(amount_paid__gte=0),
                name="claim_paid_not_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-report_date"]),
            models.Index(fields=["-report_date", "-id"]),
            models.Index(fields=["order", "-report_date"]),
            models.Index(fields=["waybill"]),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.waybill}"


class DamageClaimItem(models.Model):
    """One damaged or missing style in a claim (款号, how many, what they are worth)."""

    claim = models.ForeignKey(DamageClaim, on_delete=models.CASCADE, related_name="items")
    order_item = models.ForeignKey(
        OrderItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    style_no = models.CharField(_("style number"), max_length=64, blank=True)
    title = models.CharField(_("item"), max_length=255)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("claimed item")
        verbose_name_plural = _("claimed items")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1), name="claim_item_quantity_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(value__gte=0), name="claim_item_value_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.style_no or self.title} ×{self.quantity}"


def claim_photo_path(instance: ClaimPhoto, filename: str) -> str:
    return f"claims/{instance.claim_id}/{filename}"


class ClaimPhoto(models.Model):
    """A photo or scan kept with a claim: the damage, the waybill copy, the sender's ID."""

    claim = models.ForeignKey(DamageClaim, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("file"), upload_to=claim_photo_path, max_length=300)
    name = models.CharField(_("name"), max_length=200)
    size = models.PositiveIntegerField(_("size (bytes)"))
    content_type = models.CharField(_("type"), max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("claim photo")
        verbose_name_plural = _("claim photos")

    def __str__(self) -> str:
        return self.name
