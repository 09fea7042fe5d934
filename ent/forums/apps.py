from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from ent.rights.registry import PROFILES as ALL_PROFILES
from ent.rights.registry import DefaultGrant, Level, ServiceDeclaration


class ForumsConfig(AppConfig):
    name = "ent.forums"
    label = "forums"
    verbose_name = _("Discussion spaces")
    sdet = ("UTI-CCO-EEC",)
    services = (
        ServiceDeclaration(
            code="forums",
            label=_("Discussion spaces"),
            url_name="forums:home",
            icon="forum",
            # The helper owning this app sets the real defaults per profile.
            defaults=tuple(DefaultGrant(p, Level.USE) for p in sorted(ALL_PROFILES - {"GST"})),
        ),
    )
