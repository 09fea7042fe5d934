from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from ent.notifications.events import APP, NotificationKind
from ent.rights.registry import DefaultGrant, Level, ServiceDeclaration


class BlogsConfig(AppConfig):
    name = "ent.blogs"
    label = "blogs"
    verbose_name = _("Blogs and web pages")
    sdet = ("UTI-CCO-PWE",)
    services = (
        ServiceDeclaration(
            code="blogs",
            label=_("Blogs and web pages"),
            url_name="blogs:home",
            icon="blog",
            # UTI-CCO-PWE-01: staff open blogs (MANAGE); pupils write where a blog's rights
            # let them and families comment (USE); the blog's own rights decide the rest.
            defaults=(
                DefaultGrant("ELV", Level.USE),
                DefaultGrant("TUT", Level.USE),
                DefaultGrant("ENS", Level.MANAGE),
                DefaultGrant("DOC", Level.MANAGE),
                DefaultGrant("DIR", Level.MANAGE),
                DefaultGrant("EVS", Level.MANAGE),
                DefaultGrant("ETA", Level.USE),
                DefaultGrant("ACA", Level.READ),
                DefaultGrant("COL", Level.READ),
            ),
        ),
    )
    # UTI-CCO-PWE-04: moderators hear of what waits for them, authors of the decision and of
    # the comments on their posts.
    notification_kinds = (
        NotificationKind(
            "blogs.pending",
            _("A post, page or comment waits for your validation"),
            frozenset({APP}),
        ),
        NotificationKind(
            "blogs.decision", _("Your post or page was validated or refused"), frozenset({APP})
        ),
        NotificationKind("blogs.comment", _("New comment on your post"), frozenset({APP})),
    )

    def ready(self) -> None:
        from ent.directory.actions import register_purge_hook
        from ent.moderation.registry import Moderated, register

        from .actions import forget_person, hide_comment, hide_post
        from .models import Comment, Post
        from .permissions import can_moderate_blog
        from .queries import moderators_of

        register_purge_hook(forget_person)
        register(
            Moderated(
                kind="blogs.post",
                label=_("Blog post"),
                model=Post,
                visible_to=Post.objects.visible_to,
                can_moderate=lambda user, post: can_moderate_blog(user, post.blog),
                moderators=lambda post: moderators_of(post.blog),
                hide=lambda actor, post: hide_post(actor=actor, post=post),
                url=lambda post: post.get_absolute_url(),
            )
        )
        register(
            Moderated(
                kind="blogs.comment",
                label=_("Blog comment"),
                model=Comment,
                visible_to=Comment.objects.visible_to,
                can_moderate=lambda user, comment: can_moderate_blog(user, comment.post.blog),
                moderators=lambda comment: moderators_of(comment.post.blog),
                hide=lambda actor, comment: hide_comment(actor=actor, comment=comment),
                url=lambda comment: comment.post.get_absolute_url() + f"#comment-{comment.pk}",
            )
        )
