from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.core.roles import Role, can


class User(AbstractUser):
    """A member of the shop's team. Customers are not users (see customers.Customer)."""

    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.AGENT)
    display_name = models.CharField(_("display name"), max_length=80, blank=True)
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=_("Empty: follow the browser."),
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, blank=True, help_text=_("Empty: the shop's default.")
    )

    class Presence(models.TextChoices):
        ONLINE = "online", _("Online")
        AWAY = "away", _("Away")
        OFFLINE = "offline", _("Offline")

    presence = models.CharField(
        _("presence"), max_length=8, choices=Presence.choices, default=Presence.OFFLINE
    )
    capacity = models.PositiveSmallIntegerField(
        _("capacity weight"),
        default=10,
        help_text=_("Relative share of customers and tickets this person can carry."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @property
    def is_admin_role(self) -> bool:
        return self.role == Role.ADMIN

    def can(self, capability: str) -> bool:
        return can(self, capability)

    # Django admin asks these; in kefu only the admin role administers.
    def has_perm(self, perm, obj=None) -> bool:
        return self.is_active and self.role == Role.ADMIN

    def has_module_perms(self, app_label) -> bool:
        return self.is_active and self.role == Role.ADMIN


class AuditEntry(models.Model):
    """One recorded change: who, when, on what, from which state to which, and why.

    Append-only. The model refuses updates and deletes, and database triggers
    (migration 0002) refuse them too, so not even raw SQL rewrites history.
    """

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    actor_label = models.CharField(_("actor"), max_length=150, blank=True)
    object_type = models.CharField(_("object type"), max_length=64)
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    action = models.CharField(_("action"), max_length=64)
    from_state = models.CharField(_("from"), max_length=64, blank=True)
    to_state = models.CharField(_("to"), max_length=64, blank=True)
    reason = models.TextField(_("why"), blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise AuditLogIsAppendOnly(_("The audit log cannot be edited."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogIsAppendOnly(_("The audit log cannot be edited."))


class AuditLogIsAppendOnly(Exception):
    pass


class ApiToken(models.Model):
    """A bearer token. Only its SHA-256 is stored; the token is shown once, on creation."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=80, blank=True)
    prefix = models.CharField(_("prefix"), max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @staticmethod
    def digest_of(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()


class IdempotencyRecord(models.Model):
    """The first answer to a POST sent with an Idempotency-Key, replayed on retries."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=512)
    body_digest = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    content_type = models.CharField(max_length=100, blank=True)
    response_body = models.BinaryField(null=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.status_code or 'running'})"


class RefStamp(models.Model):
    """One row counting changes to the reference rows processes keep copies of
    (``kefu.core.refcache``): a process that sees it move drops its copies."""

    version = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return str(self.version)


class JobRecord(models.Model):
    """Durable record of a background job, written in the transaction that wants it done.

    Huey carries the job to a worker fast; this row makes sure it is not lost: a job
    that was claimed and not finished within the lease is dispatched again by the tick.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    name = models.CharField(max_length=100)
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    run_after = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "claimed_at"])]

    def __str__(self) -> str:
        return f"{self.name}#{self.pk} {self.status}"


class SweepRun(models.Model):
    """One run of a periodic sweep for one time slot; unique, so a slot runs once."""

    sweep = models.CharField(max_length=100)
    slot = models.DateTimeField()
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField()
    outcome = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["sweep", "slot"], name="sweep_slot_once")]

    def __str__(self) -> str:
        return f"{self.sweep}@{self.slot:%Y-%m-%d %H:%M}"


class Shop(models.Model):
    """One sales channel of the business: a Tmall flagship store, a C-store, a Shopify store…"""

    class Platform(models.TextChoices):
        TAOBAO = "taobao", _("Taobao")
        TMALL = "tmall", _("Tmall")
        JD = "jd", _("JD.com")
        PINDUODUO = "pinduoduo", _("Pinduoduo")
        DOUYIN = "douyin", _("Douyin")
        COUPANG = "coupang", _("Coupang")
        NAVER = "naver", _("Naver Smart Store")
        ELEVENST = "11st", _("11st")
        GMARKET = "gmarket", _("Gmarket")
        SHOPIFY = "shopify", _("Shopify")
        AMAZON = "amazon", _("Amazon")
        EBAY = "ebay", _("eBay")
        OWN = "own", _("Own web shop")

    class StoreType(models.TextChoices):
        # 002 篇4: postage rules differ between C-store/Tmall-type shops and mall stores.
        C_STORE = "c_store", _("C-store / Tmall-type")
        MALL = "mall", _("Mall store")

    slug = models.SlugField(_("slug"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    platform = models.CharField(_("platform"), max_length=16, choices=Platform.choices)
    store_type = models.CharField(
        _("store type"), max_length=10, choices=StoreType.choices, default=StoreType.C_STORE
    )
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default="zh-hans"
    )
    webhook_secret = models.CharField(_("webhook secret"), max_length=128, blank=True)
    link_allowlist = models.TextField(
        _("trusted link domains"),
        blank=True,
        help_text=_("One domain per line; links to other domains in messages carry a warning."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("shop")
        verbose_name_plural = _("shops")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Policy(models.Model):
    """An admin's value for one rule of the trade, for all shops or for one shop.

    The rules themselves, with their defaults and sources, are declared in code
    (kefu.core.policies); a row here only overrides a default.
    """

    key = models.CharField(_("rule"), max_length=80)
    shop = models.ForeignKey(
        Shop,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="policies",
        verbose_name=_("shop"),
    )
    value = models.JSONField(_("value"))
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("policy value")
        verbose_name_plural = _("policies")
        constraints = [
            models.UniqueConstraint(fields=["key", "shop"], name="policy_once_per_shop"),
            models.UniqueConstraint(
                fields=["key"], condition=models.Q(shop__isnull=True), name="policy_once_globally"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key}={self.value}"
