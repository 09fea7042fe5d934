"""A demo fortnight of the cahier de textes for the demo académie (`ent demo setup`).

For a few classes of each collège and lycée: a lesson for each subject taught on most days of
this week and the next, with work to do; for the 1st degree, a cahier journal of this week for
each teacher and something to learn in their class's cahier. Idempotent: a log or a day that
already has content is left alone. Everything is inserted in bulk.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date, time, timedelta

from django.db import transaction
from django.utils import timezone

from ent.audit.actions import record
from ent.core.calendar import week_of
from ent.directory.models import Degree, School, Subject, TeachingAssignment

from .models import DayPlan, Homework, LessonEntry, Log, Status, WorkKind
from .permissions import current_year

CLASSES_PER_SCHOOL = 3
SLOTS = (time(8, 0), time(9, 0), time(10, 15), time(11, 15), time(14, 0), time(15, 0))
TOPICS = (
    "Introduction du chapitre",
    "Activité de découverte",
    "Cours et exemples",
    "Exercices d'application",
    "Correction et synthèse",
    "Évaluation formative",
)
WORK = (
    "Relire le cours et apprendre la définition.",
    "Exercices 3 à 6 page 112.",
    "Préparer l'exposé en groupe.",
    "Terminer la fiche d'activité.",
)
JOURNAL = (
    ("08:30", "09:00", "Rituels", "Date, météo, calcul mental."),
    ("09:00", "10:00", "Français", "Lecture : chapitre 3, questions de compréhension."),
    ("10:15", "11:15", "Mathématiques", "Fractions : manipulation puis exercices p. 54."),
    ("13:30", "14:30", "Questionner le monde", "Le cycle de l'eau : expérience."),
    ("14:45", "15:45", "Arts", "Peinture à la manière de Miró."),
)


def _days(monday: date) -> list[date]:
    """Return the school days of this week and the next (no Wednesday afternoon lessons)."""
    return [monday + timedelta(days=offset) for offset in range(12) if offset % 7 < 5]


def _school_classes(school: School) -> list[int]:
    return list(school.classes.order_by("code").values_list("pk", flat=True)[:CLASSES_PER_SCHOOL])


def _logs(school: School, class_ids: list[int], year: int) -> dict[int, Log]:
    existing = {
        log.school_class_id: log
        for log in Log.objects.filter(school_class__in=class_ids, year=year)
    }
    missing = [
        Log(school=school, school_class_id=pk, year=year) for pk in class_ids if pk not in existing
    ]
    Log.objects.bulk_create(missing, ignore_conflicts=True)
    return {
        log.school_class_id: log
        for log in Log.objects.filter(school_class__in=class_ids, year=year)
        if log.school_class_id
    }


def _second_degree(schools: list[School], year: int, monday: date) -> tuple[int, int]:
    """Write the lessons of the demo fortnight; return (lessons, work to do) created."""
    now = timezone.now()
    days = _days(monday)
    subjects = dict(Subject.objects.values_list("code", "pk"))
    entries: list[LessonEntry] = []
    work: list[tuple[int, str, date]] = []
    for school in schools:
        class_ids = _school_classes(school)
        logs = _logs(school, class_ids, year)
        filled = set(
            LessonEntry.objects.filter(log__in=logs.values(), date__gte=days[0], date__lte=days[-1])
            .values_list("log_id", flat=True)
            .distinct()
        )
        taught: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for teacher_id, class_id, code in (
            TeachingAssignment.objects.filter(school_class__in=class_ids)
            .exclude(subject_code="")
            .order_by("school_class_id", "subject_code", "teacher_id")
            .values_list("teacher_id", "school_class_id", "subject_code")
        ):
            if (teacher_id, code) not in taught[class_id]:
                taught[class_id].append((teacher_id, code))
        for class_id, log in logs.items():
            if log.pk in filled or not taught.get(class_id):
                continue
            pairs = taught[class_id]
            for day_index, day in enumerate(days):
                for slot_index, slot in enumerate(SLOTS[: min(len(SLOTS), len(pairs))]):
                    teacher_id, code = pairs[(day_index * 2 + slot_index) % len(pairs)]
                    number = len(entries)
                    entries.append(
                        LessonEntry(
                            log=log,
                            author_id=teacher_id,
                            subject_id=subjects.get(code),
                            subject_code=code,
                            date=day,
                            starts_at=slot,
                            ends_at=time(slot.hour + 1, slot.minute),
                            title=TOPICS[number % len(TOPICS)],
                            content="Objectifs de la séance, déroulé et points clés.",
                            status=Status.PUBLISHED,
                            published_at=now,
                        )
                    )
                    if number % 3 == 0:
                        due = day + timedelta(days=2 if day.weekday() < 3 else 3)
                        kind = WorkKind.TEST if number % 9 == 0 else WorkKind.HOMEWORK
                        work.append((number, kind, due))
    created = LessonEntry.objects.bulk_create(entries, batch_size=500)
    homework = [
        Homework(
            log=created[index].log,
            entry=created[index],
            author_id=created[index].author_id,
            subject_id=created[index].subject_id,
            subject_code=created[index].subject_code,
            kind=kind,
            instructions=WORK[index % len(WORK)],
            given_on=created[index].date,
            due_on=due,
            estimated_minutes=20 + 10 * (index % 4),
            status=Status.PUBLISHED,
            notified_at=now,
        )
        for index, kind, due in work
    ]
    Homework.objects.bulk_create(homework, batch_size=500)
    return len(created), len(homework)


def _first_degree(schools: list[School], year: int, monday: date) -> tuple[int, int]:
    """Write this week's cahier journal of each 1st-degree teacher, and a poem to learn in
    their class's cahier; return (days, lessons) created."""
    now = timezone.now()
    sessions = [
        {"starts_at": start, "ends_at": end, "title": title, "content": content}
        for start, end, title, content in JOURNAL
    ]
    pairs = list(
        TeachingAssignment.objects.filter(school_class__school__in=schools)
        .values_list("teacher_id", "school_class_id", "school_class__school_id")
        .distinct()
    )
    plans = [
        DayPlan(owner_id=teacher_id, school_class_id=class_id, day=day, sessions=sessions)
        for teacher_id, class_id, _school in pairs
        for day in (monday + timedelta(days=offset) for offset in (0, 1, 3, 4))
    ]
    before = DayPlan.objects.count()
    DayPlan.objects.bulk_create(plans, batch_size=500, ignore_conflicts=True)
    by_school = {school.pk: school for school in schools}
    first_teacher: dict[int, tuple[int, int]] = {}
    for teacher_id, class_id, school_id in pairs:
        first_teacher.setdefault(class_id, (teacher_id, school_id))
    logs = {}
    for class_id, (_teacher, school_id) in first_teacher.items():
        logs.update(_logs(by_school[school_id], [class_id], year))
    filled = set(
        LessonEntry.objects.filter(log__in=logs.values(), date=monday).values_list(
            "log_id", flat=True
        )
    )
    entries = [
        LessonEntry(
            log=log,
            author_id=first_teacher[class_id][0],
            date=monday,
            starts_at=time(9),
            title="Poésie",
            content="Lecture et illustration de la poésie.",
            status=Status.PUBLISHED,
            published_at=now,
        )
        for class_id, log in logs.items()
        if log.pk not in filled
    ]
    created = LessonEntry.objects.bulk_create(entries, batch_size=500)
    Homework.objects.bulk_create(
        [
            Homework(
                log=entry.log,
                entry=entry,
                author_id=entry.author_id,
                kind=WorkKind.LEARN,
                instructions="Apprendre la poésie « Demain, dès l'aube », strophes 1 et 2.",
                given_on=monday,
                due_on=monday + timedelta(days=3),
                estimated_minutes=15,
                status=Status.PUBLISHED,
                notified_at=now,
            )
            for entry in created
        ],
        batch_size=500,
    )
    return DayPlan.objects.count() - before, len(created)


def populate(*, log: Callable[[str], None]) -> None:
    """Fill the demo fortnight of the cahier de textes (idempotent)."""
    year, (monday, _end) = current_year(), week_of(timezone.localdate())
    schools = list(School.objects.filter(is_active=True))
    with transaction.atomic():
        lessons, work = _second_degree(
            [school for school in schools if school.degree == Degree.SECOND], year, monday
        )
        days, poems = _first_degree(
            [school for school in schools if school.degree == Degree.FIRST], year, monday
        )
        if lessons or days or poems:
            record(
                actor=None,
                action="lesson_log.demo.populate",
                data={"lessons": lessons + poems, "work": work + poems, "journal_days": days},
            )
    log(
        f"Cahier de textes: {lessons + poems} lesson(s), {work + poems} work to do, "
        f"{days} day(s) of cahier journal."
    )
