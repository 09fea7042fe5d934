from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from ent.rights.registry import PROFILES as ALL_PROFILES
from ent.rights.registry import DefaultGrant, Level, ServiceDeclaration


class SupportConfig(AppConfig):
    name = "ent.support"
    label = "support"
    verbose_name = _("Help and support")
    sdet = ("UTI-UTL-AID", "SOC-SUP-ASU")
    services = (
        ServiceDeclaration(
            code="support",
            label=_("Help and support"),
            url_name="support:guide",
            icon="help",
            defaults=tuple(DefaultGrant(profile, Level.USE) for profile in sorted(ALL_PROFILES - {"DIR", "ETA"}))
            + (DefaultGrant("DIR", Level.MANAGE), DefaultGrant("ETA", Level.MANAGE)),
        ),
    )
