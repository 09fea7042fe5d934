"""The liaison book REST endpoints: read a book, write a note, answer, sign, follow, remind.

The same actions and visibility as the pages: a book or note one may not see is a 404, a
refused write a 403 that says why, invalid input a 422 (problem documents from ent/api.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from ninja import Status as Answer

from ent.directory.models import Membership, SchoolClass, TeachingGroup, User
from ent.rights.decorators import ServiceAuth
from ent.rights.queries import rights_of

from . import actions, queries
from .models import SERVICE, Kind, Note, books_visible_to
from .permissions import can_track_note

router = Router(tags=["liaison_book"], auth=ServiceAuth(SERVICE))


class PersonOut(Schema):
    id: int
    name: str

    @staticmethod
    def resolve_name(person: User) -> str:
        return person.display_name


class ReplyOut(Schema):
    id: int
    pupil_id: int
    author_id: int | None
    body: str
    created_at: datetime


class SignatureOut(Schema):
    id: int
    note_id: int
    pupil_id: int
    guardian_id: int
    revision: int
    signed_at: datetime


class NoteOut(Schema):
    id: int
    school_id: int
    author_id: int | None
    school_class_id: int | None
    teaching_group_id: int | None
    kind: Kind
    title: str
    body: str
    requires_signature: bool
    is_from_family: bool
    revision: int
    school_year: int
    created_at: datetime
    edited_at: datetime | None


class NoteInBookOut(NoteOut):
    replies: list[ReplyOut]
    signatures: list[SignatureOut]


class BookOut(Schema):
    pupil: PersonOut
    school_year: int
    may_write: bool
    archived_years: list[int]
    notes: list[NoteInBookOut]


class NoteIn(Schema):
    """A note to chosen pupils (`pupil_ids`), or to a whole class or teaching group."""

    title: str = Field(min_length=1, max_length=actions.TITLE_MAX)
    body: str = Field(min_length=1, max_length=actions.BODY_MAX)
    kind: Kind = Kind.INFORMATION
    requires_signature: bool = False
    pupil_ids: list[int] = Field(default_factory=list, max_length=2000)
    school_class_id: int | None = None
    teaching_group_id: int | None = None


class NoteEditIn(Schema):
    title: str = Field(min_length=1, max_length=actions.TITLE_MAX)
    body: str = Field(min_length=1, max_length=actions.BODY_MAX)
    kind: Kind


class ReplyIn(Schema):
    pupil_id: int
    body: str = Field(min_length=1, max_length=actions.BODY_MAX)


class SignatureIn(Schema):
    pupil_id: int


class FamilyOut(Schema):
    pupil: PersonOut
    guardians: list[PersonOut]
    signatures: list[SignatureOut]
    signed: bool


class TrackingOut(Schema):
    note_id: int
    families: int
    signed: int
    rows: list[FamilyOut]


class RemindedOut(Schema):
    families: int


def _me(request: HttpRequest) -> User:
    # ServiceAuth put the signed-in User in request.auth.
    return cast(User, request.auth)  # type: ignore[attr-defined]  # attr-defined: ninja sets request.auth


def _note(request: HttpRequest, note_id: int) -> Note:
    notes = Note.objects.visible_to(_me(request)).select_related("school")
    return get_object_or_404(notes, pk=note_id)


def _book_note(item: queries.NoteInBook) -> dict[str, Any]:
    out = NoteOut.model_validate(item.note).model_dump()
    return out | {"replies": item.replies, "signatures": item.signatures}


@router.get("/books/{pupil_id}", response=BookOut)
def read_book(request: HttpRequest, pupil_id: int, year: int | None = None) -> dict[str, Any]:
    """Read a pupil's book of this school year, or of a past `year` (UTI-AVE-CLI-03)."""
    pupil = get_object_or_404(books_visible_to(_me(request)), pk=pupil_id)
    book = queries.book(_me(request), pupil, rights=rights_of(request), year=year)
    return {
        "pupil": pupil,
        "school_year": book.year,
        "may_write": book.may_write,
        "archived_years": book.archived_years,
        "notes": [_book_note(item) for item in book.notes],
    }


def _division(person: User, model: type[Any], pk: int) -> Any:
    """Find a class or group of a school `person` belongs to: one elsewhere is a 404."""
    schools = Membership.objects.current().filter(person=person).values("school")
    return get_object_or_404(
        model.objects.filter(school__in=schools).select_related("school"), pk=pk
    )


@router.post("/notes", response={201: NoteOut})
def write(request: HttpRequest, payload: NoteIn) -> Answer[Note]:
    """Write a note to chosen pupils, or to a whole class or teaching group."""
    targets = [payload.pupil_ids, payload.school_class_id, payload.teaching_group_id]
    if sum(1 for target in targets if target) != 1:
        raise ValidationError("Name pupil_ids, school_class_id or teaching_group_id: one of them.")
    division = None
    if payload.school_class_id:
        division = _division(_me(request), SchoolClass, payload.school_class_id)
    elif payload.teaching_group_id:
        division = _division(_me(request), TeachingGroup, payload.teaching_group_id)
    known = queries.pupils_known_to(_me(request)).filter(pk__in=payload.pupil_ids)
    pupils = list(known)
    if len(pupils) != len(set(payload.pupil_ids)):
        raise Http404
    fields = payload.dict(include={"title", "body", "kind", "requires_signature"})
    note = actions.write_note(actor=_me(request), pupils=pupils, division=division, **fields)
    return Answer(201, note)


@router.get("/notes/{note_id}", response=NoteOut)
def read_note(request: HttpRequest, note_id: int) -> Note:
    """Read one note."""
    return _note(request, note_id)


@router.put("/notes/{note_id}", response=NoteOut)
def edit(request: HttpRequest, note_id: int, payload: NoteEditIn) -> Note:
    """Correct a note; its earlier text is kept."""
    note = _note(request, note_id)
    return actions.edit_note(actor=_me(request), note=note, **payload.dict())


def _thread_pupil(request: HttpRequest, note: Note, pupil_id: int) -> User:
    return get_object_or_404(queries.thread_pupils(_me(request), note), pk=pupil_id)


@router.post("/notes/{note_id}/replies", response={201: ReplyOut})
def reply(request: HttpRequest, note_id: int, payload: ReplyIn) -> Answer[Any]:
    """Answer a note in one pupil's thread."""
    note = _note(request, note_id)
    pupil = _thread_pupil(request, note, payload.pupil_id)
    return Answer(
        201, actions.reply_to_note(actor=_me(request), note=note, pupil=pupil, body=payload.body)
    )


@router.post("/notes/{note_id}/signatures", response={201: SignatureOut})
def sign(request: HttpRequest, note_id: int, payload: SignatureIn) -> Answer[Any]:
    """Sign a note for one child: dated, and never undone (signing again changes nothing)."""
    note = _note(request, note_id)
    pupil = _thread_pupil(request, note, payload.pupil_id)
    return Answer(201, actions.sign_note(actor=_me(request), note=note, pupil=pupil))


@router.get("/notes/{note_id}/tracking", response=TrackingOut)
def track(request: HttpRequest, note_id: int) -> dict[str, Any]:
    """Tell which families signed the note."""
    note = _note(request, note_id)
    if not can_track_note(_me(request), note):
        raise PermissionDenied("Only the school may follow who signed a note.")
    tracking = queries.tracking(note)
    rows = [
        {
            "pupil": row.pupil,
            "guardians": row.guardians,
            "signatures": row.signatures,
            "signed": row.signed,
        }
        for row in tracking.rows
    ]
    return {
        "note_id": note.pk,
        "families": tracking.families,
        "signed": tracking.signed,
        "rows": rows,
    }


@router.post("/notes/{note_id}/reminders", response={201: RemindedOut})
def remind(request: HttpRequest, note_id: int) -> Answer[dict[str, int]]:
    """Remind the families who have not signed."""
    note = _note(request, note_id)
    return Answer(201, {"families": actions.remind_unsigned(actor=_me(request), note=note)})
