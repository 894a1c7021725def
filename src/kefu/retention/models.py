"""Keeping customers (客户维护, 002 篇4 §5, 篇5): restock waitlists, unpaid-order reminders and
care campaigns, with the message texts in each customer's language."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.customers.models import Segment


class MessageTemplate(models.Model):
    """The text kefu prepares for a customer, per kind and language; admin-editable.

    Placeholders: ``{name}`` (customer), ``{shop}``, ``{style_no}``, ``{size}`` (restock),
    ``{order}``, ``{hold_days}`` (unpaid reminder).
    """

    class Kind(models.TextChoices):
        RESTOCK = "restock", _("Back in stock")
        UNPAID = "unpaid", _("Unpaid-order reminder")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    body = models.TextField(_("text"))

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        constraints = [
            models.UniqueConstraint(fields=["kind", "language"], name="one_template_per_language")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.language})"


class WaitlistEntry(models.Model):
    """A customer waiting for a style and size to come back (缺货登记: ID, style, size)."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        NOTIFIED = "notified", _("Notified")
        CANCELLED = "cancelled", _("Cancelled")

    shop = models.ForeignKey("core.Shop", on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="waitlist_entries"
    )
    style_no = models.CharField(_("style number"), max_length=64)
    size = models.CharField(_("size"), max_length=32, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.WAITING
    )
    created_at = models.DateTimeField(_("added"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    notified_at = models.DateTimeField(_("notified"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    message = models.TextField(_("message"), blank=True)

    class Meta:
        verbose_name = _("waitlist entry")
        verbose_name_plural = _("waitlist")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "customer", "style_no", "size"],
                condition=models.Q(status="waiting"),
                name="waiting_once_per_style_and_size",
            )
        ]
        indexes = [models.Index(fields=["shop", "style_no", "size", "status"])]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.style_no} {self.size}"


class UnpaidReminder(models.Model):
    """A task for the agent: remind the buyer of an unpaid order, with the text to send
    (by chat or SMS first, then by phone — 002 篇5 §2). Once per order."""

    class Status(models.TextChoices):
        OPEN = "open", _("To send")
        DONE = "done", _("Sent")
        CANCELLED = "cancelled", _("No longer needed")

    order = models.OneToOneField(
        "orders.Order", on_delete=models.CASCADE, related_name="unpaid_reminder"
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="unpaid_reminders"
    )
    created_at = models.DateTimeField(_("created"))
    hold_until = models.DateTimeField(_("order held until"))
    language = models.CharField(_("language"), max_length=10)
    message = models.TextField(_("message"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("unpaid-order reminder")
        verbose_name_plural = _("unpaid-order reminders")
        ordering = ["hold_until", "id"]
        indexes = [models.Index(fields=["status", "hold_until"])]

    def __str__(self) -> str:
        return f"{self.order_id} ({self.status})"


class Campaign(models.Model):
    """A care message to a segment (VIP offers, holiday greetings) on a schedule."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        DONE = "done", _("Sent")

    name = models.CharField(_("name"), max_length=120)
    segment = models.CharField(_("segment"), max_length=10, choices=Segment.choices)
    shop = models.ForeignKey(
        "core.Shop",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: buyers of every shop."),
    )
    messages = models.JSONField(_("message per language"), default=dict)
    scheduled_for = models.DateTimeField(_("send at"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True)
    is_demo = models.BooleanField(default=False, editable=False)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-scheduled_for", "-id"]
        indexes = [models.Index(fields=["status", "scheduled_for"])]

    def __str__(self) -> str:
        return self.name


class CampaignDelivery(models.Model):
    """What a campaign run did for one customer: the message, or why it was skipped."""

    class Outcome(models.TextChoices):
        SENT = "sent", _("Sent")
        NO_CONSENT = "skipped_no_consent", _("Skipped: no marketing consent")
        FREQUENCY_CAP = "skipped_frequency_cap", _("Skipped: frequency cap")
        NO_CONTACT = "skipped_no_contact", _("Skipped: no way to reach")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="deliveries")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="campaign_deliveries"
    )
    outcome = models.CharField(_("outcome"), max_length=24, choices=Outcome.choices)
    language = models.CharField(_("language"), max_length=10, blank=True)
    message = models.TextField(_("message"), blank=True)
    created_at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("campaign delivery")
        verbose_name_plural = _("campaign deliveries")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "customer"], name="one_delivery_per_customer"
            )
        ]
        # the frequency cap counts a customer's recent sent messages across campaigns
        indexes = [models.Index(fields=["customer", "outcome", "created_at"])]

    def __str__(self) -> str:
        return f"{self.campaign_id}→{self.customer_id}: {self.outcome}"
