from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from ent.rights.registry import PROFILES as ALL_PROFILES
from ent.rights.registry import DefaultGrant, Level, ServiceDeclaration


class AnnouncementsConfig(AppConfig):
    name = "ent.announcements"
    label = "announcements"
    verbose_name = _("News and alerts")
    sdet = ("UTI-CCO-AIN",)
    services = (
        ServiceDeclaration(
            code="announcements",
            label=_("News and alerts"),
            url_name="announcements:home",
            icon="news",
            # The helper owning this app sets the real defaults per profile.
            defaults=tuple(DefaultGrant(p, Level.USE) for p in sorted(ALL_PROFILES - {"GST"})),
        ),
    )
