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
        constraints = [
            models.UniqueConstraint(fields=["shop", "delivery_id"], name="webhook_delivery_once")
        ]

    def __str__(self) -> str:
        return f"{self.shop_id}:{self.delivery_id}"
