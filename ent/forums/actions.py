"""Every change of the discussion spaces: create, manage, subscribe, post, moderate, delete.

Each action checks its predicate before any write, so a refused or invalid request saves
nothing. Notifications go through `ent.notifications.actions.notify`, which stores them in the
same transaction and delivers them after the commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ent.audit.actions import record
from ent.directory import lists
from ent.directory.models import School, SchoolClass, TeachingGroup, User
from ent.notifications.actions import notify
from ent.notifications.events import Event
from ent.rights.communication import writable_people

from .models import (
    BODY_MAX,
    DESCRIPTION_MAX,
    SUBJECT_MAX,
    TITLE_MAX,
    AccessRule,
    Post,
    Role,
    Space,
    Status,
    Subscription,
)
from .permissions import (
    can_attach_to,
    can_create_space,
    can_join,
    can_manage_space,
    can_moderate_post,
    can_post,
    is_reader,
)
from .queries import post_url, readers

POST_EVENT = "forums.post"
REPLY_EVENT = "forums.reply"
MEMBERSHIP_EVENT = "forums.membership"


class RefusedInvitationError(PermissionDenied):
    """The communication rules do not let the manager reach this person."""


# ---------------------------------------------------------------- helpers


def _text(value: str, maximum: int, empty: str, too_long: str, *, required: bool = True) -> str:
    value = value.replace("\x00", "").strip()
    if required and not value:
        raise ValidationError(empty)
    if len(value) > maximum:
        raise ValidationError(too_long % {"max": maximum})
    return value


def _space_fields(title: str, description: str, access_rule: str) -> tuple[str, str, str]:
    title = _text(
        title,
        TITLE_MAX,
        _("Give the space a title."),
        _("The title may not be longer than %(max)d characters."),
    )
    description = _text(
        description,
        DESCRIPTION_MAX,
        "",
        _("The description may not be longer than %(max)d characters."),
        required=False,
    )
    if access_rule not in AccessRule.values:
        raise ValidationError(_("Choose a subscription rule from the list."))
    return title, description, access_rule


def _body(body: str) -> str:
    return _text(
        body,
        BODY_MAX,
        _("Write a message before sending it."),
        _("A message may not be longer than %(max)d characters."),
    )


def _today() -> date:
    return timezone.localdate()


def _space_url(space: Space) -> str:
    return reverse("forums:space", args=[space.pk])


def _managers(space: Space) -> QuerySet[User]:
    ids = Subscription.objects.filter(space=space, role=Role.MANAGER, status=Status.ACTIVE)
    found: QuerySet[User] = User.objects.active().filter(pk__in=ids.values("person"))
    return found


def _tell(recipients: QuerySet[User], kind: str, title: str, url: str, space: Space) -> None:
    notify(recipients=recipients, event=Event(kind, title, "", url, space.school_id))


def _subscription(space: Space, person: User) -> Subscription | None:
    return Subscription.objects.filter(space=space, person=person).first()


# ---------------------------------------------------------------- spaces


@transaction.atomic
def create_space(
    *,
    actor: User,
    school: School,
    title: str,
    description: str = "",
    access_rule: str = AccessRule.APPROVAL,
    structure: SchoolClass | TeachingGroup | None = None,
    with_pupils: bool = True,
    with_teachers: bool = True,
    with_guardians: bool = False,
) -> Space:
    """Open a discussion space in `school`, standalone or attached to a class or group whose
    lists become its members (UTI-CCO-EEC-01, -13); the creator manages it."""
    title, description, access_rule = _space_fields(title, description, access_rule)
    if not can_create_space(actor, school):
        raise PermissionDenied(_("You may not open discussion spaces in this school."))
    if structure is not None:
        if structure.school_id != school.pk or not can_attach_to(actor, structure):
            raise PermissionDenied(
                _("You may only open the space of a class or group you teach or run.")
            )
        if not (with_pupils or with_teachers or with_guardians):
            raise ValidationError(_("Choose who of the class or group takes part."))
    space = Space.objects.create(
        school=school,
        title=title,
        description=description,
        access_rule=access_rule,
        school_class=structure if isinstance(structure, SchoolClass) else None,
        teaching_group=structure if isinstance(structure, TeachingGroup) else None,
        with_pupils=structure is not None and with_pupils,
        with_teachers=structure is not None and with_teachers,
        with_guardians=structure is not None and with_guardians,
        created_by=actor,
    )
    Subscription.objects.create(space=space, person=actor, role=Role.MANAGER)
    record(actor=actor, action="forums.space.create", target=space)
    return space


@transaction.atomic
def update_space(
    *, actor: User, space: Space, title: str, description: str, access_rule: str
) -> Space:
    """Change the title, description and subscription rule of a space (UTI-CCO-EEC-01)."""
    title, description, access_rule = _space_fields(title, description, access_rule)
    if not can_manage_space(actor, space):
        raise PermissionDenied(_("Only the managers of the space may change it."))
    space.title, space.description, space.access_rule = title, description, access_rule
    space.updated_at = timezone.now()
    space.save(update_fields=["title", "description", "access_rule", "updated_at"])
    record(actor=actor, action="forums.space.update", target=space)
    return space


@transaction.atomic
def delete_space(*, actor: User, space: Space) -> None:
    """Delete a space with its posts: it disappears for every member (UTI-CCO-EEC-01)."""
    if not can_manage_space(actor, space):
        raise PermissionDenied(_("Only the managers of the space may delete it."))
    record(actor=actor, action="forums.space.delete", target=space, data={"title": space.title})
    space.delete()


# ---------------------------------------------------------------- members


@dataclass(frozen=True)
class Invited:
    added: int
    already: int
    refused: int


def _add_members(actor: User, space: Space, people: Iterable[User]) -> Invited:
    added = already = 0
    invited: list[int] = []
    for person in people:
        current = _subscription(space, person)
        if (
            current is not None
            and current.status == Status.ACTIVE
            and not current.is_expired(_today())
        ):
            already += 1
            continue
        if current is None:
            current = Subscription(space=space, person=person)
        current.status, current.invited_by, current.valid_until = Status.ACTIVE, actor, None
        current.save()
        invited.append(person.pk)
        added += 1
    if invited:
        _tell(
            User.objects.filter(pk__in=invited),
            MEMBERSHIP_EVENT,
            _("You are now a member of the discussion space “%(space)s”") % {"space": space},
            _space_url(space),
            space,
        )
    return Invited(added=added, already=already, refused=0)


@transaction.atomic
def invite_person(*, actor: User, space: Space, person: User) -> Invited:
    """Make a person found in the directory a member (UTI-CCO-EEC-02), within the
    communication rules: someone the manager may not write to is refused."""
    if not can_manage_space(actor, space):
        raise PermissionDenied(_("Only the managers of the space may invite members."))
    if not writable_people(actor).filter(pk=person.pk).exists():
        raise RefusedInvitationError(
            _("The communication rules of your school do not let you invite this person.")
        )
    result = _add_members(actor, space, [person])
    record(actor=actor, action="forums.member.invite", target=space, data={"person": person.pk})
    return result


@transaction.atomic
def invite_list(*, actor: User, space: Space, list_key: str) -> Invited:
    """Make every person of a class, group or structure list a member (UTI-CCO-EEC-02), except
    those the communication rules keep from the manager, who are counted as refused."""
    if not can_manage_space(actor, space):
        raise PermissionDenied(_("Only the managers of the space may invite members."))
    structure_list = lists.get_list(list_key)
    if structure_list is None or structure_list.school_id != space.school_id:
        raise ValidationError(_("Choose a list of the space's school."))
    everyone = lists.members(structure_list)
    allowed = list(everyone.filter(pk__in=writable_people(actor).values("pk")))
    refused = everyone.count() - len(allowed)
    result = _add_members(actor, space, allowed)
    record(actor=actor, action="forums.member.invite_list", target=space, data={"list": list_key})
    return Invited(added=result.added, already=result.already, refused=refused)


@transaction.atomic
def join_space(*, actor: User, space: Space) -> Subscription:
    """Join an open space, or ask a manager to approve (UTI-CCO-EEC-06)."""
    if not can_join(actor, space):
        raise PermissionDenied(_("You may not join this discussion space."))
    status = Status.ACTIVE if space.access_rule == AccessRule.OPEN else Status.PENDING
    subscription, _created = Subscription.objects.update_or_create(
        space=space, person=actor, defaults={"status": status, "valid_until": None}
    )
    record(
        actor=actor,
        action=f"forums.member.{'join' if status == Status.ACTIVE else 'ask'}",
        target=space,
    )
    if status == Status.PENDING:
        _tell(
            _managers(space),
            MEMBERSHIP_EVENT,
            _("%(person)s asks to join “%(space)s”")
            % {"person": actor.display_name, "space": space},
            reverse("forums:members", args=[space.pk]),
            space,
        )
    return subscription


def _managed(actor: User, subscription: Subscription) -> None:
    if not can_manage_space(actor, subscription.space):
        raise PermissionDenied(_("Only the managers of the space may manage its members."))


@transaction.atomic
def approve_request(*, actor: User, subscription: Subscription) -> Subscription:
    """Let a person who asked to join in (UTI-CCO-EEC-06)."""
    _managed(actor, subscription)
    if subscription.status != Status.PENDING:
        raise ValidationError(_("This person is not waiting for approval."))
    subscription.status = Status.ACTIVE
    subscription.save(update_fields=["status"])
    record(
        actor=actor,
        action="forums.member.approve",
        target=subscription.space,
        data={"person": subscription.person_id},
    )
    space = subscription.space
    _tell(
        User.objects.filter(pk=subscription.person_id),
        MEMBERSHIP_EVENT,
        _("You are now a member of the discussion space “%(space)s”") % {"space": space},
        _space_url(space),
        space,
    )
    return subscription


@transaction.atomic
def refuse_request(*, actor: User, subscription: Subscription) -> None:
    """Turn down a request to join: the person may ask again later."""
    _managed(actor, subscription)
    if subscription.status != Status.PENDING:
        raise ValidationError(_("This person is not waiting for approval."))
    record(
        actor=actor,
        action="forums.member.refuse",
        target=subscription.space,
        data={"person": subscription.person_id},
    )
    subscription.delete()


def _keeps_a_manager(subscription: Subscription) -> bool:
    others = Subscription.objects.filter(
        space=subscription.space_id, role=Role.MANAGER, status=Status.ACTIVE
    ).exclude(pk=subscription.pk)
    return others.exists()


@transaction.atomic
def set_membership(
    *, actor: User, subscription: Subscription, role: str, valid_until: date | None
) -> Subscription:
    """Set a member's role (delegated moderation, UTI-CCO-EEC-12) and the last day of their
    subscription (UTI-CCO-EEC-05)."""
    _managed(actor, subscription)
    if role not in Role.values:
        raise ValidationError(_("Choose a role from the list."))
    if valid_until is not None and valid_until < _today():
        raise ValidationError(_("The end of a subscription may not be in the past."))
    losing_manager = subscription.role == Role.MANAGER and (
        role != Role.MANAGER or valid_until is not None
    )
    if losing_manager and not _keeps_a_manager(subscription):
        raise ValidationError(_("A space needs a manager: name another one first."))
    subscription.role, subscription.valid_until = role, valid_until
    if subscription.status == Status.LEFT:
        subscription.status = Status.ACTIVE
    subscription.save(update_fields=["role", "valid_until", "status"])
    record(
        actor=actor,
        action="forums.member.update",
        target=subscription.space,
        data={
            "person": subscription.person_id,
            "role": role,
            "valid_until": valid_until.isoformat() if valid_until else None,
        },
    )
    return subscription


@transaction.atomic
def remove_member(*, actor: User, subscription: Subscription) -> None:
    """Take a member out of the space, lists included; they may not join again by
    themselves (a manager may invite them back)."""
    _managed(actor, subscription)
    if subscription.role == Role.MANAGER and not _keeps_a_manager(subscription):
        raise ValidationError(_("A space needs a manager: name another one first."))
    # Ended yesterday: out of the space and of its lists, and not free to join again.
    subscription.status, subscription.role = Status.LEFT, Role.MEMBER
    subscription.valid_until = _today() - timedelta(days=1)
    subscription.save(update_fields=["status", "role", "valid_until"])
    record(
        actor=actor,
        action="forums.member.remove",
        target=subscription.space,
        data={"person": subscription.person_id},
    )


@transaction.atomic
def leave_space(*, actor: User, space: Space) -> None:
    """Unsubscribe: no more reading nor notifications (UTI-CCO-EEC-06)."""
    if not is_reader(actor, space):
        raise PermissionDenied(_("You are not a member of this space."))
    subscription = _subscription(space, actor) or Subscription(space=space, person=actor)
    if subscription.role == Role.MANAGER and not _keeps_a_manager(subscription):
        raise ValidationError(
            _("You are the only manager: name another manager or delete the space.")
        )
    subscription.status, subscription.role = Status.LEFT, Role.MEMBER
    subscription.save()
    record(actor=actor, action="forums.member.leave", target=space)


@transaction.atomic
def set_delivery(
    *,
    actor: User,
    space: Space,
    pause_starts_on: date | None,
    pause_ends_on: date | None,
    notify_posts: bool,
    notify_replies: bool,
) -> Subscription:
    """Choose what to hear of and suspend delivery between two dates (UTI-CCO-EEC-06, -11);
    reading stays open during the pause."""
    if not is_reader(actor, space):
        raise PermissionDenied(_("You are not a member of this space."))
    if (pause_starts_on is None) != (pause_ends_on is None):
        raise ValidationError(_("Give both the first and the last day of the pause."))
    if pause_starts_on and pause_ends_on and pause_ends_on < pause_starts_on:
        raise ValidationError(_("The pause must end on or after the day it starts."))
    subscription = _subscription(space, actor) or Subscription(space=space, person=actor)
    subscription.pause_starts_on, subscription.pause_ends_on = pause_starts_on, pause_ends_on
    subscription.notify_posts, subscription.notify_replies = notify_posts, notify_replies
    subscription.save()
    record(actor=actor, action="forums.member.delivery", target=space)
    return subscription


# ---------------------------------------------------------------- posts


def _quiet(space: Space, kind: str) -> QuerySet[Subscription]:
    """Subscriptions that hear nothing of `kind` today: turned off, or paused."""
    today = _today()
    off = Q(notify_posts=False) if kind == POST_EVENT else Q(notify_replies=False)
    return Subscription.objects.filter(
        off | Q(pause_starts_on__lte=today, pause_ends_on__gte=today), space=space
    )


def _announce(post: Post, actor: User) -> None:
    space = post.space
    audience = readers(space).exclude(pk=actor.pk)
    replied: set[int] = set()
    if post.parent is not None and post.parent.author_id not in (None, actor.pk):
        parent_author = audience.filter(pk=post.parent.author_id).exclude(
            pk__in=_quiet(space, REPLY_EVENT).values("person")
        )
        replied = set(parent_author.values_list("pk", flat=True))
        _tell(
            User.objects.filter(pk__in=replied),
            REPLY_EVENT,
            _("%(person)s replied to your message in “%(space)s”")
            % {"person": actor.display_name, "space": space},
            post_url(post),
            space,
        )
    thread = post.thread or post
    _tell(
        audience.exclude(pk__in=replied).exclude(pk__in=_quiet(space, POST_EVENT).values("person")),
        POST_EVENT,
        _("New message in “%(space)s”: %(subject)s") % {"space": space, "subject": thread.subject},
        post_url(post),
        space,
    )


@transaction.atomic
def start_thread(*, actor: User, space: Space, subject: str, body: str) -> Post:
    """Start a thread in a space and tell its members (UTI-CCO-EEC-11)."""
    subject = _text(
        subject,
        SUBJECT_MAX,
        _("Give the thread a subject."),
        _("The subject may not be longer than %(max)d characters."),
    )
    body = _body(body)
    if not can_post(actor, space):
        raise PermissionDenied(_("You may not write in this space."))
    post = Post.objects.create(space=space, author=actor, subject=subject, body=body)
    post.thread = post
    post.save(update_fields=["thread"])
    record(actor=actor, action="forums.post.create", target=post)
    _announce(post, actor)
    return post


@transaction.atomic
def reply_to_post(*, actor: User, post: Post, body: str) -> Post:
    """Answer a post: the reply hangs under it in the thread's tree (UTI-CCO-EEC-04)."""
    body = _body(body)
    if not can_post(actor, post.space):
        raise PermissionDenied(_("You may not write in this space."))
    thread_id = post.thread_id or post.pk
    reply = Post.objects.create(
        space=post.space, thread_id=thread_id, parent=post, author=actor, body=body
    )
    Post.objects.filter(pk=thread_id).update(updated_at=timezone.now())
    record(actor=actor, action="forums.post.reply", target=reply)
    _announce(reply, actor)
    return reply


@transaction.atomic
def hide_post(*, actor: Any, post: Post) -> Post:
    """Hide a post from the members: moderation by a manager or a moderator (UTI-CCO-EEC-12)."""
    if not can_moderate_post(actor, post):
        raise PermissionDenied(_("Only the moderators of the space may hide a message."))
    if post.hidden_at is None:
        post.hidden_at, post.hidden_by = timezone.now(), actor
        post.updated_at = post.hidden_at
        post.save(update_fields=["hidden_at", "hidden_by", "updated_at"])
        record(actor=actor, action="forums.post.hide", target=post)
    return post


def hide_reported_post(actor: User, post: Post) -> None:
    """Hide a post on a moderator's decision about a report (`ent.moderation`)."""
    hide_post(actor=actor, post=post)


def forget_author(person: User) -> None:
    """Purge hook: keep a departed person's posts and subscriptions' traces anonymous
    (UTI-CCO-EEC-10): their posts lose their author, their subscriptions go."""
    Post.objects.filter(author=person).update(author=None)
    Subscription.objects.filter(person=person).delete()
