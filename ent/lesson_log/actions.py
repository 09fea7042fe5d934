"""Every change of the cahier de textes: logs, entries, work to do, documents, visas, accesses,
the personal cahier, the cahier journal and the pupil's own cahier. Each one is checked,
audited, and tells pupils and guardians of new work to do once it is published."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ent.audit.actions import record
from ent.core.calendar import school_year_of
from ent.directory.models import (
    Membership,
    School,
    SchoolClass,
    Subject,
    TeachingAssignment,
    TeachingGroup,
    User,
)
from ent.notifications.actions import notify
from ent.notifications.events import Event
from ent.rights.actions import delegate_rights, revoke_delegation
from ent.rights.registry import Level

from .models import (
    SERVICE,
    AccessKind,
    Attachment,
    DayPlan,
    Homework,
    LessonEntry,
    Log,
    LogAccess,
    PersonalEntry,
    PupilWork,
    Status,
    Upload,
    Visa,
    WorkKind,
    validate_attachment,
)
from .permissions import (
    Division,
    can_edit_day_plan,
    can_edit_entry,
    can_edit_work,
    can_keep_personal_cahier,
    can_manage_logs,
    can_open_access,
    can_record_work,
    can_sign,
    can_write,
    can_write_journal,
    current_year,
    is_archived,
    is_signed,
    taught_codes,
    writable_codes,
)

HOMEWORK_KIND = "lesson_log.homework"
# The version of the JSON format of the personal cahier and the cahier journal (CDT-15, -16).
EXCHANGE_FORMAT = "ent.lesson_log/1"


class NotYourClass(PermissionDenied):
    """The actor does not teach this class or group (nor substitutes there)."""


class NotYourSubject(PermissionDenied):
    """The actor teaches the class or group, but not this subject."""


class EntryLocked(PermissionDenied):
    """A visa covers the lesson, or the log is of a past school year."""


class AccessRefused(PermissionDenied):
    """The actor may not open, sign or write this."""


@dataclass(frozen=True)
class WorkInput:
    """Work to do given with a lesson."""

    instructions: str
    due_on: date
    kind: str = WorkKind.HOMEWORK
    estimated_minutes: int | None = None
    attachments: Sequence[Upload] = ()


# --- Helpers ---------------------------------------------------------------------------------


def _clean_links(links: Iterable[Mapping[str, str]]) -> list[dict[str, str]]:
    """Keep http(s) links only; refuse any other address with a clear message."""
    check = URLValidator(schemes=["http", "https"])
    cleaned = []
    for link in links:
        url = str(link.get("url", "")).strip()
        if not url:
            continue
        try:
            check(url)
        except ValidationError:
            raise ValidationError(
                _("“%(url)s” is not a web address (http or https).") % {"url": url},
                code="link",
            ) from None
        cleaned.append({"url": url, "label": str(link.get("label", "")).strip()[:200]})
    return cleaned


def _check_files(files: Iterable[Upload]) -> None:
    for upload in files:
        validate_attachment(upload)


def _attach(
    actor: User, files: Iterable[Upload], *, entry: LessonEntry | None = None,
    homework: Homework | None = None,
) -> list[Attachment]:  # fmt: skip
    return [
        Attachment.objects.create(
            entry=entry,
            homework=homework,
            file=upload,
            name=(upload.name or "document")[:200],
            size=upload.size or 0,
            uploaded_by=actor,
        )
        for upload in files
    ]


def _subject(code: str) -> Subject | None:
    return Subject.objects.filter(code=code).first() if code else None


def _check_status(status: str, publish_at: datetime | None) -> tuple[str, datetime | None]:
    """Return the status to store: a schedule already due is a publication."""
    if status not in Status.values:
        raise ValidationError(_("Unknown status."), code="status")
    if status == Status.SCHEDULED:
        if publish_at is None:
            raise ValidationError(
                _("Give the date and time of publication of a scheduled entry."), code="publish_at"
            )
        if publish_at <= timezone.now():
            return Status.PUBLISHED, None
        return status, publish_at
    return status, None


def _check_work(work: WorkInput, lesson_on: date) -> None:
    if not work.instructions.strip():
        raise ValidationError(_("Say what the work to do is."), code="instructions")
    if work.due_on < lesson_on:
        raise ValidationError(
            _("The work is due on %(due)s, before the lesson of %(lesson)s: choose a later date.")
            % {"due": work.due_on.strftime("%d/%m/%Y"), "lesson": lesson_on.strftime("%d/%m/%Y")},
            code="due_before_lesson",
        )
    if work.kind not in WorkKind.values:
        raise ValidationError(_("Unknown kind of work."), code="kind")
    if work.estimated_minutes is not None and not 0 < work.estimated_minutes <= 600:
        raise ValidationError(_("The estimated time is between 1 and 600 minutes."), code="time")


def _check_slot(starts_at: time | None, ends_at: time | None) -> None:
    if starts_at and ends_at and ends_at <= starts_at:
        raise ValidationError(_("The lesson ends after it starts."), code="slot")


def _resolve_subject(actor: User, division: Division, subject_code: str, year: int) -> str:
    """Return the subject to write, refusing a class or subject the actor does not teach."""
    codes = writable_codes(actor, division, year)
    if not codes:
        raise NotYourClass(
            _("You do not teach %(division)s: nothing was saved.") % {"division": division}
        )
    if not subject_code and len(codes) == 1:
        return next(iter(codes))
    if subject_code not in codes:
        raise NotYourSubject(
            _("You do not teach this subject in %(division)s: nothing was saved.")
            % {"division": division}
        )
    return subject_code


def _check_can_write(actor: User, division: Division, subject_code: str, year: int) -> None:
    if year < current_year():
        raise EntryLocked(_("The cahiers of past school years are read-only."))
    if not can_write(actor, division, subject_code=subject_code, year=year):
        raise NotYourClass(
            _("You may not write in the cahier de textes of %(division)s.") % {"division": division}
        )


def _check_entry_editable(actor: User, entry: LessonEntry) -> None:
    if is_archived(entry.log):
        raise EntryLocked(_("The cahiers of past school years are read-only."))
    if is_signed(entry.date, entry.log):
        raise EntryLocked(
            _("A visa covers the lessons up to %(date)s: this entry can no longer be changed.")
            % {"date": entry.log.visa_until.strftime("%d/%m/%Y") if entry.log.visa_until else ""}
        )
    if not can_edit_entry(actor, entry):
        raise NotYourSubject(_("You may not change this entry."))


def _log_for(division: Division, year: int) -> Log:
    """Return the division's log of `year`, created if missing (CDT-02)."""
    fields = (
        {"school_class": division}
        if isinstance(division, SchoolClass)
        else {"teaching_group": division}
    )
    log = Log.objects.filter(year=year, **fields).first()
    if log is not None:
        return log
    try:
        with transaction.atomic():
            log = Log.objects.create(school_id=division.school_id, year=year, **fields)
    except IntegrityError:
        # Created meanwhile by another request.
        return Log.objects.get(year=year, **fields)
    record(actor=None, action="lesson_log.log.create", target=log, data={"year": year})
    return log


def _sync_homework(entry: LessonEntry) -> None:
    """Give the entry's work to do its log, subject and publication."""
    Homework.objects.filter(entry=entry).update(
        log=entry.log,
        author=entry.author,
        subject=entry.subject,
        subject_code=entry.subject_code,
        status=entry.status,
        publish_at=entry.publish_at,
        given_on=entry.date,
    )


def _recipients(log: Log) -> list[User]:
    """Return the active pupils of the log's class or group and their legal guardians."""
    pupils = (
        Q(enrolments__school_class=log.school_class_id)
        if log.school_class_id
        else Q(enrolments__teaching_group=log.teaching_group_id)
    )
    guardians = (
        Q(wards__pupil__enrolments__school_class=log.school_class_id)
        if log.school_class_id
        else Q(wards__pupil__enrolments__teaching_group=log.teaching_group_id)
    )
    return list(
        User.objects.active()
        .filter(
            pupils | (guardians & Q(wards__has_legal_authority=True, wards__pupil__is_active=True))
        )
        .distinct()
    )


def _announce(homework_ids: Iterable[int]) -> int:
    """Mark published work not yet announced as announced, and tell its pupils and their
    guardians after commit: one notification per log."""
    now = timezone.now()
    due = list(
        Homework.objects.filter(pk__in=list(homework_ids), notified_at=None)
        .filter(Q(status=Status.PUBLISHED) | Q(status=Status.SCHEDULED, publish_at__lte=now))
        .select_related("log__school_class", "log__teaching_group", "subject")
        .order_by("due_on", "pk")
    )
    if not due:
        return 0
    Homework.objects.filter(pk__in=[item.pk for item in due]).update(notified_at=now)
    by_log: dict[int, list[Homework]] = defaultdict(list)
    for item in due:
        by_log[item.log_id].append(item)
    events = []
    for items in by_log.values():
        log, first = items[0].log, items[0]
        title = _("New work to do in %(division)s: %(subject)s, due %(date)s") % {
            "division": log.division,
            "subject": first.subject_label or _("a subject"),
            "date": first.due_on.strftime("%d/%m/%Y"),
        }
        url = reverse("lesson_log:homework") + f"?week={first.given_on.isoformat()}"
        body = "\n".join(item.instructions[:200] for item in items)
        events.append((log, Event(HOMEWORK_KIND, title, body, url, log.school_id)))

    def send() -> None:
        for log, event in events:
            notify(recipients=_recipients(log), event=event)

    transaction.on_commit(send)
    return len(due)


# --- Logs ------------------------------------------------------------------------------------


@transaction.atomic
def ensure_logs(*, actor: User | None, school: School, year: int | None = None) -> int:
    """Create the missing logs of every class and teaching group of `school` (CDT-02)."""
    if actor is not None and not can_manage_logs(actor, school):
        raise AccessRefused(_("Only the head of the school creates all its cahiers."))
    year = year or current_year()
    have_classes = set(
        Log.objects.filter(school=school, year=year).values_list("school_class_id", flat=True)
    )
    have_groups = set(
        Log.objects.filter(school=school, year=year).values_list("teaching_group_id", flat=True)
    )
    new = [
        Log(school=school, school_class_id=pk, year=year)
        for pk in SchoolClass.objects.filter(school=school).values_list("pk", flat=True)
        if pk not in have_classes
    ] + [
        Log(school=school, teaching_group_id=pk, year=year)
        for pk in TeachingGroup.objects.filter(school=school).values_list("pk", flat=True)
        if pk not in have_groups
    ]
    Log.objects.bulk_create(new, ignore_conflicts=True)
    record(
        actor=actor,
        action="lesson_log.log.ensure",
        target=school,
        data={"year": year, "created": len(new)},
    )
    return len(new)


def ensure_teacher_logs(*, actor: User) -> int:
    """Create the missing logs of the classes and groups `actor` teaches, this school year."""
    year = current_year()
    created = 0
    assignments = TeachingAssignment.objects.filter(teacher=actor).select_related(
        "school_class", "teaching_group"
    )
    existing = set(
        Log.objects.filter(year=year)
        .filter(
            Q(school_class__in=assignments.values("school_class"))
            | Q(teaching_group__in=assignments.values("teaching_group"))
        )
        .values_list("school_class_id", "teaching_group_id")
    )
    seen = set()
    for assignment in assignments:
        key = (assignment.school_class_id, assignment.teaching_group_id)
        if key in existing or key in seen:
            continue
        seen.add(key)
        # The directory's check constraint sets exactly one of the two.
        _log_for(cast(Division, assignment.school_class or assignment.teaching_group), year)
        created += 1
    return created


# --- Entries ---------------------------------------------------------------------------------


@transaction.atomic
def create_entry(
    *,
    actor: User,
    division: Division,
    date: date,
    title: str,
    subject_code: str = "",
    starts_at: time | None = None,
    ends_at: time | None = None,
    content: str = "",
    links: Iterable[Mapping[str, str]] = (),
    status: str = Status.DRAFT,
    publish_at: datetime | None = None,
    attachments: Sequence[Upload] = (),
    work: Sequence[WorkInput] = (),
    copied_from: PersonalEntry | None = None,
) -> LessonEntry:
    """Write a lesson in the division's log, with its documents and work to do; refuse a class,
    group or subject the actor does not teach, and save nothing then."""
    year = school_year_of(date).start_year
    subject_code = _resolve_subject(actor, division, subject_code, year)
    _check_can_write(actor, division, subject_code, year)
    if not title.strip():
        raise ValidationError(_("Give the lesson a title."), code="title")
    _check_slot(starts_at, ends_at)
    status, publish_at = _check_status(status, publish_at)
    clean_links = _clean_links(links)
    _check_files(attachments)
    for item in work:
        _check_work(item, date)
        _check_files(item.attachments)
    log = _log_for(division, year)
    if is_signed(date, log):
        raise EntryLocked(
            _("A visa covers the lessons up to %(date)s: add no entry before it.")
            % {"date": log.visa_until.strftime("%d/%m/%Y") if log.visa_until else ""}
        )
    now = timezone.now()
    entry = LessonEntry.objects.create(
        log=log,
        author=actor,
        subject=_subject(subject_code),
        subject_code=subject_code,
        date=date,
        starts_at=starts_at,
        ends_at=ends_at,
        title=title.strip(),
        content=content,
        links=clean_links,
        status=status,
        publish_at=publish_at,
        published_at=now if status == Status.PUBLISHED else None,
        copied_from=copied_from,
    )
    _attach(actor, attachments, entry=entry)
    homework = [_create_work(actor, entry, item) for item in work]
    record(
        actor=actor,
        action="lesson_log.entry.create",
        target=entry,
        data={"log": log.pk, "status": status, "work": len(homework)},
    )
    _announce([item.pk for item in homework])
    return entry


def _create_work(actor: User, entry: LessonEntry, item: WorkInput) -> Homework:
    homework = Homework.objects.create(
        log=entry.log,
        entry=entry,
        author=entry.author,
        subject=entry.subject,
        subject_code=entry.subject_code,
        kind=item.kind,
        instructions=item.instructions.strip(),
        given_on=entry.date,
        due_on=item.due_on,
        estimated_minutes=item.estimated_minutes,
        status=entry.status,
        publish_at=entry.publish_at,
    )
    _attach(actor, item.attachments, homework=homework)
    return homework


@transaction.atomic
def update_entry(
    *,
    actor: User,
    entry: LessonEntry,
    date: date,
    title: str,
    starts_at: time | None = None,
    ends_at: time | None = None,
    content: str = "",
    links: Iterable[Mapping[str, str]] = (),
    status: str = Status.DRAFT,
    publish_at: datetime | None = None,
    attachments: Sequence[Upload] = (),
    work: Sequence[WorkInput] = (),
) -> LessonEntry:
    """Change a lesson (and add documents or work to do); refuse a signed or archived one."""
    _check_entry_editable(actor, entry)
    if school_year_of(date).start_year != entry.log.year:
        raise ValidationError(_("A lesson stays in its school year."), code="year")
    if is_signed(date, entry.log):
        raise EntryLocked(_("A visa covers that date: choose a later one."))
    if not title.strip():
        raise ValidationError(_("Give the lesson a title."), code="title")
    _check_slot(starts_at, ends_at)
    was_published = entry.is_visible_to_pupils
    status, publish_at = _check_status(status, publish_at)
    clean_links = _clean_links(links)
    _check_files(attachments)
    for item in work:
        _check_work(item, date)
        _check_files(item.attachments)
    for due_on in entry.homework.values_list("due_on", flat=True):
        _check_work(WorkInput(instructions="-", due_on=due_on), date)
    before = {"date": entry.date.isoformat(), "status": entry.status, "title": entry.title}
    now = timezone.now()
    entry.date, entry.title, entry.content = date, title.strip(), content
    entry.starts_at, entry.ends_at, entry.links = starts_at, ends_at, clean_links
    entry.status, entry.publish_at, entry.updated_at = status, publish_at, now
    if status == Status.PUBLISHED and not was_published:
        entry.published_at = now
    entry.save()
    _sync_homework(entry)
    _attach(actor, attachments, entry=entry)
    added = [_create_work(actor, entry, item) for item in work]
    record(
        actor=actor,
        action="lesson_log.entry.update",
        target=entry,
        data={"from": before, "to": {"date": date.isoformat(), "status": status}},
    )
    _announce([*entry.homework.values_list("pk", flat=True), *(item.pk for item in added)])
    return entry


@transaction.atomic
def delete_entry(*, actor: User, entry: LessonEntry) -> None:
    """Delete a lesson with its work to do and documents; refuse a signed or archived one."""
    _check_entry_editable(actor, entry)
    record(
        actor=actor,
        action="lesson_log.entry.delete",
        target=entry,
        data={"log": entry.log_id, "date": entry.date.isoformat(), "title": entry.title},
    )
    files = [
        item.file for item in Attachment.objects.filter(Q(entry=entry) | Q(homework__entry=entry))
    ]
    entry.delete()

    def remove_files() -> None:
        for file in files:
            file.delete(save=False)

    transaction.on_commit(remove_files)


@transaction.atomic
def add_work(*, actor: User, entry: LessonEntry, work: WorkInput) -> Homework:
    """Add work to do to a lesson; announce it if the lesson is published."""
    _check_entry_editable(actor, entry)
    _check_work(work, entry.date)
    _check_files(work.attachments)
    homework = _create_work(actor, entry, work)
    record(actor=actor, action="lesson_log.homework.create", target=homework)
    _announce([homework.pk])
    return homework


@transaction.atomic
def update_work(
    *,
    actor: User,
    homework: Homework,
    instructions: str,
    due_on: date,
    kind: str = WorkKind.HOMEWORK,
    estimated_minutes: int | None = None,
) -> Homework:
    """Change work to do; refuse it when its lesson may not be changed."""
    if homework.entry is not None:
        _check_entry_editable(actor, homework.entry)
    elif not can_write(
        actor,
        homework.log.division,
        subject_code=homework.subject_code,
        year=homework.log.year,
    ):
        raise NotYourSubject(_("You may not change this work."))
    _check_work(WorkInput(instructions, due_on, kind, estimated_minutes), homework.given_on)
    before = {"due_on": homework.due_on.isoformat(), "kind": homework.kind}
    homework.instructions, homework.due_on = instructions.strip(), due_on
    homework.kind, homework.estimated_minutes = kind, estimated_minutes
    homework.save()
    record(
        actor=actor,
        action="lesson_log.homework.update",
        target=homework,
        data={"from": before, "to": {"due_on": due_on.isoformat(), "kind": kind}},
    )
    return homework


@transaction.atomic
def delete_work(*, actor: User, homework: Homework) -> None:
    """Delete work to do."""
    if homework.entry is None or not can_edit_entry(actor, homework.entry):
        raise NotYourSubject(_("You may not change this work."))
    _check_entry_editable(actor, homework.entry)
    record(actor=actor, action="lesson_log.homework.delete", target=homework)
    homework.delete()


@transaction.atomic
def remove_attachment(*, actor: User, attachment: Attachment) -> None:
    """Remove a document from a lesson or from work to do."""
    entry = attachment.entry or (attachment.homework.entry if attachment.homework else None)
    if entry is None:
        raise NotYourSubject(_("You may not change this document."))
    _check_entry_editable(actor, entry)
    record(actor=actor, action="lesson_log.attachment.delete", target=attachment)
    file = attachment.file
    attachment.delete()
    transaction.on_commit(lambda: file.delete(save=False))


def publish_due(*, actor: User | None = None, at: datetime | None = None) -> int:
    """Publish the scheduled entries and work whose time has come, and announce the work: the
    periodic job (`ent lesson_log publish-due`); return how many entries were published."""
    moment = at or timezone.now()
    with transaction.atomic():
        entries = list(
            LessonEntry.objects.filter(status=Status.SCHEDULED, publish_at__lte=moment)
            .select_for_update()
            .values_list("pk", "publish_at")
        )
        for pk, publish_at in entries:
            LessonEntry.objects.filter(pk=pk).update(
                status=Status.PUBLISHED, published_at=publish_at
            )
        Homework.objects.filter(status=Status.SCHEDULED, publish_at__lte=moment).update(
            status=Status.PUBLISHED
        )
        waiting = Homework.objects.filter(status=Status.PUBLISHED, notified_at=None).filter(
            Q(entry__in=[pk for pk, _at in entries]) | Q(publish_at__lte=moment)
        )
        announced = _announce(waiting.values_list("pk", flat=True))
        if entries or announced:
            record(
                actor=actor,
                action="lesson_log.entry.publish_due",
                data={"entries": len(entries), "work": announced},
            )
    return len(entries)


# --- Visa and accesses -----------------------------------------------------------------------


@transaction.atomic
def sign_log(*, actor: User, log: Log, up_to: date, comment: str = "") -> Visa:
    """Sign the log up to a date (CDT-11): the entries up to it become read-only."""
    if not can_sign(actor, log):
        raise AccessRefused(_("Only the head of the school or an inspector signs a cahier."))
    if up_to > timezone.localdate():
        raise ValidationError(_("A visa covers past lessons only."), code="future")
    if log.visa_until and up_to < log.visa_until:
        raise ValidationError(
            _("A visa already covers the lessons up to %(date)s.")
            % {"date": log.visa_until.strftime("%d/%m/%Y")},
            code="earlier",
        )
    visa = Visa.objects.create(log=log, signed_by=actor, up_to=up_to, comment=comment.strip())
    Log.objects.filter(pk=log.pk).update(visa_until=up_to)
    log.visa_until = up_to
    record(actor=actor, action="lesson_log.log.sign", target=log, data={"up_to": up_to.isoformat()})
    return visa


def _bounds(starts_on: date, ends_on: date) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    first = datetime.combine(starts_on, time.min, tzinfo=zone)
    end = datetime.combine(ends_on + timedelta(days=1), time.min, tzinfo=zone)
    return first, end


def _has_membership(person: User) -> bool:
    return Membership.objects.current().filter(person=person).exists()


@transaction.atomic
def open_access(
    *,
    actor: User,
    grantee: User,
    kind: str,
    starts_on: date,
    ends_on: date,
    log: Log | None = None,
    school_class: SchoolClass | None = None,
) -> list[LogAccess]:
    """Open the actor's log (or cahier journal, for `school_class`) to a reader from date to
    date (CDT-12, -13) or to a substitute until a date (CDT-14). Both end by themselves."""
    if kind not in AccessKind.values:
        raise ValidationError(_("Unknown kind of access."), code="kind")
    if ends_on < starts_on:
        raise ValidationError(_("The end comes on or after the start."), code="dates")
    if ends_on < timezone.localdate():
        raise ValidationError(_("This access would already be over."), code="dates")
    if grantee.pk == actor.pk or not grantee.is_active or not _has_membership(grantee):
        raise ValidationError(_("Choose another person of the ENT."), code="grantee")
    if log is not None:
        if not can_open_access(actor, log):
            raise AccessRefused(_("You may open only the cahiers of your own classes."))
        school_id, codes = log.school_id, taught_codes(actor, log.division)
        # CDT-13: a professeur principal opens the whole class's cahier.
        if (
            kind == AccessKind.WINDOW
            and log.school_class_id
            and actor.head_of.filter(school_class_id=log.school_class_id).exists()
        ):
            codes = {""}
    elif school_class is not None and taught_codes(actor, school_class):
        school_id, codes = school_class.school_id, {""}
    else:
        raise AccessRefused(_("You may open only the cahiers of your own classes."))
    school = School.objects.get(pk=school_id)
    first, end = _bounds(starts_on, ends_on)
    level = Level.READ if kind == AccessKind.WINDOW else Level.USE
    delegation = delegate_rights(
        actor=actor,
        delegate=grantee,
        school=school,
        service=SERVICE,
        level=level,
        starts_at=first,
        ends_at=end,
        reason=str(gettext_lazy("cahier de textes")),
    )
    accesses = [
        LogAccess.objects.create(
            kind=kind,
            owner=actor,
            grantee=grantee,
            log=log,
            school=school,
            subject_code=code,
            starts_on=starts_on,
            ends_on=ends_on,
            delegation=delegation,
        )
        for code in sorted(codes)
    ]
    record(
        actor=actor,
        action=f"lesson_log.access.{kind.lower()}",
        target=accesses[0],
        data={
            "grantee": grantee.login,
            "log": log.pk if log else None,
            "from": starts_on.isoformat(),
            "until": ends_on.isoformat(),
        },
    )
    return accesses


@transaction.atomic
def revoke_access(*, actor: User, access: LogAccess) -> LogAccess:
    """End an access now (CDT-13: the grants are listed and revocable)."""
    if access.owner_id != actor.pk:
        raise AccessRefused(_("Only the teacher who opened this access ends it."))
    if access.revoked_at is None:
        now = timezone.now()
        # The rows opened together (one per subject) share their delegation and end together.
        together = Q(delegation=access.delegation_id) if access.delegation_id else Q(pk=access.pk)
        LogAccess.objects.filter(together, owner=actor, revoked_at=None).update(revoked_at=now)
        access.revoked_at = now
        if access.delegation is not None:
            revoke_delegation(actor=actor, delegation=access.delegation)
        record(actor=actor, action="lesson_log.access.revoke", target=access)
    return access


# --- Personal cahier (CDT-03, -07, -08, -15) -------------------------------------------------


def _check_personal(actor: User) -> None:
    if not can_keep_personal_cahier(actor):
        raise AccessRefused(_("The personal cahier is for teachers."))


@transaction.atomic
def save_personal_entry(
    *,
    actor: User,
    title: str,
    entry: PersonalEntry | None = None,
    planned_on: date | None = None,
    subject_code: str = "",
    content: str = "",
    links: Iterable[Mapping[str, str]] = (),
) -> PersonalEntry:
    """Write or change a preparation of the actor's personal cahier."""
    _check_personal(actor)
    if entry is not None and entry.owner_id != actor.pk:
        raise AccessRefused(_("This is not your personal cahier."))
    if not title.strip():
        raise ValidationError(_("Give the preparation a title."), code="title")
    clean_links = _clean_links(links)
    if entry is None:
        entry = PersonalEntry(owner=actor)
    entry.title, entry.planned_on, entry.subject_code = title.strip(), planned_on, subject_code
    entry.content, entry.links, entry.updated_at = content, clean_links, timezone.now()
    created = entry.pk is None
    entry.save()
    record(
        actor=actor,
        action="lesson_log.personal.create" if created else "lesson_log.personal.update",
        target=entry,
    )
    return entry


@transaction.atomic
def delete_personal_entry(*, actor: User, entry: PersonalEntry) -> None:
    """Delete a preparation of the actor's personal cahier."""
    if entry.owner_id != actor.pk:
        raise AccessRefused(_("This is not your personal cahier."))
    record(actor=actor, action="lesson_log.personal.delete", target=entry)
    entry.delete()


def copy_to_log(
    *,
    actor: User,
    entry: PersonalEntry,
    division: Division,
    date: date,
    subject_code: str = "",
    starts_at: time | None = None,
    ends_at: time | None = None,
) -> LessonEntry:
    """Copy a preparation into a class or group log as a draft lesson (CDT-07)."""
    if entry.owner_id != actor.pk:
        raise AccessRefused(_("This is not your personal cahier."))
    return create_entry(
        actor=actor,
        division=division,
        date=date,
        title=entry.title,
        subject_code=subject_code or entry.subject_code,
        starts_at=starts_at,
        ends_at=ends_at,
        content=entry.content,
        links=entry.links,
        status=Status.DRAFT,
        copied_from=entry,
    )


def _as_date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError(
            _("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": value}, code="date"
        ) from None


def _check_format(data: Any, key: str) -> list[Any]:
    if not isinstance(data, dict) or data.get("format") != EXCHANGE_FORMAT:
        raise ValidationError(
            _("This file is not a cahier exported by the ENT (format %(format)s).")
            % {"format": EXCHANGE_FORMAT},
            code="format",
        )
    items = data.get(key)
    if not isinstance(items, list):
        raise ValidationError(_("The file holds no “%(key)s” list.") % {"key": key}, code="format")
    return items


@transaction.atomic
def import_personal_cahier(*, actor: User, data: Any) -> int:
    """Add the preparations of a JSON export to the actor's personal cahier (CDT-15); a
    broken file adds nothing."""
    _check_personal(actor)
    items = _check_format(data, "entries")
    new = []
    for item in items:
        if not isinstance(item, dict) or not str(item.get("title", "")).strip():
            raise ValidationError(_("Every preparation needs a title."), code="format")
        new.append(
            PersonalEntry(
                owner=actor,
                title=str(item["title"]).strip()[:200],
                planned_on=_as_date(item.get("planned_on")),
                subject_code=str(item.get("subject_code", ""))[:20],
                content=str(item.get("content", "")),
                links=_clean_links(item.get("links") or []),
            )
        )
    PersonalEntry.objects.bulk_create(new)
    record(actor=actor, action="lesson_log.personal.import", data={"entries": len(new)})
    return len(new)


# --- Cahier journal (CDT-01, -05, -16) -------------------------------------------------------


def _clean_sessions(sessions: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    cleaned = []
    for session in sessions:
        title = str(session.get("title", "")).strip()
        content = str(session.get("content", "")).strip()
        if not title and not content:
            continue
        starts, ends = str(session.get("starts_at") or ""), str(session.get("ends_at") or "")
        for value in (starts, ends):
            if value:
                try:
                    time.fromisoformat(value)
                except ValueError:
                    raise ValidationError(
                        _("“%(value)s” is not a time (HH:MM).") % {"value": value}, code="time"
                    ) from None
        if starts and ends and ends <= starts:
            raise ValidationError(_("A session ends after it starts."), code="slot")
        cleaned.append(
            {"starts_at": starts[:5], "ends_at": ends[:5], "title": title[:200], "content": content}
        )
    return sorted(cleaned, key=lambda item: item["starts_at"])


@transaction.atomic
def save_day_plan(
    *,
    actor: User,
    owner: User,
    school_class: SchoolClass,
    day: date,
    sessions: Iterable[Mapping[str, Any]],
    notes: str = "",
) -> DayPlan:
    """Write one day of the owner's cahier journal (the owner, or their substitute)."""
    if not can_write_journal(actor, owner, school_class):
        raise AccessRefused(_("You may not write this cahier journal."))
    clean = _clean_sessions(sessions)
    plan, created = DayPlan.objects.update_or_create(
        owner=owner,
        school_class=school_class,
        day=day,
        defaults={"sessions": clean, "notes": notes.strip(), "updated_at": timezone.now()},
    )
    record(
        actor=actor,
        action="lesson_log.journal.create" if created else "lesson_log.journal.update",
        target=plan,
        data={"sessions": len(clean)},
    )
    return plan


@transaction.atomic
def delete_day_plan(*, actor: User, plan: DayPlan) -> None:
    """Delete one day of a cahier journal."""
    if not can_edit_day_plan(actor, plan):
        raise AccessRefused(_("You may not write this cahier journal."))
    record(actor=actor, action="lesson_log.journal.delete", target=plan)
    plan.delete()


@transaction.atomic
def import_journal(*, actor: User, data: Any) -> int:
    """Add or replace days of the actor's cahier journal from a JSON export (CDT-16)."""
    items = _check_format(data, "days")
    count = 0
    classes: dict[str, SchoolClass] = {}
    for item in items:
        if not isinstance(item, dict):
            raise ValidationError(_("Every day needs a date and a class."), code="format")
        day = _as_date(item.get("day"))
        code = str(item.get("class", ""))
        school_class = classes.get(code)
        if school_class is None:
            school_class = _own_class(actor, code)
            classes[code] = school_class
        if day is None:
            raise ValidationError(_("Every day needs a date and a class."), code="format")
        save_day_plan(
            actor=actor,
            owner=actor,
            school_class=school_class,
            day=day,
            sessions=item.get("sessions") or [],
            notes=str(item.get("notes", "")),
        )
        count += 1
    record(actor=actor, action="lesson_log.journal.import", data={"days": count})
    return count


def _own_class(actor: User, code: str) -> SchoolClass:
    found = (
        SchoolClass.objects.filter(
            code=code,
            pk__in=TeachingAssignment.objects.filter(teacher=actor).values("school_class"),
        )
        .order_by("pk")
        .first()
    )
    if found is None:
        raise ValidationError(_("You teach no class “%(code)s”.") % {"code": code}, code="class")
    return found


# --- The pupil's own cahier (scenario 4) -----------------------------------------------------


@transaction.atomic
def record_work(
    *, actor: User, text: str, done_on: date, homework: Homework | None = None
) -> PupilWork:
    """Record in the pupil's own cahier work they did, against work to do or free."""
    if not can_record_work(actor):
        raise AccessRefused(_("Only pupils keep a cahier of work done."))
    if (
        homework is not None
        and not Homework.objects.visible_to(actor).filter(pk=homework.pk).exists()
    ):
        raise AccessRefused(_("This work to do is not yours."))
    if not text.strip():
        raise ValidationError(_("Say what you did."), code="text")
    work = PupilWork.objects.create(
        pupil=actor, homework=homework, done_on=done_on, text=text.strip()
    )
    record(actor=actor, action="lesson_log.work.create", target=work)
    return work


@transaction.atomic
def update_work_done(*, actor: User, work: PupilWork, text: str, done_on: date) -> PupilWork:
    """Change a record of the pupil's own cahier."""
    if not can_edit_work(actor, work):
        raise AccessRefused(_("Only its pupil changes this record."))
    if not text.strip():
        raise ValidationError(_("Say what you did."), code="text")
    work.text, work.done_on, work.updated_at = text.strip(), done_on, timezone.now()
    work.save()
    record(actor=actor, action="lesson_log.work.update", target=work)
    return work
