"""Pupil follow-up (UTI-AVE-SIE): periods, assessments and grades, competencies, absences, and
one immutable history of every change to a grade, a rating or an absence (SDET §11.1.6)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any, Self

from django.core.exceptions import PermissionDenied
from django.db import connection, models, transaction
from django.db.models import Exists, OuterRef, Q
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
    TeachingAssignment,
    TeachingGroup,
    User,
)
from ent.rights.queries import Rights, effective_rights

from .apps import SERVICE

DEFAULT_MAX_SCORE = Decimal(20)
# The half-days that absences are counted in (SIE-03, footnote 101), in local time.
MORNING = (time(8, 0), time(12, 0))
AFTERNOON = (time(13, 30), time(17, 30))


class ImmutableHistoryError(PermissionDenied):
    """The history of grades and absences is never changed nor deleted by hand."""


# Visibility building blocks ----------------------------------------------------------------


def _current_schools(user: Any, *profiles: str) -> models.QuerySet[Any]:
    return (
        Membership.objects.current().filter(person=user, profile__in=profiles).values("school_id")
    )


def external_school_ids() -> models.QuerySet[Any]:
    """Return the schools that keep an external vie scolaire tool, for `school__in`."""
    return SchoolSetting.objects.filter(uses_external_tool=True).values("school_id")


def readable_pupil_ids(user: Any) -> models.QuerySet[Any]:
    """Return the pupils whose whole record `user` reads: themselves, the children they have
    legal authority over, the classes they are professeur principal of, their school as head."""
    children = Guardianship.objects.filter(
        guardian=user, has_legal_authority=True, guardian__is_active=True
    ).values("pupil_id")
    headed = Enrolment.objects.filter(
        school_class__in=HeadTeacher.objects.filter(teacher=user).values("school_class_id")
    ).values("pupil_id")
    led = (
        Membership.objects.current()
        .filter(profile=Profile.ELV, school__in=_current_schools(user, Profile.DIR))
        .values("person_id")
    )
    pupils: models.QuerySet[Any] = User.objects.filter(
        Q(pk=user.pk) | Q(pk__in=children) | Q(pk__in=headed) | Q(pk__in=led)
    ).values("pk")
    return pupils


def taught_pupil_ids(user: Any) -> models.QuerySet[Any]:
    """Return the pupils enrolled in a class or a group that `user` teaches."""
    teaching = TeachingAssignment.objects.filter(teacher=user)
    return Enrolment.objects.filter(
        Q(school_class__in=teaching.exclude(school_class=None).values("school_class_id"))
        | Q(teaching_group__in=teaching.exclude(teaching_group=None).values("teaching_group_id"))
    ).values("pupil_id")


def class_taught_pupil_ids(user: Any) -> models.QuerySet[Any]:
    """Return the pupils of the classes (not groups) that `user` teaches."""
    classes = TeachingAssignment.objects.filter(teacher=user).exclude(school_class=None)
    return Enrolment.objects.filter(school_class__in=classes.values("school_class_id")).values(
        "pupil_id"
    )


def pupil_life_school_ids(user: Any) -> models.QuerySet[Any]:
    """Return the schools where `user` is now pupil-life staff (CPE) or head."""
    return _current_schools(user, Profile.EVS, Profile.DIR)


def _scoped(queryset: Any, user: Any, rights: Rights | None, school_field: str) -> Any:
    """Keep rows of schools where `user` holds the service and that use the native service."""
    held = rights if rights is not None else effective_rights(user)
    ids = held.school_ids(SERVICE)
    if ids is not None:
        queryset = queryset.filter(**{f"{school_field}__in": ids})
    return queryset.exclude(**{f"{school_field}__in": external_school_ids()})


def _signed_in(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active)


# Periods and assessments -------------------------------------------------------------------


class Period(models.Model):
    """A trimester or a semester of one school; `ends_on` is exclusive."""

    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.CASCADE, related_name="+"
    )
    label = models.CharField(_("label"), max_length=100)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))

    class Meta:
        verbose_name = _("period")
        verbose_name_plural = _("periods")
        constraints = [
            models.UniqueConstraint(fields=["school", "starts_on"], name="pupil_period_unique"),
            models.CheckConstraint(
                condition=Q(ends_on__gt=models.F("starts_on")), name="pupil_period_ends_after"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.starts_on:%Y-%m-%d})"


class AssessmentQuerySet(models.QuerySet["Assessment"]):
    def taught_by(self, user: Any) -> Self:
        """Assessments `user` set, or of a class or group and subject they teach too."""
        if not _signed_in(user):
            return self.none()
        same = TeachingAssignment.objects.filter(
            teacher=user, subject_code=OuterRef("subject_code")
        )
        return self.filter(
            Q(teacher=user)
            | Q(
                Exists(same.filter(school_class=OuterRef("school_class"))),
                school_class__isnull=False,
            )
            | Q(
                Exists(same.filter(teaching_group=OuterRef("teaching_group"))),
                teaching_group__isnull=False,
            )
        )

    def gradable_by(self, user: Any, *, rights: Rights | None = None) -> Self:
        """Assessments `user` may grade: theirs or their subject's, in a native school."""
        return _scoped(self.taught_by(user), user, rights, "school")  # type: ignore[no-any-return]  # no-any-return: _scoped keeps the queryset type

    def published(self) -> Self:
        """Assessments whose grades pupils and families may read."""
        return self.filter(is_published=True)


class Assessment(models.Model):
    """A test set to a class or a teaching group in one subject, graded out of `max_score`."""

    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.CASCADE, related_name="+"
    )
    school_class = models.ForeignKey(
        SchoolClass,
        verbose_name=_("class"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    teaching_group = models.ForeignKey(
        TeachingGroup,
        verbose_name=_("teaching group"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    subject_code = models.CharField(_("subject code"), max_length=20)
    subject_label = models.CharField(_("subject"), max_length=200)
    teacher = models.ForeignKey(
        User, verbose_name=_("teacher"), on_delete=models.PROTECT, related_name="+"
    )
    period = models.ForeignKey(
        Period, verbose_name=_("period"), on_delete=models.PROTECT, related_name="assessments"
    )
    title = models.CharField(_("title"), max_length=200)
    held_on = models.DateField(_("date"))
    max_score = models.DecimalField(
        _("graded out of"), max_digits=5, decimal_places=2, default=DEFAULT_MAX_SCORE
    )
    coefficient = models.DecimalField(
        _("coefficient"), max_digits=4, decimal_places=2, default=Decimal(1)
    )
    is_published = models.BooleanField(_("published"), default=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        constraints = [
            models.CheckConstraint(
                condition=Q(school_class=None, teaching_group__isnull=False)
                | Q(school_class__isnull=False, teaching_group=None),
                name="pupil_assessment_class_xor_group",
            ),
            models.CheckConstraint(
                condition=Q(max_score__gt=0) & Q(coefficient__gt=0),
                name="pupil_assessment_positive",
            ),
        ]
        indexes = [
            models.Index(fields=["school_class", "subject_code"], name="pupil_assess_class"),
            models.Index(fields=["teaching_group", "subject_code"], name="pupil_assess_group"),
        ]

    def __str__(self) -> str:
        return f"{self.subject_label}: {self.title} ({self.held_on:%Y-%m-%d})"

    @property
    def division(self) -> SchoolClass | TeachingGroup:
        """The class or the teaching group the assessment was set to."""
        return self.school_class or self.teaching_group  # type: ignore[return-value]  # return-value: the constraint guarantees one


class GradeStatus(models.TextChoices):
    GRADED = "GRADED", _("graded")
    ABSENT = "ABSENT", _("absent")
    EXEMPT = "EXEMPT", _("exempt")
    NOT_GRADED = "NOT_GRADED", _("not graded")


class GradeQuerySet(models.QuerySet["Grade"]):
    def visible_to(self, user: Any, *, rights: Rights | None = None) -> Self:
        """Grades `user` may read: published ones of the pupils whose record they read, and
        every grade of the assessments they teach. Inspectors and other pupils: none."""
        if not _signed_in(user):
            return self.none()
        readable = Q(pupil__in=readable_pupil_ids(user), assessment__is_published=True)
        taught = Q(assessment__in=Assessment.objects.taught_by(user).values("pk"))
        return _scoped(self.filter(readable | taught), user, rights, "assessment__school")  # type: ignore[no-any-return]  # no-any-return: _scoped keeps the queryset type

    def counted(self) -> Self:
        """Grades that count in averages: a value, not a status."""
        return self.filter(status=GradeStatus.GRADED)


class Grade(models.Model):
    """One pupil's result in an assessment: a value from 0 to its maximum, or a status."""

    assessment = models.ForeignKey(
        Assessment, verbose_name=_("assessment"), on_delete=models.CASCADE, related_name="grades"
    )
    pupil = models.ForeignKey(
        User, verbose_name=_("pupil"), on_delete=models.CASCADE, related_name="+"
    )
    value = models.DecimalField(_("grade"), max_digits=5, decimal_places=2, null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=GradeStatus.choices, default=GradeStatus.GRADED
    )
    comment = models.CharField(_("comment"), max_length=300, blank=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    objects = GradeQuerySet.as_manager()

    class Meta:
        verbose_name = _("grade")
        verbose_name_plural = _("grades")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "pupil"], name="pupil_grade_unique"),
            models.CheckConstraint(
                condition=Q(status=GradeStatus.GRADED, value__isnull=False, value__gte=0)
                | (~Q(status=GradeStatus.GRADED) & Q(value=None)),
                name="pupil_grade_value_or_status",
            ),
        ]
        indexes = [models.Index(fields=["pupil", "assessment"], name="pupil_grade_pupil")]

    def __str__(self) -> str:
        shown = self.value if self.status == GradeStatus.GRADED else self.status
        return f"{self.pupil_id}: {shown} ({self.assessment_id})"


# Competencies ------------------------------------------------------------------------------


class Domain(models.TextChoices):
    """The domains of the socle commun de connaissances, de compétences et de culture."""

    D1_1 = "D1.1", _("Languages: French, spoken and written")
    D1_2 = "D1.2", _("Languages: foreign and regional languages")
    D1_3 = "D1.3", _("Languages: mathematical, scientific and computing")
    D1_4 = "D1.4", _("Languages: arts and the body")
    D2 = "D2", _("Methods and tools for learning")
    D3 = "D3", _("The education of the person and the citizen")
    D4 = "D4", _("Natural and technical systems")
    D5 = "D5", _("Representations of the world and human activity")


class MasteryLevel(models.IntegerChoices):
    """The four-level scale of the livret scolaire."""

    INSUFFICIENT = 1, _("insufficient mastery")
    FRAGILE = 2, _("fragile mastery")
    SATISFACTORY = 3, _("satisfactory mastery")
    VERY_GOOD = 4, _("very good mastery")


class Competency(models.Model):
    """A competency of the reference list, within a domain of the socle commun."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    label = models.CharField(_("label"), max_length=300)
    domain = models.CharField(_("domain"), max_length=5, choices=Domain.choices)

    class Meta:
        verbose_name = _("competency")
        verbose_name_plural = _("competencies")

    def __str__(self) -> str:
        return f"{self.code} {self.label}"


class RatingQuerySet(models.QuerySet["CompetencyRating"]):
    def visible_to(self, user: Any, *, rights: Rights | None = None) -> Self:
        """Ratings `user` may read: those of the pupils whose record they read, and their own."""
        if not _signed_in(user):
            return self.none()
        rows = self.filter(Q(pupil__in=readable_pupil_ids(user)) | Q(rated_by=user))
        return _scoped(rows, user, rights, "school")  # type: ignore[no-any-return]  # no-any-return: _scoped keeps the queryset type


class CompetencyRating(models.Model):
    """A teacher's rating of one pupil on one competency, on one day, in their subject."""

    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.CASCADE, related_name="+"
    )
    pupil = models.ForeignKey(
        User, verbose_name=_("pupil"), on_delete=models.CASCADE, related_name="+"
    )
    competency = models.ForeignKey(
        Competency, verbose_name=_("competency"), on_delete=models.PROTECT, related_name="+"
    )
    rated_by = models.ForeignKey(
        User, verbose_name=_("teacher"), on_delete=models.PROTECT, related_name="+"
    )
    subject_code = models.CharField(_("subject code"), max_length=20)
    subject_label = models.CharField(_("subject"), max_length=200)
    rated_on = models.DateField(_("date"))
    level = models.PositiveSmallIntegerField(_("level"), choices=MasteryLevel.choices)

    objects = RatingQuerySet.as_manager()

    class Meta:
        verbose_name = _("competency rating")
        verbose_name_plural = _("competency ratings")
        constraints = [
            models.UniqueConstraint(
                fields=["pupil", "competency", "rated_by", "subject_code", "rated_on"],
                name="pupil_rating_unique",
            ),
            models.CheckConstraint(
                condition=Q(level__gte=1, level__lte=4), name="pupil_rating_level"
            ),
        ]
        indexes = [models.Index(fields=["pupil", "rated_on"], name="pupil_rating_pupil")]

    def __str__(self) -> str:
        return f"{self.pupil_id} {self.competency_id}: {self.level}"


# Absences ----------------------------------------------------------------------------------


class AbsenceKind(models.TextChoices):
    ABSENCE = "ABSENCE", _("absence")
    LATENESS = "LATENESS", _("lateness")


class Reason(models.TextChoices):
    """Reasons for an absence. The first six are legitimate (Code de l'éducation L.131-8)."""

    ILLNESS = "ILLNESS", _("illness of the child")
    FAMILY_ILLNESS = "FAMILY_ILLNESS", _("contagious illness in the family")
    FAMILY_EVENT = "FAMILY_EVENT", _("solemn family gathering")
    TRANSPORT = "TRANSPORT", _("transport difficulty")
    GUARDIANS_AWAY = "GUARDIANS_AWAY", _("children following their guardians away")
    # UTI-AVE-SIE-04: the reason "absence légitime" is offered.
    LEGITIMATE = "LEGITIMATE", _("legitimate absence")
    OTHER = "OTHER", _("other reason")
    NOT_JUSTIFIED = "NOT_JUSTIFIED", _("not justified")


LEGITIMATE_REASONS = frozenset(
    {
        Reason.ILLNESS,
        Reason.FAMILY_ILLNESS,
        Reason.FAMILY_EVENT,
        Reason.TRANSPORT,
        Reason.GUARDIANS_AWAY,
        Reason.LEGITIMATE,
    }
)
# A family gives a reason; only the CPE or the head judges a justification (footnote 101).
FAMILY_REASONS = tuple(reason for reason in Reason if reason != Reason.NOT_JUSTIFIED)


class AbsenceStatus(models.TextChoices):
    REPORTED = "REPORTED", _("waiting for a justification")
    JUSTIFIED = "JUSTIFIED", _("justified by the family")
    CLASSIFIED = "CLASSIFIED", _("classified by the school")


class AbsenceQuerySet(models.QuerySet["Absence"]):
    def visible_to(self, user: Any, *, rights: Rights | None = None) -> Self:
        """Absences `user` may read: of the pupils whose record they read or whom they teach,
        of their school as CPE or head, and those they recorded."""
        if not _signed_in(user):
            return self.none()
        rows = self.filter(
            Q(pupil__in=readable_pupil_ids(user))
            | Q(pupil__in=taught_pupil_ids(user))
            | Q(school__in=pupil_life_school_ids(user))
            | Q(recorded_by=user)
        )
        return _scoped(rows, user, rights, "school")  # type: ignore[no-any-return]  # no-any-return: _scoped keeps the queryset type

    def on(self, day: Any) -> Self:
        """Absences that overlap the local day `day`."""
        start = timezone.make_aware(datetime.combine(day, time.min))
        return self.filter(starts_at__lt=start + timedelta(days=1), ends_at__gt=start)


class Absence(models.Model):
    """An absence or a lateness of a pupil, recorded by a teacher or the pupil-life staff."""

    pupil = models.ForeignKey(
        User, verbose_name=_("pupil"), on_delete=models.CASCADE, related_name="+"
    )
    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=AbsenceKind.choices, default=AbsenceKind.ABSENCE
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    minutes_late = models.PositiveSmallIntegerField(_("minutes late"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        User, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices, blank=True)
    justification = models.TextField(_("justification from the family"), blank=True)
    justified_at = models.DateTimeField(_("justified at"), null=True, blank=True)
    justified_by = models.ForeignKey(
        User,
        verbose_name=_("justified by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=AbsenceStatus.choices, default=AbsenceStatus.REPORTED
    )

    objects = AbsenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="pupil_absence_ends_after"
            ),
        ]
        indexes = [
            models.Index(fields=["pupil", "starts_at"], name="pupil_absence_pupil"),
            models.Index(fields=["school", "starts_at"], name="pupil_absence_school"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.pupil_id} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def is_legitimate(self) -> bool:
        """Whether the school classified it with a legitimate reason (SIE-03)."""
        return self.status == AbsenceStatus.CLASSIFIED and self.reason in LEGITIMATE_REASONS


# The history -------------------------------------------------------------------------------


class RecordType(models.TextChoices):
    """What a history row is about."""

    GRADE = "grade", _("grade")
    RATING = "rating", _("competency rating")
    ABSENCE = "absence", _("absence")


class ChangeQuerySet(models.QuerySet["Change"]):
    def update(self, **kwargs: Any) -> int:
        """Refuse: history rows are never changed."""
        raise ImmutableHistoryError

    def delete(self) -> tuple[int, dict[str, int]]:
        """Refuse: only the retention rule removes history (`purge_history`)."""
        raise ImmutableHistoryError

    def about(self, obj: models.Model) -> Self:
        """Rows about one grade, rating or absence."""
        return self.filter(record_type=RECORD_TYPE_OF[type(obj)], object_id=obj.pk)


class Change(models.Model):
    """One field of a grade, a rating or an absence changed: who, when, from what to what.

    Rows are only ever inserted. PostgreSQL refuses any UPDATE, and any DELETE outside the
    retention purge, by a trigger; SQLite refuses UPDATE (migration 0003).
    """

    at = models.DateTimeField(_("at"), default=timezone.now)
    # No database constraint: history outlives whatever it names, and is never cascaded.
    actor = models.ForeignKey(
        User,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_label = models.CharField(_("by (name)"), max_length=200)
    pupil = models.ForeignKey(
        User,
        verbose_name=_("pupil"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    record_type = models.CharField(_("about"), max_length=10, choices=RecordType.choices)
    object_id = models.BigIntegerField(_("object id"))
    field = models.CharField(_("field"), max_length=30)
    old_value = models.TextField(_("old value"), blank=True)
    new_value = models.TextField(_("new value"), blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    objects = ChangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("change")
        verbose_name_plural = _("changes")
        indexes = [
            models.Index(fields=["record_type", "object_id"], name="pupil_change_object"),
            models.Index(fields=["pupil"], name="pupil_change_pupil"),
        ]

    def __str__(self) -> str:
        change = f"{self.old_value!r}→{self.new_value!r}"
        return f"{self.record_type}:{self.object_id}.{self.field} {change}"


RECORD_TYPE_OF: dict[type[models.Model], str] = {
    Grade: RecordType.GRADE,
    CompetencyRating: RecordType.RATING,
    Absence: RecordType.ABSENCE,
}
HISTORY_PURGE_SETTING = "ent.history_purge"


@contextmanager
def history_purge_allowed() -> Iterator[None]:
    """Lift the PostgreSQL guard against deleting history, for this transaction only."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, 'on', true)", [HISTORY_PURGE_SETTING])
    try:
        yield
    finally:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config(%s, 'off', true)", [HISTORY_PURGE_SETTING])


def purge_history(rows: models.QuerySet[Change]) -> int:
    """Delete history rows under the retention rule; only the purge actions call this."""
    with transaction.atomic(), history_purge_allowed():
        deleted, _detail = models.QuerySet.delete(rows)
    return int(deleted)


# Settings and grants -----------------------------------------------------------------------


class SchoolSetting(models.Model):
    """A school's choice of vie scolaire tool: the native service or an external connector."""

    school = models.OneToOneField(
        School, verbose_name=_("school"), on_delete=models.CASCADE, related_name="+"
    )
    uses_external_tool = models.BooleanField(_("uses an external vie scolaire tool"), default=False)
    # The code of the connector registered in the SSO registry (ent.sso), when there is one.
    connector_code = models.CharField(_("connector service code"), max_length=50, blank=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    updated_by = models.ForeignKey(
        User,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("school setting")
        verbose_name_plural = _("school settings")

    def __str__(self) -> str:
        return f"{self.school_id}: external={self.uses_external_tool}"


class SchoolGrant(models.Model):
    """A grant of the service this app installed in a school, and whether the school's choice
    of an external tool suspended it (so that turning the choice off resumes only those)."""

    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.CASCADE, related_name="+"
    )
    profile = models.CharField(_("profile"), max_length=3, choices=Profile.choices)
    grant = models.ForeignKey(
        "rights.ServiceGrant", verbose_name=_("grant"), on_delete=models.CASCADE, related_name="+"
    )
    is_suspended_for_external = models.BooleanField(
        _("suspended for the external tool"), default=False
    )

    class Meta:
        verbose_name = _("installed grant")
        verbose_name_plural = _("installed grants")
        constraints = [
            models.UniqueConstraint(fields=["school", "profile"], name="pupil_school_grant_unique")
        ]

    def __str__(self) -> str:
        return f"{self.profile} @ {self.school_id}"


class ReportComment(models.Model):
    """The professeur principal's comment on a pupil's period report."""

    pupil = models.ForeignKey(
        User, verbose_name=_("pupil"), on_delete=models.CASCADE, related_name="+"
    )
    period = models.ForeignKey(
        Period, verbose_name=_("period"), on_delete=models.CASCADE, related_name="+"
    )
    text = models.TextField(_("comment"))
    author = models.ForeignKey(
        User, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("report comment")
        verbose_name_plural = _("report comments")
        constraints = [
            models.UniqueConstraint(fields=["pupil", "period"], name="pupil_report_comment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.pupil_id} / {self.period_id}"
