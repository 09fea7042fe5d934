"""Reads of the timetable for its pages, its API and its calendar feed."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Min, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ent.core.calendar import school_year_of
from ent.directory.models import (
    Enrolment,
    Guardianship,
    Membership,
    Profile,
    School,
    SchoolClass,
    TeachingGroup,
    User,
)
from ent.rights.queries import Rights, has_service
from ent.rights.registry import Level

from .importers.resolve import Target
from .models import (
    Colour,
    FeedToken,
    Import,
    Lesson,
    LessonQuerySet,
    SubjectColour,
    visible_classes,
    visible_groups,
)

SERVICE = "timetable"
WEEK, FORTNIGHT, MONTH = "week", "fortnight", "month"
VIEWS = (WEEK, FORTNIGHT, MONTH)
# Profiles whose own timetable is the first one shown.
OWN_PROFILES = {Profile.ELV, Profile.ENS, Profile.DOC}
PALETTE = tuple(Colour.values)
HISTORY_SIZE = 50
FEED_PAST = timedelta(days=30)
FEED_FUTURE = timedelta(days=180)


@dataclass(frozen=True)
class TargetOption:
    """A timetable the viewer may open: their own, a child's, a class's or a group's."""

    key: str
    label: str
    section: str  # "me", "children", "classes" or "groups"
    pk: int


def timetable_targets(viewer: User, rights: Rights) -> list[TargetOption]:
    """List the timetables `viewer` may open, the default one first (three queries)."""
    children = [
        TargetOption(f"child-{link.pupil.uuid}", link.pupil.display_name, "children", link.pupil_id)
        for link in Guardianship.objects.filter(
            guardian=viewer, has_legal_authority=True, pupil__is_active=True
        )
        .select_related("pupil")
        .order_by("pupil__first_name", "pupil__pk")
    ]
    classes = list(
        visible_classes(viewer).select_related("school").order_by("school__name", "code")
    )
    groups = list(visible_groups(viewer).select_related("school").order_by("school__name", "code"))
    schools = {item.school_id for item in classes} | {item.school_id for item in groups}
    divisions = [
        TargetOption(f"{kind}-{item.pk}", _label(item, len(schools) > 1), section, item.pk)
        for kind, section, items in (("class", "classes", classes), ("group", "groups", groups))
        for item in items
    ]
    me = TargetOption("me", _("My timetable"), "me", viewer.pk)
    if any(role.profile in OWN_PROFILES for role in rights.roles) or not (children or divisions):
        return [me, *children, *divisions]
    return [*children, *divisions, me]


def _label(division: SchoolClass | TeachingGroup, with_school: bool) -> str:
    name = division.label or division.code
    return f"{name} ({division.school.name})" if with_school else name


def find_target(options: list[TargetOption], key: str) -> TargetOption | None:
    """Return the option named `key` (the default when `key` is empty), None when hidden."""
    if not key:
        return options[0] if options else None
    return next((option for option in options if option.key == key), None)


def lessons_of(target: TargetOption) -> LessonQuerySet:
    """The lessons of one timetable the viewer may open."""
    if target.section in ("me", "children"):
        return Lesson.objects.of_person(target.pk)
    if target.section == "classes":
        return Lesson.objects.filter(school_class_id=target.pk)
    return Lesson.objects.filter(teaching_group_id=target.pk)


def period(day: date, view: str) -> tuple[date, date]:
    """Return the first day and the day after the last of the week, fortnight or month."""
    if view == MONTH:
        first = day.replace(day=1)
        return first, (first + timedelta(days=32)).replace(day=1)
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=14 if view == FORTNIGHT else 7)


def _neighbours(start: date, end: date, view: str) -> tuple[date, date]:
    if view == MONTH:
        return (start - timedelta(days=1)).replace(day=1), end
    return start - (end - start), end


def default_colour(code: str) -> str:
    """A subject's colour until the person picks one: the same for everybody."""
    digest = hashlib.sha256(code.encode("utf-8")).digest()
    return PALETTE[digest[0] % len(PALETTE)]


def subject_colours(viewer: User) -> dict[str, str]:
    """Return the colours `viewer` chose, by subject code."""
    return dict(SubjectColour.objects.filter(person=viewer).values_list("subject_code", "colour"))


def subject_key(lesson: Lesson) -> str:
    """How the subject filter names a lesson's subject: its code, else its title."""
    return lesson.subject_code or lesson.title


@dataclass(frozen=True)
class Slot:
    lesson: Lesson
    starts: datetime
    ends: datetime
    colour: str
    is_teacher: bool
    replaces: tuple[Lesson, ...]


@dataclass(frozen=True)
class Day:
    day: date
    slots: tuple[Slot, ...]


@dataclass(frozen=True)
class WeekBlock:
    monday: date
    days: tuple[Day, ...]


@dataclass(frozen=True)
class TimetablePage:
    target: TargetOption
    view: str
    starts_on: date
    ends_on: date
    weeks: tuple[WeekBlock, ...]
    subjects: tuple[tuple[str, str], ...]
    subject: str
    previous_on: date
    next_on: date
    several_schools: bool
    count: int


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


def period_lessons(lessons: LessonQuerySet, start: date, end: date) -> list[Lesson]:
    """Fetch the lessons of [start, end) with what a page shows: three queries, whatever
    their number."""
    return list(
        lessons.between(_aware(start), _aware(end))
        .select_related("subject", "school", "school_class", "teaching_group", "moved_to")
        .prefetch_related("teachers", "moved_from")
        .order_by("starts_at", "pk")
    )


def timetable_page(
    viewer: User, target: TargetOption, *, day: date, view: str, subject: str = ""
) -> TimetablePage:
    """Build a week, fortnight or month of one timetable, per day (EDT-01, -02, -03)."""
    start, end = period(day, view)
    found = period_lessons(lessons_of(target), start, end)
    subjects = tuple(
        sorted({(subject_key(item), item.subject_label) for item in found}, key=lambda s: s[1])
    )
    if subject:
        found = [item for item in found if subject_key(item) == subject]
    colours = subject_colours(viewer)
    by_day: dict[date, list[Slot]] = defaultdict(list)
    for lesson in found:
        starts = timezone.localtime(lesson.starts_at)
        by_day[starts.date()].append(
            Slot(
                lesson=lesson,
                starts=starts,
                ends=timezone.localtime(lesson.ends_at),
                colour=colours.get(subject_key(lesson)) or default_colour(subject_key(lesson)),
                is_teacher=any(teacher.pk == viewer.pk for teacher in lesson.teachers.all()),
                replaces=tuple(lesson.moved_from.all()),
            )
        )
    weeks = []
    monday = start - timedelta(days=start.weekday())
    while monday < end:
        days = tuple(
            Day(monday + timedelta(days=offset), tuple(by_day[monday + timedelta(days=offset)]))
            for offset in range(7)
            if start <= monday + timedelta(days=offset) < end
            and (offset < 6 or by_day.get(monday + timedelta(days=offset)))
        )
        weeks.append(WeekBlock(monday, days))
        monday += timedelta(days=7)
    previous_on, next_on = _neighbours(start, end, view)
    return TimetablePage(
        target=target,
        view=view,
        starts_on=start,
        ends_on=end - timedelta(days=1),
        weeks=tuple(weeks),
        subjects=subjects,
        subject=subject,
        previous_on=previous_on,
        next_on=next_on,
        several_schools=len({item.school_id for item in found}) > 1,
        count=len(found),
    )


def lesson_audience(lesson: Lesson) -> QuerySet[User]:
    """The pupils of a lesson's class or group and their guardians, for notifications."""
    if lesson.school_class_id:
        enrolled = Enrolment.objects.filter(school_class_id=lesson.school_class_id)
    elif lesson.teaching_group_id:
        enrolled = Enrolment.objects.filter(teaching_group_id=lesson.teaching_group_id)
    else:
        nobody: QuerySet[User] = User.objects.none()
        return nobody
    pupils = enrolled.values("pupil_id")
    guardians = Guardianship.objects.filter(pupil_id__in=pupils, guardian__isnull=False)
    audience: QuerySet[User] = User.objects.active().filter(
        Q(pk__in=pupils) | Q(pk__in=guardians.values("guardian_id"))
    )
    return audience


def lesson_detail(viewer: User, pk: int) -> Lesson | None:
    """Return one lesson `viewer` may see, with what its page shows."""
    return (
        Lesson.objects.visible_to(viewer)
        .select_related("subject", "school", "school_class", "teaching_group", "moved_to")
        .prefetch_related("teachers", "moved_from")
        .filter(pk=pk)
        .first()
    )


def manageable_schools(rights: Rights) -> QuerySet[School]:
    """The schools whose timetable the person imports (MANAGE on the service)."""
    ids = rights.school_ids(SERVICE, level=Level.MANAGE)
    schools = School.objects.filter(is_active=True).order_by("name")
    return schools if ids is None else schools.filter(pk__in=ids)


def known_school(rights: Rights, school_id: int) -> School | None:
    """Return a school the person belongs to or manages the timetable of; None otherwise."""
    managed = rights.school_ids(SERVICE, level=Level.MANAGE)
    if not (
        school_id in {role.school_id for role in rights.roles}
        or managed is None
        or school_id in managed
    ):
        return None
    return School.objects.filter(pk=school_id).first()


def import_history(school: School) -> list[Import]:
    """The school's last imports, newest first."""
    return list(
        Import.objects.filter(school=school)
        .select_related("imported_by")
        .order_by("-imported_at", "-pk")[:HISTORY_SIZE]
    )


def import_targets(school: School) -> list[Target]:
    """The classes, groups and teachers an iCalendar file may be for."""
    classes = [
        Target("class", pk, label or code, code)
        for pk, code, label in SchoolClass.objects.filter(school=school)
        .order_by("code")
        .values_list("pk", "code", "label")
    ]
    groups = [
        Target("group", pk, label or code, code)
        for pk, code, label in TeachingGroup.objects.filter(school=school)
        .order_by("code")
        .values_list("pk", "code", "label")
    ]
    teachers = [
        Target("teacher", person.pk, person.display_name, person.login)
        for person in User.objects.filter(
            pk__in=Membership.objects.current()
            .filter(school=school, profile__in=(Profile.ENS, Profile.DOC))
            .values("person_id"),
            is_active=True,
        ).order_by("last_name", "first_name", "pk")
    ]
    return [*classes, *groups, *teachers]


def feed_lessons(person: User) -> list[Lesson]:
    """The lessons of a person's calendar feed: theirs and their children's, around now."""
    now = timezone.now()
    return list(
        Lesson.objects.of_family(person)
        .filter(starts_at__gte=now - FEED_PAST, starts_at__lt=now + FEED_FUTURE)
        .select_related("subject", "school_class", "teaching_group", "moved_to")
        .prefetch_related("teachers")
        .order_by("starts_at", "pk")
    )


def own_subjects(viewer: User) -> list[tuple[str, str]]:
    """The subjects on `viewer`'s timetable (and their children's) this school year."""
    year = school_year_of()
    rows = (
        Lesson.objects.of_family(viewer)
        .filter(starts_at__gte=_aware(year.starts_on), starts_at__lt=_aware(year.ends_on))
        .values_list("subject_code", "title", "subject__label")
        .distinct()
    )
    found = {(code or title): (label or title or code) for code, title, label in rows}
    return sorted(found.items(), key=lambda item: item[1])


def archive_years(viewer: User) -> list[tuple[date, str]]:
    """The past school years with lessons `viewer` may see, newest first (EDT-06)."""
    first = Lesson.objects.visible_to(viewer).aggregate(first=Min("starts_at"))["first"]
    if first is None:
        return []
    current = school_year_of()
    year = school_year_of(timezone.localtime(first).date())
    years = []
    while year.start_year < current.start_year:
        years.append((year.starts_on, year.label))
        year = type(year)(year.start_year + 1)
    return years[::-1]


def token_digest(token: str) -> str:
    """Return the stored form of a subscription token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def has_feed(person: User) -> bool:
    """Tell whether `person` has a subscription address."""
    return FeedToken.objects.filter(person=person).exists()


def feed_person(token: str) -> User | None:
    """Return the active person whose subscription `token` is, while they hold the service."""
    if not token or len(token) > 100:
        return None
    found = FeedToken.objects.filter(digest=token_digest(token)).select_related("person").first()
    if found is None or not found.person.is_active:
        return None
    return found.person if has_service(found.person, SERVICE) else None
