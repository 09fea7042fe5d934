from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from ent.notifications.events import APP, EMAIL, NotificationKind
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
            # AIN-01: authorised staff write; AIN-04: the head of school (managing the service)
            # is the editorial responsible who validates; everyone else reads.
            defaults=(
                DefaultGrant("ELV", Level.READ),
                DefaultGrant("TUT", Level.READ),
                DefaultGrant("ETA", Level.READ),
                DefaultGrant("ACA", Level.READ),
                DefaultGrant("ENS", Level.USE),
                DefaultGrant("DOC", Level.USE),
                DefaultGrant("EVS", Level.USE),
                DefaultGrant("COL", Level.USE),
                DefaultGrant("DIR", Level.MANAGE),
            ),
        ),
    )
    notification_kinds = (
        NotificationKind("announcements.news", _("New school news"), frozenset({APP})),
        NotificationKind(
            "announcements.alert", _("New alert of your school"), frozenset({APP, EMAIL})
        ),
        NotificationKind(
            "announcements.submitted",
            _("News or alert waiting for your validation"),
            frozenset({APP}),
        ),
        NotificationKind(
            "announcements.decision",
            _("Your news or alert was validated or sent back"),
            frozenset({APP}),
        ),
    )

    def ready(self) -> None:
        from . import reporting  # models are loaded only once apps are ready

        reporting.register()
