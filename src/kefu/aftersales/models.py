"""After-sales cases (售后): returns, exchanges, refunds, missing parts, out of stock.

One :class:`AftersalesCase` per customer request, linked to the order, its items (with
quantities), the customer and optionally the ticket it came from. Its ``status`` moves
only through the transition tables in :mod:`kefu.aftersales.workflow`. A refund is one
:class:`Refund` row per case (a database constraint), split into :class:`RefundLine` rows
per order item so no item is ever refunded beyond what was paid for it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    RETURN_REFUND = "return_refund", _("Return and refund")
    EXCHANGE = "exchange", _("Exchange")
    REFUND_ONLY = "refund_only", _("Refund only")
    RESEND_PART = "resend_part", _("Resend missing part")
    OUT_OF_STOCK = "out_of_stock", _("Out of stock after payment")


class Reason(models.TextChoices):
    NO_REASON = "no_reason", _("Dislike / no reason")
    WRONG_SIZE = "wrong_size", _("Wrong size")
    QUALITY = "quality", _("Quality problem")
    WRONG_ITEM = "wrong_item", _("Wrong item sent")
    DAMAGED = "damaged", _("Damaged in transit")
    MISSING_PART = "missing_part", _("Missing part")
    OTHER = "other", _("Other")


class Status(models.TextChoices):
    AWAITING_SELLER = "awaiting_seller", _("Awaiting seller confirmation")
    AWAITING_AMEND = "awaiting_amend", _("Rejected, awaiting buyer to amend")
    AWAITING_RETURN = "awaiting_return", _("Agreed, awaiting buyer's return shipment")
    RETURN_SHIPPED = "return_shipped", _("Buyer shipped, awaiting receipt")
    RECEIVED = "received", _("Received, awaiting inspection")
    INSPECTION_ISSUE = "inspection_issue", _("Not resellable, awaiting decision")
    AWAITING_FINANCE = "awaiting_finance", _("Awaiting finance")
    REFUNDED = "refunded", _("Refunded")
    AWAITING_RESHIP = "awaiting_reship", _("Awaiting reship")
    AWAITING_RESEND = "awaiting_resend", _("Awaiting resend")
    RESENT = "resent", _("Part resent, awaiting customer")
    AWAITING_CHOICE = "awaiting_choice", _("Awaiting customer's choice")
    WAITING_RESTOCK = "waiting_restock", _("Waiting for restock")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_EXCLUDED = (Status.REFUNDED, Status.CLOSED, Status.CANCELLED)


class IssueSource(models.TextChoices):
    CHAT = "chat", _("Chat")
    PHONE = "phone", _("Phone")
    MARKETPLACE = "marketplace", _("Marketplace request")
    REVIEW = "review", _("Review")
    WAREHOUSE = "warehouse", _("Warehouse")
    OTHER = "other", _("Other")


class Condition(models.TextChoices):
    RESELLABLE = "resellable", _("New, resellable")
    WORN = "worn", _("Worn or washed")
    DAMAGED = "damaged", _("Damaged")


class Outcome(models.TextChoices):
    SWITCHED_STYLE = "switched_style", _("Switched to another style")
    WAITED = "waited", _("Waited for restock")
    REFUNDED = "refunded", _("Refunded")
    ALTERNATIVE = "alternative", _("Compensated instead of a refund")


class PostageSettlement(models.TextChoices):
    NONE = "", _("Nothing owed")
    OWED = "owed", _("Owed by the customer")
    PAID = "paid", _("Paid by the customer")
    WAIVED = "waived", _("Waived by a lead")


class AftersalesCase(models.Model):
    shop = models.ForeignKey(
        "core.Shop", on_delete=models.PROTECT, related_name="+", verbose_name=_("shop")
    )
    order = models.ForeignKey(
        "orders.Order",
        on_delete=models.PROTECT,
        related_name="aftersales_cases",
        verbose_name=_("order"),
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="aftersales_cases",
        verbose_name=_("customer"),
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="aftersales_cases",
        verbose_name=_("ticket"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    description = models.TextField(_("what the customer says"), blank=True)
    chat_excerpt = models.TextField(_("chat excerpt"), blank=True)
    # After-sales registration (EDB sheet): source, rating, handler, type, status, result.
    issue_source = models.CharField(
        _("issue source"), max_length=12, choices=IssueSource.choices, default=IssueSource.CHAT
    )
    customer_rating = models.PositiveSmallIntegerField(_("customer rating"), null=True, blank=True)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handler"),
    )
    issue_type = models.CharField(_("issue type"), max_length=80, blank=True)
    result = models.TextField(_("result"), blank=True)
    # Marketplace facts the policy reads.
    seven_day_no_reason = models.BooleanField(_("7-day no-reason return"), default=False)
    invoice_issued = models.BooleanField(_("invoice issued"), default=False)
    invoice_returned = models.BooleanField(_("invoice returned"), default=False)
    # The parcels.
    return_carrier = models.CharField(_("return carrier"), max_length=40, blank=True)
    return_waybill = models.CharField(_("return waybill"), max_length=64, blank=True)
    reship_waybill = models.CharField(_("new waybill"), max_length=64, blank=True)
    received_at = models.DateTimeField(_("received"), null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    handover_date = models.DateField(_("hand-over batch"), null=True, blank=True)
    condition = models.CharField(
        _("condition"), max_length=12, choices=Condition.choices, blank=True
    )
    accessories_complete = models.BooleanField(_("accessories complete"), null=True, blank=True)
    inspection_note = models.TextField(_("inspection note"), blank=True)
    inspected_at = models.DateTimeField(_("inspected"), null=True, blank=True)
    inspected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Money: the last quote of the policy engine, and postage the customer owes.
    currency = models.CharField(_("currency"), max_length=3)
    refund_due = models.DecimalField(
        _("refund due"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    quote = models.JSONField(_("quote"), default=dict, blank=True)
    quote_explanation = models.TextField(_("explanation"), blank=True)
    postage_owed = models.DecimalField(
        _("postage owed"), max_digits=12, decimal_places=2, default=0
    )
    postage_settlement = models.CharField(
        _("postage"),
        max_length=8,
        choices=PostageSettlement.choices,
        default=PostageSettlement.NONE,
        blank=True,
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    # Deadlines (002 篇4 §4): auto-confirm, 15-day claim window, 72 h shipping, platform reply.
    auto_confirm_at = models.DateTimeField(_("auto-confirm deadline"), null=True, blank=True)
    claim_window_ends = models.DateTimeField(_("after-sales window ends"), null=True, blank=True)
    ship_due = models.DateTimeField(_("shipping due (72 h)"), null=True, blank=True)
    platform_reply_due = models.DateTimeField(_("platform reply due"), null=True, blank=True)
    needs_extension = models.BooleanField(_("extend the transaction"), default=False)
    near_deadline = models.BooleanField(_("near a deadline"), default=False)
    warned_at = models.DateTimeField(_("warned"), null=True, blank=True)
    extended_at = models.DateTimeField(_("transaction extended"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("after-sales case")
        verbose_name_plural = _("after-sales cases")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-created_at"]),
            models.Index(fields=["return_waybill"]),
            models.Index(fields=["handover_date"]),
            models.Index(fields=["handler", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(customer_rating__isnull=True)
                | models.Q(customer_rating__gte=1, customer_rating__lte=5),
                name="aftersales_rating_1_to_5",
            ),
            models.CheckConstraint(
                condition=models.Q(postage_owed__gte=0), name="aftersales_postage_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"AS-{self.pk} {self.get_kind_display()}"

    @property
    def is_open(self) -> bool:
        return self.status not in OPEN_EXCLUDED


class CaseItem(models.Model):
    case = models.ForeignKey(AftersalesCase, on_delete=models.CASCADE, related_name="items")
    order_item = models.ForeignKey(
        "orders.OrderItem", on_delete=models.PROTECT, related_name="+", verbose_name=_("item")
    )
    quantity = models.PositiveIntegerField(_("quantity"))

    class Meta:
        verbose_name = _("case item")
        verbose_name_plural = _("case items")
        constraints = [
            models.UniqueConstraint(fields=["case", "order_item"], name="case_item_once"),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1), name="case_item_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_item.title} ×{self.quantity}"


class Evidence(models.Model):
    class Kind(models.TextChoices):
        PHOTO = "photo", _("Photo or file")
        CHAT = "chat", _("Chat excerpt")

    class Stage(models.TextChoices):
        REQUEST = "request", _("Customer's request")
        INSPECTION = "inspection", _("Warehouse inspection")

    case = models.ForeignKey(AftersalesCase, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    stage = models.CharField(_("stage"), max_length=12, choices=Stage.choices)
    file = models.FileField(_("file"), upload_to="aftersales/%Y/%m/", blank=True)
    name = models.CharField(_("name"), max_length=255, blank=True)
    size = models.PositiveIntegerField(_("size"), default=0)
    content_type = models.CharField(max_length=100, blank=True)
    text = models.TextField(_("text"), blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    added_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["added_at", "id"]

    def __str__(self) -> str:
        return self.name or self.text[:40]


class Refund(models.Model):
    """The money paid back for one case: at most one per case, one per reference."""

    case = models.OneToOneField(AftersalesCase, on_delete=models.CASCADE, related_name="refund")
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    reference = models.CharField(_("payment reference"), max_length=80, unique=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("confirmed"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="refund_amount_positive")
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.amount} {self.currency}"


class RefundLine(models.Model):
    refund = models.ForeignKey(Refund, on_delete=models.CASCADE, related_name="lines")
    order_item = models.ForeignKey("orders.OrderItem", on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["refund", "order_item"], name="refund_line_once"),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="refund_line_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_item_id}: {self.amount}"


class Payer(models.TextChoices):
    BUYER = "buyer", _("Buyer")
    SELLER = "seller", _("Seller")
    INSURANCE = "insurance", _("Shipping insurance")


class Situation(models.TextChoices):
    NO_REASON_7D = "no_reason_7d", _("Dislike, within 7 days of receipt")
    FREE_SHIPPING = "free_shipping", _("Free-shipping promotion item")
    QUALITY = "quality", _("Quality problem (seller's fault)")
    AFTER_SUCCESS = "after_success", _("After transaction success")


class PolicyKind(models.TextChoices):
    EXCHANGE = "exchange", _("Exchange")
    REFUND = "refund", _("Refund")


class StoreType(models.TextChoices):
    C_STORE = "c_store", _("C-store / Tmall-type")
    MALL = "mall", _("Mall store")


class PostagePolicyRow(models.Model):
    """One row of the postage and fee table (002 篇4); no shop = the default for all shops."""

    shop = models.ForeignKey(
        "core.Shop",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("shop"),
        help_text=_("Empty: the default for every shop."),
    )
    store_type = models.CharField(_("store type"), max_length=10, choices=StoreType.choices)
    situation = models.CharField(_("situation"), max_length=16, choices=Situation.choices)
    kind = models.CharField(_("kind"), max_length=10, choices=PolicyKind.choices)
    outbound_payer = models.CharField(
        _("outbound postage paid by"), max_length=10, choices=Payer.choices
    )
    return_payer = models.CharField(
        _("return postage paid by"), max_length=10, choices=Payer.choices
    )
    reship_payer = models.CharField(
        _("reship postage paid by"), max_length=10, choices=Payer.choices
    )
    deduct_outbound = models.BooleanField(
        _("deduct outbound postage from the refund"), default=False
    )
    fee_percent = models.DecimalField(
        _("fee deducted (%)"), max_digits=5, decimal_places=2, default=0
    )
    invoice_percent = models.DecimalField(
        _("deducted if an issued invoice is not returned (%)"),
        max_digits=5,
        decimal_places=2,
        default=0,
    )
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("postage and fee rule")
        verbose_name_plural = _("postage and fee rules")
        ordering = ["shop_id", "store_type", "situation", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "store_type", "situation", "kind"], name="postage_row_once"
            ),
            models.UniqueConstraint(
                fields=["store_type", "situation", "kind"],
                condition=models.Q(shop__isnull=True),
                name="postage_row_once_globally",
            ),
            models.CheckConstraint(
                condition=models.Q(fee_percent__gte=0, fee_percent__lte=100)
                & models.Q(invoice_percent__gte=0, invoice_percent__lte=100),
                name="postage_row_percent_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.store_type}/{self.situation}/{self.kind}"
