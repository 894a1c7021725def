from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Segment(models.TextChoices):
    POTENTIAL = "potential", _("Potential")  # inquired, never bought
    EXISTING = "existing", _("Existing")
    VIP = "vip", _("VIP")


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=40, unique=True)
    color = models.CharField(_("colour"), max_length=7, default="#6b7280")

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CustomerQuerySet(models.QuerySet):
    def live(self):
        """Records that were not merged into another one."""
        return self.filter(merged_into__isnull=True)

    def callable(self):
        """Customers kefu may phone: live, not marked "no calls", with a phone number.

        Every call list (follow-up calls, event invitations, review recovery by phone)
        must start from this, so a customer who asked not to be called never shows up.
        """
        return self.live().filter(
            no_calls=False,
            pk__in=CustomerPhone.objects.values("customer_id"),
        )

    def marketable(self):
        """Customers kefu may send offers and promotions to (not marked "no marketing")."""
        return self.live().filter(no_marketing=False)


class Customer(models.Model):
    """A buyer: the customer archive (客户档案) every case hangs on."""

    name = models.CharField(_("name"), max_length=120)
    segment = models.CharField(
        _("segment"), max_length=10, choices=Segment.choices, default=Segment.POTENTIAL
    )
    segment_is_manual = models.BooleanField(
        _("segment set by hand"),
        default=False,
        help_text=_("Rules leave a hand-set segment alone."),
    )
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default="zh-hans"
    )
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_customers",
        verbose_name=_("owner"),
    )
    owner_assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    owner_contacted_at = models.DateTimeField(_("owner's first contact"), null=True, blank=True)
    first_contact_at = models.DateTimeField(_("first contact"), null=True, blank=True)
    last_contact_at = models.DateTimeField(_("last contact"), null=True, blank=True)
    no_calls = models.BooleanField(_("no calls"), default=False)
    no_marketing = models.BooleanField(_("no marketing"), default=False)
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="customers", verbose_name=_("tags"))
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_from"
    )
    is_demo = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = CustomerQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        indexes = [
            models.Index(fields=["owner", "segment"]),
            models.Index(fields=["name"]),
            models.Index(fields=["-last_contact_at"]),
            # "to contact" lists: owned, assigned, not contacted yet (003 ch.2 §3)
            models.Index(
                fields=["owner", "owner_assigned_at"],
                condition=models.Q(owner_contacted_at__isnull=True),
                name="customer_owner_to_contact",
            ),
            models.Index(
                fields=["owner_assigned_at"],
                condition=models.Q(owner_contacted_at__isnull=True, owner__isnull=False),
                name="customer_first_contact_due",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CustomerPhone(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="phones")
    number = models.CharField(_("phone"), max_length=40)
    normalized = models.CharField(max_length=24, db_index=True)
    label = models.CharField(_("label"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("phone")
        verbose_name_plural = _("phones")

    def __str__(self) -> str:
        return self.number


class CustomerEmail(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="emails")
    email = models.EmailField(_("email"), max_length=254)
    normalized = models.CharField(max_length=254, db_index=True)

    class Meta:
        verbose_name = _("email")
        verbose_name_plural = _("emails")

    def __str__(self) -> str:
        return self.email


class MarketplaceIdentity(models.Model):
    """The buyer's ID on one shop's platform (Taobao nick, Coupang ID, Shopify customer id)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="identities")
    shop = models.ForeignKey("core.Shop", on_delete=models.CASCADE, related_name="+")
    external_id = models.CharField(_("marketplace ID"), max_length=120)

    class Meta:
        verbose_name = _("marketplace ID")
        verbose_name_plural = _("marketplace IDs")
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "external_id"], name="one_customer_per_marketplace_id"
            )
        ]
        indexes = [models.Index(fields=["external_id"])]

    def __str__(self) -> str:
        return f"{self.shop}: {self.external_id}"


class Address(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="addresses")
    recipient = models.CharField(_("recipient"), max_length=120)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    country = models.CharField(_("country"), max_length=2, default="CN")
    region = models.CharField(_("province / region"), max_length=80, blank=True)
    city = models.CharField(_("city"), max_length=80, blank=True)
    line = models.CharField(_("address"), max_length=255)
    postcode = models.CharField(_("postcode"), max_length=20, blank=True)
    is_default = models.BooleanField(_("default"), default=False)

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")

    def __str__(self) -> str:
        return " ".join(p for p in (self.region, self.city, self.line) if p)


class ContactChannel(models.TextChoices):
    """How a recorded contact with the customer happened (a note without one is just a note)."""

    PHONE = "phone", _("Phone call")
    CHAT = "chat", _("Chat")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")
    VISIT = "visit", _("In person")


class CustomerNote(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="customer_notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("note"))
    contact_channel = models.CharField(
        _("contact"),
        max_length=10,
        choices=ContactChannel.choices,
        blank=True,
        help_text=_("Set when the note records a contact with the customer."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["customer", "-created_at"])]

    def __str__(self) -> str:
        return self.body[:60]


class AttributeDefinition(models.Model):
    """A trade-specific field an admin adds to every customer record (height, plate, …)."""

    class Kind(models.TextChoices):
        TEXT = "text", _("Text")
        INTEGER = "integer", _("Whole number")
        DECIMAL = "decimal", _("Number")
        DATE = "date", _("Date")
        CHOICE = "choice", _("Choice")
        BOOLEAN = "boolean", _("Yes / no")

    key = models.SlugField(_("key"), max_length=40, unique=True)
    label = models.CharField(_("label"), max_length=80)
    label_zh = models.CharField(_("label (简体中文)"), max_length=80, blank=True)
    label_ko = models.CharField(_("label (한국어)"), max_length=80, blank=True)
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices, default=Kind.TEXT)
    choices = models.JSONField(
        _("choices"), default=list, blank=True, help_text=_("For the choice type.")
    )
    unit = models.CharField(_("unit"), max_length=16, blank=True)
    minimum = models.DecimalField(
        _("minimum"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    maximum = models.DecimalField(
        _("maximum"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    required = models.BooleanField(_("required"), default=False)
    group = models.CharField(
        _("group"), max_length=40, blank=True, help_text=_("e.g. apparel, car")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("customer attribute")
        verbose_name_plural = _("customer attributes")
        ordering = ["group", "position", "key"]

    def __str__(self) -> str:
        return self.label


class MergeRecord(models.Model):
    """Two customer records made one; keeps what moved so the merge can be undone.

    ``moved`` is ``{model label: [ids]}`` of the rows that moved to the survivor (the key is
    ``"label.field"`` when the foreign key to the customer is not named ``customer``).
    ``snapshot`` holds ``merged`` (the merged record's fields before the merge),
    ``survivor_changes`` (``{field: [before, after]}`` the merge made on the survivor) and
    ``left_behind`` (``{label: [ids]}`` of exact duplicates that stayed on the merged record).
    """

    survivor = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="merges_won")
    merged = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="merges_lost")
    moved = models.JSONField(default=dict, help_text="{model label: [ids moved to the survivor]}")
    snapshot = models.JSONField(
        default=dict, help_text="the merged record's fields before the merge"
    )
    reason = models.TextField(blank=True)
    merged_at = models.DateTimeField(auto_now_add=True)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reversed_at = models.DateTimeField(null=True, blank=True)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("merge")
        verbose_name_plural = _("merges")
        ordering = ["-merged_at"]

    def __str__(self) -> str:
        return f"{self.merged_id} → {self.survivor_id}"
