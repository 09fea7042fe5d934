from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from ent.rights.registry import DefaultGrant, Level, ServiceDeclaration


class PupilRecordsConfig(AppConfig):
    name = "ent.pupil_records"
    label = "pupil_records"
    verbose_name = _("Pupil follow-up")
    sdet = ("UTI-AVE-SIE",)
    services = (
        ServiceDeclaration(
            code="pupil_records",
            label=_("Grades and absences"),
            url_name="pupil_records:home",
            icon="chart",
            defaults=(
                DefaultGrant("ELV", Level.READ),
                DefaultGrant("TUT", Level.READ),
                DefaultGrant("ENS", Level.USE),
                DefaultGrant("DOC", Level.USE),
                DefaultGrant("EVS", Level.USE),
                DefaultGrant("DIR", Level.MANAGE),
            ),
        ),
    )
