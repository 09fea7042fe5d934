from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from ent.notifications.events import APP, NotificationKind
from ent.rights.registry import DefaultGrant, Level, ServiceDeclaration


class TimetableConfig(AppConfig):
    name = "ent.timetable"
    label = "timetable"
    verbose_name = _("Timetable")
    sdet = ("UTI-AVE-EDT",)
    services = (
        ServiceDeclaration(
            code="timetable",
            label=_("Timetable"),
            url_name="timetable:home",
            icon="calendar",
            defaults=(
                DefaultGrant("ELV", Level.READ),
                DefaultGrant("TUT", Level.READ),
                DefaultGrant("ENS", Level.READ),
                DefaultGrant("DOC", Level.READ),
                DefaultGrant("EVS", Level.READ),
                DefaultGrant("DIR", Level.MANAGE),
                DefaultGrant("ETA", Level.MANAGE),
            ),
        ),
    )
    notification_kinds = (
        # A cancelled or moved lesson reaches its pupils and their guardians in the ENT.
        NotificationKind(
            code="timetable.lesson_changed",
            label=_("A lesson was cancelled or moved"),
            default_channels=frozenset({APP}),
            body_in_messages=True,
        ),
    )
