"""Who may write, publish, moderate and manage in a blog. Pure predicates, no writes.

Reading is decided by the QuerySets' `visible_to`; these predicates decide the writes, each
one checked inside the action that does it. A person's role on a blog is the highest of the
rights naming them (PWE-03); the blog's owner and the head of its school manage it; anyone
reads a public blog. The roles are computed once per object and person, then remembered on
the object for the rest of the request.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Max

from ent.rights.permissions import is_head_of
from ent.rights.queries import Rights
from ent.rights.registry import Level

from .models import SERVICE, Blog, Page, Post, Right, Role, Status, matching_rights


def _signed_in(person: Any) -> bool:
    return bool(getattr(person, "is_authenticated", False) and person.is_active)


def _remembered(obj: Any, person: Any) -> dict[int, int]:
    cache: dict[int, int] = obj.__dict__.setdefault("_roles", {})
    return cache


def role_on_blog(person: Any, blog: Blog) -> int:
    """Return `person`'s role on the whole of `blog` (0: none)."""
    baseline = Role.READ if blog.is_public else 0
    if not _signed_in(person):
        return baseline
    cache = _remembered(blog, person)
    if person.pk not in cache:
        if blog.owner_id == person.pk or is_head_of(person, blog.school_id):
            cache[person.pk] = Role.MANAGE
        else:
            rights = Right.objects.filter(matching_rights(person), blog=blog, page=None)
            cache[person.pk] = max(baseline, rights.aggregate(role=Max("role"))["role"] or 0)
    return cache[person.pk]


def role_on_page(person: Any, page: Page) -> int:
    """Return `person`'s role on `page`: on its blog, or given on the page itself."""
    baseline = Role.READ if page.is_public else 0
    on_blog = role_on_blog(person, page.blog)
    if not _signed_in(person):
        return max(baseline, on_blog)
    cache = _remembered(page, person)
    if person.pk not in cache:
        rights = Right.objects.filter(matching_rights(person), page=page)
        own = rights.aggregate(role=Max("role"))["role"] or 0
        cache[person.pk] = max(baseline, on_blog, own)
    return cache[person.pk]


def can_create_blog(person: Any, school_id: int, rights: Rights) -> bool:
    """Tell whether `person` may open a blog in the school `school_id`."""
    return _signed_in(person) and rights.has(SERVICE, school=school_id, level=Level.MANAGE)


def may_use_service(person: Any, blog: Blog, rights: Rights) -> bool:
    """Tell whether the central habilitations let `person` write in `blog`'s school."""
    return _signed_in(person) and rights.has(SERVICE, school=blog.school_id, level=Level.USE)


def can_write_post(person: Any, blog: Blog) -> bool:
    """Tell whether `person` may write posts and pages in `blog` (PWE-03 "write")."""
    return _signed_in(person) and role_on_blog(person, blog) >= Role.WRITE


def can_moderate_blog(person: Any, blog: Blog) -> bool:
    """Tell whether `person` publishes directly and validates others' posts (PWE-04)."""
    return _signed_in(person) and role_on_blog(person, blog) >= Role.MODERATE


def can_manage_blog(person: Any, blog: Blog) -> bool:
    """Tell whether `person` may change the blog's settings and rights, and export it."""
    return _signed_in(person) and role_on_blog(person, blog) >= Role.MANAGE


def can_edit_post(person: Any, post: Post) -> bool:
    """Tell whether `person` may change or delete `post`: its author, while they may still
    write in the blog, or a moderator."""
    if not _signed_in(person):
        return False
    if post.author_id == person.pk and can_write_post(person, post.blog):
        return True
    return can_moderate_blog(person, post.blog)


def can_comment(person: Any, post: Post) -> bool:
    """Tell whether `person` may comment `post`: a signed-in reader of a published post of a
    blog that takes comments."""
    return (
        _signed_in(person)
        and post.status == Status.PUBLISHED
        and post.blog.allows_comments
        and role_on_blog(person, post.blog) >= Role.READ
    )


def can_edit_page(person: Any, page: Page) -> bool:
    """Tell whether `person` may change `page` (a right on the blog or on the page)."""
    return _signed_in(person) and role_on_page(person, page) >= Role.WRITE


def can_moderate_page(person: Any, page: Page) -> bool:
    """Tell whether `person` publishes `page` directly and validates others' changes."""
    return _signed_in(person) and role_on_page(person, page) >= Role.MODERATE
