from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from ent.notifications.events import APP, NotificationKind
from ent.rights.registry import DefaultGrant, Level, ServiceDeclaration

SERVICE = "pupil_records"
# The service is granted school by school, not project-wide: a school that keeps an external
# vie scolaire tool has its own grants suspended (SDET §11.2.2: services shown or hidden per
# school), which a project-wide grant could not express. `install_school_grants` installs
# these in every active school; guardians write justifications, hence USE.
SCHOOL_GRANTS = (
    DefaultGrant("ELV", Level.READ),
    DefaultGrant("TUT", Level.USE),
    DefaultGrant("ENS", Level.USE),
    DefaultGrant("DOC", Level.USE),
    DefaultGrant("EVS", Level.USE),
    DefaultGrant("DIR", Level.MANAGE),
)


class PupilRecordsConfig(AppConfig):
    name = "ent.pupil_records"
    label = "pupil_records"
    verbose_name = _("Pupil follow-up")
    sdet = ("UTI-AVE-SIE",)
    services = (
        ServiceDeclaration(
            code=SERVICE,
            label=_("Grades and absences"),
            url_name="pupil_records:home",
            icon="chart",
            defaults=(),
        ),
    )
    notification_kinds = (
        NotificationKind(
            "pupil_records.absence", _("An absence or a lateness was recorded"), frozenset({APP})
        ),
        NotificationKind("pupil_records.grades", _("New grades were published"), frozenset({APP})),
    )

    def ready(self) -> None:
        from ent.directory.actions import register_purge_hook

        from .actions import erase_pupil_records

        register_purge_hook(erase_pupil_records)
