"""Reads of the blogs that span models: a blog's front page, a post with its comments, the
moderation queue, the rights table, the people to tell, the export (PWE-05)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from ent.directory import lists
from ent.directory.models import Membership, Profile, School, User

from .models import Blog, Comment, Media, Page, Post, Right, Role, Status
from .permissions import can_manage_blog, can_moderate_blog, can_write_post, role_on_blog

FRONT_PAGE_POSTS = 20
EXPORT_FORMAT = "ent-blog/1"


def _grantees_q(rights: QuerySet[Right]) -> Q:
    """Return the condition on people that the group rights of `rights` name."""
    condition = Q(pk__in=rights.filter(person__isnull=False).values("person"))
    for right in rights.filter(person=None):
        if right.school_id:
            memberships = Membership.objects.current().filter(school_id=right.school_id)
            if right.profile:
                memberships = memberships.filter(profile=right.profile)
            condition |= Q(pk__in=memberships.values("person"))
            continue
        structure_list = lists.get_list(right.grantee_key)
        if structure_list is not None:
            condition |= Q(pk__in=lists.members(structure_list).values("pk"))
    return condition


def moderators_of(blog: Blog) -> QuerySet[User]:
    """Return who validates the posts of `blog`: its owner and the people given the publish
    and moderate role on the whole blog."""
    rights = Right.objects.filter(blog=blog, page=None, role__gte=Role.MODERATE)
    condition = _grantees_q(rights)
    if blog.owner_id:
        condition |= Q(pk=blog.owner_id)
    people: QuerySet[User] = User.objects.filter(condition, is_active=True)
    return people


def blogs_of(person: Any) -> QuerySet[Blog]:
    """Return the blogs `person` may open, with their counts of published posts."""
    published = Count("posts", filter=Q(posts__status=Status.PUBLISHED), distinct=True)
    return (
        Blog.objects.visible_to(person)
        .select_related("school")
        .annotate(post_count=published)
        .order_by("school__name", "title", "pk")
    )


@dataclass(frozen=True)
class FrontPage:
    blog: Blog
    posts: list[Post]
    pages: list[Page]
    role: int
    may_read_posts: bool
    may_write: bool
    may_moderate: bool
    may_manage: bool
    pending: int


def front_page(person: Any, blog: Blog) -> FrontPage:
    """Return what a blog's front page shows `person`: its latest published posts, its
    pages, and for moderators how much waits for them. A fixed number of queries."""
    role = role_on_blog(person, blog)
    may_read = role >= Role.READ
    posts: list[Post] = []
    if may_read:
        approved = Count("comments", filter=Q(comments__status=Status.PUBLISHED))
        posts = list(
            Post.objects.visible_to(person)
            .filter(blog=blog, status=Status.PUBLISHED)
            .select_related("author")
            .annotate(comment_count=approved)
            .order_by("-published_at", "-pk")[:FRONT_PAGE_POSTS]
        )
    pages = list(
        Page.objects.visible_to(person)
        .filter(blog=blog)
        .only("pk", "title", "status", "is_public", "blog_id", "position")
        .order_by("position", "pk")
    )
    may_moderate = can_moderate_blog(person, blog)
    pending = 0
    if may_moderate:
        pending = (
            Post.objects.filter(blog=blog, status=Status.PENDING).count()
            + Page.objects.filter(blog=blog, status=Status.PENDING).count()
            + Comment.objects.filter(post__blog=blog, status=Status.PENDING).count()
        )
    return FrontPage(
        blog=blog,
        posts=posts,
        pages=pages,
        role=role,
        may_read_posts=may_read,
        may_write=can_write_post(person, blog),
        may_moderate=may_moderate,
        may_manage=can_manage_blog(person, blog),
        pending=pending,
    )


def comments_of(person: Any, post: Post) -> list[Comment]:
    """Return the comments of `post` that `person` may read, oldest first."""
    return list(
        Comment.objects.visible_to(person)
        .filter(post=post)
        .select_related("author")
        .order_by("created_at", "pk")
    )


@dataclass(frozen=True)
class Queue:
    posts: list[Post]
    pages: list[Page]
    comments: list[Comment]


def moderation_queue(blog: Blog) -> Queue:
    """Return what waits for a moderator in `blog` (PWE-04)."""
    return Queue(
        posts=list(
            Post.objects.filter(blog=blog, status=Status.PENDING)
            .select_related("author")
            .order_by("created_at", "pk")
        ),
        pages=list(
            Page.objects.filter(blog=blog, status=Status.PENDING)
            .select_related("author")
            .order_by("created_at", "pk")
        ),
        comments=list(
            Comment.objects.filter(post__blog=blog, status=Status.PENDING)
            .select_related("author", "post")
            .order_by("created_at", "pk")
        ),
    )


def grantee_label(right: Right) -> str:
    """Return whom a right names, as a manager reads it."""
    if right.person_id and right.person is not None:
        return right.person.display_name
    if right.school_class_id or right.teaching_group_id:
        structure = right.school_class or right.teaching_group
        labels = {
            "pupils": _("Pupils of %(structure)s"),
            "guardians": _("Parents of %(structure)s"),
            "teachers": _("Teachers of %(structure)s"),
        }
        return labels[right.members] % {"structure": structure}
    if right.profile:
        return _("%(profile)s of %(school)s") % {
            "profile": Profile(right.profile).label,
            "school": right.school,
        }
    return _("Everyone in %(school)s") % {"school": right.school}


def rights_table(blog: Blog) -> list[tuple[Right, str]]:
    """Return the rights of `blog` with the label of whom each names, blog-wide first."""
    rights = (
        Right.objects.filter(blog=blog)
        .select_related("person", "school_class", "teaching_group", "school", "page")
        .order_by("page_id", "-role", "pk")
    )
    return [(right, grantee_label(right)) for right in rights]


def grantee_choices(school_ids: list[int]) -> list[tuple[str, str]]:
    """Return the groups a manager may give a right to in these schools: each school, its
    profiles and the lists of its classes and teaching groups."""
    choices: list[tuple[str, str]] = []
    for school in School.objects.filter(pk__in=school_ids).order_by("name"):
        choices.append((f"school-{school.pk}", _("Everyone in %(school)s") % {"school": school}))
        choices += [
            (
                f"school-{school.pk}-{code}",
                _("%(profile)s of %(school)s") % {"profile": label, "school": school},
            )
            for code, label in Profile.choices
            if code != Profile.GST
        ]
    choices += [(item.key, item.label) for item in lists.school_lists(school_ids)]
    return choices


def _person(person: User | None) -> str:
    return person.display_name if person is not None else ""


def blog_export(blog: Blog) -> dict[str, Any]:
    """Return the whole of `blog` as a documented structure (format "ent-blog/1"): its
    settings, rights, pages, posts with their comments, and the list of its media."""
    posts = (
        Post.objects.filter(blog=blog)
        .select_related("author")
        .prefetch_related("comments__author")
        .order_by("created_at", "pk")
    )
    pages = Page.objects.filter(blog=blog).select_related("author").order_by("position", "pk")
    media = Media.objects.filter(blog=blog).order_by("pk")
    return {
        "format": EXPORT_FORMAT,
        "blog": {
            "id": blog.pk,
            "title": blog.title,
            "description": blog.description,
            "visibility": blog.visibility,
            "allows_comments": blog.allows_comments,
            "school": blog.school.name,
            "created_at": blog.created_at.isoformat(),
        },
        "rights": [
            {
                "grantee": right.grantee_key,
                "label": label,
                "role": Role(right.role).name.lower(),
                "page_id": right.page_id,
            }
            for right, label in rights_table(blog)
        ],
        "pages": [
            {
                "id": page.pk,
                "title": page.title,
                "body_html": page.body,
                "status": page.status,
                "is_public": page.is_public,
                "author": _person(page.author),
                "updated_at": page.updated_at.isoformat(),
            }
            for page in pages
        ],
        "posts": [
            {
                "id": post.pk,
                "title": post.title,
                "body_html": post.body,
                "status": post.status,
                "author": _person(post.author),
                "created_at": post.created_at.isoformat(),
                "published_at": post.published_at.isoformat() if post.published_at else None,
                "comments": [
                    {
                        "id": comment.pk,
                        "author": _person(comment.author),
                        "body": comment.body,
                        "status": comment.status,
                        "created_at": comment.created_at.isoformat(),
                    }
                    for comment in sorted(post.comments.all(), key=lambda c: (c.created_at, c.pk))
                ],
            }
            for post in posts
        ],
        "media": [
            {
                "id": item.pk,
                "name": item.name,
                "kind": item.kind,
                "content_type": item.content_type,
                "size": item.size,
                "url": item.get_absolute_url(),
                "post_id": item.post_id,
                "page_id": item.page_id,
            }
            for item in media
        ],
    }
