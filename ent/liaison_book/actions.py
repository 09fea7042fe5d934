"""Every change of the liaison book: write, edit, reply, sign, remind.

Each action checks its predicate before any write, so a refused or invalid request saves
nothing; notifications (UTI-AVE-CLI-02) leave after the commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ent.audit.actions import record
from ent.directory.models import (
    Enrolment,
    Guardianship,
    HeadTeacher,
    School,
    SchoolClass,
    TeachingGroup,
    User,
)
from ent.notifications.actions import notify
from ent.notifications.events import Event
from ent.rights.queries import effective_rights

from .models import (
    FAMILY_KINDS,
    Kind,
    Note,
    NoteRevision,
    Recipient,
    Reply,
    Signature,
    current_year,
)
from .permissions import (
    Division,
    can_edit_note,
    can_remind,
    can_reply,
    can_sign,
    can_write_to_book,
    can_write_to_division,
    school_of,
    writes_as_family,
)
from .queries import division_pupils, family_of, unsigned_pupils

NOTE_EVENT = "liaison_book.note"
REPLY_EVENT = "liaison_book.reply"
SIGNATURE_EVENT = "liaison_book.signature"
REMINDER_EVENT = "liaison_book.reminder"
TITLE_MAX = 200
BODY_MAX = 10000


def _clean_text(title: str, body: str) -> tuple[str, str]:
    title, body = title.strip(), body.strip()
    if not title or not body:
        raise ValidationError(_("A note needs a title and a text."))
    if len(title) > TITLE_MAX or len(body) > BODY_MAX:
        raise ValidationError(_("The title or the text of the note is too long."))
    return title, body


def _clean_kind(kind: str) -> str:
    if kind not in Kind.values:
        raise ValidationError(_("Choose a kind of note from the list."))
    return kind


def _note_url(note: Note) -> str:
    return reverse("liaison_book:note-open", args=[note.pk])


def _tell(person_ids: set[int], event: Event) -> None:
    """Notify `person_ids` once the transaction has committed."""
    recipients = User.objects.filter(pk__in=person_ids, is_active=True)
    transaction.on_commit(lambda: notify(recipients=recipients, event=event))


def _audience(note: Note, pupil_ids: set[int], actor: User) -> set[int]:
    """Return who hears of a note: the families; for a family's note, the other guardian(s)
    and the pupil's professeurs principaux too."""
    people = family_of(pupil_ids)
    if note.is_from_family:
        classes = Enrolment.objects.filter(pupil__in=pupil_ids).values("school_class")
        heads = HeadTeacher.objects.filter(school_class__in=classes)
        people |= set(heads.values_list("teacher_id", flat=True))
    return people - {actor.pk}


@transaction.atomic
def write_note(
    *,
    actor: User,
    title: str,
    body: str,
    kind: str = Kind.INFORMATION,
    requires_signature: bool = False,
    pupils: Sequence[User] = (),
    division: Division | None = None,
) -> Note:
    """Write a note in the books of `pupils`, or of every pupil of `division` when no pupil
    is named (UTI-AVE-CLI-01); tell the families (UTI-AVE-CLI-02)."""
    title, body = _clean_text(title, body)
    kind = _clean_kind(kind)
    rights = effective_rights(actor)
    school: School | None
    if division is not None:
        if not can_write_to_division(actor, division, rights):
            raise PermissionDenied(
                _("You do not teach %(division)s: you may not write to its families.")
                % {"division": division}
            )
        enrolled = division_pupils(division)
        chosen = list(pupils) or enrolled
        if not {pupil.pk for pupil in chosen} <= {pupil.pk for pupil in enrolled}:
            raise ValidationError(_("Choose pupils of this class or group."))
        school = division.school
    else:
        chosen = list(pupils)
        schools = {school_of(pupil) for pupil in chosen}
        if len(schools) > 1:
            raise ValidationError(_("Choose pupils of one school at a time."))
        school = schools.pop() if schools else None
    if not chosen or school is None:
        raise ValidationError(_("This note has no pupil to go to."))
    if division is None:
        for pupil in chosen:
            if not can_write_to_book(actor, pupil, school, rights):
                raise PermissionDenied(
                    _(
                        "You may not write in the liaison book of %(name)s: only their "
                        "teachers, their school's head and CPE, and their legal guardians may."
                    )
                    % {"name": pupil.display_name}
                )
    family = division is None and any(writes_as_family(actor, pupil, school) for pupil in chosen)
    if family and (requires_signature or kind not in FAMILY_KINDS):
        raise ValidationError(_("A family cannot ask for a signature or report an incident."))
    now = timezone.now()
    # Chosen pupils of a class make a note to several pupils; the class is named only when
    # the note goes to all of it, so that its page follows every family.
    whole = division is not None and not pupils
    note = Note.objects.create(
        school=school,
        author=actor,
        school_class=division if whole and isinstance(division, SchoolClass) else None,
        teaching_group=division if whole and isinstance(division, TeachingGroup) else None,
        kind=kind,
        title=title,
        body=body,
        requires_signature=requires_signature,
        is_from_family=family,
        school_year=current_year(),
        created_at=now,
        updated_at=now,
    )
    Recipient.objects.bulk_create(Recipient(note=note, pupil=pupil) for pupil in chosen)
    record(
        actor=actor,
        action="liaison_book.note.write",
        target=note,
        data={"pupils": len(chosen), "class_wide": note.is_class_wide},
    )
    _tell(
        _audience(note, {pupil.pk for pupil in chosen}, actor),
        Event(
            kind=NOTE_EVENT,
            title=_("New note in the liaison book: %(title)s") % {"title": title},
            url=_note_url(note),
            school_id=school.pk,
        ),
    )
    return note


@transaction.atomic
def edit_note(*, actor: User, note: Note, title: str, body: str, kind: str) -> Note:
    """Correct a note, keeping the text it had (what families signed stays readable)."""
    if not can_edit_note(actor, note):
        raise PermissionDenied(_("Only the author may edit a note, during its school year."))
    title, body = _clean_text(title, body)
    kind = _clean_kind(kind)
    if note.is_from_family and kind not in FAMILY_KINDS:
        raise ValidationError(_("A family cannot ask for a signature or report an incident."))
    note = Note.objects.select_for_update().get(pk=note.pk)
    if (note.title, note.body, note.kind) == (title, body, kind):
        return note
    NoteRevision.objects.create(
        note=note,
        number=note.revision,
        kind=note.kind,
        title=note.title,
        body=note.body,
        written_at=note.edited_at or note.created_at,
    )
    now = timezone.now()
    note.title, note.body, note.kind = title, body, kind
    note.revision += 1
    note.edited_at = note.updated_at = now
    note.save(update_fields=["title", "body", "kind", "revision", "edited_at", "updated_at"])
    record(
        actor=actor, action="liaison_book.note.edit", target=note, data={"revision": note.revision}
    )
    pupils = set(Recipient.objects.filter(note=note).values_list("pupil_id", flat=True))
    _tell(
        _audience(note, pupils, actor),
        Event(
            kind=NOTE_EVENT,
            title=_("A note of the liaison book was changed: %(title)s") % {"title": title},
            url=_note_url(note),
            school_id=note.school_id,
        ),
    )
    return note


@transaction.atomic
def reply_to_note(*, actor: User, note: Note, pupil: User, body: str) -> Reply:
    """Answer in `pupil`'s thread of a note; tell the others in the conversation."""
    if not can_reply(actor, note, pupil):
        raise PermissionDenied(_("You may not answer this note."))
    body = body.strip()
    if not body or len(body) > BODY_MAX:
        raise ValidationError(_("Write an answer of at most 10,000 characters."))
    reply = Reply.objects.create(note=note, pupil=pupil, author=actor, body=body)
    record(actor=actor, action="liaison_book.reply.write", target=reply, data={"note": note.pk})
    earlier = Reply.objects.filter(note=note, pupil=pupil).values_list("author_id", flat=True)
    people = family_of([pupil.pk]) | set(earlier) | {note.author_id}
    _tell(
        {pk for pk in people if pk} - {actor.pk},
        Event(
            kind=REPLY_EVENT,
            title=_("%(name)s answered “%(title)s” in the liaison book")
            % {"name": actor.display_name, "title": note.title},
            url=_note_url(note),
            school_id=note.school_id,
        ),
    )
    return reply


@transaction.atomic
def sign_note(*, actor: User, note: Note, pupil: User) -> Signature:
    """Acknowledge a note for one child, dated now; signing again changes nothing."""
    if not can_sign(actor, note, pupil):
        raise PermissionDenied(_("Only a legal guardian may sign this note."))
    signature, created = Signature.objects.get_or_create(
        note=note, pupil=pupil, guardian=actor, defaults={"revision": note.revision}
    )
    if not created:
        return signature
    record(
        actor=actor,
        action="liaison_book.note.sign",
        target=note,
        data={"pupil": pupil.pk, "revision": signature.revision},
    )
    if note.author_id and note.author_id != actor.pk:
        _tell(
            {note.author_id},
            Event(
                kind=SIGNATURE_EVENT,
                title=_("%(name)s signed “%(title)s” for %(pupil)s")
                % {"name": actor.display_name, "title": note.title, "pupil": pupil.display_name},
                url=reverse("liaison_book:note-tracking", args=[note.pk]),
                school_id=note.school_id,
            ),
        )
    return signature


@transaction.atomic
def remind_unsigned(*, actor: User, note: Note) -> int:
    """Remind the families who have not signed the note; return how many families."""
    if not can_remind(actor, note):
        raise PermissionDenied(_("You may not remind the families of this note."))
    pupils = unsigned_pupils(note)
    guardians: Any = Guardianship.objects.filter(
        pupil__in=pupils, has_legal_authority=True, guardian__is_active=True
    ).values_list("guardian_id", flat=True)
    record(
        actor=actor, action="liaison_book.note.remind", target=note, data={"families": len(pupils)}
    )
    _tell(
        set(guardians),
        Event(
            kind=REMINDER_EVENT,
            title=_("Reminder: please sign “%(title)s” in the liaison book")
            % {"title": note.title},
            url=_note_url(note),
            school_id=note.school_id,
        ),
    )
    return len(pupils)
