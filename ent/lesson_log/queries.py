"""Reads of the cahier de textes for its pages, exports and API: always from `visible_to`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from ent.core.calendar import week_of
from ent.directory.models import (
    Enrolment,
    Guardianship,
    Membership,
    School,
    SchoolClass,
    Subject,
    TeachingAssignment,
    TeachingGroup,
    User,
)

from .models import (
    AccessKind,
    DayPlan,
    Homework,
    LessonEntry,
    Log,
    LogAccess,
    PersonalEntry,
    PupilWork,
    Status,
)
from .permissions import Division, current_year

# How far the "by due date" list looks ahead.
DUE_LIST_DAYS = 28


@dataclass(frozen=True)
class DivisionChoice:
    """A class or group a teacher writes in, as the entry form offers it."""

    target: str
    label: str
    school_id: int
    codes: tuple[str, ...]


@dataclass
class Day:
    """One day of a week page: its lessons and the work due that day."""

    day: date
    entries: list[LessonEntry] = field(default_factory=list)
    due: list[Homework] = field(default_factory=list)


@dataclass
class Week:
    """A week of entries and work due, Monday to Sunday."""

    monday: date
    days: list[Day]
    # Per division key ("class-3"), the names of the children concerned (guardians' view).
    who: dict[str, list[str]] = field(default_factory=dict)

    @property
    def previous(self) -> date:
        return self.monday - timedelta(days=7)

    @property
    def next(self) -> date:
        return self.monday + timedelta(days=7)

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    @property
    def is_empty(self) -> bool:
        return not any(day.entries or day.due for day in self.days)


def monday_of(day: date | None) -> date:
    """Return the Monday of `day`'s week (today's by default)."""
    return week_of(day or timezone.localdate())[0]


def parse_target(target: str) -> tuple[str, int] | None:
    """Split "class-3" or "group-4" into its kind and id; None for anything else."""
    kind, _sep, number = (target or "").partition("-")
    if kind not in ("class", "group") or not number.isdigit():
        return None
    return kind, int(number)


def division_for(person: User, target: str) -> Division | None:
    """Return the class or group a target names, if it is in a school where `person` has a
    role now (elsewhere it does not exist for them)."""
    parsed = parse_target(target)
    if parsed is None:
        return None
    schools = Membership.objects.current().filter(person=person).values("school")
    model = SchoolClass if parsed[0] == "class" else TeachingGroup
    division: Division | None = model.objects.filter(pk=parsed[1], school__in=schools).first()
    return division


def _with_details(entries: QuerySet[LessonEntry]) -> QuerySet[LessonEntry]:
    homework = Homework.objects.select_related("subject").prefetch_related("attachments")
    return entries.select_related(
        "log__school_class", "log__teaching_group", "subject", "author"
    ).prefetch_related("attachments", Prefetch("homework", queryset=homework.order_by("due_on")))


def _due(homework: QuerySet[Homework]) -> QuerySet[Homework]:
    return homework.select_related(
        "log__school_class", "log__teaching_group", "subject", "entry"
    ).prefetch_related("attachments")


def _week(monday: date, entries: Iterable[LessonEntry], due: Iterable[Homework]) -> Week:
    days = [Day(monday + timedelta(days=offset)) for offset in range(7)]
    for entry in entries:
        days[(entry.date - monday).days].entries.append(entry)
    for item in due:
        days[(item.due_on - monday).days].due.append(item)
    for day in days:
        day.entries.sort(key=lambda entry: (entry.starts_at is None, entry.starts_at, entry.pk))
    return Week(monday, days)


# --- Teachers --------------------------------------------------------------------------------


def teacher_divisions(person: User) -> list[DivisionChoice]:
    """Return the classes and groups `person` writes in: taught, or lent by a substitution."""
    codes: dict[tuple[str, int], set[str]] = defaultdict(set)
    labels: dict[tuple[str, int], tuple[str, int]] = {}
    for assignment in TeachingAssignment.objects.filter(teacher=person).select_related(
        "school_class", "teaching_group"
    ):
        division = assignment.school_class or assignment.teaching_group
        if division is None:
            continue
        key = ("class" if assignment.school_class_id else "group", division.pk)
        codes[key].add(assignment.subject_code)
        labels[key] = (str(division), division.school_id)
    lent = (
        LogAccess.objects.in_force()
        .filter(kind=AccessKind.SUBSTITUTE, grantee=person, log__year=current_year())
        .select_related("log__school_class", "log__teaching_group")
    )
    for access in lent:
        if access.log is None:
            continue
        key = ("class" if access.log.school_class_id else "group", access.log.division.pk)
        codes[key].add(access.subject_code)
        labels[key] = (str(access.log.division), access.log.school_id)
    choices = []
    for key, subject_codes in codes.items():
        if len(subject_codes) > 1:
            subject_codes.discard("")
        label, school_id = labels[key]
        choices.append(
            DivisionChoice(f"{key[0]}-{key[1]}", label, school_id, tuple(sorted(subject_codes)))
        )
    return sorted(choices, key=lambda choice: choice.label)


def subject_labels(codes: Iterable[str]) -> dict[str, str]:
    """Return the label of each subject code (the code itself when unknown)."""
    wanted = {code for code in codes if code}
    known = dict(Subject.objects.filter(code__in=wanted).values_list("code", "label"))
    return {code: known.get(code, code) for code in wanted}


@dataclass(frozen=True)
class TeacherHome:
    logs: list[Log]
    drafts: list[LessonEntry]
    to_fill: list[Log]
    accesses: list[LogAccess]


def teacher_home(person: User) -> TeacherHome:
    """Return a teacher's logs of this year, their unpublished entries, the logs without an
    entry of theirs this week, and the logs opened to them."""
    year, (monday, end) = current_year(), week_of(timezone.localdate())
    assignments = TeachingAssignment.objects.filter(teacher=person)
    logs = list(
        Log.objects.filter(year=year)
        .filter(
            Q(school_class__in=assignments.exclude(school_class=None).values("school_class"))
            | Q(
                teaching_group__in=assignments.exclude(teaching_group=None).values("teaching_group")
            )
        )
        .select_related("school_class", "teaching_group", "school")
        .annotate(
            this_week=Count(
                "entries",
                filter=Q(entries__author=person, entries__date__gte=monday, entries__date__lt=end),
            )
        )
    )
    logs.sort(key=lambda log: str(log.division))
    drafts = list(
        LessonEntry.objects.filter(author=person)
        .exclude(status=Status.PUBLISHED)
        .select_related("log__school_class", "log__teaching_group")
        .order_by("date", "pk")[:50]
    )
    accesses = list(
        LogAccess.objects.in_force()
        .filter(grantee=person)
        .select_related("log__school_class", "log__teaching_group", "owner", "school")
        .order_by("ends_on", "pk")
    )
    return TeacherHome(logs, drafts, [log for log in logs if not log.this_week], accesses)  # type: ignore[attr-defined]  # attr-defined: annotated above


@dataclass(frozen=True)
class LogPage:
    log: Log
    week: Week
    workload: list[tuple[date, int]]
    visas: list[Any]


def log_week(person: User, log: Log, monday: date) -> LogPage:
    """Return the entries of one week of a log `person` reads, with their work to do, the work
    due that week and the pupils' workload of the week (CDT-19)."""
    end = monday + timedelta(days=7)
    entries = _with_details(
        LessonEntry.objects.visible_to(person).filter(log=log).between(monday, end)
    )
    due = _due(Homework.objects.visible_to(person).filter(log=log).due_between(monday, end))
    week = _week(monday, entries, due.order_by("due_on", "pk"))
    visas = list(log.visas.select_related("signed_by").order_by("-up_to")[:5])
    return LogPage(log, week, workload(log, monday), visas)


def workload(log: Log, monday: date) -> list[tuple[date, int]]:
    """Return, per day of the week, the minutes of published work due for the pupils of the
    log's class or group, over all their classes and groups (CDT-19)."""
    end = monday + timedelta(days=7)
    if log.school_class_id:
        pupils = Enrolment.objects.filter(school_class=log.school_class_id).values("pupil")
    else:
        pupils = Enrolment.objects.filter(teaching_group=log.teaching_group_id).values("pupil")
    theirs = Enrolment.objects.filter(pupil__in=pupils)
    totals = dict(
        Homework.objects.filter(
            Q(log__school_class__in=theirs.exclude(school_class=None).values("school_class"))
            | Q(
                log__teaching_group__in=theirs.exclude(teaching_group=None).values("teaching_group")
            )
        )
        .filter(Q(status=Status.PUBLISHED) | Q(status=Status.SCHEDULED))
        .due_between(monday, end)
        .values_list("due_on")
        .annotate(minutes=Sum("estimated_minutes"))
        .values_list("due_on", "minutes")
    )
    return [
        (monday + timedelta(days=offset), totals.get(monday + timedelta(days=offset)) or 0)
        for offset in range(7)
    ]


# --- Pupils and guardians --------------------------------------------------------------------


def children_of(person: User) -> list[User]:
    """Return the active children `person` is a legal guardian of, by first name."""
    wards = Guardianship.objects.filter(guardian=person, has_legal_authority=True)
    return list(
        User.objects.active().filter(pk__in=wards.values("pupil")).order_by("first_name", "pk")
    )


def is_pupil(person: User) -> bool:
    """Tell whether `person` is enrolled in a class or group."""
    return Enrolment.objects.filter(pupil=person).exists()


def _keys(pupils: list[User]) -> dict[str, list[str]]:
    """Return, per division key, the first names of the pupils enrolled there."""
    names = {pupil.pk: pupil.first_name or pupil.display_name for pupil in pupils}
    found: dict[str, list[str]] = defaultdict(list)
    for pupil_id, class_id, group_id in Enrolment.objects.filter(pupil__in=names).values_list(
        "pupil_id", "school_class_id", "teaching_group_id"
    ):
        key = f"class-{class_id}" if class_id else f"group-{group_id}"
        found[key].append(names[pupil_id])
    return found


def _of_pupils(keys: Iterable[str]) -> Q:
    """Match rows of the logs of these divisions, by log id (so the (log, date) index serves)."""
    classes = [int(key[6:]) for key in keys if key.startswith("class-")]
    groups = [int(key[6:]) for key in keys if key.startswith("group-")]
    logs = Log.objects.filter(Q(school_class__in=classes) | Q(teaching_group__in=groups))
    return Q(log__in=logs.values("pk"))


def pupil_week(person: User, pupils: list[User], monday: date) -> Week:
    """Return the week of `pupils` (the person, or their children) as `person` may read it:
    every class and group of theirs, Monday to Sunday."""
    who = _keys(pupils)
    end = monday + timedelta(days=7)
    scope = _of_pupils(who)
    entries = _with_details(
        LessonEntry.objects.visible_to(person).filter(scope).between(monday, end)
    )
    due = _due(Homework.objects.visible_to(person).filter(scope).due_between(monday, end))
    week = _week(monday, entries, due.order_by("due_on", "pk"))
    week.who = who
    for day in week.days:
        for entry in day.entries:
            entry.who = who.get(entry.log.target, [])  # type: ignore[attr-defined]  # attr-defined: for the page
    return week


def homework_due(person: User, pupils: list[User], first: date) -> tuple[list[Homework], Any]:
    """Return the work due from `first` on (four weeks), by due date, for `pupils`, and the
    division keys with the names of the children concerned."""
    who = _keys(pupils)
    homework = _due(
        Homework.objects.visible_to(person)
        .filter(_of_pupils(who))
        .due_between(first, first + timedelta(days=DUE_LIST_DAYS))
    )
    return list(homework.order_by("due_on", "subject_code", "pk")), who


def work_done(person: User, pupil: User) -> QuerySet[PupilWork]:
    """Return the pupil's own cahier as `person` may read it, newest first."""
    return (
        PupilWork.objects.visible_to(person)
        .filter(pupil=pupil)
        .select_related("homework__subject")
        .order_by("-done_on", "-pk")
    )


# --- Heads, accesses, archives ---------------------------------------------------------------


def school_logs(person: User, school_ids: Iterable[int], year: int) -> list[Log]:
    """Return the logs of `year` of the schools a head oversees, with their entry counts."""
    logs = (
        Log.objects.visible_to(person)
        .filter(school__in=list(school_ids), year=year)
        .select_related("school_class", "teaching_group", "school")
        .annotate(count=Count("entries", filter=Q(entries__status=Status.PUBLISHED)))
    )
    return sorted(
        logs, key=lambda log: (log.school.name, log.school_class_id is None, str(log.division))
    )


def accesses_given(person: User) -> list[LogAccess]:
    """Return the accesses `person` opened and has not revoked, the current and future ones."""
    return list(
        LogAccess.objects.given_by(person)
        .filter(ends_on__gte=timezone.localdate())
        .select_related("grantee", "log__school_class", "log__teaching_group")
        .order_by("starts_on", "pk")
    )


def own_logs(person: User) -> list[Log]:
    """Return the logs of this year of the classes and groups `person` teaches."""
    assignments = TeachingAssignment.objects.filter(teacher=person)
    logs = Log.objects.filter(year=current_year()).filter(
        Q(school_class__in=assignments.exclude(school_class=None).values("school_class"))
        | Q(teaching_group__in=assignments.exclude(teaching_group=None).values("teaching_group"))
    )
    return sorted(
        logs.select_related("school_class", "teaching_group"), key=lambda log: str(log.division)
    )


def journal_classes(person: User) -> list[SchoolClass]:
    """Return the classes whose cahier journal `person` keeps (1st degree)."""
    return list(
        SchoolClass.objects.filter(
            pk__in=TeachingAssignment.objects.filter(teacher=person).values("school_class"),
            school__degree=1,
        ).order_by("code")
    )


def archives(person: User) -> list[Log]:
    """Return the logs of past school years `person` may read (CDT-10)."""
    return sorted(
        Log.objects.visible_to(person)
        .filter(year__lt=current_year())
        .select_related("school_class", "teaching_group", "school"),
        key=lambda log: (-log.year, str(log.division)),
    )


def log_entries(person: User, log: Log) -> QuerySet[LessonEntry]:
    """Return every entry of a log `person` reads, by date, for an export (CDT-08)."""
    return _with_details(LessonEntry.objects.visible_to(person).filter(log=log)).order_by(
        "date", "starts_at", "pk"
    )


def personal_entries(person: User) -> QuerySet[PersonalEntry]:
    """Return the person's personal cahier, latest plans first."""
    return PersonalEntry.objects.visible_to(person).order_by("-planned_on", "-pk")


def journal_week(person: User, owner: User, monday: date) -> list[tuple[date, list[DayPlan]]]:
    """Return one week of `owner`'s cahier journal as `person` may read it."""
    plans = (
        DayPlan.objects.visible_to(person)
        .filter(owner=owner, day__gte=monday, day__lt=monday + timedelta(days=7))
        .select_related("school_class")
        .order_by("day", "school_class__code")
    )
    by_day: dict[date, list[DayPlan]] = defaultdict(list)
    for plan in plans:
        by_day[plan.day].append(plan)
    return [(monday + timedelta(days=n), by_day[monday + timedelta(days=n)]) for n in range(7)]


def journals_opened_to(person: User) -> list[User]:
    """Return the teachers whose cahier journal is opened to `person` now."""
    owners = LogAccess.objects.in_force().filter(grantee=person, log=None).values("owner")
    return list(User.objects.filter(pk__in=owners).order_by("last_name", "pk"))


def readable_pupil(person: User, pupil_id: int | None) -> User:
    """Return the pupil whose own cahier is asked for: the person, else one of their children or
    a pupil they teach (anyone else does not exist for them)."""
    if pupil_id is None or pupil_id == person.pk:
        return person
    wards = Guardianship.objects.filter(guardian=person, has_legal_authority=True)
    assignments = TeachingAssignment.objects.filter(teacher=person)
    taught = Enrolment.objects.filter(
        Q(school_class__in=assignments.exclude(school_class=None).values("school_class"))
        | Q(teaching_group__in=assignments.exclude(teaching_group=None).values("teaching_group"))
    )
    pupil: User | None = (
        User.objects.active()
        .filter(pk=pupil_id)
        .filter(Q(pk__in=wards.values("pupil")) | Q(pk__in=taught.values("pupil")))
        .first()
    )
    if pupil is None:
        raise Http404
    return pupil


def own_homework(person: User, homework_id: Any) -> Homework | None:
    """Return the work to do a pupil records work against, if they may read it."""
    try:
        number = int(homework_id)
    except (TypeError, ValueError):
        return None
    return (
        Homework.objects.visible_to(person)
        .select_related("subject", "log__school_class", "log__teaching_group")
        .filter(pk=number)
        .first()
    )


def journal_owner(person: User, owner_id: int | None) -> User:
    """Return whose cahier journal is asked for: the person's own, or one opened to them."""
    if owner_id is None or owner_id == person.pk:
        return person
    for owner in journals_opened_to(person):
        if owner.pk == owner_id:
            return owner
    raise Http404


def journal_class(owner: User, class_id: int) -> SchoolClass:
    """Return a class of the owner's cahier journal, or 404."""
    for school_class in journal_classes(owner):
        if school_class.pk == class_id:
            return school_class
    raise Http404


def parse_day(value: str) -> date:
    """Read the day of a URL (YYYY-MM-DD), or 404."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Http404 from None


def day_plan(person: User, owner: User, school_class: SchoolClass, day: date) -> DayPlan | None:
    """Return the owner's plan of a day for a class, as `person` may read it."""
    return (
        DayPlan.objects.visible_to(person)
        .filter(owner=owner, school_class=school_class, day=day)
        .first()
    )


def own_day_plans(person: User) -> list[DayPlan]:
    """Return every day of the person's own cahier journal, by date."""
    return list(
        DayPlan.objects.filter(owner=person).select_related("school_class").order_by("day", "pk")
    )


def access_targets(person: User) -> list[tuple[str, str]]:
    """Return what a teacher may open: their logs of this year and their cahiers journaux."""
    targets = [(f"log-{log.pk}", str(log.division)) for log in own_logs(person)]
    targets += [
        (f"journal-{school_class.pk}", _("Cahier journal %(class)s") % {"class": school_class})
        for school_class in journal_classes(person)
    ]
    return targets


def access_target(person: User, target: str) -> tuple[Log | None, SchoolClass | None]:
    """Resolve a target of the access form among the person's own; 404 otherwise."""
    kind, _sep, number = target.partition("-")
    if kind == "log":
        for log in own_logs(person):
            if str(log.pk) == number:
                return log, None
    elif kind == "journal":
        for school_class in journal_classes(person):
            if str(school_class.pk) == number:
                return None, school_class
    raise Http404


def person_by_login(login: str) -> User | None:
    """Return the active person with this login, if any."""
    found: User | None = User.objects.active().filter(login=login.strip()).first()
    return found


def own_access(person: User, access_id: int) -> LogAccess:
    """Return an access the person opened, or 404."""
    access = LogAccess.objects.given_by(person).select_related("delegation").filter(pk=access_id)
    found = access.first()
    if found is None:
        raise Http404
    return found


def schools(school_ids: Iterable[int]) -> list[School]:
    """Return the schools of these ids, by name."""
    return list(School.objects.filter(pk__in=list(school_ids)).order_by("name"))
