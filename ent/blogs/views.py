"""The blogs' pages: the list, a blog's front page, the editor, moderation, rights, export.

A blog, a post, a page and a medium are read through public views (PWE-02: the Internet
reads what is public without signing in). What a visitor may not see answers the login page
to an anonymous visitor and 404 to a signed-in one, exactly as if it did not exist.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ent.directory.models import School, User
from ent.rights.decorators import service_required
from ent.rights.queries import rights_of
from ent.rights.registry import Level

from . import actions, queries
from .forms import BlogForm, CommentForm, NewBlogForm, PostForm, RejectForm, RightForm
from .models import SERVICE, Blog, Comment, Media, Page, Post, Right
from .permissions import (
    can_comment,
    can_edit_page,
    can_edit_post,
    can_manage_blog,
    can_moderate_blog,
    can_moderate_page,
    can_write_post,
)

M = TypeVar("M", bound=Model)


def _person(request: HttpRequest) -> User:
    # Every non-public view here runs behind LoginRequiredMiddleware: the user is signed in.
    return cast(User, request.user)


def _found(request: HttpRequest, objects: QuerySet[M], pk: int) -> M:
    """Return the object, or answer as if it did not exist: the login page to an anonymous
    visitor (who may be allowed once signed in), 404 to a signed-in person."""
    found = objects.filter(pk=pk).first()
    if found is not None:
        return found
    if not request.user.is_authenticated:
        raise _LoginNeeded
    raise Http404


class _LoginNeeded(Exception):  # noqa: N818  # N818: a control-flow signal, not an error
    pass


def _public(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Turn `_LoginNeeded` into the login redirect of a public view."""

    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except _LoginNeeded:
            return redirect_to_login(request.get_full_path())

    wrapper.__doc__, wrapper.__name__ = view.__doc__, view.__name__
    return login_not_required(wrapper)


def _blog(request: HttpRequest, blog_id: int) -> Blog:
    return get_object_or_404(
        Blog.objects.visible_to(request.user).select_related("school"), pk=blog_id
    )


def _post(request: HttpRequest, post_id: int) -> Post:
    posts = Post.objects.visible_to(request.user).select_related("blog__school", "author")
    return get_object_or_404(posts, pk=post_id)


def _page(request: HttpRequest, page_id: int) -> Page:
    pages = Page.objects.visible_to(request.user).select_related("blog__school", "author")
    return get_object_or_404(pages, pk=page_id)


def _refused(
    request: HttpRequest, form: Any, template: str, context: dict[str, Any], refusal: Exception
) -> HttpResponse:
    """Show the form again with the reason of a refusal: 403 or 422, nothing saved."""
    form.add_error(None, refusal.args[0] if refusal.args else _("You may not do this."))
    status = 403 if isinstance(refusal, PermissionDenied) else 422
    return render(request, template, {**context, "form": form}, status=status)


def _uploads(form: PostForm) -> list[actions.Upload]:
    return [actions.Upload(item.name, item.read()) for item in form.cleaned_data["uploads"]]


def _text(form: PostForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        "title": data["title"],
        "body": data["body"],
        "uploads": _uploads(form),
        "media_description": data["media_description"],
    }


def _editor(
    request: HttpRequest,
    form: PostForm,
    context: dict[str, Any],
    save: Callable[[dict[str, Any]], Post | Page],
    done: str,
) -> HttpResponse:
    """Show the editor, or save a valid form through `save` and open what was saved."""
    template = "blogs/post_form.html"
    if request.method == "GET" or not form.is_valid():
        status = 200 if request.method == "GET" else 422
        return render(request, template, {**context, "form": form}, status=status)
    try:
        saved = save(_text(form))
    except (PermissionDenied, ValidationError) as refusal:
        return _refused(request, form, template, context, refusal)
    if isinstance(saved, Post) and saved.status == "PENDING":
        done = _("Your post waits for a moderator's validation.")
    messages.success(request, done)
    return redirect(saved.get_absolute_url())


# ---------------------------------------------------------------- blogs


@require_GET
@service_required(SERVICE)
def home(request: HttpRequest) -> HttpResponse:
    """List the blogs the person may open (PWE-01)."""
    rights = rights_of(request)
    context = {
        "blogs": queries.blogs_of(request.user),
        "may_create": bool(rights.school_ids(SERVICE, level=Level.MANAGE) != set()),
    }
    return render(request, "blogs/home.html", context)


def _creatable(request: HttpRequest) -> list[tuple[int, str]]:
    ids = rights_of(request).school_ids(SERVICE, level=Level.MANAGE)
    schools = School.objects.filter(memberships__person=_person(request)).distinct()
    if ids is not None:
        schools = schools.filter(pk__in=ids)
    return [(school.pk, school.name) for school in schools.order_by("name")]


@require_http_methods(["GET", "POST"])
@service_required(SERVICE, level=Level.MANAGE)
def blog_create(request: HttpRequest) -> HttpResponse:
    """Open a new blog, public or intranet, with its readers (PWE-01, PWE-02)."""
    schools = _creatable(request)
    readers = queries.grantee_choices([pk for pk, _name in schools])
    form = NewBlogForm(request.POST or None, schools=schools, readers=readers)
    context = {"form": form}
    if request.method == "GET" or not form.is_valid():
        return render(
            request, "blogs/blog_form.html", context, status=200 if request.method == "GET" else 422
        )
    data = form.cleaned_data
    school = get_object_or_404(School, pk=data.pop("school"))
    try:
        blog = actions.create_blog(
            actor=_person(request), school=school, rights=rights_of(request), **data
        )
    except (PermissionDenied, ValidationError) as refusal:
        return _refused(request, form, "blogs/blog_form.html", context, refusal)
    messages.success(request, _("The blog is open."))
    return redirect("blogs:blog-read", blog.pk)


@require_GET
@_public
def blog_read(request: HttpRequest, blog_id: int) -> HttpResponse:
    """Show a blog: its pages and its latest published posts."""
    blog = _found(request, Blog.objects.visible_to(request.user).select_related("school"), blog_id)
    page = queries.front_page(request.user, blog)
    return render(request, "blogs/blog.html", {"front": page, "blog": blog})


@require_http_methods(["GET", "POST"])
@service_required(SERVICE)
def blog_edit(request: HttpRequest, blog_id: int) -> HttpResponse:
    """Change a blog's settings, among them its visibility (PWE-02)."""
    blog = _blog(request, blog_id)
    if not can_manage_blog(request.user, blog):
        raise PermissionDenied
    initial = {
        f: getattr(blog, f) for f in ("title", "description", "visibility", "allows_comments")
    }
    form = BlogForm(request.POST or None, initial=initial)
    context = {"form": form, "blog": blog}
    if request.method == "GET" or not form.is_valid():
        return render(
            request, "blogs/blog_form.html", context, status=200 if request.method == "GET" else 422
        )
    try:
        actions.update_blog(actor=_person(request), blog=blog, **form.cleaned_data)
    except (PermissionDenied, ValidationError) as refusal:
        return _refused(request, form, "blogs/blog_form.html", context, refusal)
    messages.success(request, _("The blog's settings are saved."))
    return redirect("blogs:blog-read", blog.pk)


@require_POST
@service_required(SERVICE)
def blog_delete(request: HttpRequest, blog_id: int) -> HttpResponse:
    """Delete a blog and everything in it."""
    actions.delete_blog(actor=_person(request), blog=_blog(request, blog_id))
    messages.success(request, _("The blog is deleted."))
    return redirect("blogs:home")


@require_http_methods(["GET", "POST"])
@service_required(SERVICE)
def blog_rights(request: HttpRequest, blog_id: int) -> HttpResponse:
    """Show and give the rights of a blog and of its pages (PWE-03)."""
    blog = _blog(request, blog_id)
    if not can_manage_blog(request.user, blog):
        raise PermissionDenied
    pages = [(page.pk, page.title) for page in blog.pages.order_by("position", "pk")]
    form = RightForm(
        request.POST or None, grantees=queries.grantee_choices([blog.school_id]), pages=pages
    )
    context = {"form": form, "blog": blog, "rights": queries.rights_table(blog)}
    if request.method == "GET" or not form.is_valid():
        return render(
            request, "blogs/rights.html", context, status=200 if request.method == "GET" else 422
        )
    data = form.cleaned_data
    page = blog.pages.filter(pk=data["page"]).first() if data["page"] else None
    try:
        actions.grant_right(
            actor=_person(request), blog=blog, grantee=data["grantee"], role=data["role"], page=page
        )
    except (PermissionDenied, ValidationError) as refusal:
        return _refused(request, form, "blogs/rights.html", context, refusal)
    messages.success(request, _("The right is given."))
    return redirect("blogs:blog-rights", blog.pk)


@require_POST
@service_required(SERVICE)
def right_revoke(request: HttpRequest, right_id: int) -> HttpResponse:
    """Take a right back."""
    right = get_object_or_404(
        Right.objects.filter(blog__in=Blog.objects.visible_to(request.user)).select_related("blog"),
        pk=right_id,
    )
    actions.revoke_right(actor=_person(request), right=right)
    messages.success(request, _("The right is taken back."))
    return redirect("blogs:blog-rights", right.blog_id)


@require_GET
@service_required(SERVICE)
def blog_moderation(request: HttpRequest, blog_id: int) -> HttpResponse:
    """List what waits for validation in a blog (PWE-04)."""
    blog = _blog(request, blog_id)
    if not can_moderate_blog(request.user, blog):
        raise PermissionDenied
    context = {"blog": blog, "queue": queries.moderation_queue(blog), "reject_form": RejectForm()}
    return render(request, "blogs/moderation.html", context)


@require_GET
@service_required(SERVICE)
def blog_export(request: HttpRequest, blog_id: int) -> HttpResponse:
    """Export a blog as JSON or as one HTML document, for its managers (PWE-05)."""
    blog = _blog(request, blog_id)
    data = actions.export_blog(actor=_person(request), blog=blog)
    if request.GET.get("format") == "json":
        body = json.dumps(data, ensure_ascii=False, indent=2)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        name = f"blog-{blog.pk}.json"
    else:
        response = HttpResponse(render_to_string("blogs/export.html", {"data": data}, request))
        name = f"blog-{blog.pk}.html"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# ---------------------------------------------------------------- posts


@require_http_methods(["GET", "POST"])
@service_required(SERVICE, level=Level.USE)
def post_create(request: HttpRequest, blog_id: int) -> HttpResponse:
    """The editor: write a post with images and videos (PWE-01)."""
    blog = _blog(request, blog_id)
    if not can_write_post(request.user, blog):
        raise PermissionDenied
    form = PostForm(request.POST or None, request.FILES or None)
    publishes = can_moderate_blog(request.user, blog)
    context = {"blog": blog, "kind": "post", "publishes": publishes}
    rights = rights_of(request)

    def save(text: dict[str, Any]) -> Post:
        return actions.write_post(actor=_person(request), blog=blog, rights=rights, **text)

    return _editor(request, form, context, save, _("Your post is published."))


@require_GET
@_public
def post_read(request: HttpRequest, post_id: int) -> HttpResponse:
    """Show a post with its approved comments (and, to moderators, those waiting)."""
    posts = Post.objects.visible_to(request.user).select_related("blog__school", "author")
    post = _found(request, posts, post_id)
    context = {
        "post": post,
        "blog": post.blog,
        "comments": queries.comments_of(request.user, post),
        "may_comment": can_comment(request.user, post),
        "may_edit": can_edit_post(request.user, post),
        "may_moderate": can_moderate_blog(request.user, post.blog),
        "comment_form": CommentForm(),
        "reject_form": RejectForm(),
    }
    return render(request, "blogs/post.html", context)


@require_http_methods(["GET", "POST"])
@service_required(SERVICE, level=Level.USE)
def post_edit(request: HttpRequest, post_id: int) -> HttpResponse:
    """Change a post (by someone without the publish right: back to validation)."""
    post = _post(request, post_id)
    if not can_edit_post(request.user, post):
        raise PermissionDenied
    initial = {"title": post.title, "body": post.body}
    form = PostForm(request.POST or None, request.FILES or None, initial=initial)
    publishes = can_moderate_blog(request.user, post.blog)
    context = {"blog": post.blog, "post": post, "kind": "post", "publishes": publishes}
    rights = rights_of(request)

    def save(text: dict[str, Any]) -> Post:
        return actions.edit_post(actor=_person(request), post=post, rights=rights, **text)

    return _editor(request, form, context, save, _("The post is saved."))


@require_POST
@service_required(SERVICE, level=Level.USE)
def post_delete(request: HttpRequest, post_id: int) -> HttpResponse:
    """Delete a post."""
    post = _post(request, post_id)
    actions.delete_post(actor=_person(request), post=post)
    messages.success(request, _("The post is deleted."))
    return redirect("blogs:blog-read", post.blog_id)


@require_POST
@service_required(SERVICE)
def post_approve(request: HttpRequest, post_id: int) -> HttpResponse:
    """Validate a post (PWE-04)."""
    post = _post(request, post_id)
    actions.approve_post(actor=_person(request), post=post)
    messages.success(request, _("The post is published."))
    if request.POST.get("next") == "queue":
        return redirect("blogs:blog-moderation", post.blog_id)
    return redirect("blogs:post-read", post.pk)


@require_POST
@service_required(SERVICE)
def post_reject(request: HttpRequest, post_id: int) -> HttpResponse:
    """Refuse a post, with a note for its author."""
    post = _post(request, post_id)
    form = RejectForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    actions.reject_post(actor=_person(request), post=post, note=note)
    messages.success(request, _("The post is refused; its author is told."))
    return redirect("blogs:blog-moderation", post.blog_id)


# ---------------------------------------------------------------- comments


@require_POST
@service_required(SERVICE, level=Level.USE)
def comment_create(request: HttpRequest, post_id: int) -> HttpResponse:
    """Comment a post; the comment waits for a moderator."""
    post = _post(request, post_id)
    form = CommentForm(request.POST)
    comments = queries.comments_of(request.user, post)
    context = {"post": post, "blog": post.blog, "comments": comments, "comment_form": form}
    if not form.is_valid():
        return render(request, "blogs/post.html", {**context, "may_comment": True}, status=422)
    body = form.cleaned_data["body"]
    try:
        comment = actions.add_comment(
            actor=_person(request), post=post, body=body, rights=rights_of(request)
        )
    except (PermissionDenied, ValidationError) as refusal:
        return _refused(request, form, "blogs/post.html", context, refusal)
    if comment.status == "PUBLISHED":
        messages.success(request, _("Your comment is published."))
    else:
        messages.success(request, _("Your comment will be shown once a moderator approves it."))
    return redirect(post.get_absolute_url() + f"#comment-{comment.pk}")


def _comment(request: HttpRequest, comment_id: int) -> Comment:
    comments = Comment.objects.visible_to(request.user).select_related("post__blog", "post__author")
    return get_object_or_404(comments, pk=comment_id)


@require_POST
@service_required(SERVICE)
def comment_approve(request: HttpRequest, comment_id: int) -> HttpResponse:
    """Show a comment to the post's readers."""
    comment = _comment(request, comment_id)
    actions.approve_comment(actor=_person(request), comment=comment)
    messages.success(request, _("The comment is published."))
    return redirect("blogs:blog-moderation", comment.post.blog_id)


@require_POST
@service_required(SERVICE)
def comment_reject(request: HttpRequest, comment_id: int) -> HttpResponse:
    """Refuse a comment."""
    comment = _comment(request, comment_id)
    actions.reject_comment(actor=_person(request), comment=comment)
    messages.success(request, _("The comment is refused."))
    return redirect("blogs:blog-moderation", comment.post.blog_id)


# ---------------------------------------------------------------- pages


@require_http_methods(["GET", "POST"])
@service_required(SERVICE, level=Level.USE)
def page_create(request: HttpRequest, blog_id: int) -> HttpResponse:
    """Add a simple page to a blog (PWE-01)."""
    blog = _blog(request, blog_id)
    if not can_write_post(request.user, blog):
        raise PermissionDenied
    form = PostForm(request.POST or None, request.FILES or None)
    publishes = can_moderate_blog(request.user, blog)
    context = {"blog": blog, "kind": "page", "publishes": publishes}
    rights = rights_of(request)

    def save(text: dict[str, Any]) -> Page:
        return actions.write_page(actor=_person(request), blog=blog, rights=rights, **text)

    return _editor(request, form, context, save, _("The page is saved."))


@require_GET
@_public
def page_read(request: HttpRequest, page_id: int) -> HttpResponse:
    """Show a page: to everyone when it is open to the Internet (PWE-02)."""
    pages = Page.objects.visible_to(request.user).select_related("blog__school", "author")
    page = _found(request, pages, page_id)
    context = {
        "page": page,
        "blog": page.blog,
        "may_edit": can_edit_page(request.user, page),
        "may_moderate": can_moderate_page(request.user, page),
        "may_manage": can_manage_blog(request.user, page.blog),
    }
    return render(request, "blogs/page.html", context)


@require_http_methods(["GET", "POST"])
@service_required(SERVICE, level=Level.USE)
def page_edit(request: HttpRequest, page_id: int) -> HttpResponse:
    """Change a page (by someone who may not publish it: back to validation)."""
    page = _page(request, page_id)
    if not can_edit_page(request.user, page):
        raise PermissionDenied
    initial = {"title": page.title, "body": page.body}
    form = PostForm(request.POST or None, request.FILES or None, initial=initial)
    publishes = can_moderate_page(request.user, page)
    context = {"blog": page.blog, "page": page, "kind": "page", "publishes": publishes}
    rights = rights_of(request)

    def save(text: dict[str, Any]) -> Page:
        return actions.edit_page(actor=_person(request), page=page, rights=rights, **text)

    return _editor(request, form, context, save, _("The page is saved."))


@require_POST
@service_required(SERVICE, level=Level.USE)
def page_delete(request: HttpRequest, page_id: int) -> HttpResponse:
    """Delete a page."""
    page = _page(request, page_id)
    actions.delete_page(actor=_person(request), page=page)
    messages.success(request, _("The page is deleted."))
    return redirect("blogs:blog-read", page.blog_id)


@require_POST
@service_required(SERVICE)
def page_approve(request: HttpRequest, page_id: int) -> HttpResponse:
    """Validate a page."""
    page = _page(request, page_id)
    actions.approve_page(actor=_person(request), page=page)
    messages.success(request, _("The page is published."))
    return redirect("blogs:page-read", page.pk)


@require_POST
@service_required(SERVICE)
def page_reject(request: HttpRequest, page_id: int) -> HttpResponse:
    """Refuse a page, with a note for its author."""
    page = _page(request, page_id)
    form = RejectForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    actions.reject_page(actor=_person(request), page=page, note=note)
    messages.success(request, _("The page is refused; its author is told."))
    return redirect("blogs:blog-moderation", page.blog_id)


@require_POST
@service_required(SERVICE)
def page_visibility(request: HttpRequest, page_id: int) -> HttpResponse:
    """Open a page of an intranet blog to the Internet, or close it (PWE-02)."""
    page = _page(request, page_id)
    is_public = request.POST.get("public") == "1"
    actions.set_page_public(actor=_person(request), page=page, is_public=is_public)
    if is_public:
        messages.success(
            request, _("This page is now readable on the Internet, without signing in.")
        )
    else:
        messages.success(request, _("This page is now for the blog's readers only."))
    return redirect("blogs:page-read", page.pk)


# ---------------------------------------------------------------- media


@require_GET
@_public
def media_read(request: HttpRequest, media_id: int) -> HttpResponseBase:
    """Serve an image or a video of a post or page the visitor may read."""
    media = _found(request, Media.objects.visible_to(request.user), media_id)
    response = FileResponse(media.file.open("rb"), content_type=media.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, max-age=3600"
    return response
