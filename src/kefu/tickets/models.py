from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    CHAT = "chat", _("Chat")
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    WEB = "web", _("Web form")
    IN_PERSON = "in_person", _("In person")
    MARKETPLACE = "marketplace", _("Marketplace message")


class Team(models.Model):
    class Routing(models.TextChoices):
        ROUND_ROBIN = "round_robin", _("Round robin")
        LEAST_LOADED = "least_loaded", _("Least loaded")

    name = models.CharField(_("name"), max_length=80, unique=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="teams")
    routing = models.CharField(
        _("routing"), max_length=16, choices=Routing.choices, default=Routing.LEAST_LOADED
    )
    last_assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Which new tickets the team takes (tickets.routing): the first team by position whose
    # lists all match the ticket; an empty list matches everything.
    shops = models.ManyToManyField(
        "core.Shop",
        blank=True,
        related_name="+",
        verbose_name=_("shops"),
        help_text=_("Empty: every shop."),
    )
    languages = models.JSONField(
        _("languages"),
        default=list,
        blank=True,
        help_text=_('Language codes, e.g. ["ko"]. Empty: every language.'),
    )
    kinds = models.JSONField(
        _("ticket types"),
        default=list,
        blank=True,
        help_text=_('Ticket types, e.g. ["pre_sales"]. Empty: every type.'),
    )
    position = models.PositiveSmallIntegerField(_("order of matching"), default=100)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    """Admin-edited tree of what tickets are about."""

    name = models.CharField(_("name"), max_length=80)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="category_name_once_per_parent")
        ]

    def __str__(self) -> str:
        return f"{self.parent} / {self.name}" if self.parent_id else self.name


class Ticket(models.Model):
    class Kind(models.TextChoices):
        PRE_SALES = "pre_sales", _("Pre-sales")
        ORDER = "order", _("Order")
        AFTER_SALES = "after_sales", _("After-sales")
        LOGISTICS = "logistics", _("Logistics")
        COMPLAINT = "complaint", _("Complaint")
        REVIEW = "review", _("Review")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        NEW = "new", _("New")
        OPEN = "open", _("Open")
        PENDING_CUSTOMER = "pending_customer", _("Waiting on customer")
        PENDING_INTERNAL = "pending_internal", _("Waiting on us")
        SOLVED = "solved", _("Solved")
        CLOSED = "closed", _("Closed")

    class Priority(models.IntegerChoices):
        LOW = 1, _("Low")
        NORMAL = 2, _("Normal")
        HIGH = 3, _("High")
        URGENT = 4, _("Urgent")

    # Foreign keys led by a composite index (see Meta.indexes) need no index of their own.
    shop = models.ForeignKey(
        "core.Shop",
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("shop"),
        db_index=False,
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("customer"),
        db_index=False,
    )
    order = models.ForeignKey(
        "orders.Order",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("order"),
    )
    subject = models.CharField(_("subject"), max_length=255)
    channel = models.CharField(
        _("channel"), max_length=12, choices=Channel.choices, default=Channel.CHAT
    )
    kind = models.CharField(_("type"), max_length=12, choices=Kind.choices, default=Kind.OTHER)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("category")
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.NEW
    )
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default="zh-hans"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
        verbose_name=_("assignee"),
        db_index=False,
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("team"),
        db_index=False,
    )
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    last_message_at = models.DateTimeField(_("last message"), null=True, blank=True)
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    first_response_due = models.DateTimeField(_("first response due"), null=True, blank=True)
    resolution_due = models.DateTimeField(_("resolution due"), null=True, blank=True)
    solved_at = models.DateTimeField(_("solved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    tags = models.ManyToManyField(
        "customers.Tag", blank=True, related_name="tickets", verbose_name=_("tags")
    )
    sla_policy = models.ForeignKey(
        "tickets.SLAPolicy", on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("SLA")
    )
    first_response_breached_at = models.DateTimeField(
        _("first response breached"), null=True, blank=True
    )
    resolution_breached_at = models.DateTimeField(_("resolution breached"), null=True, blank=True)
    # The SLA clock stops while we wait on the customer; resolution_due moves by the pause.
    sla_paused_at = models.DateTimeField(_("SLA paused since"), null=True, blank=True)
    sla_paused_minutes = models.PositiveIntegerField(
        _("business minutes the SLA clock stood still"), default=0
    )
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    source_ref = models.CharField(
        _("external reference"), max_length=64, null=True, blank=True, unique=True
    )
    is_demo = models.BooleanField(default=False, editable=False)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            models.Index(fields=["status", "-created_at"]),
            models.Index(fields=["assignee", "status", "-created_at"]),
            models.Index(fields=["customer", "-created_at"]),
            models.Index(fields=["shop", "-created_at"]),
            models.Index(fields=["team", "status", "-created_at"]),
            models.Index(fields=["status", "resolution_due"]),
            models.Index(fields=["status", "first_response_due"]),
            # the inbox's "most urgent" and "latest activity" sorts (tickets.selectors)
            models.Index(
                fields=["status", "-priority", "-created_at"], name="ticket_status_priority"
            ),
            models.Index(fields=["status", "-last_message_at"], name="ticket_status_activity"),
            # the inbox filtered by shop or category, one status at a time (tickets.selectors)
            models.Index(fields=["shop", "status", "-created_at"], name="ticket_shop_status"),
            models.Index(
                fields=["category", "status", "-created_at"], name="ticket_category_status"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"


class Message(models.Model):
    class Kind(models.TextChoices):
        INBOUND = "inbound", _("From customer")
        REPLY = "reply", _("Reply")
        NOTE = "note", _("Internal note")
        CALL = "call", _("Phone call")

    # led by the (ticket, created_at) index
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="messages", db_index=False
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(_("sent"))
    call_seconds = models.PositiveIntegerField(_("call duration (s)"), null=True, blank=True)
    call_outcome = models.CharField(_("call outcome"), max_length=20, blank=True)
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices, blank=True)
    source_ref = models.CharField(max_length=64, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"])]

    def __str__(self) -> str:
        return self.body[:60]

    @property
    def is_public(self) -> bool:
        return self.kind != self.Kind.NOTE


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"attachments/{instance.message.ticket_id}/{instance.message_id}/{filename}"


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=300)
    name = models.CharField(_("name"), max_length=200)
    size = models.PositiveIntegerField(_("size (bytes)"))
    content_type = models.CharField(_("type"), max_length=100)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name


class BusinessCalendar(models.Model):
    """When the team works: weekly hours in a time zone, plus holidays and swapped days."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    # {"0": [["09:00", "18:00"]], …, "6": []} — Monday is 0.
    weekly_hours = models.JSONField(_("weekly hours"), default=dict)

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")

    def __str__(self) -> str:
        return self.name


class CalendarDay(models.Model):
    """A holiday (no hours), or a working day that differs from the week (e.g. 调休 Saturday)."""

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="days")
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=80, blank=True)
    hours = models.JSONField(_("hours"), default=list, blank=True, help_text=_("Empty: closed."))

    class Meta:
        verbose_name = _("holiday or special day")
        verbose_name_plural = _("holidays and special days")
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="calendar_day_once")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class SLAPolicy(models.Model):
    """Response and resolution targets, in business minutes, for tickets it matches."""

    name = models.CharField(_("name"), max_length=80)
    shop = models.ForeignKey(
        "core.Shop", on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("shop")
    )
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices, blank=True)
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Ticket.Priority.choices, null=True, blank=True
    )
    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.PROTECT, verbose_name=_("calendar")
    )
    first_response_minutes = models.PositiveIntegerField(
        _("first response within (business minutes)")
    )
    resolution_minutes = models.PositiveIntegerField(_("resolution within (business minutes)"))
    position = models.PositiveSmallIntegerField(_("order of matching"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class Escalation(models.Model):
    """An agent asks the lead; the lead answers; the answer reaches the customer the same day."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="escalations")
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("question for the lead"))
    raised_at = models.DateTimeField(_("raised"), auto_now_add=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answer = models.TextField(_("lead's answer"), blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    customer_told_at = models.DateTimeField(_("customer told"), null=True, blank=True)
    # The end of the business day it was raised on (002 篇2 §4: told the same day).
    answer_due = models.DateTimeField(_("answer due"), null=True, blank=True)

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        indexes = [models.Index(fields=["answered_at", "raised_at"])]

    def __str__(self) -> str:
        return f"#{self.ticket_id}: {self.reason[:40]}"


class QuickReply(models.Model):
    """A shortcut (快捷短语) an agent types, e.g. /refund7, that expands in the customer's
    language."""

    shortcut = models.CharField(_("shortcut"), max_length=40)
    title = models.CharField(_("title"), max_length=120)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="quick_replies",
        help_text=_("Empty: shared with the whole team."),
    )
    shop = models.ForeignKey("core.Shop", on_delete=models.CASCADE, null=True, blank=True)
    body_en = models.TextField(_("text (English)"), blank=True)
    body_zh = models.TextField(_("text (简体中文)"), blank=True)
    body_ko = models.TextField(_("text (한국어)"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("quick reply")
        verbose_name_plural = _("quick replies")
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "shortcut"], name="quick_reply_shortcut_once_per_owner"
            ),
            models.UniqueConstraint(
                fields=["shortcut"],
                condition=models.Q(owner__isnull=True),
                name="shared_quick_reply_once",
            ),
        ]

    def __str__(self) -> str:
        return self.shortcut


class PortalAccess(models.Model):
    """A customer's proof of who they are for the portal: a link sent by email, or order + phone."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"portal access of {self.customer_id}"
