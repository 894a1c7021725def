"""Follow-up calls (回访) and satisfaction surveys.

- :class:`FollowUpRule`: when kefu plans a call (days after delivery, a second call after
  the first, after a complaint closes, before an event, every N days for members), one row
  per shop and reason, editable by an admin; a row without a shop is the default.
- :class:`FollowUpTask`: one call to make, with its due window, owner and reason. The
  unique (rule, source, sequence) constraint keeps a sweep that runs twice from planning a
  call twice.
- :class:`CallAttempt`: every dial, reached or not (003: every call fully recorded).
- :class:`CallScript`: what the agent says, per reason, in 中文 / 한국어 / English.
- :class:`Event` and :class:`Invitation`: promotions and check-up weeks customers are told
  about two weeks ahead (002 篇2 §6).
- :class:`Survey`: the one-click satisfaction survey after a ticket is solved.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Reason(models.TextChoices):
    DELIVERY = "delivery", _("After delivery")
    SECOND = "second", _("Second follow-up")
    COMPLAINT = "complaint", _("After a complaint")
    EVENT = "event", _("Event invitation")
    MEMBER = "member", _("Member care")


class FollowUpRule(models.Model):
    """When a call is planned, per shop (no shop: the default for every shop)."""

    shop = models.ForeignKey(
        "core.Shop",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("shop"),
        help_text=_("Empty: every shop without a rule of its own."),
    )
    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices)
    is_active = models.BooleanField(_("active"), default=True)
    offset_days = models.PositiveSmallIntegerField(
        _("days"),
        help_text=_(
            "After delivery / after the first call / after the complaint closed: days until "
            "the window opens. Events: days before the event. Members: days between calls."
        ),
    )
    window_days = models.PositiveSmallIntegerField(
        _("window (days)"), help_text=_("Days the call may take once the window opens.")
    )
    segment = models.CharField(
        _("segment"),
        max_length=10,
        blank=True,
        help_text=_("Member care: the customer segment called (e.g. vip)."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("follow-up rule")
        verbose_name_plural = _("follow-up rules")
        ordering = ["shop_id", "reason"]
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "reason"],
                condition=Q(shop__isnull=False),
                name="followup_rule_once_per_shop",
            ),
            models.UniqueConstraint(
                fields=["reason"], condition=Q(shop__isnull=True), name="followup_rule_one_default"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} · {self.shop or _('every shop')}"


class Event(models.Model):
    """A promotion, a free check-up week, a holiday: invited customers get a call ahead."""

    shop = models.ForeignKey("core.Shop", on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts"))
    description = models.TextField(_("description"), blank=True)
    is_demo = models.BooleanField(default=False, editable=False)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-starts_at"]

    def __str__(self) -> str:
        return self.title


class Invitation(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="invitations")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    invited_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(fields=["event", "customer"], name="invite_customer_once")
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.customer}"


class CallScript(models.Model):
    """What to say on a call for one reason; {name}, {date} and {order} are filled in."""

    shop = models.ForeignKey(
        "core.Shop",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: every shop without a script of its own."),
    )
    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices)
    text_zh = models.TextField(_("script (简体中文)"), blank=True)
    text_ko = models.TextField(_("script (한국어)"), blank=True)
    text_en = models.TextField(_("script (English)"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("call script")
        verbose_name_plural = _("call scripts")
        ordering = ["reason", "shop_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "reason"],
                condition=Q(shop__isnull=False),
                name="call_script_once_per_shop",
            ),
            models.UniqueConstraint(
                fields=["reason"], condition=Q(shop__isnull=True), name="call_script_one_default"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} · {self.shop or _('every shop')}"


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    NEUTRAL = "neutral", _("Neutral")
    UNSATISFIED = "unsatisfied", _("Unsatisfied")


class FollowUpTask(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESCHEDULED = "rescheduled", _("Call back agreed")
        DONE = "done", _("Done")
        FAILED = "failed", _("Not reached")
        CANCELLED = "cancelled", _("Cancelled")

    class Source(models.TextChoices):
        ORDER = "order", _("Order")
        TASK = "task", _("Earlier call")
        COMPLAINT = "complaint", _("Complaint")
        INVITATION = "invitation", _("Invitation")
        CUSTOMER = "customer", _("Customer")

    rule = models.ForeignKey(
        FollowUpRule, on_delete=models.PROTECT, null=True, blank=True, related_name="tasks"
    )
    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices)
    source_kind = models.CharField(max_length=12, choices=Source.choices)
    source_id = models.BigIntegerField()
    sequence = models.PositiveIntegerField(default=1)
    shop = models.ForeignKey(
        "core.Shop", on_delete=models.PROTECT, related_name="+", verbose_name=_("shop")
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.CASCADE,
        related_name="followup_tasks",
        verbose_name=_("customer"),
    )
    order = models.ForeignKey(
        "orders.Order", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    event = models.ForeignKey(
        Event, on_delete=models.SET_NULL, null=True, blank=True, related_name="tasks"
    )
    previous = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="next_calls"
    )
    service_date = models.DateField(_("service date"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="followup_tasks",
        verbose_name=_("owner"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN
    )
    due_start = models.DateTimeField(_("due from"))
    due_end = models.DateTimeField(_("due by"))
    call_back_at = models.DateTimeField(_("call back at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    satisfaction = models.CharField(
        _("satisfaction"), max_length=12, choices=Satisfaction.choices, blank=True
    )
    to_improve = models.TextField(_("what to improve"), blank=True)
    suggestions = models.TextField(_("suggestions"), blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    complaint_id = models.BigIntegerField(null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("follow-up call")
        verbose_name_plural = _("follow-up calls")
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "source_kind", "source_id", "sequence"],
                name="followup_once_per_rule_source",
            ),
            models.CheckConstraint(
                condition=Q(due_end__gte=models.F("due_start")), name="followup_window_ordered"
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "status", "due_end"]),
            models.Index(fields=["status", "due_end"]),
            models.Index(fields=["customer", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} · {self.customer}"

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.OPEN, self.Status.RESCHEDULED)


class CallAttempt(models.Model):
    class Outcome(models.TextChoices):
        REACHED = "reached", _("Reached")
        NO_ANSWER = "no_answer", _("No answer")
        BUSY = "busy", _("Busy")
        CALL_BACK = "call_back", _("Call back later")
        WRONG_NUMBER = "wrong_number", _("Wrong number")

    task = models.ForeignKey(FollowUpTask, on_delete=models.CASCADE, related_name="call_attempts")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=14, choices=Outcome.choices)
    call_back_at = models.DateTimeField(_("call back at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    at = models.DateTimeField(_("called"))

    class Meta:
        verbose_name = _("call attempt")
        verbose_name_plural = _("call attempts")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["task", "at"])]

    def __str__(self) -> str:
        return f"{self.task_id} {self.outcome}"


class Survey(models.Model):
    """The satisfaction survey of one solved ticket: one answer per ticket."""

    ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="survey", verbose_name=_("ticket")
    )
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    nonce = models.CharField(max_length=32)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    created_at = models.DateTimeField(_("created"))
    sent_at = models.DateTimeField(_("link sent"), null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="survey_rating_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True, answered_at__isnull=True)
                | Q(rating__isnull=False, answered_at__isnull=False),
                name="survey_answer_complete",
            ),
        ]
        indexes = [models.Index(fields=["answered_at"])]

    def __str__(self) -> str:
        return f"#{self.ticket_id}"
