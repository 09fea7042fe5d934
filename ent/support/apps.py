from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from ent.notifications.events import APP, EMAIL, NotificationKind
from ent.rights.registry import PROFILES as ALL_PROFILES
from ent.rights.registry import DefaultGrant, Level, ServiceDeclaration

# The school's référents for support: heads and school administrators.
ADMINS = frozenset({"DIR", "ETA"})
# SDET §9.2: a guest reaches only what is shared with them (the guide stays open to all).
GUESTS = frozenset({"GST"})
# SOC-SUP-ASU-04: the project owner (académie, local authority) reads incidents, never writes.
PROJECT_OWNERS = ("ACA", "COL")


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
                *(
                    DefaultGrant(profile, Level.USE)
                    for profile in sorted(ALL_PROFILES - ADMINS - GUESTS)
                ),
                *(DefaultGrant(profile, Level.MANAGE) for profile in sorted(ADMINS)),
            ),
        ),
        ServiceDeclaration(
            code="support_oversight",
            label=_("Support oversight"),
            description=_("Read-only access to every reported incident, for the project owner."),
            url_name="support:oversight",
            icon="help",
            defaults=tuple(DefaultGrant(profile, Level.READ) for profile in PROJECT_OWNERS),
        ),
    )
    # The author of a request is told of each change of its status (SOC-SUP-ASU-02).
    notification_kinds = (
        NotificationKind(
            "support.ticket_status",
            _("A request for help changed status"),
            frozenset({APP, EMAIL}),
        ),
    )
