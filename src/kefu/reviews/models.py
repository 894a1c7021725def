"""Neutral and negative reviews (中差评) and how each was won back (002 篇4 §4)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Cause(models.TextChoices):
    PRODUCT = "product", _("Product")
    SIZE = "size", _("Size")
    LOGISTICS = "logistics", _("Logistics")
    SERVICE = "service", _("Service")


class Attitude(models.TextChoices):
    CALM = "calm", _("Calm")
    UPSET = "upset", _("Upset")
    HOSTILE = "hostile", _("Hostile")


class ContactChannel(models.TextChoices):
    # 002 篇4 §4: the phone is best; chat, SMS and email also work
    PHONE = "phone", _("Phone call")
    CHAT = "chat", _("Chat")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")


class Resolution(models.TextChoices):
    # exchange or return while the item can be sold again; otherwise VIP, a gift or free shipping
    EXCHANGE = "exchange", _("Exchange")
    RETURN = "return", _("Return")
    VIP = "vip", _("VIP status")
    GIFT = "gift", _("Gift with the next order")
    FREE_SHIPPING = "free_shipping", _("Free shipping next time")


class Review(models.Model):
    class Status(models.TextChoices):
        FLAGGED = "flagged", _("Flagged")
        ANALYSED = "analysed", _("Analysed")
        CONTACTED = "contacted", _("Contacted")
        RESOLVED = "resolved", _("Resolved")
        REVISION_REQUESTED = "revision_requested", _("Revision requested")
        REVISED = "revised", _("Revised")
        DECLINED = "declined", _("Declined")

    shop = models.ForeignKey("core.Shop", on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey(
        "orders.Order", on_delete=models.CASCADE, related_name="reviews", verbose_name=_("order")
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.CASCADE,
        related_name="reviews",
        verbose_name=_("customer"),
    )
    platform_review_id = models.CharField(_("platform review ID"), max_length=120)
    rating = models.PositiveSmallIntegerField(_("rating"))
    text = models.TextField(_("review"), blank=True)
    reviewed_at = models.DateTimeField(_("reviewed"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.FLAGGED
    )
    cause = models.CharField(_("cause"), max_length=12, choices=Cause.choices, blank=True)
    attitude = models.CharField(_("attitude"), max_length=10, choices=Attitude.choices, blank=True)
    need = models.TextField(_("what the buyer wants"), blank=True)
    contact_channel = models.CharField(
        _("contacted by"), max_length=10, choices=ContactChannel.choices, blank=True
    )
    contacted_at = models.DateTimeField(_("contacted"), null=True, blank=True)
    resolution = models.CharField(
        _("resolution"), max_length=16, choices=Resolution.choices, blank=True
    )
    resolution_note = models.TextField(_("resolution note"), blank=True)
    revision_requested_at = models.DateTimeField(_("revision requested"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handler"),
    )
    flagged_at = models.DateTimeField(_("flagged"), db_index=True)
    flagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["-flagged_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "platform_review_id"], name="review_once_per_shop"
            ),
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=5), name="review_rating_1_to_5"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "flagged_at"]),
            models.Index(fields=["customer", "-reviewed_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.platform_review_id} ({self.rating}★)"
