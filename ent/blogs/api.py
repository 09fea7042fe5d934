"""The blogs' REST endpoints: blogs, rights, posts with media, pages, comments, moderation,
export. The same actions and visibility as the pages: what one may not see is a 404, a
refused write a 403 that says why, invalid input (a script stays out, an infected or oversized
file is refused) a 422 problem document from ent/api.py.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, File, Router, Schema
from ninja import Status as Answer
from ninja.files import UploadedFile

from ent.directory.models import School, User
from ent.rights.decorators import ServiceAuth
from ent.rights.queries import rights_of

from . import actions, queries
from .models import SERVICE, Blog, Comment, Page, Post, Right, Role, Status, Visibility
from .permissions import can_manage_blog, can_moderate_blog

router = Router(tags=["blogs"], auth=ServiceAuth(SERVICE))


class BlogIn(Schema):
    school_id: int
    title: str = Field(min_length=1, max_length=actions.TITLE_MAX)
    description: str = Field(default="", max_length=2000)
    visibility: Visibility = Visibility.INTRANET
    allows_comments: bool = True
    # Grantee keys given the read role: "class-12-guardians", "school-1-ENS", "person-3".
    readers: list[str] = Field(default_factory=list, max_length=200)


class BlogOut(Schema):
    id: int
    school_id: int
    owner_id: int | None
    title: str
    description: str
    visibility: Visibility
    allows_comments: bool
    created_at: datetime


class PageOut(Schema):
    id: int
    blog_id: int
    author_id: int | None
    title: str
    body: str
    status: Status
    is_public: bool
    position: int
    moderation_note: str
    updated_at: datetime


class PostOut(Schema):
    id: int
    blog_id: int
    author_id: int | None
    title: str
    body: str
    status: Status
    moderation_note: str
    created_at: datetime
    published_at: datetime | None


class FrontPageOut(Schema):
    blog: BlogOut
    role: int
    may_write: bool
    may_moderate: bool
    may_manage: bool
    pending: int
    pages: list[PageOut]
    posts: list[PostOut]


class TextIn(Schema):
    title: str = Field(min_length=1, max_length=actions.TITLE_MAX)
    body: str = Field(max_length=actions.BODY_MAX)


class NoteIn(Schema):
    note: str = Field(default="", max_length=actions.NOTE_MAX)


class CommentIn(Schema):
    body: str = Field(min_length=1, max_length=actions.COMMENT_MAX)


class CommentOut(Schema):
    id: int
    post_id: int
    author_id: int | None
    body: str
    status: Status
    created_at: datetime


class RightIn(Schema):
    # "class-12-pupils", "group-3-teachers", "school-1", "school-1-ELV", "person-3" or
    # "login:lea.petit".
    grantee: str = Field(min_length=1, max_length=200)
    role: Role
    page_id: int | None = None


class RightOut(Schema):
    id: int
    blog_id: int
    page_id: int | None
    role: Role
    grantee: str

    @staticmethod
    def resolve_grantee(right: Right) -> str:
        return right.grantee_key


class VisibilityIn(Schema):
    is_public: bool


def _me(request: HttpRequest) -> User:
    # ServiceAuth put the signed-in User in request.auth.
    return cast(User, request.auth)  # type: ignore[attr-defined]  # attr-defined: ninja sets request.auth


def _blog(request: HttpRequest, blog_id: int) -> Blog:
    return get_object_or_404(Blog.objects.visible_to(_me(request)), pk=blog_id)


def _post(request: HttpRequest, post_id: int) -> Post:
    posts = Post.objects.visible_to(_me(request)).select_related("blog")
    return get_object_or_404(posts, pk=post_id)


def _page(request: HttpRequest, page_id: int) -> Page:
    pages = Page.objects.visible_to(_me(request)).select_related("blog")
    return get_object_or_404(pages, pk=page_id)


@router.get("/blogs", response=list[BlogOut])
def list_blogs(request: HttpRequest) -> Any:
    """List the blogs the person may open."""
    return queries.blogs_of(_me(request))


@router.post("/blogs", response={201: BlogOut})
def create_blog(request: HttpRequest, payload: BlogIn) -> Answer[Blog]:
    """Open a blog, public or intranet (PWE-01, PWE-02)."""
    school = get_object_or_404(
        School.objects.filter(memberships__person=_me(request)).distinct(), pk=payload.school_id
    )
    fields = payload.dict(exclude={"school_id"})
    blog = actions.create_blog(
        actor=_me(request), school=school, rights=rights_of(request), **fields
    )
    return Answer(201, blog)


@router.get("/blogs/{blog_id}", response=FrontPageOut)
def read_blog(request: HttpRequest, blog_id: int) -> dict[str, Any]:
    """Read a blog's front page: its pages and latest published posts."""
    front = queries.front_page(_me(request), _blog(request, blog_id))
    return {
        "blog": front.blog,
        "role": front.role,
        "may_write": front.may_write,
        "may_moderate": front.may_moderate,
        "may_manage": front.may_manage,
        "pending": front.pending,
        "pages": front.pages,
        "posts": front.posts,
    }


@router.get("/blogs/{blog_id}/rights", response=list[RightOut])
def list_rights(request: HttpRequest, blog_id: int) -> list[Right]:
    """List the rights of a blog and of its pages (its managers only)."""
    blog = _blog(request, blog_id)
    if not can_manage_blog(_me(request), blog):
        raise PermissionDenied(_("Only the blog's managers may see its rights."))
    return [right for right, _label in queries.rights_table(blog)]


@router.post("/blogs/{blog_id}/rights", response={201: RightOut})
def grant_right(request: HttpRequest, blog_id: int, payload: RightIn) -> Answer[Right]:
    """Give a role on the blog, or on one of its pages, to a person or a group (PWE-03)."""
    blog = _blog(request, blog_id)
    page = get_object_or_404(blog.pages, pk=payload.page_id) if payload.page_id else None
    right = actions.grant_right(
        actor=_me(request), blog=blog, grantee=payload.grantee, role=payload.role, page=page
    )
    return Answer(201, right)


@router.delete("/rights/{right_id}", response={204: None})
def revoke_right(request: HttpRequest, right_id: int) -> Answer[None]:
    """Take a right back."""
    rights = Right.objects.filter(blog__in=Blog.objects.visible_to(_me(request)))
    right = get_object_or_404(rights.select_related("blog"), pk=right_id)
    actions.revoke_right(actor=_me(request), right=right)
    return Answer(204, None)


@router.get("/blogs/{blog_id}/export", response=dict[str, Any])
def export_blog(request: HttpRequest, blog_id: int) -> dict[str, Any]:
    """Export the whole blog in the documented "ent-blog/1" format (PWE-05)."""
    return actions.export_blog(actor=_me(request), blog=_blog(request, blog_id))


@router.get("/blogs/{blog_id}/pending", response=list[PostOut])
def pending_posts(request: HttpRequest, blog_id: int) -> list[Post]:
    """List the posts waiting for validation (the blog's moderators only)."""
    blog = _blog(request, blog_id)
    if not can_moderate_blog(_me(request), blog):
        raise PermissionDenied(_("Only the blog's moderators may see what waits."))
    return queries.moderation_queue(blog).posts


@router.post("/blogs/{blog_id}/posts", response={201: PostOut})
def write_post(request: HttpRequest, blog_id: int, payload: TextIn) -> Answer[Post]:
    """Write a post; it waits for validation unless its author may publish (PWE-04)."""
    blog = _blog(request, blog_id)
    post = actions.write_post(
        actor=_me(request), blog=blog, rights=rights_of(request), **payload.dict()
    )
    return Answer(201, post)


@router.get("/posts/{post_id}", response=PostOut)
def read_post(request: HttpRequest, post_id: int) -> Post:
    """Read one post."""
    return _post(request, post_id)


@router.put("/posts/{post_id}", response=PostOut)
def edit_post(request: HttpRequest, post_id: int, payload: TextIn) -> Post:
    """Change a post (by a writer: back to validation)."""
    post = _post(request, post_id)
    return actions.edit_post(
        actor=_me(request), post=post, rights=rights_of(request), **payload.dict()
    )


@router.post("/posts/{post_id}/media", response={201: PostOut})
def add_media(
    request: HttpRequest,
    post_id: int,
    files: File[list[UploadedFile]],
    description: str = "",
) -> Answer[Post]:
    """Add images or videos to a post: scanned, recognised, shown at its end."""
    post = _post(request, post_id)
    uploads = [actions.Upload(item.name or "media", item.read()) for item in files]
    post = actions.edit_post(
        actor=_me(request),
        post=post,
        title=post.title,
        body=post.body,
        uploads=uploads,
        media_description=description,
        rights=rights_of(request),
    )
    return Answer(201, post)


@router.delete("/posts/{post_id}", response={204: None})
def delete_post(request: HttpRequest, post_id: int) -> Answer[None]:
    """Delete a post."""
    actions.delete_post(actor=_me(request), post=_post(request, post_id))
    return Answer(204, None)


@router.post("/posts/{post_id}/approve", response=PostOut)
def approve_post(request: HttpRequest, post_id: int) -> Post:
    """Validate a post: its readers see it (PWE-04)."""
    return actions.approve_post(actor=_me(request), post=_post(request, post_id))


@router.post("/posts/{post_id}/reject", response=PostOut)
def reject_post(request: HttpRequest, post_id: int, payload: NoteIn) -> Post:
    """Refuse a post, telling its author why."""
    return actions.reject_post(actor=_me(request), post=_post(request, post_id), note=payload.note)


@router.get("/posts/{post_id}/comments", response=list[CommentOut])
def list_comments(request: HttpRequest, post_id: int) -> list[Comment]:
    """List the comments of a post the person may read."""
    return queries.comments_of(_me(request), _post(request, post_id))


@router.post("/posts/{post_id}/comments", response={201: CommentOut})
def add_comment(request: HttpRequest, post_id: int, payload: CommentIn) -> Answer[Comment]:
    """Comment a post; it is shown once a moderator approves it."""
    post = _post(request, post_id)
    comment = actions.add_comment(
        actor=_me(request), post=post, body=payload.body, rights=rights_of(request)
    )
    return Answer(201, comment)


def _comment(request: HttpRequest, comment_id: int) -> Comment:
    comments = Comment.objects.visible_to(_me(request)).select_related("post__blog")
    return get_object_or_404(comments, pk=comment_id)


@router.post("/comments/{comment_id}/approve", response=CommentOut)
def approve_comment(request: HttpRequest, comment_id: int) -> Comment:
    """Show a comment to the post's readers."""
    return actions.approve_comment(actor=_me(request), comment=_comment(request, comment_id))


@router.post("/comments/{comment_id}/reject", response=CommentOut)
def reject_comment(request: HttpRequest, comment_id: int) -> Comment:
    """Refuse a comment."""
    return actions.reject_comment(actor=_me(request), comment=_comment(request, comment_id))


@router.post("/blogs/{blog_id}/pages", response={201: PageOut})
def write_page(request: HttpRequest, blog_id: int, payload: TextIn) -> Answer[Page]:
    """Add a simple page to a blog."""
    blog = _blog(request, blog_id)
    page = actions.write_page(
        actor=_me(request), blog=blog, rights=rights_of(request), **payload.dict()
    )
    return Answer(201, page)


@router.get("/pages/{page_id}", response=PageOut)
def read_page(request: HttpRequest, page_id: int) -> Page:
    """Read one page."""
    return _page(request, page_id)


@router.post("/pages/{page_id}/approve", response=PageOut)
def approve_page(request: HttpRequest, page_id: int) -> Page:
    """Validate a page."""
    return actions.approve_page(actor=_me(request), page=_page(request, page_id))


@router.post("/pages/{page_id}/visibility", response=PageOut)
def set_page_visibility(request: HttpRequest, page_id: int, payload: VisibilityIn) -> Page:
    """Open a page of an intranet blog to the Internet, or close it (PWE-02)."""
    page = _page(request, page_id)
    return actions.set_page_public(actor=_me(request), page=page, is_public=payload.is_public)
