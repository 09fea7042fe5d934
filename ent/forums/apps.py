from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from ent.notifications.events import APP, EMAIL, NotificationKind
from ent.rights.registry import DefaultGrant, Level, ServiceDeclaration


class ForumsConfig(AppConfig):
    name = "ent.forums"
    label = "forums"
    verbose_name = _("Discussion spaces")
    sdet = ("UTI-CCO-EEC",)
    services = (
        ServiceDeclaration(
            code="forums",
            label=_("Discussion spaces"),
            url_name="forums:home",
            icon="forum",
            # UTI-CCO-EEC-01: teachers, staff and heads open spaces (MANAGE); pupils and
            # families take part (USE) unless their school grants them more.
            defaults=(
                DefaultGrant("ELV", Level.USE),
                DefaultGrant("TUT", Level.USE),
                DefaultGrant("ENS", Level.MANAGE),
                DefaultGrant("DOC", Level.MANAGE),
                DefaultGrant("DIR", Level.MANAGE),
                DefaultGrant("EVS", Level.MANAGE),
                DefaultGrant("ETA", Level.USE),
                DefaultGrant("ACA", Level.USE),
                DefaultGrant("COL", Level.USE),
            ),
        ),
    )
    # UTI-CCO-EEC-11: new messages in a space, replies to one's own, membership changes.
    notification_kinds = (
        NotificationKind("forums.post", _("New message in a discussion space"), frozenset({APP})),
        NotificationKind(
            "forums.reply",
            _("Reply to your message in a discussion space"),
            frozenset({APP, EMAIL}),
        ),
        NotificationKind(
            "forums.membership",
            _("Membership of a discussion space (invitation, request, approval)"),
            frozenset({APP}),
        ),
    )

    def ready(self) -> None:
        from ent.directory.actions import register_purge_hook
        from ent.moderation.registry import Moderated, register

        from .actions import forget_author, hide_reported_post
        from .models import Post
        from .permissions import can_moderate_post
        from .queries import post_moderators, post_url

        register_purge_hook(forget_author)
        register(
            Moderated(
                kind="forums.post",
                label=_("Discussion space message"),
                model=Post,
                visible_to=Post.objects.visible_to,
                can_moderate=can_moderate_post,
                moderators=post_moderators,
                hide=hide_reported_post,
                url=post_url,
            )
        )
