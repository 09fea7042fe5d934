"""The cahier de textes (UTI-AVE-CDT): class and group logs with their entries and work to do,
the teacher's personal cahier, the 1st-degree cahier journal, visas and time-bounded access.

Who may read what is written once, in `_readable` (entries and work to do) and the
`visible_to` methods below; every page, export, search and API call starts from them.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any, Self

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models
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
    Subject,
    TeachingAssignment,
    TeachingGroup,
    User,
)
from ent.rights.models import Delegation

if TYPE_CHECKING:
    from django_stubs_ext.db.models.manager import RelatedManager

SERVICE = "lesson_log"
Upload = UploadedFile[Any]
# A file larger than this is refused with a clear message (settings may lower or raise it).
MAX_ATTACHMENT_BYTES: int = getattr(settings, "ENT_LESSON_LOG_MAX_ATTACHMENT_BYTES", 10 << 20)
# Documents a teacher attaches: office documents, images, sound and video; never HTML, SVG or
# programs, which a browser could run.
ALLOWED_EXTENSIONS = frozenset(
    {
        "pdf",
        "odt",
        "ods",
        "odp",
        "odg",
        "doc",
        "docx",
        "xls",
        "xlsx",
        "ppt",
        "pptx",
        "txt",
        "rtf",
        "csv",
        "png",
        "jpg",
        "jpeg",
        "gif",
        "webp",
        "mp3",
        "ogg",
        "mp4",
        "webm",
        "ggb",
        "zip",
    }
)


class Status(models.TextChoices):
    DRAFT = "DRAFT", _("draft")
    SCHEDULED = "SCHEDULED", _("scheduled")
    PUBLISHED = "PUBLISHED", _("published")


class WorkKind(models.TextChoices):
    HOMEWORK = "HOMEWORK", _("work to do")
    # CDT-04 (1st degree): lessons, poems and other things to learn by heart.
    LEARN = "LEARN", _("to learn")
    TEST = "TEST", _("test announced")


class AccessKind(models.TextChoices):
    # CDT-12/-13: read access from date to date (inspector, conseiller pédagogique).
    WINDOW = "WINDOW", _("read access")
    # CDT-14: writing on the teacher's behalf until a date (a substitute).
    SUBSTITUTE = "SUBSTITUTE", _("substitute")


def validate_attachment(upload: Upload) -> None:
    """Refuse a file over the size limit or of a type outside the allow-list."""
    size = upload.size or 0
    if size > MAX_ATTACHMENT_BYTES:
        raise ValidationError(
            _("The file %(name)s is too large: %(size)s MB at most."),
            params={"name": upload.name, "size": MAX_ATTACHMENT_BYTES >> 20},
            code="too_large",
        )
    extension = PurePosixPath(upload.name or "").suffix.lower().lstrip(".")
    if extension not in ALLOWED_EXTENSIONS:
        raise ValidationError(
            _("Files of type “%(extension)s” are not accepted. Accepted: %(allowed)s."),
            params={
                "extension": extension or "?",
                "allowed": ", ".join(sorted(ALLOWED_EXTENSIONS)),
            },
            code="file_type",
        )


def _today() -> date:
    return timezone.localdate()


def _in_force(day: date) -> Q:
    """LogAccess rows not revoked whose inclusive [starts_on, ends_on] contains `day`."""
    return Q(revoked_at=None, starts_on__lte=day, ends_on__gte=day)


def _division_q(prefix: str, classes: Any, groups: Any) -> Q:
    return Q(**{f"{prefix}school_class__in": classes}) | Q(
        **{f"{prefix}teaching_group__in": groups}
    )


def _whole_logs(person: User, day: date) -> models.QuerySet[Log]:
    """Logs whose every published entry `person` reads: their own classes and groups as a
    pupil, their children's as a guardian, their class as professeur principal, their school's
    as its head."""
    # One join: the person's own enrolments and those of their children (legal authority).
    enrolled = Enrolment.objects.filter(
        Q(pupil=person)
        | Q(
            pupil__guardianships__guardian=person,
            pupil__guardianships__has_legal_authority=True,
            pupil__is_active=True,
        )
    )
    classes = enrolled.values("school_class")
    groups = enrolled.values("teaching_group")
    headed = HeadTeacher.objects.filter(teacher=person).values("school_class")
    heads = Membership.objects.current(day).filter(person=person, profile=Profile.DIR)
    return Log.objects.filter(
        Q(school_class__in=classes)
        | Q(school_class__in=headed)
        | Q(teaching_group__in=groups)
        | Q(school__in=heads.values("school"))
    )


def _readable(person: User, now: datetime) -> Q:
    """Entries or work to do (rows with log, author, subject_code, status, publish_at) that
    `person` may read. The one rule of reading in the cahier de textes."""
    day = timezone.localdate(now)
    published = Q(status=Status.PUBLISHED) | Q(status=Status.SCHEDULED, publish_at__lte=now)
    # A subject teacher reads the entries of the subjects they teach to the class or group.
    teaches = Exists(
        TeachingAssignment.objects.filter(
            teacher=person, subject_code=OuterRef("subject_code")
        ).filter(
            Q(school_class__isnull=False, school_class=OuterRef("log__school_class"))
            | Q(teaching_group__isnull=False, teaching_group=OuterRef("log__teaching_group"))
        )
    )
    # An inspector's window or a substitute's delegation, within its dates.
    lent = Exists(
        LogAccess.objects.filter(_in_force(day), grantee=person, log=OuterRef("log")).filter(
            Q(subject_code="") | Q(subject_code=OuterRef("subject_code"))
        )
    )
    whole = Q(log__in=_whole_logs(person, day).values("pk"))
    return Q(author=person) | (published & (whole | teaches | lent))


class LogQuerySet(models.QuerySet["Log"]):
    def visible_to(self, person: Any) -> Self:
        """Logs `person` may open: as a reader of all of it, a teacher, a window or a
        substitute in force, or the author of entries in it (past years' logs)."""
        if not person.is_authenticated or not person.is_active:
            return self.none()
        day = _today()
        assignments = TeachingAssignment.objects.filter(teacher=person)
        teaches = _division_q(
            "",
            assignments.exclude(school_class=None).values("school_class"),
            assignments.exclude(teaching_group=None).values("teaching_group"),
        )
        lent = LogAccess.objects.filter(_in_force(day), grantee=person).exclude(log=None)
        authored = LessonEntry.objects.filter(author=person).values("log")
        return self.filter(
            Q(pk__in=_whole_logs(person, day).values("pk"))
            | teaches
            | Q(pk__in=lent.values("log"))
            | Q(pk__in=authored)
        )

    def of_year(self, year: int) -> Self:
        """Logs of the school year starting in `year`."""
        return self.filter(year=year)


class Log(models.Model):
    """The cahier de textes of one class or teaching group for one school year (CDT-02)."""

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
    # The first calendar year of the school year: 2026 is 2026-2027.
    year = models.PositiveSmallIntegerField(_("school year"))
    # CDT-11: entries dated on or before the latest visa are read-only for their teachers.
    visa_until = models.DateField(_("signed up to"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = LogQuerySet.as_manager()

    if TYPE_CHECKING:
        entries: RelatedManager[LessonEntry]
        visas: RelatedManager[Visa]

    class Meta:
        verbose_name = _("cahier de textes")
        verbose_name_plural = _("cahiers de textes")
        constraints = [
            models.CheckConstraint(
                condition=Q(school_class=None, teaching_group__isnull=False)
                | Q(school_class__isnull=False, teaching_group=None),
                name="lesson_log_log_class_xor_group",
            ),
            models.UniqueConstraint(
                fields=["school_class", "year"],
                condition=Q(school_class__isnull=False),
                name="lesson_log_log_unique_class",
            ),
            models.UniqueConstraint(
                fields=["teaching_group", "year"],
                condition=Q(teaching_group__isnull=False),
                name="lesson_log_log_unique_group",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.division} {self.year}-{self.year + 1}"

    @property
    def division(self) -> SchoolClass | TeachingGroup:
        """Return the class or group (loaded with the log by select_related)."""
        return self.school_class or self.teaching_group  # type: ignore[return-value]  # return-value: the check constraint makes one of them set

    @property
    def target(self) -> str:
        """Return the key of the division, as the timetable names it: class-3, group-4."""
        if self.school_class_id:
            return f"class-{self.school_class_id}"
        return f"group-{self.teaching_group_id}"

    @property
    def year_label(self) -> str:
        return f"{self.year}-{self.year + 1}"


class EntryQuerySet(models.QuerySet["LessonEntry"]):
    def visible_to(self, person: Any) -> Self:
        """Entries `person` may read: published ones of the logs they read, and their own."""
        if not person.is_authenticated or not person.is_active:
            return self.none()
        return self.filter(_readable(person, timezone.now()))

    def published(self, at: datetime | None = None) -> Self:
        """Entries published, or scheduled and due, at `at` (now)."""
        moment = at or timezone.now()
        return self.filter(
            Q(status=Status.PUBLISHED) | Q(status=Status.SCHEDULED, publish_at__lte=moment)
        )

    def between(self, first: date, end: date) -> Self:
        """Entries dated from `first` to `end` (exclusive)."""
        return self.filter(date__gte=first, date__lt=end)


class LessonEntry(models.Model):
    """The contenu de séance of one lesson in a log (CDT-04): date, slot, subject, title,
    content, links and documents."""

    log = models.ForeignKey(
        Log, verbose_name=_("cahier de textes"), on_delete=models.CASCADE, related_name="entries"
    )
    # Entries stay attributed to their author (CDT-14: a substitute's too).
    author = models.ForeignKey(
        User,
        verbose_name=_("author"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    subject = models.ForeignKey(
        Subject,
        verbose_name=_("subject"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    subject_code = models.CharField(_("subject code"), max_length=20, blank=True)
    date = models.DateField(_("date"))
    starts_at = models.TimeField(_("starts at"), null=True, blank=True)
    ends_at = models.TimeField(_("ends at"), null=True, blank=True)
    title = models.CharField(_("title"), max_length=200)
    # Plain text; line breaks are kept on display (no HTML is ever stored).
    content = models.TextField(_("content"), blank=True)
    # [{"url": "https://…", "label": "…"}]
    links = models.JSONField(_("links"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    publish_at = models.DateTimeField(_("publish at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    # CDT-07: the preparation of the personal cahier it was copied from.
    copied_from = models.ForeignKey(
        "PersonalEntry",
        verbose_name=_("copied from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    objects = EntryQuerySet.as_manager()

    if TYPE_CHECKING:
        homework: RelatedManager[Homework]
        attachments: RelatedManager[Attachment]

    class Meta:
        verbose_name = _("lesson entry")
        verbose_name_plural = _("lesson entries")
        indexes = [
            models.Index(fields=["log", "date"], name="lesson_log_entry_log_date"),
            models.Index(fields=["author", "status"], name="lesson_log_entry_author"),
            models.Index(fields=["status", "publish_at"], name="lesson_log_entry_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=Status.SCHEDULED) | Q(publish_at__isnull=False),
                name="lesson_log_entry_scheduled_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.title}"

    @property
    def subject_label(self) -> str:
        return self.subject.label if self.subject else self.subject_code

    @property
    def is_visible_to_pupils(self) -> bool:
        """Tell whether pupils read it now (published, or scheduled and due)."""
        if self.status == Status.PUBLISHED:
            return True
        return bool(
            self.status == Status.SCHEDULED
            and self.publish_at is not None
            and self.publish_at <= timezone.now()
        )

    @property
    def is_signed(self) -> bool:
        """Tell whether a visa covers it (needs the log loaded)."""
        return bool(self.log.visa_until and self.date <= self.log.visa_until)


class HomeworkQuerySet(models.QuerySet["Homework"]):
    def visible_to(self, person: Any) -> Self:
        """Work to do `person` may read: the same rule as the entries'."""
        if not person.is_authenticated or not person.is_active:
            return self.none()
        return self.filter(_readable(person, timezone.now()))

    def due_between(self, first: date, end: date) -> Self:
        """Work due from `first` to `end` (exclusive)."""
        return self.filter(due_on__gte=first, due_on__lt=end)


class Homework(models.Model):
    """The travail à faire: work given in a lesson (or on its own), with its due date (CDT-04).

    It carries its log, author, subject and publication as its entry does, so that the rule
    of reading is the same for both.
    """

    log = models.ForeignKey(
        Log, verbose_name=_("cahier de textes"), on_delete=models.CASCADE, related_name="+"
    )
    entry = models.ForeignKey(
        LessonEntry,
        verbose_name=_("lesson entry"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="homework",
    )
    author = models.ForeignKey(
        User, verbose_name=_("author"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject = models.ForeignKey(
        Subject,
        verbose_name=_("subject"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    subject_code = models.CharField(_("subject code"), max_length=20, blank=True)
    kind = models.CharField(
        _("kind"), max_length=10, choices=WorkKind.choices, default=WorkKind.HOMEWORK
    )
    instructions = models.TextField(_("instructions"))
    given_on = models.DateField(_("given on"))
    due_on = models.DateField(_("due on"))
    # CDT-19: the workload the teacher expects, in minutes.
    estimated_minutes = models.PositiveSmallIntegerField(
        _("estimated time (minutes)"), null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    publish_at = models.DateTimeField(_("publish at"), null=True, blank=True)
    # When its pupils and their guardians were told (once).
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = HomeworkQuerySet.as_manager()

    if TYPE_CHECKING:
        attachments: RelatedManager[Attachment]

    class Meta:
        verbose_name = _("work to do")
        verbose_name_plural = _("work to do")
        indexes = [
            models.Index(fields=["log", "due_on"], name="lesson_log_homework_due"),
            models.Index(fields=["status", "notified_at"], name="lesson_log_homework_notify"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_on__gte=models.F("given_on")),
                name="lesson_log_homework_due_after_given",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.due_on} {self.instructions[:40]}"

    @property
    def subject_label(self) -> str:
        return self.subject.label if self.subject else self.subject_code


class AttachmentQuerySet(models.QuerySet["Attachment"]):
    def visible_to(self, person: Any) -> Self:
        """Documents of the entries and work to do `person` may read."""
        return self.filter(
            Q(entry__in=LessonEntry.objects.visible_to(person).values("pk"))
            | Q(homework__in=Homework.objects.visible_to(person).values("pk"))
        )


def _upload_to(instance: Attachment, filename: str) -> str:
    day = timezone.localdate()
    return f"lesson_log/{day:%Y/%m}/{PurePosixPath(filename).name}"


class Attachment(models.Model):
    """A document attached to an entry or to work to do."""

    entry = models.ForeignKey(
        LessonEntry,
        verbose_name=_("lesson entry"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    homework = models.ForeignKey(
        Homework,
        verbose_name=_("work to do"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    file = models.FileField(_("file"), upload_to=_upload_to, max_length=300)
    name = models.CharField(_("name"), max_length=200)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        User, verbose_name=_("uploaded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        constraints = [
            models.CheckConstraint(
                condition=Q(entry=None, homework__isnull=False)
                | Q(entry__isnull=False, homework=None),
                name="lesson_log_attachment_one_owner",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Visa(models.Model):
    """A head's or inspector's signature of a log up to a date (CDT-11)."""

    log = models.ForeignKey(
        Log, verbose_name=_("cahier de textes"), on_delete=models.CASCADE, related_name="visas"
    )
    signed_by = models.ForeignKey(
        User, verbose_name=_("signed by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    up_to = models.DateField(_("signed up to"))
    comment = models.TextField(_("comment"), blank=True)
    signed_at = models.DateTimeField(_("signed at"), default=timezone.now)

    class Meta:
        verbose_name = _("visa")
        verbose_name_plural = _("visas")

    def __str__(self) -> str:
        return f"{self.log_id} signed up to {self.up_to}"


class LogAccessQuerySet(models.QuerySet["LogAccess"]):
    def in_force(self, day: date | None = None) -> Self:
        """Accesses not revoked whose dates contain `day` (today)."""
        return self.filter(_in_force(day or _today()))

    def given_by(self, person: Any) -> Self:
        """Accesses `person` opened, revoked ones left out."""
        return self.filter(owner=person, revoked_at=None)


class LogAccess(models.Model):
    """A teacher's log (or cahier journal, without a log) opened to another person from date
    to date: read access (CDT-12, -13) or a substitute's writing (CDT-14).

    It ends by itself: the dates are checked on every read. `subject_code` empty covers the
    whole log; otherwise only the entries of that subject. The delegation of the service in
    the school, with the same bounds, lets the person through the service's gate.
    """

    kind = models.CharField(_("kind"), max_length=10, choices=AccessKind.choices)
    owner = models.ForeignKey(
        User, verbose_name=_("opened by"), on_delete=models.CASCADE, related_name="+"
    )
    grantee = models.ForeignKey(
        User, verbose_name=_("opened to"), on_delete=models.CASCADE, related_name="+"
    )
    log = models.ForeignKey(
        Log,
        verbose_name=_("cahier de textes"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.CASCADE, related_name="+"
    )
    subject_code = models.CharField(_("subject code"), max_length=20, blank=True)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until (included)"))
    delegation = models.ForeignKey(
        Delegation,
        verbose_name=_("delegation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = LogAccessQuerySet.as_manager()

    class Meta:
        verbose_name = _("access to a cahier")
        verbose_name_plural = _("accesses to cahiers")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="lesson_log_access_dates"
            ),
        ]
        indexes = [models.Index(fields=["grantee", "log"], name="lesson_log_access_grantee")]

    def __str__(self) -> str:
        return (
            f"{self.kind} {self.owner_id} → {self.grantee_id} ({self.starts_on} to {self.ends_on})"
        )


class PersonalEntryQuerySet(models.QuerySet["PersonalEntry"]):
    def visible_to(self, person: Any) -> Self:
        """The personal cahier is its owner's alone (CDT-03)."""
        if not person.is_authenticated:
            return self.none()
        return self.filter(owner=person)


class PersonalEntry(models.Model):
    """A preparation in the teacher's personal cahier de textes (CDT-03, -05)."""

    owner = models.ForeignKey(
        User, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="+"
    )
    planned_on = models.DateField(_("planned for"), null=True, blank=True)
    subject_code = models.CharField(_("subject code"), max_length=20, blank=True)
    title = models.CharField(_("title"), max_length=200)
    content = models.TextField(_("content"), blank=True)
    links = models.JSONField(_("links"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    objects = PersonalEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("personal entry")
        verbose_name_plural = _("personal entries")
        indexes = [models.Index(fields=["owner", "planned_on"], name="lesson_log_personal_owner")]

    def __str__(self) -> str:
        return self.title


class DayPlanQuerySet(models.QuerySet["DayPlan"]):
    def visible_to(self, person: Any) -> Self:
        """Plans `person` may read: their own, and those of a cahier journal opened to them
        (a window or a substitution in force)."""
        if not person.is_authenticated or not person.is_active:
            return self.none()
        opened = LogAccess.objects.in_force().filter(grantee=person, log=None)
        return self.filter(Q(owner=person) | Q(owner__in=opened.values("owner")))


class DayPlan(models.Model):
    """One day of a 1st-degree teacher's cahier journal (CDT-01): the planned sessions, private
    to the teacher unless opened."""

    owner = models.ForeignKey(
        User, verbose_name=_("teacher"), on_delete=models.CASCADE, related_name="+"
    )
    school_class = models.ForeignKey(
        SchoolClass, verbose_name=_("class"), on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(_("day"))
    # [{"starts_at": "08:30", "ends_at": "09:15", "title": "…", "content": "…"}]
    sessions = models.JSONField(_("sessions"), default=list, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    objects = DayPlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("day of the cahier journal")
        verbose_name_plural = _("days of the cahier journal")
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "school_class", "day"], name="lesson_log_dayplan_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.owner_id} {self.school_class_id} {self.day}"


class PupilWorkQuerySet(models.QuerySet["PupilWork"]):
    def visible_to(self, person: Any) -> Self:
        """Work a pupil recorded: read by the pupil, their guardians and their teachers."""
        if not person.is_authenticated or not person.is_active:
            return self.none()
        wards = Guardianship.objects.filter(guardian=person, has_legal_authority=True)
        assignments = TeachingAssignment.objects.filter(teacher=person)
        taught = Enrolment.objects.filter(
            _division_q(
                "",
                assignments.exclude(school_class=None).values("school_class"),
                assignments.exclude(teaching_group=None).values("teaching_group"),
            )
            | Q(school_class__in=HeadTeacher.objects.filter(teacher=person).values("school_class"))
        )
        return self.filter(
            Q(pupil=person)
            | Q(pupil__in=wards.values("pupil"))
            | Q(pupil__in=taught.values("pupil"))
        )


class PupilWork(models.Model):
    """The pupil's own cahier: work they did, against work to do or free (scenario 4)."""

    pupil = models.ForeignKey(
        User, verbose_name=_("pupil"), on_delete=models.CASCADE, related_name="+"
    )
    homework = models.ForeignKey(
        Homework,
        verbose_name=_("work to do"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    done_on = models.DateField(_("done on"))
    text = models.TextField(_("what I did"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    objects = PupilWorkQuerySet.as_manager()

    class Meta:
        verbose_name = _("work done")
        verbose_name_plural = _("work done")
        indexes = [models.Index(fields=["pupil", "done_on"], name="lesson_log_work_pupil")]

    def __str__(self) -> str:
        return f"{self.pupil_id} {self.done_on}"
