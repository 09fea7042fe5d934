"""Timetable pages (UTI-AVE-EDT): the week, fortnight and month views, a lesson, imports,
subject colours, the archive, and the person's calendar export and subscription."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ent.directory.models import School, User
from ent.rights.decorators import service_required
from ent.rights.queries import Rights, rights_of
from ent.rights.registry import Level

from . import queries
from .actions import (
    cancel_lesson,
    import_timetable,
    issue_feed_token,
    move_lesson,
    restore_lesson,
    revoke_feed_token,
    set_subject_colour,
)
from .feed import write_calendar
from .forms import CancelForm, ColourForm, ImportForm, MoveForm, PageForm
from .models import Colour, ImportStatus, Lesson
from .permissions import can_change_lesson, can_import_timetable
from .queries import SERVICE

GET_POST = ("GET", "POST")


def _viewer(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):  # the service gate lets only a User in
        raise PermissionDenied
    return user


def _can_import(rights: Rights) -> bool:
    return rights.school_ids(SERVICE, level=Level.MANAGE) != set()


@require_GET
@service_required(SERVICE)
def home(request: HttpRequest) -> HttpResponse:
    """Show a week, fortnight or month of a timetable the person may see (EDT-01, -02, -03)."""
    viewer, rights = _viewer(request), rights_of(request)
    key, view, day, subject = PageForm(request.GET).values()
    options = queries.timetable_targets(viewer, rights)
    target = queries.find_target(options, key)
    if target is None:
        raise Http404
    page = queries.timetable_page(viewer, target, day=day, view=view, subject=subject)
    context = {"page": page, "options": options, "can_import": _can_import(rights)}
    context["today"] = timezone.localdate()
    return render(request, "timetable/week.html", context)


def _lesson(request: HttpRequest, pk: int) -> Lesson:
    lesson = queries.lesson_detail(_viewer(request), pk)
    if lesson is None:
        raise Http404
    return lesson


def _lesson_page(
    request: HttpRequest, lesson: Lesson, status: int = 200, **forms: Any
) -> HttpResponse:
    viewer = _viewer(request)
    context = {
        "lesson": lesson,
        "can_change": can_change_lesson(viewer, lesson, rights=rights_of(request)),
        "is_teacher": any(teacher.pk == viewer.pk for teacher in lesson.teachers.all()),
        "cancel_form": forms.get("cancel_form") or CancelForm(),
        "move_form": forms.get("move_form") or MoveForm(),
    }
    return render(request, "timetable/lesson.html", context, status=status)


@require_GET
@service_required(SERVICE)
def lesson(request: HttpRequest, pk: int) -> HttpResponse:
    """Show one lesson, and to its teachers and the school's managers, how to change it."""
    return _lesson_page(request, _lesson(request, pk))


@require_POST
@service_required(SERVICE)
def lesson_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancel a lesson; its pupils and their guardians are told."""
    found = _lesson(request, pk)
    form = CancelForm(request.POST)
    if not form.is_valid():
        return _lesson_page(request, found, 422, cancel_form=form)
    try:
        cancel_lesson(actor=_viewer(request), lesson=found, note=form.cleaned_data["note"])
    except ValidationError as error:
        form.add_error(None, error)
        return _lesson_page(request, found, 422, cancel_form=form)
    messages.success(request, _("The lesson is cancelled; pupils and families are told."))
    return redirect("timetable:lesson", pk)


@require_POST
@service_required(SERVICE)
def lesson_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a lesson to another time; its pupils and their guardians are told."""
    found = _lesson(request, pk)
    form = MoveForm(request.POST)
    if not form.is_valid():
        return _lesson_page(request, found, 422, move_form=form)
    data = form.cleaned_data
    try:
        moved = move_lesson(
            actor=_viewer(request),
            lesson=found,
            starts_at=form.moment("starts"),
            ends_at=form.moment("ends"),
            room=data["room"],
            note=data["note"],
        )
    except ValidationError as error:
        form.add_error(None, error)
        return _lesson_page(request, found, 422, move_form=form)
    messages.success(request, _("The lesson is moved; pupils and families are told."))
    return redirect("timetable:lesson", moved.pk)


@require_POST
@service_required(SERVICE)
def lesson_restore(request: HttpRequest, pk: int) -> HttpResponse:
    """Put a cancelled or moved lesson back on the timetable."""
    found = _lesson(request, pk)
    try:
        restore_lesson(actor=_viewer(request), lesson=found)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("timetable:lesson", pk)


@require_GET
@service_required(SERVICE)
def imports(request: HttpRequest) -> HttpResponse:
    """List the schools whose timetable the person imports (one: go straight to it)."""
    schools = list(queries.manageable_schools(rights_of(request)))
    if not schools:
        raise PermissionDenied
    if len(schools) == 1:
        return redirect("timetable:school-import", schools[0].pk)
    return render(request, "timetable/imports.html", {"schools": schools})


@require_http_methods(GET_POST)
@service_required(SERVICE, school_kwarg="")  # the school is checked below: unknown ones are 404
def school_import(request: HttpRequest, school_id: int) -> HttpResponse:
    """Import a timetable file into a school, and show the school's import history."""
    school = _managed_school(request, school_id)
    form = ImportForm(
        request.POST or None, request.FILES or None, targets=queries.import_targets(school)
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        entry = import_timetable(
            actor=_viewer(request),
            school=school,
            filename=upload.name,
            data=upload.read(),
            kind=form.cleaned_data["kind"] or None,
            target=form.chosen_target(),
        )
        _tell_outcome(request, entry.status, entry.error)
        return redirect("timetable:school-import", school.pk)
    status = 422 if request.method == "POST" else 200
    context = {"school": school, "form": form, "history": queries.import_history(school)}
    return render(request, "timetable/import.html", context, status=status)


def _managed_school(request: HttpRequest, school_id: int) -> School:
    """The school of the URL: 404 when unknown to the person, 403 when not theirs to manage."""
    rights = rights_of(request)
    school = queries.known_school(rights, school_id)
    if school is None:
        raise Http404
    if not can_import_timetable(_viewer(request), school, rights=rights):
        raise PermissionDenied
    return school


def _tell_outcome(request: HttpRequest, status: str, error: str) -> None:
    if status == ImportStatus.FAILED:
        messages.error(request, _("The file was refused: %(reason)s") % {"reason": error})
    elif status == ImportStatus.UNCHANGED:
        messages.success(request, _("This file was already imported: nothing changed."))
    else:
        messages.success(request, _("The timetable is imported."))


@require_http_methods(GET_POST)
@service_required(SERVICE)
def colours(request: HttpRequest) -> HttpResponse:
    """Choose the colour of each subject on one's timetable (EDT-03)."""
    viewer = _viewer(request)
    subjects = queries.own_subjects(viewer)
    form = ColourForm(request.POST or None, subjects=subjects)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        set_subject_colour(actor=viewer, subject_code=data["subject"], colour=data["colour"])
        messages.success(request, _("The colour is saved."))
        return redirect("timetable:colours")
    chosen = queries.subject_colours(viewer)
    rows = []
    for code, label in subjects:
        colour = chosen.get(code) or queries.default_colour(code)
        rows.append((code, label, colour, Colour(colour).label))
    context = {"form": form, "rows": rows}
    return render(
        request, "timetable/colours.html", context, status=422 if request.method == "POST" else 200
    )


@require_GET
@service_required(SERVICE)
def archive(request: HttpRequest) -> HttpResponse:
    """List the past school years whose timetable stays readable (EDT-06)."""
    years = queries.archive_years(_viewer(request))
    return render(request, "timetable/archive.html", {"years": years})


def _calendar(request: HttpRequest, person: User) -> HttpResponse:
    body = write_calendar(
        queries.feed_lessons(person),
        name=_("Timetable of %(name)s") % {"name": person.display_name},
        host=request.get_host().split(":")[0],
    )
    return HttpResponse(body, content_type="text/calendar; charset=utf-8")


@require_GET
@service_required(SERVICE)
def export(request: HttpRequest) -> HttpResponse:
    """Download one's timetable (and one's children's) as an iCalendar file."""
    response = _calendar(request, _viewer(request))
    response["Content-Disposition"] = 'attachment; filename="emploi-du-temps.ics"'
    return response


@require_http_methods(GET_POST)
@service_required(SERVICE)
def subscription(request: HttpRequest) -> HttpResponse:
    """Show one's calendar subscription; a POST makes a new secret address, shown once."""
    viewer = _viewer(request)
    address = ""
    if request.method == "POST":
        token = issue_feed_token(actor=viewer)
        address = request.build_absolute_uri(reverse("timetable:feed", args=[token]))
    exists = bool(address) or queries.has_feed(viewer)
    return render(request, "timetable/subscription.html", {"address": address, "exists": exists})


@require_POST
@service_required(SERVICE)
def subscription_revoke(request: HttpRequest) -> HttpResponse:
    """Stop one's subscription address at once."""
    if revoke_feed_token(actor=_viewer(request)):
        messages.success(request, _("The subscription address no longer works."))
    return redirect("timetable:subscription")


@login_not_required
@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """Serve a person's timetable to their calendar program (public: the secret address is the
    credential; it stops when revoked, when the account closes or the grant goes)."""
    person = queries.feed_person(token)
    if person is None:
        raise Http404
    return _calendar(request, person)
