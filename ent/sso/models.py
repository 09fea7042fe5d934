"""The service registry (data, not code), per-service identifiers, tickets, service logins and
external identity providers. CAS, SAML and OIDC all read the same registry."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


def validate_regex(value: str) -> None:
    """Refuse a URL pattern that is not a valid regular expression."""
    try:
        re.compile(value)
    except re.error as error:
        raise ValidationError(
            _("Not a valid regular expression: %(error)s"), params={"error": error}
        ) from None


class Protocol(models.TextChoices):
    CAS = "CAS", "CAS"
    SAML = "SAML", "SAML 2.0"
    OIDC = "OIDC", "OpenID Connect"


class SubjectKind(models.TextChoices):
    # SOC-SEC-PII-03: outside the ENT, a person is known by an opaque identifier by default.
    OPAQUE = "OPAQUE", _("opaque identifier, one per service")
    LOGIN = "LOGIN", _("login")
    UUID = "UUID", _("ENT identifier")


class ServiceQuerySet(models.QuerySet["Service"]):
    def approved(self) -> ServiceQuerySet:
        """Services the data controller approved and nobody disabled since."""
        return self.filter(approved_at__isnull=False, is_enabled=True)


class Service(models.Model):
    """A third-party or internal service that may receive identities from the ENT."""

    name = models.CharField(_("name"), max_length=200)
    protocol = models.CharField(_("protocol"), max_length=4, choices=Protocol.choices)
    # CAS: the service URLs allowed; SAML: the SP entity id; OIDC: the redirect URIs.
    url_pattern = models.CharField(
        _("URL pattern"), max_length=500, validators=[validate_regex], blank=True
    )
    # SOC-SEC-PII-03, SOC-INT-ASE-04: exactly these attributes are released, nothing else.
    attributes = models.JSONField(_("attributes released"), default=list, blank=True)
    subject_kind = models.CharField(
        _("identifier given"),
        max_length=6,
        choices=SubjectKind.choices,
        default=SubjectKind.OPAQUE,
    )
    # SOC-SEC-IAU-12: the authentication level a session needs to reach this service.
    min_level = models.PositiveSmallIntegerField(_("authentication level required"), default=1)
    logout_url = models.URLField(_("back-channel logout URL"), max_length=500, blank=True)
    # SAML: the SP's entity id and metadata (its ACS, SLO endpoints and certificate).
    entity_id = models.CharField(_("entity id"), max_length=500, blank=True, db_index=True)
    metadata_xml = models.TextField(_("SAML metadata"), blank=True)
    attribute_profile = models.CharField(
        _("attribute profile"), max_length=20, blank=True, help_text=_("e.g. GAR")
    )
    # OIDC: the client registered with the OAuth provider.
    client_id = models.CharField(_("client id"), max_length=100, blank=True, db_index=True)
    # The launcher entry (SOC-POR-PPO-04): a service code that grants name, and where to go.
    code = models.CharField(
        _("service code"),
        max_length=50,
        blank=True,
        db_index=True,
        help_text=_("Shown on the portal to the people granted this code; empty: not shown."),
    )
    launch_url = models.URLField(_("launch URL"), max_length=500, blank=True)
    # The school whose head, as data controller, approves it (empty: the project's operators).
    school = models.ForeignKey(
        "directory.School",
        verbose_name=_("school"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    is_enabled = models.BooleanField(_("enabled"), default=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ServiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        constraints = [
            models.UniqueConstraint(fields=["protocol", "name"], name="sso_service_unique_name"),
            models.UniqueConstraint(
                fields=["code"], condition=~models.Q(code=""), name="sso_service_unique_code"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.protocol})"

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None and self.is_enabled


class ServiceSubject(models.Model):
    """The identifier a service knows a person by; kept so it maps back (SOC-SEC-PII-04)."""

    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.CASCADE, related_name="subjects"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="service_subjects",
    )
    value = models.CharField(_("identifier"), max_length=100)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("service identifier")
        verbose_name_plural = _("service identifiers")
        constraints = [
            models.UniqueConstraint(
                fields=["service", "person"], name="sso_subject_one_per_person"
            ),
            models.UniqueConstraint(fields=["service", "value"], name="sso_subject_unique_value"),
        ]

    def __str__(self) -> str:
        return f"{self.service_id}:{self.value}"


class TicketKind(models.TextChoices):
    SERVICE = "ST", _("service ticket")
    PROXY = "PT", _("proxy ticket")
    PROXY_GRANTING = "PGT", _("proxy-granting ticket")


class CasTicket(models.Model):
    """A CAS ticket: single use (ST, PT) and short-lived, or a proxy-granting ticket."""

    kind = models.CharField(_("kind"), max_length=3, choices=TicketKind.choices)
    ticket = models.CharField(_("ticket"), max_length=256, unique=True)
    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.CASCADE, related_name="tickets"
    )
    service_url = models.CharField(_("service URL"), max_length=2000, blank=True)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="cas_tickets",
    )
    session_key = models.CharField(_("session key"), max_length=64, blank=True, db_index=True)
    is_renewed = models.BooleanField(_("issued on a fresh login"), default=False)
    level = models.PositiveSmallIntegerField(_("authentication level"), default=1)
    method = models.CharField(_("authentication method"), max_length=12, blank=True)
    granted_by = models.ForeignKey(
        "self",
        verbose_name=_("proxy-granting ticket"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="issued",
    )
    proxies = models.JSONField(_("proxy chain"), default=list, blank=True)
    pgt_iou = models.CharField(_("PGT IOU"), max_length=256, blank=True)
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(_("expires at"))
    consumed_at = models.DateTimeField(_("consumed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("CAS ticket")
        verbose_name_plural = _("CAS tickets")
        indexes = [models.Index(fields=["expires_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.ticket[:12]}…"


class ServiceLoginQuerySet(models.QuerySet["ServiceLogin"]):
    def open(self) -> ServiceLoginQuerySet:
        """Service sessions not logged out yet."""
        return self.filter(logged_out_at__isnull=True)


class ServiceLogin(models.Model):
    """A service that received this person's identity in one ENT session: what single logout
    must reach. `data` holds the protocol's handle (CAS ticket, SAML NameID and SessionIndex,
    OIDC sid)."""

    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.CASCADE, related_name="logins"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="service_logins",
    )
    session_key = models.CharField(_("session key"), max_length=64, db_index=True)
    data = models.JSONField(_("protocol data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"))
    logged_out_at = models.DateTimeField(_("logged out at"), null=True, blank=True)
    logout_outcome = models.CharField(_("logout outcome"), max_length=200, blank=True)

    objects = ServiceLoginQuerySet.as_manager()

    class Meta:
        verbose_name = _("service login")
        verbose_name_plural = _("service logins")

    def __str__(self) -> str:
        return f"{self.service_id} {self.person_id} {self.created_at:%Y-%m-%d %H:%M}"


class Audience(models.TextChoices):
    PUPILS_AND_PARENTS = "PUPILS_PARENTS", _("pupils and parents")
    STAFF = "STAFF", _("staff")


class IdentityProvider(models.Model):
    """An external SAML identity provider the ENT trusts (EduConnect, an agents' portal)."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(_("short name"), unique=True)
    audience = models.CharField(_("for"), max_length=16, choices=Audience.choices)
    entity_id = models.CharField(_("entity id"), max_length=500, unique=True)
    metadata_xml = models.TextField(_("SAML metadata"))
    # The attribute whose value is the AAF joint key (FrEduCtRefId for EduConnect).
    match_attribute = models.CharField(_("matching attribute"), max_length=200)
    level = models.PositiveSmallIntegerField(_("authentication level given"), default=1)
    is_enabled = models.BooleanField(_("enabled"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("identity provider")
        verbose_name_plural = _("identity providers")

    def __str__(self) -> str:
        return self.name


class SeenAssertion(models.Model):
    """A SAML assertion already accepted: presenting it again is a replay."""

    provider = models.ForeignKey(
        IdentityProvider, verbose_name=_("identity provider"), on_delete=models.CASCADE
    )
    assertion_id = models.CharField(_("assertion id"), max_length=200)
    expires_at = models.DateTimeField(_("expires at"))

    class Meta:
        verbose_name = _("accepted assertion")
        verbose_name_plural = _("accepted assertions")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "assertion_id"], name="sso_assertion_seen_once"
            )
        ]

    def __str__(self) -> str:
        return self.assertion_id
