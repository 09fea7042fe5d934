"""The discussion spaces' pages: my spaces, a space by thread or by date, a thread's tree,
members and invitations, delivery settings, moderation and the archive."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ent.directory.models import Membership, School, User
from ent.rights.decorators import service_required
from ent.rights.queries import rights_of
from ent.rights.registry import Level

from . import actions, queries
from .forms import (
    DeliveryForm,
    InviteForm,
    ListForm,
    MemberForm,
    PostForm,
    SpaceForm,
    SpaceSettingsForm,
    ThreadForm,
)
from .models import SERVICE, Post, Space, Subscription
from .permissions import can_manage_space

Refusal = (PermissionDenied, ValidationError)


def _person(request: HttpRequest) -> User:
    # Every view here runs behind LoginRequiredMiddleware: the user is signed in.
    return cast(User, request.user)


def _space(request: HttpRequest, space_id: int) -> Space:
    spaces = Space.objects.visible_to(request.user).select_related(
        "school", "school_class", "teaching_group"
    )
    return get_object_or_404(spaces, pk=space_id)


def _managed(request: HttpRequest, space_id: int) -> Space:
    space = _space(request, space_id)
    if not can_manage_space(request.user, space):
        raise PermissionDenied
    return space


def _post(request: HttpRequest, post_id: int) -> Post:
    posts = Post.objects.visible_to(request.user).select_related("space", "author", "thread")
    return get_object_or_404(posts, pk=post_id)


def _subscription(request: HttpRequest, subscription_id: int) -> Subscription:
    rows = Subscription.objects.filter(space__in=Space.objects.visible_to(request.user))
    return get_object_or_404(rows.select_related("space", "person"), pk=subscription_id)


def _reason(refusal: Exception) -> str:
    if isinstance(refusal, ValidationError):
        return " ".join(refusal.messages)
    return str(refusal.args[0]) if refusal.args else _("You may not do this.")


def _creation_schools(request: HttpRequest) -> list[School]:
    held = rights_of(request).school_ids(SERVICE, level=Level.MANAGE)
    mine = Membership.objects.current().filter(person=_person(request)).values("school")
    schools = School.objects.filter(pk__in=mine).order_by("name")
    return list(schools if held is None else schools.filter(pk__in=held))


@require_GET
@service_required(SERVICE)
def home(request: HttpRequest) -> HttpResponse:
    """My discussion spaces (UTI-CCO-EEC-04), the ones I may join and my requests."""
    person = _person(request)
    context = {
        "rows": queries.my_spaces(person),
        "joinable": queries.joinable_spaces(person),
        "pending": queries.pending_requests(person),
        "may_create": bool(_creation_schools(request)),
    }
    return render(request, "forums/home.html", context)


@require_http_methods(["GET", "POST"])
@service_required(SERVICE)
def space_create(request: HttpRequest) -> HttpResponse:
    """Open a discussion space (UTI-CCO-EEC-01)."""
    schools = _creation_schools(request)
    if not schools:
        raise PermissionDenied
    structures = queries.attachable_structures(_person(request), {s.pk for s in schools})
    form = SpaceForm(request.POST or None, schools=schools, structures=structures)
    if request.method == "GET" or not form.is_valid():
        status = 200 if request.method == "GET" else 422
        return render(request, "forums/space_form.html", {"form": form}, status=status)
    try:
        space = actions.create_space(actor=_person(request), **form.cleaned_data)
    except Refusal as refusal:
        form.add_error(None, _reason(refusal))
        return render(request, "forums/space_form.html", {"form": form}, status=422)
    messages.success(request, _("The discussion space has been opened."))
    return redirect("forums:space", space.pk)


@require_GET
@service_required(SERVICE)
def space(request: HttpRequest, space_id: int) -> HttpResponse:
    """A space's threads as trees, or its posts by date (`?vue=date`)."""
    found = _space(request, space_id)
    view = "date" if request.GET.get("vue") == "date" else "threads"
    page = queries.space_page(found, _person(request), view)
    return render(request, "forums/space.html", {"page": page, "form": ThreadForm()})


@require_POST
@service_required(SERVICE)
def thread_create(request: HttpRequest, space_id: int) -> HttpResponse:
    """Start a thread; empty or oversized input answers 422 with the reason."""
    found = _space(request, space_id)
    form = ThreadForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Give a subject and a message of reasonable length."))
        post = actions.start_thread(actor=_person(request), space=found, **form.cleaned_data)
    except Refusal as refusal:
        page = queries.space_page(found, _person(request))
        form.add_error(None, _reason(refusal))
        status = 403 if isinstance(refusal, PermissionDenied) else 422
        return render(request, "forums/space.html", {"page": page, "form": form}, status=status)
    return redirect(queries.post_url(post))


@require_GET
@service_required(SERVICE)
def thread(request: HttpRequest, thread_id: int) -> HttpResponse:
    """A thread as a tree, with a reply form under each post."""
    first = _post(request, thread_id)
    if first.parent_id is not None:
        return redirect(queries.post_url(first))
    page = queries.thread_page(first, _person(request))
    return render(request, "forums/thread.html", {"page": page, "form": PostForm()})


@require_POST
@service_required(SERVICE)
def post_reply(request: HttpRequest, post_id: int) -> HttpResponse:
    """Answer a post; empty or oversized input answers 422 with the reason."""
    parent = _post(request, post_id)
    form = PostForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Write a message of at most 10000 characters."))
        reply = actions.reply_to_post(actor=_person(request), post=parent, **form.cleaned_data)
    except Refusal as refusal:
        page = queries.thread_page(parent.thread or parent, _person(request))
        context = {"page": page, "form": form, "error": _reason(refusal), "failed": parent.pk}
        status = 403 if isinstance(refusal, PermissionDenied) else 422
        return render(request, "forums/thread.html", context, status=status)
    return redirect(queries.post_url(reply))


@require_POST
@service_required(SERVICE)
def post_hide(request: HttpRequest, post_id: int) -> HttpResponse:
    """Hide a post (moderation, UTI-CCO-EEC-12)."""
    post = actions.hide_post(actor=_person(request), post=_post(request, post_id))
    messages.success(request, _("The message has been hidden from the members."))
    return redirect(queries.post_url(post))


@require_http_methods(["GET", "POST"])
@service_required(SERVICE)
def space_edit(request: HttpRequest, space_id: int) -> HttpResponse:
    """Change a space's title, description and subscription rule."""
    found = _managed(request, space_id)
    initial = {f: getattr(found, f) for f in ("title", "description", "access_rule")}
    form = SpaceSettingsForm(request.POST or None, initial=initial)
    context: dict[str, Any] = {"form": form, "space": found}
    if request.method == "GET" or not form.is_valid():
        status = 200 if request.method == "GET" else 422
        return render(request, "forums/space_edit.html", context, status=status)
    actions.update_space(actor=_person(request), space=found, **form.cleaned_data)
    messages.success(request, _("The space has been changed."))
    return redirect("forums:space", found.pk)


@require_http_methods(["GET", "POST"])
@service_required(SERVICE)
def space_delete(request: HttpRequest, space_id: int) -> HttpResponse:
    """Delete a space, after a confirmation page: it disappears for every member."""
    found = _managed(request, space_id)
    if request.method == "GET":
        return render(request, "forums/space_delete.html", {"space": found})
    actions.delete_space(actor=_person(request), space=found)
    messages.success(request, _("The discussion space has been deleted."))
    return redirect("forums:home")


def _members(request: HttpRequest, found: Space, status: int = 200, **extra: Any) -> HttpResponse:
    page = queries.members_page(found, _person(request), request.GET.get("q", "").strip()[:100])
    context = {"page": page, "member_form": MemberForm(), **extra}
    return render(request, "forums/members.html", context, status=status)


@require_GET
@service_required(SERVICE)
def members(request: HttpRequest, space_id: int) -> HttpResponse:
    """Members, requests, and invitations by directory search or by list (UTI-CCO-EEC-02)."""
    return _members(request, _managed(request, space_id))


@require_POST
@service_required(SERVICE)
def invite(request: HttpRequest, space_id: int) -> HttpResponse:
    """Invite one person found in the directory, within the communication rules."""
    found = _managed(request, space_id)
    form = InviteForm(request.POST)
    chosen = form.cleaned_data["person"] if form.is_valid() else None
    person = User.objects.filter(pk=chosen).first()
    try:
        if person is None:
            raise ValidationError(_("Choose a person found in the directory."))
        actions.invite_person(actor=_person(request), space=found, person=person)
    except Refusal as refusal:
        status = 403 if isinstance(refusal, PermissionDenied) else 422
        return _members(request, found, status, error=_reason(refusal))
    messages.success(request, _("%(name)s is now a member.") % {"name": person.display_name})
    return redirect("forums:members", found.pk)


@require_POST
@service_required(SERVICE)
def invite_list(request: HttpRequest, space_id: int) -> HttpResponse:
    """Invite every person of a class, group or structure list (UTI-CCO-EEC-02)."""
    found = _managed(request, space_id)
    form = ListForm(request.POST)
    try:
        key = form.cleaned_data["list_key"] if form.is_valid() else ""
        done = actions.invite_list(actor=_person(request), space=found, list_key=key)
    except ValidationError as refusal:
        return _members(request, found, 422, error=_reason(refusal))
    text = _(
        "%(added)d added, %(already)d already members, %(refused)d not allowed by the "
        "communication rules."
    )
    messages.success(request, text % vars(done))
    return redirect("forums:members", found.pk)


def _decide(request: HttpRequest, subscription_id: int, change: Any, done: str) -> HttpResponse:
    subscription = _subscription(request, subscription_id)
    try:
        change(actor=_person(request), subscription=subscription)
    except ValidationError as refusal:
        return _members(request, subscription.space, 422, error=_reason(refusal))
    messages.success(request, done)
    return redirect("forums:members", subscription.space_id)


@require_POST
@service_required(SERVICE)
def member_approve(request: HttpRequest, subscription_id: int) -> HttpResponse:
    """Let in a person who asked to join (UTI-CCO-EEC-06)."""
    return _decide(request, subscription_id, actions.approve_request, _("Request approved."))


@require_POST
@service_required(SERVICE)
def member_refuse(request: HttpRequest, subscription_id: int) -> HttpResponse:
    """Turn down a request to join."""
    return _decide(request, subscription_id, actions.refuse_request, _("Request turned down."))


@require_POST
@service_required(SERVICE)
def member_remove(request: HttpRequest, subscription_id: int) -> HttpResponse:
    """Take a member out of the space."""
    return _decide(request, subscription_id, actions.remove_member, _("Member removed."))


@require_POST
@service_required(SERVICE)
def member_update(request: HttpRequest, subscription_id: int) -> HttpResponse:
    """Set a member's role and the last day of their subscription (UTI-CCO-EEC-05, -12)."""
    subscription = _subscription(request, subscription_id)
    form = MemberForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Choose a role and a valid date."))
        actions.set_membership(
            actor=_person(request), subscription=subscription, **form.cleaned_data
        )
    except ValidationError as refusal:
        return _members(request, subscription.space, 422, error=_reason(refusal))
    messages.success(request, _("The subscription has been changed."))
    return redirect("forums:members", subscription.space_id)


@require_POST
@service_required(SERVICE)
def join(request: HttpRequest, space_id: int) -> HttpResponse:
    """Join an open space, or ask to join one with approval (UTI-CCO-EEC-06)."""
    found = get_object_or_404(Space.objects.joinable_by(request.user), pk=space_id)
    subscription = actions.join_space(actor=_person(request), space=found)
    if subscription.status == "PENDING":
        messages.success(request, _("Your request has been sent to the managers."))
        return redirect("forums:home")
    return redirect("forums:space", found.pk)


@require_POST
@service_required(SERVICE)
def leave(request: HttpRequest, space_id: int) -> HttpResponse:
    """Unsubscribe from a space (UTI-CCO-EEC-06)."""
    found = _space(request, space_id)
    try:
        actions.leave_space(actor=_person(request), space=found)
    except ValidationError as refusal:
        messages.error(request, _reason(refusal))
        return redirect("forums:space", found.pk)
    messages.success(request, _("You have left “%(space)s”.") % {"space": found.title})
    return redirect("forums:home")


@require_http_methods(["GET", "POST"])
@service_required(SERVICE)
def delivery(request: HttpRequest, space_id: int) -> HttpResponse:
    """Choose notifications and suspend delivery between two dates (UTI-CCO-EEC-06, -11)."""
    found = _space(request, space_id)
    current = Subscription.objects.filter(space=found, person=_person(request)).first()
    initial = {"notify_posts": True, "notify_replies": True}
    if current is not None:
        initial = {f: getattr(current, f) for f in DeliveryForm.base_fields}
    form = DeliveryForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.set_delivery(actor=_person(request), space=found, **form.cleaned_data)
        except ValidationError as refusal:
            form.add_error(None, _reason(refusal))
        else:
            messages.success(request, _("Your delivery settings have been saved."))
            return redirect("forums:space", found.pk)
    status = 200 if request.method == "GET" else 422
    return render(request, "forums/delivery.html", {"form": form, "space": found}, status=status)


@require_GET
@service_required(SERVICE)
def archive(request: HttpRequest, space_id: int, fmt: str) -> HttpResponse:
    """Download the space's messages as TXT or HTML, other authors pseudonymised
    (UTI-CCO-EEC-08, -09)."""
    found = _space(request, space_id)
    if fmt not in ("txt", "html"):
        raise Http404
    body = queries.archive(found, _person(request), fmt)
    kind = "text/plain" if fmt == "txt" else "text/html"
    response = HttpResponse(body, content_type=f"{kind}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="forum-{found.pk}.{fmt}"'
    return response
