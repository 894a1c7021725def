"""The complaint file (投诉档案 / 불만 서류): one row per complaint, walked through the
closed loop of DOMAIN.md "Complaints: a closed loop" (003 §"효율적인 불만 처리").

Each step keeps its own fields on the complaint, so the file reads like the paper form:
registration, judgement, investigation, the proposed solutions (:class:`Solution`), the
lead's choice and instruction, implementation with accountability, the customer's
acceptance, the follow-up call and the closing. The moves between steps are the table in
:mod:`kefu.complaints.workflow`; every move is in the audit log.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kefu.tickets.models import Channel


class Category(models.TextChoices):
    # The classification table of 003 §6 / 001: quality, service, general, emergency.
    QUALITY = "quality", _("Quality")
    SERVICE = "service", _("Service")
    GENERAL = "general", _("General")
    EMERGENCY = "emergency", _("Emergency")


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class Status(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    INVESTIGATING = "investigating", _("Investigating")
    CAUSE_FOUND = "cause_found", _("Cause found")
    SOLUTIONS_PROPOSED = "solutions_proposed", _("Solutions proposed")
    IMPLEMENTING = "implementing", _("Implementing")
    AWAITING_CONFIRMATION = "awaiting_confirmation", _("Awaiting customer confirmation")
    FOLLOWING_UP = "following_up", _("Following up")
    FOLLOWED_UP = "followed_up", _("Follow-up done")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = tuple(s for s in Status.values if s != Status.CLOSED)


class Complaint(models.Model):
    shop = models.ForeignKey(
        "core.Shop", on_delete=models.PROTECT, related_name="complaints", verbose_name=_("shop")
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="complaints",
        verbose_name=_("customer"),
    )
    order = models.ForeignKey(
        "orders.Order",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("order"),
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("ticket"),
    )
    # 1. registration
    complainant_name = models.CharField(_("complainant"), max_length=120, blank=True)
    occurred_at = models.DateTimeField(_("complaint time"))
    content = models.TextField(_("content"))
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    status = models.CharField(
        _("status"), max_length=24, choices=Status.choices, default=Status.REGISTERED
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    registered_at = models.DateTimeField(_("registered"))
    # 2. judgement
    founded = models.BooleanField(_("founded"), null=True, blank=True)
    judged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    judged_at = models.DateTimeField(_("judged"), null=True, blank=True)
    department = models.CharField(_("responsible department"), max_length=80, blank=True)
    investigation_due = models.DateTimeField(_("investigation promised by"), null=True, blank=True)
    reply = models.TextField(_("reply to the customer"), blank=True)
    # 3. investigation
    cause = models.TextField(_("cause"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="owned_complaints",
        null=True,
        blank=True,
        verbose_name=_("owner"),
    )
    investigated_at = models.DateTimeField(_("cause found"), null=True, blank=True)
    # 4. decision
    chosen_solution = models.ForeignKey(
        "complaints.Solution",
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("chosen solution"),
    )
    instruction = models.TextField(_("lead's instruction"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    # 5. implementation and accountability
    implementation_note = models.TextField(_("what was done"), blank=True)
    accountable = models.CharField(_("accountable person / department"), max_length=120, blank=True)
    accountability_measure = models.TextField(_("accountability measure"), blank=True)
    implemented_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    implemented_at = models.DateTimeField(_("implemented"), null=True, blank=True)
    # 5b. the customer's acceptance (signature) and feedback
    acceptance = models.TextField(_("customer's acceptance"), blank=True)
    customer_feedback = models.TextField(_("customer's feedback"), blank=True)
    confirmed_at = models.DateTimeField(_("customer confirmed"), null=True, blank=True)
    # 6. follow-up
    followup_note = models.TextField(_("follow-up"), blank=True)
    followed_up_at = models.DateTimeField(_("followed up"), null=True, blank=True)
    # closing
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    # deadlines: the current step's due time, and the sweep's flag once it passed
    due_at = models.DateTimeField(_("current step due"), null=True, blank=True)
    overdue_flagged_at = models.DateTimeField(_("flagged overdue"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-registered_at", "-id"]
        indexes = [
            models.Index(fields=["status", "due_at"]),
            models.Index(fields=["shop", "-registered_at"]),
            models.Index(fields=["owner", "status"]),
            models.Index(fields=["category", "occurred_at"]),
            models.Index(
                fields=["due_at"],
                condition=models.Q(overdue_flagged_at__isnull=True),
                name="complaint_overdue_unflagged",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="closed") | models.Q(closed_at__isnull=False),
                name="complaint_closed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.content[:60]}"

    def get_absolute_url(self) -> str:
        return reverse("complaints:detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status != Status.CLOSED


class Solution(models.Model):
    """One solution the department proposes (003 §4); the lead picks the best."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="solutions")
    description = models.TextField(_("solution"))
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    proposed_at = models.DateTimeField(_("proposed"))

    class Meta:
        verbose_name = _("solution")
        verbose_name_plural = _("solutions")
        ordering = ["proposed_at", "id"]

    def __str__(self) -> str:
        return self.description[:80]
