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
