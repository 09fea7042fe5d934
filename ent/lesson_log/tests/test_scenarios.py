"""Acceptance scenarios: spec-context §7 (1, 2, 4, 5, 11) and spec-utilisateur 25 to 30, played
through the pages as their people would, on the §7 fixture."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ent.lesson_log import actions
from ent.lesson_log.actions import WorkInput
from ent.lesson_log.models import (
    AccessKind,
    LessonEntry,
    LogAccess,
    PersonalEntry,
    PupilWork,
    Status,
    WorkKind,
)
from ent.rights.queries import effective_rights

from .conftest import PARIS
from .factories import inspector, lesson, new_group, pupil_in, teacher_in

TUESDAY = date(2026, 3, 10)
FRIDAY = date(2026, 3, 13)


def _post_entry(client, division, **extra):
    data = {
        "target": f"{'class' if hasattr(division, 'mefs') else 'group'}-{division.pk}",
        "subject_code": "HG",
        "date": "2026-03-10",
        "starts_at": "10:00",
        "title": "Séance",
        "status": "PUBLISHED",
        "work_kind": "HOMEWORK",
    } | extra
    return client.post(reverse("lesson_log:entry-new"), data)


def _at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=PARIS)


def _later(clock, client, person, day: date) -> None:
    """Move the clock to `day`, and sign `person` in again (the idle timeout ran out)."""
    client.logout()
    clock.move_to(_at(day))
    client.force_login(person)


@pytest.mark.sdet("UTI-AVE-CDT-00")
@pytest.mark.sdet("UTI-AVE-CDT-02")
def test_scenario_1_two_profiles_two_contexts(client, world, clock):
    """Mme Dupont writes 3eA and 4eB, not 5eC; in Y she reads Martin's cahier, read-only."""
    cast = world.cast
    client.force_login(cast.teacher)
    assert _post_entry(client, cast.school_class, title="3eA").status_code == 302
    assert _post_entry(client, world.class_4b, title="4eB").status_code == 302
    refused = _post_entry(client, world.class_5c, title="5eC")
    assert refused.status_code == 403
    assert set(LessonEntry.objects.values_list("title", flat=True)) == {"3eA", "4eB"}
    # In Y, Martin's teacher writes; his mother reads, read-only.
    teacher_y = teacher_in(world.class_6b, "HG", login="prof.y")
    entry_y = lesson(teacher_y, world.class_6b, on=TUESDAY, title="Cours de Martin")
    week = client.get(reverse("lesson_log:week"), {"pupil": world.martin.pk, "week": "2026-03-10"})
    page = week.content.decode()
    assert "Cours de Martin" in page
    assert reverse("lesson_log:entry-edit", args=[entry_y.pk]) not in page
    assert client.get(reverse("lesson_log:entry-edit", args=[entry_y.pk])).status_code == 403
    other = pupil_in(world.class_6b, login="autre.y")
    assert client.get(reverse("lesson_log:week"), {"pupil": other.pk}).status_code == 404
    assert client.get(reverse("lesson_log:work-done"), {"pupil": other.pk}).status_code == 404
    # Her teacher role gives nothing in Y: no write in 6eB.
    assert _post_entry(client, world.class_6b).status_code == 404


def test_scenario_2_parent_of_two_children_in_two_schools(client, world, family, clock):
    """M. Martin-Diaz sees Jade's (école Z) and Tom's (collège X) homework, never Léa's."""
    cast = world.cast
    lesson(
        family.teacher_z,
        family.cm2,
        on=TUESDAY,
        title="Poésie",
        work=(WorkInput("Apprendre la poésie", FRIDAY, WorkKind.LEARN),),
    )
    tom_teacher = teacher_in(world.class_5c, "MATHS", login="prof.5c")
    lesson(
        tom_teacher,
        world.class_5c,
        on=TUESDAY,
        title="Fractions",
        work=(WorkInput("Exercices fractions", FRIDAY),),
    )
    lea = lesson(
        cast.teacher, cast.school_class, on=TUESDAY, work=(WorkInput("Travail de Léa", FRIDAY),)
    )
    client.force_login(family.martin_diaz)
    page = client.get(reverse("lesson_log:homework"), {"week": "2026-03-10"}).content.decode()
    assert "Apprendre la poésie" in page
    assert "Exercices fractions" in page
    assert "Travail de Léa" not in page
    assert client.get(reverse("lesson_log:entry", args=[lea.pk])).status_code == 404
    assert client.get(reverse("lesson_log:log", args=[lea.log_id])).status_code == 404
    assert client.get(reverse("lesson_log:week"), {"pupil": cast.pupil.pk}).status_code == 404
    # Per child: Jade only.
    jade = client.get(reverse("lesson_log:week"), {"pupil": family.jade.pk, "week": "2026-03-10"})
    assert "Poésie" in jade.content.decode()
    assert "Fractions" not in jade.content.decode()


def test_scenario_4_pupil_reads_the_class_cahier_and_fills_her_own(client, world, clock):
    """Léa reads 3eA's cahier, records her own work, and may not edit a class entry."""
    cast = world.cast
    entry = lesson(
        cast.teacher, cast.school_class, on=TUESDAY, work=(WorkInput("Fiche 3", FRIDAY),)
    )
    client.force_login(cast.pupil)
    assert client.get(reverse("lesson_log:log", args=[entry.log_id])).status_code == 200
    homework = entry.homework.get()
    response = client.post(
        reverse("lesson_log:work-done"),
        {"text": "Fiche 3 terminée", "done_on": "2026-03-11", "homework": homework.pk},
    )
    assert response.status_code == 302
    assert PupilWork.objects.get().homework == homework
    assert client.get(reverse("lesson_log:entry-edit", args=[entry.pk])).status_code == 403
    assert (
        client.post(reverse("lesson_log:entry-edit", args=[entry.pk]), {"title": "x"}).status_code
        == 403
    )
    assert client.post(reverse("lesson_log:entry-delete", args=[entry.pk])).status_code == 403
    # Her guardian and her teacher read her own cahier; Tom does not.
    client.force_login(cast.guardian)
    page = client.get(reverse("lesson_log:work-done"), {"pupil": cast.pupil.pk})
    assert "Fiche 3 terminée" in page.content.decode()
    client.force_login(world.tom)
    assert client.get(reverse("lesson_log:work-done"), {"pupil": cast.pupil.pk}).status_code == 404


def test_scenario_5_head_teacher_whole_class_view_on_3ea_only(client, world, clock):
    """Professeur principal of 3eA: every subject there; only her own subject in 4eB."""
    cast = world.cast
    maths_3a = lesson(
        teacher_in(cast.school_class, "MATHS", login="prof.m3"),
        cast.school_class,
        on=TUESDAY,
        title="Maths 3eA",
    )
    maths_4b = lesson(
        teacher_in(world.class_4b, "MATHS", login="prof.m4"),
        world.class_4b,
        on=TUESDAY,
        title="Maths 4eB",
    )
    own_4b = lesson(cast.teacher, world.class_4b, on=TUESDAY, title="HG 4eB")
    client.force_login(cast.teacher)
    page_3a = client.get(reverse("lesson_log:log", args=[maths_3a.log_id]), {"week": "2026-03-10"})
    assert "Maths 3eA" in page_3a.content.decode()
    page_4b = client.get(reverse("lesson_log:log", args=[own_4b.log_id]), {"week": "2026-03-10"})
    assert "HG 4eB" in page_4b.content.decode()
    assert "Maths 4eB" not in page_4b.content.decode()
    assert client.get(reverse("lesson_log:entry", args=[maths_4b.pk])).status_code == 404
    # She reads the maths entry of 3eA but does not write it.
    assert client.get(reverse("lesson_log:entry-edit", args=[maths_3a.pk])).status_code == 403


@pytest.mark.sdet("UTI-AVE-CDT-13")
def test_scenario_11_inspector_reads_from_date_to_date_and_never_writes(client, world, clock):
    """M. Henry reads 3eA's cahier during the window; refused the day after; never writes."""
    cast = world.cast
    henry = inspector()
    entry = lesson(cast.teacher, cast.school_class, on=date(2026, 3, 2))
    actions.open_access(
        actor=cast.teacher,
        grantee=henry,
        kind=AccessKind.WINDOW,
        starts_on=date(2026, 3, 12),
        ends_on=date(2026, 3, 20),
        log=entry.log,
    )
    client.force_login(henry)
    log_url = reverse("lesson_log:log", args=[entry.log_id])
    assert client.get(log_url).status_code == 403  # before the window
    _later(clock, client, henry, date(2026, 3, 16))
    page = client.get(log_url, {"week": "2026-03-02"})
    assert page.status_code == 200
    assert "Les Lumières" in page.content.decode()
    assert client.get(reverse("lesson_log:entry-edit", args=[entry.pk])).status_code == 403
    assert _post_entry(client, cast.school_class).status_code == 403
    assert not effective_rights(henry).has("pupil_records")
    _later(clock, client, henry, date(2026, 3, 21))
    assert client.get(log_url).status_code in (403, 404)
    assert client.get(reverse("lesson_log:entry", args=[entry.pk])).status_code in (403, 404)
    assert LessonEntry.objects.count() == 1


@pytest.mark.sdet("UTI-AVE-CDT-04")
def test_ut_scenario_25_homework_in_the_cahier_de_textes(client, world, clock, settings, tmp_path):
    """A lesson from a timetable slot with a PDF, a link and homework due Friday with a
    worksheet: Léa and her parent read it; Tom, his parent and Léa may not change it."""
    settings.MEDIA_ROOT = tmp_path
    cast = world.cast
    client.force_login(cast.teacher)
    slot = f"?target=class-{world.class_4b.pk}&date=2026-03-10&start=10:00&subject=HG"
    assert client.get(reverse("lesson_log:entry-new") + slot).status_code == 200
    lea_4b = pupil_in(world.class_4b, login="lea.4b", first_name="Léa")
    response = client.post(
        reverse("lesson_log:entry-new") + slot,
        {
            "target": f"class-{world.class_4b.pk}",
            "subject_code": "HG",
            "date": "2026-03-10",
            "starts_at": "10:00",
            "title": "Théorème de Pythagore",
            "content": "Démonstration et exemples.",
            "links": "https://gar.education.fr/ressource Médiacentre",
            "attachment": SimpleUploadedFile("cours.pdf", b"%PDF-1.4"),
            "status": "PUBLISHED",
            "work_instructions": "Exercices 3 à 7 p. 112",
            "work_due_on": "2026-03-13",
            "work_kind": "HOMEWORK",
            "work_attachment": SimpleUploadedFile("fiche.pdf", b"%PDF-1.4 fiche"),
        },
    )
    assert response.status_code == 302
    entry = LessonEntry.objects.get()
    client.force_login(lea_4b)
    week = client.get(reverse("lesson_log:week"), {"week": "2026-03-10"}).content.decode()
    assert "Théorème de Pythagore" in week
    assert "Exercices 3 à 7 p. 112" in week
    assert 'data-due="2026-03-13"' in client.get(reverse("lesson_log:homework")).content.decode()
    assert client.get(reverse("lesson_log:entry-edit", args=[entry.pk])).status_code == 403
    for outsider in (world.tom,):
        client.force_login(outsider)
        assert client.get(reverse("lesson_log:entry", args=[entry.pk])).status_code == 404


@pytest.mark.sdet("UTI-AVE-CDT-02")
def test_ut_scenario_26_a_group_has_its_own_cahier(client, world, clock):
    """The LV2 group's entries reach its pupils only."""
    cast = world.cast
    group = new_group(school=cast.school)
    cast.pupil.enrolments.create(teaching_group=group)
    teacher = teacher_in(world.class_5c, "ESP", login="prof.esp")
    teacher.assignments.create(teaching_group=group, subject_code="ESP")
    entry = lesson(teacher, group, on=TUESDAY, title="Los verbos", subject_code="ESP")
    assert entry.log.teaching_group == group
    client.force_login(cast.pupil)
    assert "Los verbos" in client.get(reverse("lesson_log:week")).content.decode()
    classmate = pupil_in(cast.school_class, login="sans.lv2")
    client.force_login(classmate)
    assert client.get(reverse("lesson_log:entry", args=[entry.pk])).status_code == 404


@pytest.mark.sdet("UTI-AVE-CDT-03")
@pytest.mark.sdet("UTI-AVE-CDT-07")
@pytest.mark.sdet("UTI-AVE-CDT-08")
@pytest.mark.sdet("UTI-AVE-CDT-10")
def test_ut_scenario_27_personal_cahier_and_previous_year(client, world, clock):
    cast = world.cast
    client.force_login(cast.teacher)
    response = client.post(
        reverse("lesson_log:personal"), {"title": "Préparation Pythagore", "content": "Plan"}
    )
    assert response.status_code == 302
    preparation = PersonalEntry.objects.get(owner=cast.teacher)
    copied = client.post(
        reverse("lesson_log:personal-copy", args=[preparation.pk]),
        {
            "target": f"class-{world.class_4b.pk}",
            "subject_code": "HG",
            "date": "2026-03-10",
        },
    )
    assert copied.status_code == 302
    entry = LessonEntry.objects.get()
    assert entry.status == Status.DRAFT
    assert entry.title == "Préparation Pythagore"
    html = client.get(reverse("lesson_log:personal-export", args=["html"]))
    assert html["Content-Type"].startswith("text/html")
    assert "Préparation Pythagore" in html.content.decode()
    text = client.get(reverse("lesson_log:personal-export", args=["txt"])).content.decode()
    assert "== Préparation Pythagore" in text
    exported = client.get(reverse("lesson_log:personal-export", args=["json"]))
    data = json.loads(exported.content)
    assert data["format"] == "ent.lesson_log/1"
    upload = SimpleUploadedFile("cahier.json", exported.content, content_type="application/json")
    assert client.post(reverse("lesson_log:personal-import"), {"file": upload}).status_code == 302
    assert PersonalEntry.objects.filter(owner=cast.teacher).count() == 2
    # Year rollover: last year's cahier stays readable, read-only.
    actions.update_entry(
        actor=cast.teacher, entry=entry, date=entry.date, title=entry.title, status="PUBLISHED"
    )
    _later(clock, client, cast.teacher, date(2026, 9, 14))
    archives = client.get(reverse("lesson_log:archives")).content.decode()
    assert f'data-log="{entry.log_id}"' in archives
    page = client.get(reverse("lesson_log:log", args=[entry.log_id]), {"week": "2026-03-10"})
    assert 'id="archived"' in page.content.decode()
    assert 'id="link-entry-new"' not in page.content.decode()
    assert client.get(reverse("lesson_log:entry-edit", args=[entry.pk])).status_code == 403


def test_a_broken_import_file_adds_nothing(client, world, clock):
    client.force_login(world.cast.teacher)
    for body in (b"not json", json.dumps({"format": "other", "entries": []}).encode()):
        upload = SimpleUploadedFile("cahier.json", body)
        response = client.post(reverse("lesson_log:personal-import"), {"file": upload})
        assert response.status_code == 422
    assert not PersonalEntry.objects.exists()


@pytest.mark.sdet("UTI-AVE-CDT-13")
@pytest.mark.sdet("UTI-AVE-CDT-11")
def test_ut_scenario_28_temporary_visibility_for_an_inspector_and_visa(client, world, clock):
    cast = world.cast
    henry = inspector()
    entry = lesson(cast.teacher, world.class_4b, on=date(2026, 3, 2))
    client.force_login(cast.teacher)
    response = client.post(
        reverse("lesson_log:accesses"),
        {
            "target": f"log-{entry.log_id}",
            "login": henry.login,
            "kind": "WINDOW",
            "starts_on": "2026-03-12",
            "ends_on": "2026-03-20",
        },
    )
    assert response.status_code == 302
    listing = client.get(reverse("lesson_log:accesses")).content.decode()
    assert "Henry" in listing
    log_url = reverse("lesson_log:log", args=[entry.log_id])
    client.force_login(henry)
    assert client.get(log_url).status_code == 403  # 10/03: before the window
    _later(clock, client, henry, date(2026, 3, 16))
    assert client.get(log_url, {"week": "2026-03-02"}).status_code == 200
    assert client.get(reverse("lesson_log:entry-edit", args=[entry.pk])).status_code == 403
    _later(clock, client, henry, date(2026, 3, 21))
    assert client.get(log_url).status_code in (403, 404)
    # Revoked early: gone at once.
    _later(clock, client, cast.teacher, date(2026, 3, 16))
    access = LogAccess.objects.get()
    assert client.post(reverse("lesson_log:access-revoke", args=[access.pk])).status_code == 302
    client.force_login(henry)
    assert client.get(log_url).status_code in (403, 404)
    # (R) The head signs: shown with its date, the earlier lessons marked.
    client.force_login(cast.head)
    visa = client.post(
        reverse("lesson_log:log-visa", args=[entry.log_id]),
        {"up_to": "2026-03-06", "comment": "Vu"},
    )
    assert visa.status_code == 302
    page = client.get(log_url, {"week": "2026-03-02"}).content.decode()
    assert 'id="visa-until"' in page
    assert "06/03/2026" in page
    client.force_login(cast.teacher)
    assert client.get(reverse("lesson_log:entry-edit", args=[entry.pk])).status_code == 403


@pytest.mark.sdet("UTI-AVE-CDT-01")
@pytest.mark.sdet("UTI-AVE-CDT-12")
def test_ut_scenario_29_cahier_journal_and_pupil_cahier_1st_degree(client, world, family, clock):
    leroy, henry = family.teacher_z, inspector()
    monday = date(2026, 3, 30)
    clock.move_to(_at(monday))
    client.force_login(leroy)
    day_url = reverse("lesson_log:journal-day", args=[family.cm2.pk, monday.isoformat()])
    response = client.post(
        day_url,
        {
            "session-TOTAL_FORMS": "1",
            "session-INITIAL_FORMS": "0",
            "session-0-starts_at": "08:30",
            "session-0-ends_at": "09:30",
            "session-0-title": "Lecture",
            "session-0-content": "Chapitre 4",
            "notes": "",
        },
    )
    assert response.status_code == 302
    journal = client.get(reverse("lesson_log:journal"), {"week": monday.isoformat()})
    assert "Chapitre 4" in journal.content.decode()
    # Nobody else sees it.
    client.force_login(family.martin_diaz)
    assert client.get(reverse("lesson_log:journal"), {"owner": leroy.pk}).status_code == 404
    # The pupil cahier: something to learn, seen by Hugo's (Jade's) family.
    lesson(
        leroy,
        family.cm2,
        on=monday,
        title="Poésie",
        work=(
            WorkInput(
                "Apprendre « Demain dès l'aube », strophes 1 et 2", date(2026, 4, 2), "LEARN"
            ),
        ),
    )
    for reader in (family.jade, family.martin_diaz):
        client.force_login(reader)
        page = client.get(reverse("lesson_log:homework"), {"week": monday.isoformat()})
        assert "Demain dès l" in page.content.decode()
    # Opened to the IEN from 01/04 to 03/04.
    actions.open_access(
        actor=leroy,
        grantee=henry,
        kind=AccessKind.WINDOW,
        starts_on=date(2026, 4, 1),
        ends_on=date(2026, 4, 3),
        school_class=family.cm2,
    )
    client.force_login(henry)
    query = {"owner": leroy.pk, "week": monday.isoformat()}
    _later(clock, client, henry, date(2026, 4, 2))
    page = client.get(reverse("lesson_log:journal"), query)
    assert page.status_code == 200
    assert "Chapitre 4" in page.content.decode()
    assert client.post(day_url + f"?owner={leroy.pk}", {}).status_code in (403, 404)
    _later(clock, client, henry, date(2026, 4, 4))
    assert client.get(reverse("lesson_log:journal"), query).status_code in (403, 404)


@pytest.mark.sdet("UTI-AVE-CDT-14")
def test_ut_scenario_30_substitute_write_rights_until_a_date(client, world, clock):
    cast = world.cast
    substitute = teacher_in(world.class_5c, "HG", login="sam.remplacant", last_name="Remplaçant")
    entry = lesson(cast.teacher, world.class_4b, on=TUESDAY)
    client.force_login(cast.teacher)
    response = client.post(
        reverse("lesson_log:accesses"),
        {
            "target": f"log-{entry.log_id}",
            "login": substitute.login,
            "kind": "SUBSTITUTE",
            "starts_on": "2026-03-10",
            "ends_on": "2026-03-24",
        },
    )
    assert response.status_code == 302
    _later(clock, client, substitute, date(2026, 3, 13))
    response = _post_entry(client, world.class_4b, date="2026-03-13", title="Séance remplacée")
    assert response.status_code == 302
    written = LessonEntry.objects.get(title="Séance remplacée")
    assert written.author == substitute
    _later(clock, client, substitute, date(2026, 3, 25))
    assert _post_entry(client, world.class_4b, date="2026-03-25").status_code == 403
    assert LessonEntry.objects.get(pk=written.pk).author == substitute
