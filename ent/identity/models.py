"""Sessions of signed-in people, kept so they can be listed, ended and logged out everywhere."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    WEB = "WEB", _("web")
    MOBILE = "MOBILE", _("mobile app")


class Method(models.TextChoices):
    PASSWORD = "PASSWORD", _("password")
    TOTP = "TOTP", _("password and one-time code")
    FEDERATION = "FEDERATION", _("external identity provider")
    CARD = "CARD", _("QR-code card")


class UserSessionQuerySet(models.QuerySet["UserSession"]):
    def open(self) -> UserSessionQuerySet:
        """Sessions not ended yet."""
        return self.filter(ended_at__isnull=True)


class UserSession(models.Model):
    """One sign-in: the Django session it lives in, how strongly it was authenticated."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="sessions",
    )
    session_key = models.CharField(_("session key"), max_length=64, unique=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    method = models.CharField(_("method"), max_length=12, choices=Method.choices)
    level = models.PositiveSmallIntegerField(_("authentication level"))
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    end_reason = models.CharField(_("end reason"), max_length=40, blank=True)

    objects = UserSessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        indexes = [models.Index(fields=["person", "ended_at"])]

    def __str__(self) -> str:
        return f"{self.person_id} {self.started_at:%Y-%m-%d %H:%M} {self.method}"


class LoginFailure(models.Model):
    """One refused sign-in, kept for throttling and for the audit of attacks (SOC-SEC-DVS-01)."""

    login = models.CharField(_("login typed"), max_length=150)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=40)
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("login failure")
        verbose_name_plural = _("login failures")
        indexes = [models.Index(fields=["login", "at"]), models.Index(fields=["address", "at"])]

    def __str__(self) -> str:
        return f"{self.login} {self.at:%Y-%m-%d %H:%M:%S} {self.reason}"


class LockScope(models.TextChoices):
    ACCOUNT = "ACCOUNT", _("account")
    ADDRESS = "ADDRESS", _("address")


class Lockout(models.Model):
    """A temporary lock on an account or an address after repeated failures."""

    scope = models.CharField(_("scope"), max_length=7, choices=LockScope.choices)
    key = models.CharField(_("account or address"), max_length=150)
    failures = models.PositiveIntegerField(_("failures"))
    locked_at = models.DateTimeField(_("locked at"))
    until = models.DateTimeField(_("until"))
    alerted_at = models.DateTimeField(_("administrators alerted at"), null=True, blank=True)
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("lockout")
        verbose_name_plural = _("lockouts")
        indexes = [models.Index(fields=["scope", "key", "until"])]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key} until {self.until:%Y-%m-%d %H:%M}"


class TotpDevice(models.Model):
    """A person's time-based one-time password generator (RFC 6238)."""

    person = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="totp_device",
    )
    # The shared secret, encrypted with a key derived from SECRET_KEY.
    secret = models.CharField(_("secret"), max_length=300)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    # The last time step accepted: a code is never accepted twice.
    last_step = models.BigIntegerField(_("last time step used"), default=0)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("one-time code generator")
        verbose_name_plural = _("one-time code generators")

    def __str__(self) -> str:
        return f"TOTP {self.person_id}"


class ActivationCode(models.Model):
    """A one-time code printed on a letter, with which a person chooses a first password."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="activation_codes",
    )
    # HMAC of the code: the code itself is only ever printed.
    digest = models.CharField(_("digest"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("activation code")
        verbose_name_plural = _("activation codes")

    def __str__(self) -> str:
        return f"{self.person_id} {self.created_at:%Y-%m-%d}"


class AccessCard(models.Model):
    """A QR-code card for a pupil who cannot read yet: showing it to the camera signs in."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="access_cards",
    )
    digest = models.CharField(_("digest"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"))
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("access card")
        verbose_name_plural = _("access cards")

    def __str__(self) -> str:
        return f"card {self.person_id} {self.created_at:%Y-%m-%d}"
