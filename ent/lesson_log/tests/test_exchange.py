"""Exports and imports (CDT-08, -15, -16), the search source, and the demo fortnight."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from ent.directory.models import Degree, School
from ent.lesson_log import actions, demo_content
from ent.lesson_log.actions import WorkInput
from ent.lesson_log.models import DayPlan, Homework, LessonEntry, Status
from ent.lesson_log.search import SOURCES

from .factories import lesson, teacher_in

TUESDAY = date(2026, 3, 10)


@pytest.mark.sdet("UTI-AVE-CDT-08")
def test_a_log_exports_as_html_and_text_with_what_the_reader_may_read(client, world, clock):
    cast = world.cast
    lesson(
        cast.teacher,
        cast.school_class,
        on=TUESDAY,
        title="Les Lumières",
        content="Voltaire <script>",
        work=(WorkInput("Lire Candide", date(2026, 3, 13)),),
    )
    lesson(cast.teacher, cast.school_class, on=TUESDAY, title="Brouillon", status=Status.DRAFT)
    client.force_login(cast.pupil)
    log_id = LessonEntry.objects.first().log_id
    html = client.get(reverse("lesson_log:log-export", args=[log_id, "html"]))
    assert html["Content-Disposition"].startswith('attachment; filename="cahier-3ea-2025-2026')
    body = html.content.decode()
    assert "Les Lumières" in body
    assert "Lire Candide" in body
    assert "Voltaire &lt;script&gt;" in body
    assert "Brouillon" not in body
    text = client.get(reverse("lesson_log:log-export", args=[log_id, "txt"])).content.decode()
    assert "Les Lumières" in text
    assert "-> " in text
    assert client.get(reverse("lesson_log:log-export", args=[log_id, "odt"])).status_code == 404


@pytest.mark.sdet("UTI-AVE-CDT-01")
def test_the_cahier_journal_exports_and_imports_again(client, family, world, clock):
    leroy = family.teacher_z
    actions.save_day_plan(
        actor=leroy,
        owner=leroy,
        school_class=family.cm2,
        day=TUESDAY,
        sessions=[{"starts_at": "09:00", "title": "Lecture"}],
        notes="Sortie",
    )
    client.force_login(leroy)
    exported = json.loads(client.get(reverse("lesson_log:journal-export")).content)
    assert exported["days"] == [
        {
            "day": "2026-03-10",
            "class": "CM2",
            "sessions": [{"starts_at": "09:00", "ends_at": "", "title": "Lecture", "content": ""}],
            "notes": "Sortie",
        }
    ]
    exported["days"][0]["day"] = "2026-03-11"
    assert actions.import_journal(actor=leroy, data=exported) == 1
    assert DayPlan.objects.filter(owner=leroy).count() == 2
    exported["days"][0]["class"] = "3A"
    with pytest.raises(ValidationError):
        actions.import_journal(actor=leroy, data=exported)


def test_the_search_source_follows_visible_to(world, clock):
    entry = lesson(world.cast.teacher, world.cast.school_class, on=TUESDAY)
    [source] = SOURCES
    assert list(source.visible_to(world.cast.pupil)) == [entry]
    assert list(source.visible_to(world.tom)) == []
    assert source.text(entry) == ("Les Lumières", "")
    assert source.url(entry) == reverse("lesson_log:entry", args=[entry.pk])


def test_the_demo_fortnight_is_filled_once(world, family, clock):
    teacher_in(world.cast.school_class, "MATHS", login="prof.demo")
    messages: list[str] = []
    demo_content.populate(log=messages.append)
    lessons, work = LessonEntry.objects.count(), Homework.objects.count()
    second = School.objects.filter(degree=Degree.SECOND)
    assert LessonEntry.objects.filter(log__school__in=second).count() > 10
    assert work > 0
    assert DayPlan.objects.filter(owner=family.teacher_z).count() == 4
    # Léa reads the demo lessons of 3eA; Jade has a poem to learn.
    assert LessonEntry.objects.visible_to(world.cast.pupil).exists()
    assert Homework.objects.visible_to(family.jade).filter(kind="LEARN").exists()
    demo_content.populate(log=messages.append)
    assert (LessonEntry.objects.count(), Homework.objects.count()) == (lessons, work)
    assert "Cahier de textes" in messages[0]
