from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from ent.rights.registry import PROFILES as ALL_PROFILES
from ent.rights.registry import DefaultGrant, Level, ServiceDeclaration

# The school's référents for support: heads and school administrators.
ADMINS = frozenset({"DIR", "ETA"})


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
            defaults=(
                *(DefaultGrant(profile, Level.USE) for profile in sorted(ALL_PROFILES - ADMINS)),
                *(DefaultGrant(profile, Level.MANAGE) for profile in sorted(ADMINS)),
            ),
        ),
    )
