"""Reads of the liaison book for its pages and its API: a pupil's book, a class's notes and
the signature tracking of a note. Each runs a fixed number of queries, whatever the number of
notes or pupils."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse

from ent.directory.models import (
    Enrolment,
    Guardianship,
    Membership,
    Profile,
    SchoolClass,
    TeachingGroup,
    User,
)
from ent.rights.queries import Rights

from .models import (
    Note,
    NoteRevision,
    Recipient,
    Reply,
    Signature,
    books_visible_to,
    current_year,
    staff_schools,
    taught_classes,
    taught_groups,
    wards,
)
from .permissions import (
    Division,
    can_track_note,
    can_write_to_book,
    can_write_to_division,
    is_legal_guardian,
    may_use,
    school_of,
)

RECENT_NOTES = 30


def classes_visible_to(person: Any) -> QuerySet[SchoolClass]:
    """Return the classes whose liaison page `person` may open: those they teach or head,
    and every class of a school they run."""
    if not person.is_authenticated:
        return SchoolClass.objects.none()
    return SchoolClass.objects.filter(
        Q(pk__in=taught_classes(person)) | Q(school__in=staff_schools(person))
    )


def groups_visible_to(person: Any) -> QuerySet[TeachingGroup]:
    """Return the teaching groups whose liaison page `person` may open."""
    if not person.is_authenticated:
        return TeachingGroup.objects.none()
    return TeachingGroup.objects.filter(
        Q(pk__in=taught_groups(person)) | Q(school__in=staff_schools(person))
    )


def pupils_known_to(person: Any) -> QuerySet[User]:
    """Return the pupils `person` may name when writing: those whose book they open, and the
    pupils of the schools they belong to (a refusal then says why instead of a 404)."""
    schools = Membership.objects.current().filter(person=person).values("school")
    pupils = Membership.objects.current().filter(profile=Profile.ELV, school__in=schools)
    known: QuerySet[User] = User.objects.filter(
        Q(pk__in=books_visible_to(person).values("pk")) | Q(pk__in=pupils.values("person"))
    )
    return known


def division_pupils(division: Division) -> list[User]:
    """Return the active pupils now enrolled in the class or group, by name."""
    if isinstance(division, SchoolClass):
        enrolled = Enrolment.objects.filter(school_class=division)
    else:
        enrolled = Enrolment.objects.filter(teaching_group=division)
    in_school = Membership.objects.current().filter(profile=Profile.ELV, school=division.school_id)
    return list(
        User.objects.filter(pk__in=enrolled.values("pupil"), is_active=True)
        .filter(pk__in=in_school.values("person"))
        .order_by("last_name", "first_name", "pk")
    )


def family_of(pupil_ids: Iterable[int]) -> set[int]:
    """Return the ids of the pupils and of their active legal guardians."""
    ids = set(pupil_ids)
    guardians = Guardianship.objects.filter(
        pupil__in=ids, has_legal_authority=True, guardian__is_active=True
    ).values_list("guardian_id", flat=True)
    return ids | set(guardians)


def unsigned_pupils(note: Note) -> set[int]:
    """Return the ids of the note's pupils whose family has not signed yet."""
    signed = Signature.objects.filter(note=note).values("pupil")
    return set(
        Recipient.objects.filter(note=note)
        .exclude(pupil__in=signed)
        .values_list("pupil_id", flat=True)
    )


def with_counts(notes: QuerySet[Note]) -> QuerySet[Note]:
    """Annotate each note with its number of pupils and of families that signed."""
    pupils = (
        Recipient.objects.filter(note=OuterRef("pk"))
        .order_by()
        .values("note")
        .annotate(total=Count("pk"))
        .values("total")
    )
    signed = (
        Signature.objects.filter(note=OuterRef("pk"))
        .order_by()
        .values("note")
        .annotate(total=Count("pupil", distinct=True))
        .values("total")
    )
    return notes.annotate(
        pupil_count=Coalesce(Subquery(pupils, output_field=IntegerField()), 0),
        signed_count=Coalesce(Subquery(signed, output_field=IntegerField()), 0),
    )


@dataclass(frozen=True)
class NoteInBook:
    """A note as one reader sees it in one pupil's book."""

    note: Note
    replies: list[Reply]
    signatures: list[Signature]
    revisions: list[NoteRevision]
    may_reply: bool
    may_sign: bool
    may_edit: bool
    may_track: bool

    @property
    def signed(self) -> bool:
        return bool(self.signatures)


@dataclass(frozen=True)
class Book:
    """One pupil's liaison book for one school year, as `viewer` reads it."""

    pupil: User
    year: int
    notes: list[NoteInBook]
    may_write: bool
    is_family: bool
    archived_years: list[int] = field(default_factory=list)


def _book_notes(viewer: Any, pupil: User, notes: QuerySet[Note]) -> QuerySet[Note]:
    return (
        notes.filter(pk__in=Note.objects.visible_to(viewer).in_book_of(pupil).values("pk"))
        .select_related("author", "school_class", "teaching_group", "school")
        .prefetch_related(
            Prefetch(
                "replies",
                queryset=Reply.objects.filter(pupil=pupil)
                .select_related("author")
                .order_by("created_at", "pk"),
                to_attr="thread",
            ),
            Prefetch(
                "signatures",
                queryset=Signature.objects.filter(pupil=pupil)
                .select_related("guardian")
                .order_by("signed_at", "pk"),
                to_attr="family_signatures",
            ),
            Prefetch(
                "revisions", queryset=NoteRevision.objects.order_by("number"), to_attr="earlier"
            ),
        )
        .order_by("-created_at", "-pk")
    )


def _trackers(viewer: Any) -> tuple[set[int], set[int], set[int]]:
    """Return the classes and groups `viewer` teaches and the schools they run."""
    return (
        set(taught_classes(viewer).values_list("pk", flat=True)),
        set(taught_groups(viewer).values_list("teaching_group", flat=True)),
        set(staff_schools(viewer).values_list("school", flat=True)),
    )


def _may_track(viewer: Any, note: Note, trackers: tuple[set[int], set[int], set[int]]) -> bool:
    classes, groups, schools = trackers
    return (
        note.author_id == viewer.pk
        or note.school_id in schools
        or note.school_class_id in classes
        or note.teaching_group_id in groups
    )


def book(viewer: Any, pupil: User, *, rights: Rights, year: int | None = None) -> Book:
    """Return `pupil`'s book of `year` (this school year) as `viewer` may read and act on it."""
    year = year if year is not None else current_year()
    archived = year < current_year()
    school = school_of(pupil)
    may_write = (
        not archived and school is not None and can_write_to_book(viewer, pupil, school, rights)
    )
    is_family = is_legal_guardian(viewer, pupil)
    may_sign = (
        is_family and not archived and school is not None and may_use(viewer, school.pk, rights)
    )
    trackers = _trackers(viewer)
    notes = []
    for note in _book_notes(viewer, pupil, Note.objects.of_year(year)):
        signatures: list[Signature] = note.family_signatures  # type: ignore[attr-defined]  # attr-defined: Prefetch to_attr
        notes.append(
            NoteInBook(
                note=note,
                replies=note.thread,  # type: ignore[attr-defined]  # attr-defined: Prefetch to_attr
                signatures=signatures,
                revisions=note.earlier,  # type: ignore[attr-defined]  # attr-defined: Prefetch to_attr
                may_reply=not archived and (may_write or note.author_id == viewer.pk),
                may_sign=may_sign
                and note.requires_signature
                and all(signature.guardian_id != viewer.pk for signature in signatures),
                may_edit=not archived and note.author_id == viewer.pk,
                may_track=_may_track(viewer, note, trackers),
            )
        )
    years = (
        Note.objects.in_book_of(pupil)
        .archived()
        .order_by("-school_year")
        .values_list("school_year", flat=True)
        .distinct()
    )
    return Book(pupil, year, notes, may_write, is_family, list(years))


@dataclass(frozen=True)
class Books:
    """What the home page of the service lists for one person."""

    own: User | None
    children: list[User]
    classes: list[SchoolClass]
    groups: list[TeachingGroup]
    recent: list[Note]


def books_of(person: Any) -> Books:
    """Return the books, classes and groups `person` may open, and their recent notes."""
    pupils = books_visible_to(person)
    own = pupils.filter(pk=person.pk).first()
    children = list(pupils.filter(pk__in=wards(person)).order_by("first_name", "pk"))
    classes = list(classes_visible_to(person).select_related("school").order_by("school", "code"))
    groups = list(groups_visible_to(person).select_related("school").order_by("school", "code"))
    recent = with_counts(
        Note.objects.filter(author=person, school_year=current_year()).select_related(
            "school_class", "teaching_group"
        )
    ).order_by("-created_at", "-pk")[:RECENT_NOTES]
    return Books(own, children, classes, groups, list(recent))


@dataclass(frozen=True)
class DivisionPage:
    """A class's or group's liaison page: its notes of the year and its pupils."""

    division: Division
    notes: list[Note]
    pupils: list[User]
    may_write: bool

    @property
    def is_class(self) -> bool:
        return isinstance(self.division, SchoolClass)


def division_page(viewer: Any, division: Division, *, rights: Rights) -> DivisionPage:
    """Return the whole-class notes of this school year, with their signature counts."""
    if isinstance(division, SchoolClass):
        mine = Note.objects.filter(school_class=division)
    else:
        mine = Note.objects.filter(teaching_group=division)
    notes = with_counts(mine.of_year(current_year()).select_related("author"))
    return DivisionPage(
        division=division,
        notes=list(notes.order_by("-created_at", "-pk")),
        pupils=division_pupils(division),
        may_write=can_write_to_division(viewer, division, rights),
    )


@dataclass(frozen=True)
class FamilyRow:
    """One family's line of a note's tracking table."""

    pupil: User
    guardians: list[User]
    signatures: list[Signature]

    @property
    def signed(self) -> bool:
        return bool(self.signatures)


@dataclass(frozen=True)
class Tracking:
    """Which families signed a note, and which did not."""

    note: Note
    rows: list[FamilyRow]

    @property
    def families(self) -> int:
        return len(self.rows)

    @property
    def signed(self) -> int:
        return sum(1 for row in self.rows if row.signed)

    @property
    def unsigned(self) -> int:
        return self.families - self.signed


def tracking(note: Note) -> Tracking:
    """Return the note's families, their legal guardians and signatures: three queries."""
    recipients = list(
        Recipient.objects.filter(note=note)
        .select_related("pupil")
        .order_by("pupil__last_name", "pupil__first_name", "pupil_id")
    )
    ids = [recipient.pupil_id for recipient in recipients]
    guardians: dict[int, list[User]] = defaultdict(list)
    for link in (
        Guardianship.objects.filter(pupil__in=ids, has_legal_authority=True, guardian__isnull=False)
        .select_related("guardian")
        .order_by("guardian__last_name", "guardian__first_name", "pk")
    ):
        guardians[link.pupil_id].append(link.guardian)  # type: ignore[arg-type]  # arg-type: filtered on not null
    signatures: dict[int, list[Signature]] = defaultdict(list)
    for signature in (
        Signature.objects.filter(note=note).select_related("guardian").order_by("signed_at", "pk")
    ):
        signatures[signature.pupil_id].append(signature)
    rows = [
        FamilyRow(recipient.pupil, guardians[recipient.pupil_id], signatures[recipient.pupil_id])
        for recipient in recipients
    ]
    return Tracking(note, rows)


def thread_pupils(viewer: Any, note: Note) -> QuerySet[User]:
    """Return the pupils of the note whose thread `viewer` may read and act in."""
    pupils: QuerySet[User] = User.objects.filter(
        pk__in=Recipient.objects.filter(note=note).values("pupil")
    )
    if can_track_note(viewer, note):
        return pupils
    return pupils.filter(pk__in=books_visible_to(viewer).values("pk"))


def back_to(viewer: Any, note: Note, pupil: User) -> str:
    """Return where a reader goes back to after acting on a note: the book, else its tracking."""
    if books_visible_to(viewer).filter(pk=pupil.pk).exists():
        return reverse("liaison_book:book", args=[pupil.pk]) + f"#note-{note.pk}"
    return reverse("liaison_book:note-tracking", args=[note.pk])
