"""A demo timetable: this week and next for every class and group, from their teachers.

Each class gets 26 one-hour lessons a week, its subjects' teachers taking turns, never two
classes at once; groups meet on the late afternoon slots. One lesson per school is cancelled
next week, so that the demo shows one. Running it again changes nothing (same keys).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from ent.directory.models import School, Subject, TeachingAssignment

from .actions import import_lessons
from .importers.resolve import Plan, Planned, uid_of
from .models import Source

SCOPE = "demo"
LENGTH = timedelta(minutes=55)
CLASS_TIMES = (time(8), time(9), time(10, 5), time(11, 5), time(13, 30), time(14, 30), time(15, 35))
GROUP_TIME = time(16, 35)
# Monday, Tuesday, Thursday, Friday: full days; Wednesday: the morning.
CLASS_SLOTS = [
    (day, at) for at in CLASS_TIMES for day in (0, 1, 3, 4, 2) if day != 2 or at < time(12)
]
GROUP_SLOTS = [(day, GROUP_TIME) for day in (0, 1, 3, 4)]
HOURS_PER_WEEK = 26
# Weekly hours of the main subjects (BCN codes); the others get two.
WEIGHTS = {"020700": 4, "061300": 4, "040300": 3, "030201": 3, "100100": 3}


def _rotation(assignments: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Interleave each subject's hours so that a class meets each subject on several days."""
    queues = [[item] * WEIGHTS.get(item[0], 2) for item in sorted(assignments)]
    order: list[tuple[str, int]] = []
    while any(queues):
        for queue in queues:
            if queue:
                order.append(queue.pop())
    return order


def _divisions() -> dict[int, dict[tuple[str, int], list[tuple[str, int]]]]:
    """Return each school's classes and groups with their (subject, teacher) pairs."""
    found: dict[int, dict[tuple[str, int], list[tuple[str, int]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    rows = TeachingAssignment.objects.values_list(
        "teacher_id",
        "school_class_id",
        "school_class__school_id",
        "teaching_group_id",
        "teaching_group__school_id",
        "subject_code",
    )
    for teacher, class_id, class_school, group_id, group_school, code in rows:
        if class_id:
            found[class_school][("class", class_id)].append((code, teacher))
        else:
            found[group_school][("group", group_id)].append((code, teacher))
    return found


def _week_plan(
    divisions: dict[tuple[str, int], list[tuple[str, int]]],
    monday: date,
    subjects: dict[str, int],
    busy: set[tuple[int, int, time]],
) -> list[Planned]:
    """Place one school's classes and groups on the slots of one week; a teacher taken at a
    slot (in any school) is not given another class then."""
    planned: list[Planned] = []
    for (kind, pk), assignments in sorted(divisions.items()):
        slots = CLASS_SLOTS if kind == "class" else GROUP_SLOTS
        wanted = HOURS_PER_WEEK if kind == "class" else 2
        queue = _rotation(assignments)
        for day, at in slots:
            if not queue or wanted == 0:
                break
            chosen = next((item for item in queue if (item[1], day, at) not in busy), None)
            if chosen is None:
                continue
            queue.remove(chosen)
            queue.append(chosen)
            busy.add((chosen[1], day, at))
            wanted -= 1
            code, teacher = chosen
            starts_at = timezone.make_aware(datetime.combine(monday + timedelta(days=day), at))
            planned.append(
                Planned(
                    uid=uid_of(f"demo|{kind}|{pk}|{starts_at.isoformat()}"),
                    school_class_id=pk if kind == "class" else None,
                    teaching_group_id=pk if kind == "group" else None,
                    subject_id=subjects.get(code),
                    subject_code=code,
                    title="" if code else _("Class time"),
                    room=f"{'S' if kind == 'class' else 'G'}{100 + pk % 200}",
                    starts_at=starts_at,
                    ends_at=starts_at + LENGTH,
                    is_cancelled=False,
                    teacher_ids=(teacher,),
                )
            )
    return planned


def populate(*, log: Callable[[str], None]) -> None:
    """Give every school with teaching assignments this week's and next week's timetable."""
    monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday())
    subjects = dict(Subject.objects.values_list("code", "pk"))
    divisions = _divisions()
    schools = {school.pk: school for school in School.objects.filter(pk__in=list(divisions))}
    lessons: dict[int, list[Planned]] = defaultdict(list)
    for week in (0, 1):
        busy: set[tuple[int, int, time]] = set()
        for school_id in sorted(divisions):
            planned = _week_plan(
                divisions[school_id], monday + timedelta(weeks=week), subjects, busy
            )
            if week and len(planned) > 2:
                # One cancelled lesson per school next week, so that the demo shows one.
                planned[2] = replace(planned[2], is_cancelled=True)
            lessons[school_id] += planned
    total = 0
    for school_id, planned in sorted(lessons.items()):
        counts = import_lessons(
            actor=None,
            school=schools[school_id],
            source=Source.MANUAL,
            scope=SCOPE,
            plan=Plan(lessons=planned),
        )
        total += counts.created
    log(f"  timetable: {total} lessons added")
