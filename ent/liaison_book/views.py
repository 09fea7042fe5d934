"""The liaison book's pages: the books, a class's notes and their signature tracking."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ent.directory.models import SchoolClass, TeachingGroup, User
from ent.rights.decorators import service_required
from ent.rights.queries import rights_of

from . import actions, queries
from .forms import DivisionNoteForm, EditNoteForm, NoteForm, ReplyForm
from .models import SERVICE, Note, books_visible_to, current_year
from .permissions import (
    Division,
    can_edit_note,
    can_track_note,
    can_write_to_book,
    can_write_to_division,
    school_of,
    writes_as_family,
)


def _person(request: HttpRequest) -> User:
    # Every view here runs behind LoginRequiredMiddleware: the user is signed in.
    return cast(User, request.user)


def _pupil(request: HttpRequest, pupil_id: int) -> User:
    return get_object_or_404(books_visible_to(request.user), pk=pupil_id)


def _note(request: HttpRequest, note_id: int) -> Note:
    notes = Note.objects.visible_to(request.user).select_related(
        "school", "author", "school_class", "teaching_group"
    )
    return get_object_or_404(notes, pk=note_id)


def _division(request: HttpRequest, kind: type[Division], pk: int) -> Division:
    divisions: QuerySet[Any] = (
        queries.classes_visible_to(request.user)
        if kind is SchoolClass
        else queries.groups_visible_to(request.user)
    )
    return cast(Division, get_object_or_404(divisions.select_related("school"), pk=pk))


def _in_book(note: Note, pupil: User) -> str:
    return reverse("liaison_book:book", args=[pupil.pk]) + f"#note-{note.pk}"


def _write(
    request: HttpRequest, form: NoteForm, template: str, context: dict[str, Any], **audience: Any
) -> HttpResponse:
    """Write the note of a valid form, or show the form again with the reason of a refusal."""
    try:
        note = actions.write_note(actor=_person(request), **form.cleaned_data, **audience)
    except (PermissionDenied, ValidationError) as refusal:
        form.add_error(None, refusal.args[0] if refusal.args else _("You may not do this."))
        status = 403 if isinstance(refusal, PermissionDenied) else 422
        return render(request, template, {**context, "form": form}, status=status)
    messages.success(request, _("Your note has been written in the liaison book."))
    return redirect("liaison_book:note-open", note.pk)


@require_GET
@service_required(SERVICE)
def home(request: HttpRequest) -> HttpResponse:
    """List the books, classes and groups the person may open, and their recent notes."""
    return render(request, "liaison_book/home.html", {"books": queries.books_of(request.user)})


@require_GET
@service_required(SERVICE)
def book(request: HttpRequest, pupil_id: int) -> HttpResponse:
    """Show a pupil's liaison book of this school year (UTI-AVE-CLI-01)."""
    pupil = _pupil(request, pupil_id)
    page = queries.book(request.user, pupil, rights=rights_of(request))
    return render(request, "liaison_book/book.html", {"book": page, "reply_form": ReplyForm()})


@require_GET
@service_required(SERVICE)
def book_archive(request: HttpRequest, pupil_id: int, year: int) -> HttpResponse:
    """Show a pupil's book of a past school year, read-only (UTI-AVE-CLI-03)."""
    pupil = _pupil(request, pupil_id)
    if year >= current_year():
        raise Http404
    page = queries.book(request.user, pupil, rights=rights_of(request), year=year)
    return render(request, "liaison_book/book.html", {"book": page})


@require_http_methods(["GET", "POST"])
@service_required(SERVICE)
def book_write(request: HttpRequest, pupil_id: int) -> HttpResponse:
    """Write a note in one pupil's book."""
    pupil = _pupil(request, pupil_id)
    school = school_of(pupil)
    if school is None or not can_write_to_book(request.user, pupil, school, rights_of(request)):
        raise PermissionDenied
    family = writes_as_family(request.user, pupil, school)
    form = NoteForm(request.POST or None, family=family)
    context = {"form": form, "pupil": pupil}
    template = "liaison_book/note_form.html"
    if request.method == "GET" or not form.is_valid():
        return render(request, template, context, status=200 if request.method == "GET" else 422)
    return _write(request, form, template, context, pupils=[pupil])


def _division_page(request: HttpRequest, division: Division) -> HttpResponse:
    page = queries.division_page(request.user, division, rights=rights_of(request))
    return render(request, "liaison_book/division.html", {"page": page})


def _division_write(request: HttpRequest, division: Division) -> HttpResponse:
    if not can_write_to_division(request.user, division, rights_of(request)):
        raise PermissionDenied
    form = DivisionNoteForm(request.POST or None, pupils=queries.division_pupils(division))
    context = {"form": form, "division": division}
    template = "liaison_book/note_form.html"
    if request.method == "GET" or not form.is_valid():
        return render(request, template, context, status=200 if request.method == "GET" else 422)
    chosen = form.cleaned_data.pop("pupils")
    return _write(request, form, template, context, division=division, pupils=chosen)


@require_GET
@service_required(SERVICE)
def class_page(request: HttpRequest, class_id: int) -> HttpResponse:
    """Show a class's whole-class notes with how many families signed each."""
    return _division_page(request, _division(request, SchoolClass, class_id))


@require_GET
@service_required(SERVICE)
def group_page(request: HttpRequest, group_id: int) -> HttpResponse:
    """Show a teaching group's notes with how many families signed each."""
    return _division_page(request, _division(request, TeachingGroup, group_id))


@require_http_methods(["GET", "POST"])
@service_required(SERVICE)
def class_write(request: HttpRequest, class_id: int) -> HttpResponse:
    """Write a note to a whole class, or to some of its pupils."""
    return _division_write(request, _division(request, SchoolClass, class_id))


@require_http_methods(["GET", "POST"])
@service_required(SERVICE)
def group_write(request: HttpRequest, group_id: int) -> HttpResponse:
    """Write a note to a whole teaching group, or to some of its pupils."""
    return _division_write(request, _division(request, TeachingGroup, group_id))


@require_GET
@service_required(SERVICE)
def note_open(request: HttpRequest, note_id: int) -> HttpResponse:
    """Open a note where the reader works with it: its tracking, or the book it is in."""
    note = _note(request, note_id)
    if can_track_note(request.user, note):
        return redirect("liaison_book:note-tracking", note.pk)
    pupil = get_object_or_404(queries.thread_pupils(request.user, note).order_by("pk")[:1])
    if note.is_archived:
        url = reverse("liaison_book:book-archive", args=[pupil.pk, note.school_year])
        return redirect(f"{url}#note-{note.pk}")
    return redirect(_in_book(note, pupil))


@require_GET
@service_required(SERVICE)
def note_tracking(request: HttpRequest, note_id: int) -> HttpResponse:
    """Show which families signed a note and which did not, with a reminder button."""
    note = _note(request, note_id)
    if not can_track_note(request.user, note):
        raise PermissionDenied
    context = {"tracking": queries.tracking(note), "reply_form": ReplyForm()}
    return render(request, "liaison_book/tracking.html", context)


@require_http_methods(["GET", "POST"])
@service_required(SERVICE)
def note_edit(request: HttpRequest, note_id: int) -> HttpResponse:
    """Correct a note; its earlier text stays readable in the books."""
    note = _note(request, note_id)
    if not can_edit_note(request.user, note):
        raise PermissionDenied
    initial = {"kind": note.kind, "title": note.title, "body": note.body}
    form = EditNoteForm(request.POST or None, initial=initial, family=note.is_from_family)
    if request.method == "GET" or not form.is_valid():
        status = 200 if request.method == "GET" else 422
        context = {"form": form, "note": note}
        return render(request, "liaison_book/note_form.html", context, status=status)
    actions.edit_note(actor=_person(request), note=note, **form.cleaned_data)
    messages.success(request, _("The note has been changed; its earlier text is kept."))
    return redirect("liaison_book:note-open", note.pk)


@require_POST
@service_required(SERVICE)
def note_remind(request: HttpRequest, note_id: int) -> HttpResponse:
    """Remind the families who have not signed a note."""
    note = _note(request, note_id)
    count = actions.remind_unsigned(actor=_person(request), note=note)
    text = ngettext(
        "%(count)d family has been reminded.", "%(count)d families have been reminded.", count
    )
    messages.success(request, text % {"count": count})
    return redirect("liaison_book:note-tracking", note.pk)


@require_POST
@service_required(SERVICE)
def note_reply(request: HttpRequest, note_id: int, pupil_id: int) -> HttpResponse:
    """Answer a note in one pupil's thread."""
    note = _note(request, note_id)
    pupil = get_object_or_404(queries.thread_pupils(request.user, note), pk=pupil_id)
    form = ReplyForm(request.POST)
    if form.is_valid():
        actions.reply_to_note(
            actor=_person(request), note=note, pupil=pupil, body=form.cleaned_data["body"]
        )
        messages.success(request, _("Your answer has been added."))
    else:
        messages.error(request, _("Write an answer before sending it."))
    return redirect(queries.back_to(request.user, note, pupil))


@require_POST
@service_required(SERVICE)
def note_sign(request: HttpRequest, note_id: int, pupil_id: int) -> HttpResponse:
    """Sign (acknowledge) a note for one child, dated now; a signature is never undone."""
    note = _note(request, note_id)
    pupil = get_object_or_404(queries.thread_pupils(request.user, note), pk=pupil_id)
    signature = actions.sign_note(actor=_person(request), note=note, pupil=pupil)
    when = formats.date_format(timezone.localtime(signature.signed_at), "DATETIME_FORMAT")
    messages.success(request, _("Signed on %(date)s.") % {"date": when})
    return redirect(_in_book(note, pupil))
