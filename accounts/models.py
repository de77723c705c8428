"""People, organisations and what each person may do in which organisation."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from config.fields import PublicCharField

from .identifiers import validate_uscc
from .roles import OrganisationKind, Role


class User(AbstractUser):
    """A person. Custom from the first migration so that it can grow without a data migration."""

    email = models.EmailField(_("e-mail address"), unique=True)
    display_name = models.CharField(_("display name"), max_length=150, blank=True)
    # The language the person chose for their notifications and e-mails; empty follows
    # `last_language`, so that someone who never chose is written to as they read the portal.
    language = models.CharField(
        _("language of notifications"),
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        default="",
    )
    # Recorded at each sign-in and language switch (accounts/services.py).
    last_language = models.CharField(
        _("language last used"), max_length=8, choices=settings.LANGUAGES, blank=True, default=""
    )
    # Set by the public registration until the person follows the link e-mailed to the address
    # they gave; the account stays inactive meanwhile, and is deleted when the link runs out.
    registration_expires_at = models.DateTimeField(
        _("registration to be confirmed by"), null=True, blank=True
    )

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @property
    def notification_language(self) -> str:
        """The language to write to this person in: their choice, else the language they last
        used, else the platform's."""
        return self.language or self.last_language or settings.LANGUAGE_CODE

    @property
    def registration_pending(self) -> bool:
        """Registered but not confirmed yet: the e-mail address is not shown to be theirs."""
        return self.registration_expires_at is not None


class Province(models.TextChoices):
    BEIJING = "BJ", _("Beijing")
    TIANJIN = "TJ", _("Tianjin")
    HEBEI = "HE", _("Hebei")
    SHANXI = "SX", _("Shanxi")
    INNER_MONGOLIA = "NM", _("Inner Mongolia")
    LIAONING = "LN", _("Liaoning")
    JILIN = "JL", _("Jilin")
    HEILONGJIANG = "HL", _("Heilongjiang")
    SHANGHAI = "SH", _("Shanghai")
    JIANGSU = "JS", _("Jiangsu")
    ZHEJIANG = "ZJ", _("Zhejiang")
    ANHUI = "AH", _("Anhui")
    FUJIAN = "FJ", _("Fujian")
    JIANGXI = "JX", _("Jiangxi")
    SHANDONG = "SD", _("Shandong")
    HENAN = "HA", _("Henan")
    HUBEI = "HB", _("Hubei")
    HUNAN = "HN", _("Hunan")
    GUANGDONG = "GD", _("Guangdong")
    GUANGXI = "GX", _("Guangxi")
    HAINAN = "HI", _("Hainan")
    CHONGQING = "CQ", _("Chongqing")
    SICHUAN = "SC", _("Sichuan")
    GUIZHOU = "GZ", _("Guizhou")
    YUNNAN = "YN", _("Yunnan")
    TIBET = "XZ", _("Tibet")
    SHAANXI = "SN", _("Shaanxi")
    GANSU = "GS", _("Gansu")
    QINGHAI = "QH", _("Qinghai")
    NINGXIA = "NX", _("Ningxia")
    XINJIANG = "XJ", _("Xinjiang")


class Scheme(models.TextChoices):
    NATIONAL_PILOT = "national_pilot", _("National pilot")
    SELF_FILED = "self_filed", _("Certification body self-filed rules")


class BodyStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    WITHDRAWN = "withdrawn", pgettext_lazy("body status", "Withdrawn")


class Organisation(models.Model):
    kind = models.CharField(_("kind"), max_length=32, choices=OrganisationKind.choices)
    name = PublicCharField(_("name"), max_length=200)
    legal_name = PublicCharField(_("legal name"), max_length=200, blank=True)
    uscc = models.CharField(
        _("Unified Social Credit Code"),
        max_length=18,
        blank=True,
        null=True,
        unique=True,
        validators=[validate_uscc],
    )
    address = PublicCharField(_("address"), max_length=300, blank=True)
    province = models.CharField(_("province"), max_length=2, choices=Province.choices, blank=True)
    # Certification bodies only.
    code = models.SlugField(_("body code"), max_length=32, blank=True, null=True, unique=True)
    cnca_approval_number = models.CharField(_("CNCA approval number"), max_length=64, blank=True)
    scheme = models.CharField(_("scheme"), max_length=32, choices=Scheme.choices, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=BodyStatus.choices, default=BodyStatus.ACTIVE
    )
    accredited_categories = models.ManyToManyField(
        "certification.ProductCategory",
        verbose_name=_("accredited product categories"),
        blank=True,
        related_name="accredited_bodies",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind=OrganisationKind.ENTERPRISE) | Q(uscc__isnull=False),
                name="enterprise_has_uscc",
            ),
            models.CheckConstraint(
                condition=~Q(kind=OrganisationKind.CERTIFICATION_BODY) | Q(code__isnull=False),
                name="body_has_code",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_enterprise(self) -> bool:
        return self.kind == OrganisationKind.ENTERPRISE

    @property
    def is_certification_body(self) -> bool:
        return self.kind == OrganisationKind.CERTIFICATION_BODY

    @property
    def is_active_body(self) -> bool:
        return self.is_certification_body and self.status == BodyStatus.ACTIVE


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation", "role"], name="unique_role"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.organisation} · {self.get_role_display()}"


class Invitation(models.Model):
    """An organisation admin invites a person by e-mail; only the token's hash is stored."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("e-mail address"))
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.email} → {self.organisation}"

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.expires_at > timezone.now()


class ApiKey(models.Model):
    """A marketplace's key for the label API. The key is shown once; only its SHA-256 is kept,
    found by its public prefix."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64)
    scopes = models.JSONField(_("scopes"), default=list)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ApiTokenSecondFactor(models.Model):
    """When the holder of an API token last gave a TOTP code in obtaining it. Staff tokens work
    only with one; the named operations ask for one given within MFA_STEP_UP_SECONDS."""

    token = models.OneToOneField(
        "authtoken.Token",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="second_factor",
        verbose_name=_("API token"),
    )
    verified_at = models.DateTimeField(_("second factor given at"))

    class Meta:
        verbose_name = _("API token second factor")
        verbose_name_plural = _("API token second factors")

    def __str__(self) -> str:
        return f"{self.token_id[:8]}… {self.verified_at:%Y-%m-%d %H:%M}"
