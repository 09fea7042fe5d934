from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from ent.notifications.events import APP, NotificationKind
from ent.rights.registry import PROFILES as ALL_PROFILES
from ent.rights.registry import DefaultGrant, Level, ServiceDeclaration


class MessagingConfig(AppConfig):
    name = "ent.messaging"
    label = "messaging"
    verbose_name = _("Mail")
    sdet = ("UTI-CCO-CEL",)
    services = (
        ServiceDeclaration(
            code="messaging",
            label=_("Mail"),
            url_name="messaging:home",
            icon="mail",
            # Seed 001: a mail address for every member of the school community; guests have
            # none. The head of school manages the school's external mail policy (CEL-05, -06).
            defaults=(
                *(DefaultGrant(p, Level.USE) for p in sorted(ALL_PROFILES - {"GST", "DIR"})),
                DefaultGrant("DIR", Level.MANAGE),
            ),
        ),
    )
    # Only who wrote is told, never what (personal data minimisation, UTI-UTL-NOT).
    notification_kinds = (
        NotificationKind("messaging.new_mail", _("New mail in your mailbox"), frozenset({APP})),
    )

    def ready(self) -> None:
        from ent.directory.actions import register_purge_hook

        from .actions import erase_mailbox

        register_purge_hook(erase_mailbox)
        _register_reports()


def _register_reports() -> None:
    from django.urls import reverse

    from ent.moderation.registry import Moderated, register

    from .actions import withdraw_message
    from .models import Entry
    from .permissions import can_moderate_entry, mail_moderators

    register(
        Moderated(
            kind="messaging.message",
            label=_("Mail"),
            model=Entry,
            visible_to=Entry.objects.visible_to,
            can_moderate=can_moderate_entry,
            moderators=mail_moderators,
            hide=lambda actor, entry: _none(withdraw_message(actor=actor, entry=entry)),
            url=lambda entry: reverse("messaging:message", args=[entry.pk]),
        )
    )


def _none(_result: object) -> None:
    return None
