from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from ent.notifications.events import APP, NotificationKind
from ent.rights.registry import DefaultGrant, Level, ServiceDeclaration


class ChatConfig(AppConfig):
    name = "ent.chat"
    label = "chat"
    verbose_name = _("Instant messaging")
    sdet = ("UTI-CCO-MIN",)
    services = (
        ServiceDeclaration(
            code="chat",
            label=_("Instant messaging"),
            url_name="chat:home",
            icon="chat",
            # UTI-CCO-MIN-06: every profile but guests chats; the head and the school's admin
            # manage channels and set when each profile may chat.
            defaults=(
                DefaultGrant("ELV", Level.USE),
                DefaultGrant("TUT", Level.USE),
                DefaultGrant("ENS", Level.USE),
                DefaultGrant("DOC", Level.USE),
                DefaultGrant("EVS", Level.USE),
                DefaultGrant("ETA", Level.MANAGE),
                DefaultGrant("DIR", Level.MANAGE),
            ),
        ),
    )
    notification_kinds = (
        NotificationKind(
            "chat.private_message",
            _("Private chat message received while offline"),
            frozenset({APP}),
        ),
    )

    def ready(self) -> None:
        from ent.directory.actions import register_purge_hook
        from ent.moderation.registry import Moderated, register

        from .actions import hide_message, purge_person
        from .models import Message
        from .permissions import can_moderate_message, message_moderators

        register_purge_hook(purge_person)
        register(
            Moderated(
                kind="chat.message",
                label=_("Chat message"),
                model=Message,
                visible_to=Message.objects.visible_to,
                can_moderate=can_moderate_message,
                moderators=message_moderators,
                hide=lambda actor, message: hide_message(actor=actor, message=message),
                url=lambda message: message.get_absolute_url(),
            )
        )
