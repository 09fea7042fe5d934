"""The news pages: the current news and alerts, writing, validation and acceptance."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ent.directory.models import School, User
from ent.rights.decorators import service_required
from ent.rights.queries import rights_of
from ent.rights.registry import Level

from . import actions, queries
from .forms import AUTHORITY, AcceptForm, AnnouncementForm, RejectForm
from .models import SERVICE, Announcement


def _person(request: HttpRequest) -> User:
    # Every view here runs behind LoginRequiredMiddleware: the user is signed in.
    return cast(User, request.user)


def _item(request: HttpRequest, pk: int) -> Announcement:
    found = queries.readable_by(_person(request), rights_of(request)).select_related(
        "school", "author", "validated_by"
    )
    return get_object_or_404(found, pk=pk)


def _form(request: HttpRequest, item: Announcement | None = None) -> AnnouncementForm:
    options = queries.writing_options(_person(request), rights_of(request))
    if not options.may_write:
        raise PermissionDenied(_("You may not write news or alerts."))
    initial: dict[str, Any] = {}
    if item is not None:
        initial = queries.form_initial(item)
    return AnnouncementForm(
        request.POST or None,
        initial=initial,
        schools=[(str(school.pk), school.name) for school in options.schools],
        lists=options.lists,
        authority=[(str(school.pk), school.name) for school in options.authority],
    )


def _save(request: HttpRequest, form: AnnouncementForm, item: Announcement | None) -> HttpResponse:
    """Write or change the item of a valid form, or show the form with the refusal."""
    draft = form.draft()
    chosen = form.cleaned_data["school"]
    offered = form.cleaned_data.get("offered_to") or []
    if chosen == AUTHORITY:
        schools = School.objects.filter(pk__in=[int(pk) for pk in offered])
        draft = replace(draft, offered_to=list(schools))
    school = None if chosen == AUTHORITY else School.objects.get(pk=int(chosen))
    submit = "submit" in request.POST
    try:
        if item is None:
            item = actions.write_announcement(
                actor=_person(request), school=school, draft=draft, submit=submit
            )
        else:
            item = actions.edit_announcement(actor=_person(request), announcement=item, draft=draft)
            if submit:
                item = actions.submit_announcement(actor=_person(request), announcement=item)
    except (PermissionDenied, ValidationError) as refusal:
        form.add_error(None, refusal.args[0] if refusal.args else _("You may not do this."))
        status = 403 if isinstance(refusal, PermissionDenied) else 422
        return render(
            request, "announcements/form.html", {"form": form, "item": item}, status=status
        )
    messages.success(request, _("The item has been saved."))
    return redirect("announcements:detail", item.pk)


@require_GET
@service_required(SERVICE)
def home(request: HttpRequest) -> HttpResponse:
    """Show the current news and alerts, and the person's desk when they write or validate."""
    person, rights = _person(request), rights_of(request)
    context = {
        "news": queries.current_news(person),
        "alerts": queries.current_alerts(person),
        "desk": queries.desk(person, rights),
        "may_write": rights.has(SERVICE, level=Level.USE),
    }
    return render(request, "announcements/home.html", context)


@require_GET
@service_required(SERVICE)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show one item, with what the person may do to it."""
    item = _item(request, pk)
    context = {
        "item": item,
        "can": queries.abilities(_person(request), item),
        "audience": list(item.audience.select_related("school_class", "teaching_group")),
        "reject_form": RejectForm(),
    }
    return render(request, "announcements/detail.html", context)


@require_http_methods(["GET", "POST"])
@service_required(SERVICE, level=Level.USE)
def write(request: HttpRequest) -> HttpResponse:
    """Write an item, kept as a draft or sent for validation (AIN-01, AIN-04)."""
    form = _form(request)
    if request.method == "GET" or not form.is_valid():
        status = 200 if request.method == "GET" else 422
        return render(request, "announcements/form.html", {"form": form}, status=status)
    return _save(request, form, None)


@require_http_methods(["GET", "POST"])
@service_required(SERVICE, level=Level.USE)
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a draft or a rejected item."""
    item = _item(request, pk)
    if not queries.abilities(_person(request), item).edit:
        raise PermissionDenied(_("Only the author may change a draft or a rejected item."))
    form = _form(request, item)
    if request.method == "GET" or not form.is_valid():
        status = 200 if request.method == "GET" else 422
        return render(
            request, "announcements/form.html", {"form": form, "item": item}, status=status
        )
    return _save(request, form, item)


def _decide(request: HttpRequest, pk: int, done: str, call: Any, **extra: Any) -> HttpResponse:
    item = _item(request, pk)
    try:
        call(actor=_person(request), announcement=item, **extra)
    except ValidationError as refusal:
        messages.error(request, refusal.messages[0])
        return redirect("announcements:detail", pk)
    messages.success(request, done)
    return redirect("announcements:detail", pk)


@require_POST
@service_required(SERVICE, level=Level.USE)
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    """Send a draft for validation."""
    return _decide(request, pk, _("Sent for validation."), actions.submit_announcement)


@require_POST
@service_required(SERVICE, level=Level.MANAGE)
def validate(request: HttpRequest, pk: int) -> HttpResponse:
    """Validate a submitted item (AIN-04)."""
    return _decide(
        request, pk, _("Validated: the item is published."), actions.validate_announcement
    )


@require_POST
@service_required(SERVICE, level=Level.MANAGE)
def reject(request: HttpRequest, pk: int) -> HttpResponse:
    """Send a submitted item back to its author."""
    form = RejectForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _decide(
        request, pk, _("Sent back to its author."), actions.reject_announcement, reason=reason
    )


@require_POST
@service_required(SERVICE, level=Level.MANAGE)
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    """Show an item of the local authority in one of the person's schools."""
    form = AcceptForm(request.POST)
    if not form.is_valid():
        raise PermissionDenied
    school = get_object_or_404(School, pk=form.cleaned_data["school"])
    return _decide(
        request,
        pk,
        _("The item is shown in your school."),
        actions.accept_announcement,
        school=school,
    )


@require_POST
@service_required(SERVICE, level=Level.USE)
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Take an item off every page."""
    return _decide(request, pk, _("The item was withdrawn."), actions.withdraw_announcement)
