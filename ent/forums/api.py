"""The discussion spaces' REST endpoints: my spaces, a space's threads, a thread's posts,
start a thread, reply, join.

The same actions and visibility as the pages: a space one does not read is a 404 (so is
posting to it), a refused write a 403 that says why, an empty or oversized message a 422.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from ent.directory.models import User
from ent.rights.decorators import ServiceAuth

from . import actions, queries
from .models import SERVICE, Post, Space

router = Router(tags=["forums"], auth=ServiceAuth(SERVICE))


class SpaceOut(Schema):
    id: int
    school_id: int
    title: str
    description: str
    access_rule: str
    school_class_id: int | None
    teaching_group_id: int | None
    role: str | None
    threads: int
    last_post_at: datetime | None
    is_paused: bool


class ThreadOut(Schema):
    id: int
    subject: str
    author: str | None
    created_at: datetime
    replies: int
    last_post_at: datetime | None


class PostOut(Schema):
    id: int
    space_id: int
    thread_id: int | None
    parent_id: int | None
    author: str | None
    subject: str
    # Plain text, and the same text as HTML with clickable links (UTI-CCO-EEC-07); both
    # empty once a moderator hid the post.
    body: str
    body_html: str
    is_hidden: bool
    created_at: datetime


class ThreadIn(Schema):
    subject: str
    body: str


class PostIn(Schema):
    body: str


class JoinOut(Schema):
    space_id: int
    status: str


def _person(request: HttpRequest) -> User:
    return cast(User, request.auth)  # type: ignore[attr-defined]  # attr-defined: set by ServiceAuth


def _author(post: Post) -> str | None:
    return post.author.display_name if post.author else None


def _post_out(post: Post) -> PostOut:
    hidden = post.is_hidden
    return PostOut(
        id=post.pk,
        space_id=post.space_id,
        thread_id=post.thread_id,
        parent_id=post.parent_id,
        author=_author(post),
        subject=post.subject,
        body="" if hidden else post.body,
        body_html="" if hidden else str(post.body_html),
        is_hidden=hidden,
        created_at=post.created_at,
    )


def _space(request: HttpRequest, space_id: int) -> Space:
    return get_object_or_404(Space.objects.visible_to(_person(request)), pk=space_id)


def _post(request: HttpRequest, post_id: int) -> Post:
    posts = Post.objects.visible_to(_person(request)).select_related("space", "author")
    return get_object_or_404(posts, pk=post_id)


@router.get("/spaces", response=list[SpaceOut])
def spaces(request: HttpRequest) -> list[SpaceOut]:
    """The spaces I manage or read (UTI-CCO-EEC-04)."""
    return [
        SpaceOut(
            id=row.space.pk,
            school_id=row.space.school_id,
            title=row.space.title,
            description=row.space.description,
            access_rule=row.space.access_rule,
            school_class_id=row.space.school_class_id,
            teaching_group_id=row.space.teaching_group_id,
            role=row.role,
            threads=row.threads,
            last_post_at=row.last_post_at,
            is_paused=row.is_paused,
        )
        for row in queries.my_spaces(_person(request))
    ]


@router.get("/spaces/{space_id}/threads", response=list[ThreadOut])
def threads(request: HttpRequest, space_id: int) -> list[ThreadOut]:
    """A space's threads, latest activity first."""
    space = _space(request, space_id)
    return [
        ThreadOut(
            id=post.pk,
            subject=post.subject,
            author=_author(post),
            created_at=post.created_at,
            replies=post.reply_count,  # type: ignore[attr-defined]  # attr-defined: annotation
            last_post_at=post.last_at,  # type: ignore[attr-defined]  # attr-defined: annotation
        )
        for post in queries.space_threads(space)
    ]


@router.get("/threads/{thread_id}/posts", response=list[PostOut])
def posts(request: HttpRequest, thread_id: int) -> list[PostOut]:
    """A thread's posts in tree order: each reply names the post it answers."""
    first = _post(request, thread_id)
    tree = queries.thread_tree(first.thread or first)
    return [_post_out(post) for _depth, post in queries.flatten(tree)]


@router.post("/spaces/{space_id}/threads", response={201: PostOut})
def start_thread(request: HttpRequest, space_id: int, payload: ThreadIn) -> tuple[int, PostOut]:
    """Start a thread; 404 for a space one does not read, 422 for an empty or long text."""
    space = _space(request, space_id)
    post = actions.start_thread(actor=_person(request), space=space, **payload.model_dump())
    return 201, _post_out(post)


@router.post("/posts/{post_id}/replies", response={201: PostOut})
def post(request: HttpRequest, post_id: int, payload: PostIn) -> tuple[int, PostOut]:
    """Reply to a post of a space one reads."""
    parent = _post(request, post_id)
    reply = actions.reply_to_post(actor=_person(request), post=parent, body=payload.body)
    return 201, _post_out(reply)


@router.post("/spaces/{space_id}/join", response={201: JoinOut})
def join(request: HttpRequest, space_id: int) -> tuple[int, JoinOut]:
    """Join an open space, or ask to join one with approval (UTI-CCO-EEC-06)."""
    person = _person(request)
    space = get_object_or_404(Space.objects.joinable_by(person), pk=space_id)
    subscription = actions.join_space(actor=person, space=space)
    return 201, JoinOut(space_id=space.pk, status=subscription.status)
