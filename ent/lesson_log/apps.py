from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from ent.notifications.events import APP, NotificationKind
from ent.rights.registry import DefaultGrant, Level, ServiceDeclaration


class LessonLogConfig(AppConfig):
    name = "ent.lesson_log"
    label = "lesson_log"
    verbose_name = _("Cahier de textes")
    sdet = ("UTI-AVE-CDT",)
    services = (
        ServiceDeclaration(
            code="lesson_log",
            label=_("Cahier de textes"),
            url_name="lesson_log:home",
            icon="book",
            defaults=(
                DefaultGrant("ENS", Level.USE),
                DefaultGrant("DOC", Level.USE),
                DefaultGrant("ELV", Level.USE),
                DefaultGrant("TUT", Level.READ),
                DefaultGrant("EVS", Level.READ),
                DefaultGrant("DIR", Level.MANAGE),
            ),
        ),
    )
    # Item 5 of the issue: work to do published tells the pupils and their guardians.
    notification_kinds = (
        NotificationKind(
            "lesson_log.homework", _("New work to do in the cahier de textes"), frozenset({APP})
        ),
    )
