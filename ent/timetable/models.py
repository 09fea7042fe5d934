"""The timetable (UTI-AVE-EDT): lessons imported from the school's timetable software, and the
imports that brought them."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Self

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ent.directory.models import (
    Enrolment,
    Guardianship,
    HeadTeacher,
    Membership,
    Profile,
    School,
    SchoolClass,
    Subject,
    TeachingAssignment,
    TeachingGroup,
    User,
)

# Profiles that see every class of their school's timetable (head, pupil-life and office staff).
SCHOOL_WIDE_PROFILES = (Profile.DIR, Profile.EVS, Profile.ETA)


class Source(models.TextChoices):
    STS = "STS", _("STS-web (emp_sts)")
    ICAL = "ICAL", _("iCalendar")
    EDT = "EDT", _("Index Education (EDT)")
    MANUAL = "MANUAL", _("entered in the ENT")


class LessonStatus(models.TextChoices):
    SCHEDULED = "SCHEDULED", _("scheduled")
    CANCELLED = "CANCELLED", _("cancelled")
    MOVED = "MOVED", _("moved")


class ImportStatus(models.TextChoices):
    DONE = "DONE", _("imported")
    UNCHANGED = "UNCHANGED", _("same file as before: nothing changed")
    FAILED = "FAILED", _("refused")


class Colour(models.TextChoices):
    """Subject colours, each dark enough for a 3:1 contrast on white (WCAG 1.4.11)."""

    BLUE = "blue", _("blue")
    GREEN = "green", _("green")
    ORANGE = "orange", _("orange")
    PURPLE = "purple", _("purple")
    RED = "red", _("red")
    TEAL = "teal", _("teal")
    BROWN = "brown", _("brown")
    GREY = "grey", _("grey")


def school_wide_ids(person: User) -> models.QuerySet[Membership, Any]:
    """Subquery: the schools whose whole timetable `person` sees (as head or staff)."""
    return (
        Membership.objects.current()
        .filter(person=person, profile__in=SCHOOL_WIDE_PROFILES)
        .values("school_id")
    )


def _enrolments_seen_by(person: User) -> models.QuerySet[Enrolment]:
    """The enrolments of `person` and of the children they hold legal authority over."""
    wards = Guardianship.objects.filter(
        guardian=person, has_legal_authority=True, pupil__is_active=True
    ).values("pupil_id")
    return Enrolment.objects.filter(Q(pupil=person) | Q(pupil_id__in=wards))


def visible_classes(person: User) -> models.QuerySet[SchoolClass]:
    """Classes whose timetable `person` may see: their own, their children's, those they teach
    or head, and every class of a school they run. The rule is written here only."""
    return SchoolClass.objects.filter(
        Q(pk__in=_enrolments_seen_by(person).values("school_class_id"))
        | Q(pk__in=TeachingAssignment.objects.filter(teacher=person).values("school_class_id"))
        | Q(pk__in=HeadTeacher.objects.filter(teacher=person).values("school_class_id"))
        | Q(school_id__in=school_wide_ids(person))
    )


def visible_groups(person: User) -> models.QuerySet[TeachingGroup]:
    """Teaching groups whose timetable `person` may see (same rule as the classes)."""
    return TeachingGroup.objects.filter(
        Q(pk__in=_enrolments_seen_by(person).values("teaching_group_id"))
        | Q(pk__in=TeachingAssignment.objects.filter(teacher=person).values("teaching_group_id"))
        | Q(school_id__in=school_wide_ids(person))
    )


class LessonQuerySet(models.QuerySet["Lesson"]):
    def visible_to(self, person: User) -> Self:
        """Lessons `person` may see: of the classes and groups they may see, and those they
        teach; every lesson of a school they run."""
        taught = Lesson.teachers.through.objects.filter(user=person).values("lesson_id")
        return self.filter(
            Q(school_class_id__in=visible_classes(person).values("pk"))
            | Q(teaching_group_id__in=visible_groups(person).values("pk"))
            | Q(pk__in=taught)
            | Q(school_id__in=school_wide_ids(person))
        )

    def of_person(self, person: User | int) -> Self:
        """Lessons on `person`'s own timetable: of their classes and groups as a pupil, and
        those they teach, in every school (several schools merged)."""
        enrolments = Enrolment.objects.filter(pupil=person)
        taught = Lesson.teachers.through.objects.filter(user=person).values("lesson_id")
        return self.filter(
            Q(school_class_id__in=enrolments.values("school_class_id"))
            | Q(teaching_group_id__in=enrolments.values("teaching_group_id"))
            | Q(pk__in=taught)
        )

    def of_family(self, person: User) -> Self:
        """Lessons of `person`'s own timetable and of their children's (their calendar feed)."""
        enrolments = _enrolments_seen_by(person)
        taught = Lesson.teachers.through.objects.filter(user=person).values("lesson_id")
        return self.filter(
            Q(school_class_id__in=enrolments.values("school_class_id"))
            | Q(teaching_group_id__in=enrolments.values("teaching_group_id"))
            | Q(pk__in=taught)
        )

    def between(self, start: datetime, end: datetime) -> Self:
        """Lessons starting in [start, end)."""
        return self.filter(starts_at__gte=start, starts_at__lt=end)


class Import(models.Model):
    """One timetable file given to the ENT, kept with its outcome (the import history)."""

    school = models.ForeignKey(
        School,
        verbose_name=_("school"),
        on_delete=models.CASCADE,
        related_name="timetable_imports",
    )
    # Blank when a refused file's kind could not be told.
    kind = models.CharField(_("kind"), max_length=10, choices=Source.choices, blank=True)
    # What a new file of this kind replaces: "" for the whole school, else "class-12",
    # "group-3" or "teacher-40" (an iCalendar file covers one class, group or teacher).
    scope = models.CharField(_("scope"), max_length=40, blank=True)
    target_label = models.CharField(_("target"), max_length=200, blank=True)
    filename = models.CharField(_("file name"), max_length=255)
    size = models.PositiveIntegerField(_("size in bytes"), default=0)
    digest = models.CharField(_("SHA-256 of the file"), max_length=64, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ImportStatus.choices)
    created_count = models.PositiveIntegerField(_("lessons created"), default=0)
    updated_count = models.PositiveIntegerField(_("lessons updated"), default=0)
    deleted_count = models.PositiveIntegerField(_("lessons removed"), default=0)
    unchanged_count = models.PositiveIntegerField(_("lessons unchanged"), default=0)
    skipped_count = models.PositiveIntegerField(_("rows skipped"), default=0)
    # One line per skipped row (unknown class, teacher not found…): the error summary.
    warnings = models.TextField(_("warnings"), blank=True)
    error = models.TextField(_("reason of the refusal"), blank=True)
    imported_by = models.ForeignKey(
        User,
        verbose_name=_("imported by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    imported_at = models.DateTimeField(_("imported at"), default=timezone.now)

    class Meta:
        verbose_name = _("timetable import")
        verbose_name_plural = _("timetable imports")
        indexes = [models.Index(fields=["school", "kind", "scope", "imported_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.filename} → {self.school_id} ({self.status})"

    @property
    def warning_lines(self) -> list[str]:
        return [line for line in self.warnings.splitlines() if line]


class Lesson(models.Model):
    """One lesson (séance) on one day: a class or a group, a subject, teachers, a room."""

    school = models.ForeignKey(
        School,
        verbose_name=_("school"),
        on_delete=models.CASCADE,
        related_name="timetable_lessons",
    )
    school_class = models.ForeignKey(
        SchoolClass,
        verbose_name=_("class"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="timetable_lessons",
    )
    teaching_group = models.ForeignKey(
        TeachingGroup,
        verbose_name=_("teaching group"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="timetable_lessons",
    )
    subject = models.ForeignKey(
        Subject,
        verbose_name=_("subject"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The subject code as the file gave it, kept when the subject is not (yet) known.
    subject_code = models.CharField(_("subject code"), max_length=20, blank=True)
    # The title as the file gave it (an iCalendar SUMMARY), shown when no subject is known.
    title = models.CharField(_("title"), max_length=200, blank=True)
    teachers = models.ManyToManyField(
        User, verbose_name=_("teachers"), blank=True, related_name="taught_lessons"
    )
    room = models.CharField(_("room"), max_length=100, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    status = models.CharField(
        _("status"), max_length=10, choices=LessonStatus.choices, default=LessonStatus.SCHEDULED
    )
    moved_to = models.ForeignKey(
        "self",
        verbose_name=_("moved to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="moved_from",
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    # The file's own cancellation (an iCalendar STATUS:CANCELLED, an EDT cancelled week), kept
    # apart so that a new file never undoes a cancellation made in the ENT.
    is_cancelled_in_source = models.BooleanField(_("cancelled in the source"), default=False)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    scope = models.CharField(_("import scope"), max_length=40, blank=True)
    # A stable key of the lesson in its source, so that importing the same file again finds it.
    source_uid = models.CharField(_("key in the source"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    objects = LessonQuerySet.as_manager()

    class Meta:
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")
        constraints = [
            models.CheckConstraint(
                condition=Q(school_class=None) | Q(teaching_group=None),
                name="lesson_class_or_group",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="lesson_ends_after_start"
            ),
            models.UniqueConstraint(
                fields=["school", "source", "scope", "source_uid"],
                condition=~Q(source_uid=""),
                name="unique_lesson_source_uid",
            ),
        ]
        indexes = [
            models.Index(fields=["school_class", "starts_at"]),
            models.Index(fields=["teaching_group", "starts_at"]),
            models.Index(fields=["school", "source", "scope", "starts_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.subject_label} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def subject_label(self) -> str:
        """The subject as shown: its label, else the file's title, else its code."""
        if self.subject_id is not None and self.subject is not None:
            return self.subject.label
        return self.title or self.subject_code

    @property
    def division(self) -> SchoolClass | TeachingGroup | None:
        return self.school_class or self.teaching_group

    @property
    def division_key(self) -> str:
        """The cahier de textes target: "class-<id>" or "group-<id>" ("" for neither)."""
        if self.school_class_id:
            return f"class-{self.school_class_id}"
        if self.teaching_group_id:
            return f"group-{self.teaching_group_id}"
        return ""

    @property
    def is_cancelled(self) -> bool:
        return self.status == LessonStatus.CANCELLED

    @property
    def is_moved(self) -> bool:
        return self.status == LessonStatus.MOVED


class FeedToken(models.Model):
    """The secret of a person's iCalendar subscription; only its digest is kept."""

    person = models.OneToOneField(
        User, verbose_name=_("person"), on_delete=models.CASCADE, related_name="+"
    )
    digest = models.CharField(_("SHA-256 of the token"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("calendar subscription")
        verbose_name_plural = _("calendar subscriptions")

    def __str__(self) -> str:
        return f"feed of {self.person_id}"


class SubjectColour(models.Model):
    """A person's colour for one subject on their timetable (UTI-AVE-EDT-03)."""

    person = models.ForeignKey(
        User, verbose_name=_("person"), on_delete=models.CASCADE, related_name="+"
    )
    subject_code = models.CharField(_("subject code"), max_length=20)
    colour = models.CharField(_("colour"), max_length=10, choices=Colour.choices)

    class Meta:
        verbose_name = _("subject colour")
        verbose_name_plural = _("subject colours")
        constraints = [
            models.UniqueConstraint(fields=["person", "subject_code"], name="unique_subject_colour")
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.subject_code}: {self.colour}"
