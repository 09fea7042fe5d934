from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from ent.notifications.events import APP, NotificationKind
from ent.rights.registry import DefaultGrant, Level, ServiceDeclaration


class LiaisonBookConfig(AppConfig):
    name = "ent.liaison_book"
    label = "liaison_book"
    verbose_name = _("Liaison book")
    sdet = ("UTI-AVE-CLI",)
    services = (
        ServiceDeclaration(
            code="liaison_book",
            label=_("Liaison book"),
            url_name="liaison_book:home",
            icon="notebook",
            defaults=(
                DefaultGrant("ELV", Level.READ),
                DefaultGrant("TUT", Level.USE),
                DefaultGrant("ENS", Level.USE),
                DefaultGrant("EVS", Level.USE),
                DefaultGrant("DIR", Level.MANAGE),
            ),
        ),
    )
    # UTI-AVE-CLI-02 and item 5 of the issue: whoever reads a book hears of what is added to it.
    notification_kinds = (
        NotificationKind(
            "liaison_book.note", _("New or changed note in the liaison book"), frozenset({APP})
        ),
        NotificationKind(
            "liaison_book.reply", _("Answer to a note of the liaison book"), frozenset({APP})
        ),
        NotificationKind(
            "liaison_book.signature", _("A family signed a note you wrote"), frozenset({APP})
        ),
        NotificationKind(
            "liaison_book.reminder",
            _("Reminder to sign a note of the liaison book"),
            frozenset({APP}),
        ),
    )
