"""Personalisation at four levels (project, school, class or group, person) and the schools'
public pages (SOC-POR-PPO, UTI-UTL-PER, SDET §10.2.2.2)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ent.directory.models import School, SchoolClass, TeachingGroup


class Theme(models.TextChoices):
    """Colour themes; each keeps WCAG AA contrast."""

    DEFAULT = "DEFAULT", _("Académie blue")
    FOREST = "FOREST", _("Forest")
    SUNSET = "SUNSET", _("Sunset")
    SLATE = "SLATE", _("Slate")


class TextSize(models.IntegerChoices):
    NORMAL = 100, _("normal")
    LARGE = 125, _("large")
    LARGER = 150, _("larger")


class Preference(models.Model):
    """One person's own choices, kept in the database so that they follow them on any device."""

    person = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="portal_preference",
    )
    # Service codes: the person may only hide or order services within their rights.
    hidden_services = models.JSONField(_("hidden services"), default=list, blank=True)
    service_order = models.JSONField(_("order of services"), default=list, blank=True)
    theme = models.CharField(_("theme"), max_length=10, choices=Theme.choices, blank=True)
    # SDET §11.1.3.1: presentation aids for people with a disability.
    text_size = models.PositiveSmallIntegerField(
        _("text size"), choices=TextSize.choices, default=TextSize.NORMAL
    )
    high_contrast = models.BooleanField(_("high contrast"), default=False)
    dyslexia_font = models.BooleanField(_("dyslexia-friendly font"), default=False)
    reduce_motion = models.BooleanField(_("reduce motion"), default=False)
    # SOC-POR-GMC-01: on a phone, the person may prefer the classic site.
    prefers_classic_site = models.BooleanField(_("classic site on mobile"), default=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("portal preference")
        verbose_name_plural = _("portal preferences")

    def __str__(self) -> str:
        return f"preferences of {self.person_id}"


class Layout(models.Model):
    """Defaults and limits set for everyone below: the project (no school), a school, a profile
    in a school, a class or a teaching group (PPO-02, -03, -05, -06; UTI-UTL-PER-01)."""

    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.CASCADE, null=True, blank=True
    )
    profile = models.CharField(_("profile"), max_length=3, blank=True)
    school_class = models.ForeignKey(
        SchoolClass, verbose_name=_("class"), on_delete=models.CASCADE, null=True, blank=True
    )
    teaching_group = models.ForeignKey(
        TeachingGroup,
        verbose_name=_("teaching group"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
    )
    hidden_services = models.JSONField(_("hidden services"), default=list, blank=True)
    service_order = models.JSONField(_("order of services"), default=list, blank=True)
    # PPO-03: services that levels below may not hide (information from the administrations).
    locked_services = models.JSONField(_("services that stay shown"), default=list, blank=True)
    theme = models.CharField(_("theme"), max_length=10, choices=Theme.choices, blank=True)
    allow_personal_theme = models.BooleanField(_("people may choose a theme"), default=True)
    allow_personal_hiding = models.BooleanField(_("people may hide services"), default=True)
    # PPO-02: profiled content shown on the home page of the people concerned.
    message = models.TextField(_("message on the home page"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("layout")
        verbose_name_plural = _("layouts")
        constraints = [
            models.UniqueConstraint(
                fields=["school", "profile", "school_class", "teaching_group"],
                name="portal_layout_one_per_scope",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=~(
                    models.Q(school_class__isnull=False) & models.Q(teaching_group__isnull=False)
                ),
                name="portal_layout_class_or_group",
            ),
        ]

    def __str__(self) -> str:
        scope = (self.school_id, self.profile, self.school_class_id, self.teaching_group_id)
        return "layout " + "/".join(str(part or "") for part in scope)


class SchoolPage(models.Model):
    """A school's public home page, readable without signing in (SDET §10.2.2.2)."""

    school = models.OneToOneField(
        School, verbose_name=_("school"), on_delete=models.CASCADE, related_name="public_page"
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    is_published = models.BooleanField(_("published"), default=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("public page")
        verbose_name_plural = _("public pages")

    def __str__(self) -> str:
        return f"{self.school_id}: {self.title}"
