"""The cahier de liaison (UTI-AVE-CLI): one book per pupil, written by the school and the family.

A note is written once and filed in one or more pupils' books (`Recipient`): a note to a whole
class or teaching group stays ONE note, so that its author follows which families signed it. A
reply belongs to one pupil's thread of a note, so that a family never reads another family's
answer. A signature is a dated acknowledgement by a legal guardian, never undone.

Editing a note keeps its earlier text (`NoteRevision`), and every signature names the revision
it acknowledged: what a family signed stays readable after a correction.
"""

from __future__ import annotations

from typing import Any, Self

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ent.core.calendar import school_year_of
from ent.directory.models import (
    Enrolment,
    Guardianship,
    HeadTeacher,
    Membership,
    Profile,
    School,
    SchoolClass,
    TeachingAssignment,
    TeachingGroup,
    User,
)

SERVICE = "liaison_book"
# UTI-AVE-CLI-01: the head of school and the CPE (vie scolaire) write in every book of their school.
SCHOOL_WRITERS = (Profile.DIR, Profile.EVS)


class Kind(models.TextChoices):
    INFORMATION = "INFORMATION", _("information")
    AUTHORISATION = "AUTHORISATION", _("request for authorisation")
    INCIDENT = "INCIDENT", _("incident")
    APPOINTMENT = "APPOINTMENT", _("appointment request")
    ABSENCE = "ABSENCE", _("absence or lateness")


# What a family writes: no incident report, no authorisation asked of the school.
FAMILY_KINDS = (Kind.INFORMATION, Kind.APPOINTMENT, Kind.ABSENCE)


def current_year() -> int:
    """Return the first calendar year of today's school year."""
    return school_year_of(timezone.localdate()).start_year


def _active(person: Any) -> bool:
    return bool(getattr(person, "is_authenticated", False) and person.is_active)


def taught_classes(person: Any) -> models.QuerySet[Any]:
    """Return the ids of the classes `person` teaches or heads (professeur principal)."""
    return SchoolClass.objects.filter(
        Q(pk__in=TeachingAssignment.objects.filter(teacher=person).values("school_class"))
        | Q(pk__in=HeadTeacher.objects.filter(teacher=person).values("school_class"))
    ).values("pk")


def taught_groups(person: Any) -> models.QuerySet[Any]:
    """Return the ids of the teaching groups `person` teaches."""
    return TeachingAssignment.objects.filter(teacher=person, teaching_group__isnull=False).values(
        "teaching_group"
    )


def staff_schools(person: Any) -> models.QuerySet[Any]:
    """Return the ids of the schools where `person` is now the head or pupil-life staff."""
    return (
        Membership.objects.current()
        .filter(person=person, profile__in=SCHOOL_WRITERS)
        .values("school")
    )


def wards(person: Any) -> models.QuerySet[Any]:
    """Return the ids of the pupils `person` is a legal guardian of."""
    return Guardianship.objects.filter(guardian=person, has_legal_authority=True).values("pupil")


def taught_pupils(person: Any) -> models.QuerySet[Any]:
    """Return the ids of the pupils enrolled in a class or group `person` teaches or heads."""
    return Enrolment.objects.filter(
        Q(school_class__in=taught_classes(person)) | Q(teaching_group__in=taught_groups(person))
    ).values("pupil")


def pupils_of_schools(schools: models.QuerySet[Any]) -> models.QuerySet[Any]:
    """Return the ids of the pupils now enrolled (ELV) in `schools`."""
    return (
        Membership.objects.current()
        .filter(profile=Profile.ELV, school__in=schools)
        .values("person")
    )


def books_visible_to(person: Any) -> models.QuerySet[User]:
    """Return the pupils whose book `person` may open. The rule is written here and nowhere
    else: the pupil, their legal guardians, their teachers, their school's head and CPE."""
    if not _active(person):
        nobody: models.QuerySet[User] = User.objects.none()
        return nobody
    pupils: models.QuerySet[User] = User.objects.filter(
        is_active=True,
        pk__in=Membership.objects.current().filter(profile=Profile.ELV).values("person"),
    )
    return pupils.filter(
        Q(pk=person.pk)
        | Q(pk__in=wards(person))
        | Q(pk__in=taught_pupils(person))
        | Q(pk__in=pupils_of_schools(staff_schools(person)))
    )


class NoteQuerySet(models.QuerySet["Note"]):
    def visible_to(self, person: Any) -> Self:
        """Notes `person` may read: those in a book they may open, to a class or group they
        teach, of a school they run, or of their own hand. Builds lazily: no query."""
        if not _active(person):
            return self.none()
        readable = Recipient.objects.filter(
            Q(pupil=person) | Q(pupil__in=wards(person)) | Q(pupil__in=taught_pupils(person))
        ).values("note")
        return self.filter(
            Q(author=person)
            | Q(pk__in=readable)
            | Q(school__in=staff_schools(person))
            | Q(school_class__in=taught_classes(person))
            | Q(teaching_group__in=taught_groups(person))
        )

    def in_book_of(self, pupil: User) -> Self:
        """Notes filed in `pupil`'s book."""
        return self.filter(pk__in=Recipient.objects.filter(pupil=pupil).values("note"))

    def of_year(self, year: int) -> Self:
        """Notes of the school year that starts in `year`."""
        return self.filter(school_year=year)

    def archived(self) -> Self:
        """Notes of past school years: read-only (UTI-AVE-CLI-03)."""
        return self.filter(school_year__lt=current_year())


class Note(models.Model):
    """A note of the liaison book, filed in the books of its recipients."""

    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.CASCADE, related_name="+"
    )
    author = models.ForeignKey(
        User,
        verbose_name=_("author"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="liaison_notes",
    )
    # A note to a whole class or teaching group; both empty for a note to chosen pupils.
    school_class = models.ForeignKey(
        SchoolClass,
        verbose_name=_("class"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    teaching_group = models.ForeignKey(
        TeachingGroup,
        verbose_name=_("teaching group"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    requires_signature = models.BooleanField(_("requires a signature"), default=False)
    # Written by a legal guardian rather than by the school.
    is_from_family = models.BooleanField(_("written by the family"), default=False)
    # Each edit files the previous text as a revision and moves this number on.
    revision = models.PositiveIntegerField(_("revision"), default=1)
    school_year = models.PositiveSmallIntegerField(_("school year"), db_index=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    objects = NoteQuerySet.as_manager()

    class Meta:
        verbose_name = _("liaison note")
        verbose_name_plural = _("liaison notes")
        constraints = [
            models.CheckConstraint(
                condition=Q(school_class=None) | Q(teaching_group=None),
                name="liaison_note_one_division",
            ),
        ]
        indexes = [models.Index(fields=["school", "school_year"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_archived(self) -> bool:
        """Tell whether the note belongs to a past school year (read-only)."""
        return self.school_year < current_year()

    @property
    def is_class_wide(self) -> bool:
        return bool(self.school_class_id or self.teaching_group_id)

    @property
    def division(self) -> SchoolClass | TeachingGroup | None:
        return self.school_class or self.teaching_group


class Recipient(models.Model):
    """A note filed in one pupil's book."""

    note = models.ForeignKey(
        Note, verbose_name=_("note"), on_delete=models.CASCADE, related_name="recipients"
    )
    pupil = models.ForeignKey(
        User, verbose_name=_("pupil"), on_delete=models.CASCADE, related_name="liaison_entries"
    )

    class Meta:
        verbose_name = _("note in a pupil's book")
        verbose_name_plural = _("notes in pupils' books")
        constraints = [
            models.UniqueConstraint(fields=["note", "pupil"], name="unique_liaison_recipient")
        ]

    def __str__(self) -> str:
        return f"{self.note_id} in the book of {self.pupil_id}"


class NoteRevision(models.Model):
    """The text a note had before an edit, kept so that what was signed stays readable."""

    note = models.ForeignKey(
        Note, verbose_name=_("note"), on_delete=models.CASCADE, related_name="revisions"
    )
    number = models.PositiveIntegerField(_("revision"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    # When this text was written: the note's creation, or the edit that produced it.
    written_at = models.DateTimeField(_("written at"))

    class Meta:
        verbose_name = _("earlier version of a note")
        verbose_name_plural = _("earlier versions of notes")
        constraints = [
            models.UniqueConstraint(fields=["note", "number"], name="unique_liaison_revision")
        ]

    def __str__(self) -> str:
        return f"{self.note_id} v{self.number}"


class ThreadQuerySet(models.QuerySet[Any]):
    def visible_to(self, person: Any) -> Self:
        """Rows of the threads `person` may read: in a book they may open, on a note they
        wrote, or of a school they run."""
        if not _active(person):
            return self.none()
        return self.filter(
            Q(pupil__in=books_visible_to(person).values("pk"))
            | Q(note__author=person)
            | Q(note__school__in=staff_schools(person))
        )


class Reply(models.Model):
    """An answer in one pupil's thread of a note: the family's and the school's."""

    note = models.ForeignKey(
        Note, verbose_name=_("note"), on_delete=models.CASCADE, related_name="replies"
    )
    pupil = models.ForeignKey(
        User, verbose_name=_("pupil"), on_delete=models.CASCADE, related_name="+"
    )
    author = models.ForeignKey(
        User, verbose_name=_("author"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(_("text"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = ThreadQuerySet.as_manager()

    class Meta:
        verbose_name = _("reply")
        verbose_name_plural = _("replies")
        indexes = [models.Index(fields=["note", "pupil"])]

    def __str__(self) -> str:
        return f"reply {self.pk} to {self.note_id}"


class Signature(models.Model):
    """A legal guardian's dated acknowledgement of a note for one child. Never undone."""

    note = models.ForeignKey(
        Note, verbose_name=_("note"), on_delete=models.CASCADE, related_name="signatures"
    )
    pupil = models.ForeignKey(
        User, verbose_name=_("pupil"), on_delete=models.CASCADE, related_name="+"
    )
    guardian = models.ForeignKey(
        User, verbose_name=_("guardian"), on_delete=models.CASCADE, related_name="+"
    )
    # The revision of the note that was read and signed.
    revision = models.PositiveIntegerField(_("revision signed"))
    signed_at = models.DateTimeField(_("signed at"), default=timezone.now)

    objects = ThreadQuerySet.as_manager()

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        constraints = [
            models.UniqueConstraint(
                fields=["note", "pupil", "guardian"], name="unique_liaison_signature"
            )
        ]

    def __str__(self) -> str:
        return f"{self.guardian_id} signed {self.note_id} for {self.pupil_id}"
