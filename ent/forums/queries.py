"""Reads of the discussion spaces: members, "my spaces", a thread's tree, posts by date, the
members page of a manager, and the archive export."""

from __future__ import annotations

import html
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, Max, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ent.directory import lists
from ent.directory.models import Membership, Profile, SchoolClass, TeachingGroup, User
from ent.rights.communication import writable_people

from .models import Post, Role, Space, Status, Subscription, valid_q

SEARCH_LIMIT = 20


def post_url(post: Post) -> str:
    """Where a post is read: its place in its thread."""
    return reverse("forums:thread", args=[post.thread_id or post.pk]) + f"#post-{post.pk}"


def post_moderators(post: Post) -> QuerySet[User]:
    """Who hears of a report on the post: the space's managers and moderators."""
    subscriptions = Subscription.objects.filter(
        valid_q(),
        space=post.space_id,
        status=Status.ACTIVE,
        role__in=(Role.MANAGER, Role.MODERATOR),
    )
    found: QuerySet[User] = User.objects.active().filter(pk__in=subscriptions.values("person"))
    return found


def readers(space: Space) -> QuerySet[User]:
    """Everyone who may read `space` today: its active subscribers and the people on its
    structure lists (UTI-CCO-EEC-13), less those who left or whose subscription ended."""
    subscriptions = Subscription.objects.filter(space=space)
    condition = Q(pk__in=subscriptions.filter(valid_q(), status=Status.ACTIVE).values("person"))
    for key in space.list_keys:
        structure_list = lists.get_list(key)
        if structure_list is not None:
            condition |= Q(pk__in=lists.members(structure_list).values("pk"))
    barred = subscriptions.filter(Q(status=Status.LEFT) | ~valid_q()).values("person")
    found: QuerySet[User] = User.objects.active().filter(condition).exclude(pk__in=barred)
    return found


@dataclass(frozen=True)
class SpaceRow:
    space: Space
    role: str | None
    threads: int
    last_post_at: Any
    is_paused: bool


def my_spaces(person: User) -> list[SpaceRow]:
    """The spaces `person` manages or reads, newest activity first (UTI-CCO-EEC-04): 2 queries."""
    spaces = (
        Space.objects.visible_to(person)
        .select_related("school_class", "teaching_group")
        .annotate(
            thread_count=Count("posts", filter=Q(posts__parent=None)),
            last_post_at=Max("posts__created_at"),
        )
        .order_by("title", "pk")
    )
    rows = list(spaces)
    own = {
        s.space_id: s
        for s in Subscription.objects.filter(person=person, space__in=[r.pk for r in rows])
    }
    today = timezone.localdate()
    result = []
    for space in rows:
        subscription = own.get(space.pk)
        result.append(
            SpaceRow(
                space=space,
                role=subscription.role if subscription else Role.MEMBER,
                threads=space.thread_count,  # type: ignore[attr-defined]  # attr-defined: annotation
                last_post_at=space.last_post_at,  # type: ignore[attr-defined]  # attr-defined: annotation
                is_paused=bool(subscription and subscription.is_paused(today)),
            )
        )
    return result


def joinable_spaces(person: User) -> QuerySet[Space]:
    """Spaces of `person`'s schools they may join or ask to join."""
    return Space.objects.joinable_by(person).order_by("title", "pk")


def pending_requests(person: User) -> QuerySet[Subscription]:
    """The spaces `person` asked to join, still waiting."""
    return (
        Subscription.objects.filter(person=person, status=Status.PENDING)
        .select_related("space")
        .order_by("space__title")
    )


@dataclass
class Node:
    post: Post
    children: list[Node] = field(default_factory=list)


def thread_tree(thread: Post) -> list[Node]:
    """The posts of a thread as a tree, each level in date order (UTI-CCO-EEC-04): 1 query."""
    posts = Post.objects.filter(thread=thread).select_related("author").order_by("created_at", "pk")
    return build_trees(list(posts))


def flatten(nodes: list[Node], depth: int = 0) -> list[tuple[int, Post]]:
    """The tree in reading order with each post's depth."""
    rows: list[tuple[int, Post]] = []
    for node in nodes:
        rows.append((depth, node.post))
        rows.extend(flatten(node.children, depth + 1))
    return rows


def space_threads(space: Space) -> QuerySet[Post]:
    """The threads of a space with their reply counts, latest activity first."""
    return (
        Post.objects.filter(space=space, parent=None)
        .select_related("author")
        .annotate(reply_count=Count("thread_posts") - 1, last_at=Max("thread_posts__created_at"))
        .order_by("-last_at", "-pk")
    )


def space_posts_by_date(space: Space) -> QuerySet[Post]:
    """Every post of a space, newest first (UTI-CCO-EEC-04, view by date)."""
    return (
        Post.objects.filter(space=space)
        .select_related("author", "thread")
        .order_by("-created_at", "-pk")
    )


@dataclass(frozen=True)
class MembersPage:
    space: Space
    subscriptions: list[Subscription]
    pending: list[Subscription]
    listed: list[User]
    lists: list[lists.StructureList]
    found: list[User]
    query: str


def members_page(space: Space, viewer: User, query: str = "") -> MembersPage:
    """What a manager sees to manage members: subscriptions, requests, the people of the
    space's lists, the school's lists to invite and a directory search (UTI-CCO-EEC-02)."""
    rows = list(
        Subscription.objects.filter(space=space)
        .exclude(status=Status.LEFT)
        .select_related("person")
        .order_by("person__last_name", "person__first_name", "pk")
    )
    listed = list(readers(space).exclude(pk__in=[s.person_id for s in rows])[:200])
    return MembersPage(
        space=space,
        subscriptions=[s for s in rows if s.status == Status.ACTIVE],
        pending=[s for s in rows if s.status == Status.PENDING],
        listed=listed,
        lists=lists.school_lists([space.school_id]),
        found=search_people(viewer, query, exclude=[s.person_id for s in rows]) if query else [],
        query=query,
    )


def search_people(viewer: User, text: str, exclude: list[int] | None = None) -> list[User]:
    """People `viewer` may write to whose names hold every word of `text`."""
    people = writable_people(viewer).exclude(pk=viewer.pk)
    words = text.split()[:5]
    if not words:
        return []
    for word in words:
        people = people.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
    if exclude:
        people = people.exclude(pk__in=exclude)
    return list(people.order_by("last_name", "first_name", "pk")[:SEARCH_LIMIT])


def attachable_structures(
    person: User, school_ids: set[int] | None
) -> list[SchoolClass | TeachingGroup]:
    """Classes and groups `person` may attach a space to: those they teach, head or run."""
    runs = (
        Membership.objects.current()
        .filter(person=person, profile__in=(Profile.DIR, Profile.EVS))
        .values("school")
    )
    classes = SchoolClass.objects.filter(
        Q(assignments__teacher=person) | Q(head_teachers__teacher=person) | Q(school__in=runs)
    )
    groups = TeachingGroup.objects.filter(Q(assignments__teacher=person) | Q(school__in=runs))
    if school_ids is not None:
        classes, groups = (
            classes.filter(school__in=school_ids),
            groups.filter(school__in=school_ids),
        )
    found: list[SchoolClass | TeachingGroup] = [
        *classes.distinct().order_by("school_id", "code"),
        *groups.distinct().order_by("school_id", "code"),
    ]
    return found


# ---------------------------------------------------------------- archive (UTI-CCO-EEC-08, -09)


def _pseudonyms(posts: list[Post], reader: User) -> dict[int | None, str]:
    """Name every author but the reader "Participant N", in order of first appearance."""
    names: dict[int | None, str] = {None: _("Former member"), reader.pk: reader.display_name}
    counter = 0
    for post in posts:
        if post.author_id not in names:
            counter += 1
            names[post.author_id] = _("Participant %(number)d") % {"number": counter}
    return names


def archive(space: Space, reader: User, fmt: str) -> str:
    """The space's visible posts, thread by thread, as TXT or HTML, with the other authors
    pseudonymised (UTI-CCO-EEC-09): 1 query."""
    posts = list(Post.objects.filter(space=space, hidden_at=None).order_by("created_at", "pk"))
    names = _pseudonyms(posts, reader)
    by_thread: dict[int, list[Post]] = defaultdict(list)
    for post in posts:
        by_thread[post.thread_id or post.pk].append(post)
    threads = [p for p in posts if p.parent_id is None]
    stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    if fmt == "txt":
        lines = [
            space.title,
            "=" * len(space.title),
            _("Exported on %(when)s") % {"when": stamp},
            "",
        ]
        for thread in threads:
            lines += [f"## {thread.subject}", ""]
            for post in by_thread[thread.pk]:
                when = timezone.localtime(post.created_at).strftime("%Y-%m-%d %H:%M")
                lines += [f"[{when}] {names[post.author_id]}:", post.body, ""]
        return "\n".join(lines) + "\n"
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="fr"><head><meta charset="utf-8"><title>{html.escape(space.title)}</title>'
        "</head><body>",
        f"<h1>{html.escape(space.title)}</h1>",
        f"<p>{html.escape(_('Exported on %(when)s') % {'when': stamp})}</p>",
    ]
    for thread in threads:
        parts.append(f"<section><h2>{html.escape(thread.subject)}</h2>")
        for post in by_thread[thread.pk]:
            when = timezone.localtime(post.created_at).strftime("%Y-%m-%d %H:%M")
            parts.append(
                f"<article><p><strong>{html.escape(names[post.author_id])}</strong>, "
                f'<time datetime="{post.created_at.isoformat()}">{when}</time></p>'
                f"<div>{post.body_html}</div></article>"
            )
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def is_paused_today(subscription: Subscription | None, on: date | None = None) -> bool:
    """Tell whether the subscription's delivery is suspended today."""
    return bool(subscription and subscription.is_paused(on or timezone.localdate()))


# ---------------------------------------------------------------- pages


@dataclass(frozen=True)
class SpacePage:
    space: Space
    role: str | None
    subscription: Subscription | None
    threads: list[Node]
    by_date: list[Post]
    view: str
    is_paused: bool

    @property
    def may_manage(self) -> bool:
        return self.role == Role.MANAGER

    @property
    def may_moderate(self) -> bool:
        return self.role in (Role.MANAGER, Role.MODERATOR)


THREADS_SHOWN = 50
POSTS_SHOWN = 200


def build_trees(posts: list[Post]) -> list[Node]:
    """Arrange posts (in date order) as trees, one per thread."""
    nodes = {post.pk: Node(post) for post in posts}
    roots: list[Node] = []
    for node in nodes.values():
        parent = nodes.get(node.post.parent_id) if node.post.parent_id else None
        (parent.children if parent else roots).append(node)
    return roots


def _latest(node: Node) -> Any:
    return max([node.post.created_at, *(_latest(child) for child in node.children)])


def space_page(space: Space, person: User, view: str = "threads") -> SpacePage:
    """A space as a member reads it: threads as trees, latest activity first, or every post
    by date (UTI-CCO-EEC-04). 2 queries."""
    subscription = Subscription.objects.filter(space=space, person=person).first()
    role = subscription.role if subscription else Role.MEMBER
    threads: list[Node] = []
    by_date: list[Post] = []
    if view == "date":
        by_date = list(space_posts_by_date(space)[:POSTS_SHOWN])
    else:
        posts = list(
            Post.objects.filter(space=space).select_related("author").order_by("created_at", "pk")
        )
        threads = sorted(build_trees(posts), key=_latest, reverse=True)[:THREADS_SHOWN]
    return SpacePage(
        space=space,
        role=role,
        subscription=subscription,
        threads=threads,
        by_date=by_date,
        view=view,
        is_paused=is_paused_today(subscription),
    )


@dataclass(frozen=True)
class ThreadPage:
    space: Space
    thread: Post
    tree: list[Node]
    role: str | None

    @property
    def may_moderate(self) -> bool:
        return self.role in (Role.MANAGER, Role.MODERATOR)


def thread_page(thread: Post, person: User) -> ThreadPage:
    """A thread as a tree in reading order, with the reader's role: 2 queries."""
    role = (
        Subscription.objects.filter(
            valid_q(), space=thread.space_id, person=person, status=Status.ACTIVE
        )
        .values_list("role", flat=True)
        .first()
    )
    return ThreadPage(space=thread.space, thread=thread, tree=thread_tree(thread), role=role)
