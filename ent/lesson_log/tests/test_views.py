"""The pages: the permission matrix of every view, the forms, and query counts that do not grow
with the number of lessons."""

from __future__ import annotations

from datetime import date, time

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ent.lesson_log import actions
from ent.lesson_log.actions import WorkInput
from ent.lesson_log.models import AccessKind, Attachment, LessonEntry
from ent.rights.testing import ungated_views
from ent.rights.tests.factories import guardian_of

from .factories import lesson, teacher_in

TUESDAY = date(2026, 3, 10)
FRIDAY = date(2026, 3, 13)


@pytest.fixture
def data(world, clock, settings, tmp_path):
    """An HG lesson in 3eA with work and a document, a preparation, a cahier journal day."""
    settings.MEDIA_ROOT = tmp_path
    cast = world.cast
    entry = lesson(
        cast.teacher,
        cast.school_class,
        on=TUESDAY,
        attachments=[SimpleUploadedFile("cours.pdf", b"%PDF-1.4 cours")],
        work=(WorkInput("Exercice 2 p. 40", FRIDAY),),
    )
    personal = actions.save_personal_entry(actor=cast.teacher, title="Préparation")
    work = actions.record_work(actor=cast.pupil, text="J'ai fait l'exercice", done_on=TUESDAY)
    access = actions.open_access(
        actor=cast.teacher,
        grantee=cast.head,
        kind=AccessKind.WINDOW,
        starts_on=TUESDAY,
        ends_on=FRIDAY,
        log=world.class_4b and entry.log,
    )[0]
    return {
        "entry": entry,
        "homework": entry.homework.get(),
        "attachment": Attachment.objects.get(),
        "personal": personal,
        "work": work,
        "access": access,
    }


def test_every_view_is_gated():
    assert [route for route in ungated_views() if "cahier-de-textes" in route] == []


def _get(client, person, url):
    if person is not None:
        client.force_login(person)
    return client.get(url)


# (url name, args from data, who may open it)
READ_PAGES = [
    ("lesson_log:home", lambda d: [], "pupil"),
    ("lesson_log:week", lambda d: [], "pupil"),
    ("lesson_log:homework", lambda d: [], "pupil"),
    ("lesson_log:work-done", lambda d: [], "pupil"),
    ("lesson_log:archives", lambda d: [], "teacher"),
    ("lesson_log:journal", lambda d: [], "teacher"),
    ("lesson_log:log", lambda d: [d["entry"].log_id], "pupil"),
    ("lesson_log:log-export", lambda d: [d["entry"].log_id, "html"], "teacher"),
    ("lesson_log:entry", lambda d: [d["entry"].pk], "pupil"),
    ("lesson_log:attachment", lambda d: [d["attachment"].pk], "pupil"),
]
TEACHER_PAGES = [
    ("lesson_log:entry-new", lambda d: []),
    ("lesson_log:entry-edit", lambda d: [d["entry"].pk]),
    ("lesson_log:work-edit", lambda d: [d["homework"].pk]),
    ("lesson_log:personal", lambda d: []),
    ("lesson_log:personal-edit", lambda d: [d["personal"].pk]),
    ("lesson_log:personal-copy", lambda d: [d["personal"].pk]),
    ("lesson_log:personal-export", lambda d: ["json"]),
    ("lesson_log:accesses", lambda d: []),
    ("lesson_log:journal-export", lambda d: []),
]
OBJECT_PAGES = {
    "lesson_log:log",
    "lesson_log:log-export",
    "lesson_log:entry",
    "lesson_log:attachment",
    "lesson_log:entry-edit",
    "lesson_log:work-edit",
    "lesson_log:personal-edit",
    "lesson_log:personal-copy",
}


@pytest.mark.parametrize(("name", "args", "who"), READ_PAGES)
def test_read_pages_matrix(client, world, data, name, args, who):
    url = reverse(name, args=args(data))
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse(settings.LOGIN_URL))
    # The school administrator holds no grant of the service: 403.
    assert _get(client, world.cast.school_admin, url).status_code == 403
    allowed = world.cast.pupil if who == "pupil" else world.cast.teacher
    assert _get(client, allowed, url).status_code == 200
    if name in OBJECT_PAGES:
        assert _get(client, world.cast.outsider, url).status_code == 404


@pytest.mark.parametrize(("name", "args"), TEACHER_PAGES)
def test_teacher_pages_matrix(client, world, data, name, args):
    url = reverse(name, args=args(data))
    assert client.get(url).status_code == 302
    assert _get(client, world.cast.school_admin, url).status_code == 403
    # A guardian reads the service, never writes: 403 at the gate.
    assert _get(client, world.cast.guardian, url).status_code == 403
    assert _get(client, world.cast.teacher, url).status_code == 200
    if name in OBJECT_PAGES:
        assert _get(client, world.cast.outsider, url).status_code == 404


def test_visa_page_matrix(client, world, data):
    url = reverse("lesson_log:log-visa", args=[data["entry"].log_id])
    assert client.get(url).status_code == 302
    assert _get(client, world.cast.outsider, url).status_code == 404
    assert _get(client, world.cast.teacher, url).status_code == 403
    assert _get(client, world.cast.head, url).status_code == 200


def test_school_page_matrix(client, world, data):
    url = reverse("lesson_log:school")
    assert client.get(url).status_code == 302
    assert _get(client, world.cast.teacher, url).status_code == 403
    response = _get(client, world.cast.head, url)
    assert response.status_code == 200
    assert f'data-log="{data["entry"].log_id}"' in response.content.decode()
    assert client.post(url).status_code == 302


def test_journal_day_matrix(client, family, world, clock):
    url = reverse("lesson_log:journal-day", args=[family.cm2.pk, "2026-03-10"])
    assert client.get(url).status_code == 302
    assert _get(client, world.cast.guardian, url).status_code == 403
    assert _get(client, world.cast.teacher, url).status_code == 404  # not her class
    assert _get(client, family.teacher_z, url).status_code == 200


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("lesson_log:entry-delete", lambda d: [d["entry"].pk]),
        ("lesson_log:work-delete", lambda d: [d["homework"].pk]),
        ("lesson_log:attachment-delete", lambda d: [d["attachment"].pk]),
    ],
)
def test_deletions_matrix(client, world, data, name, args):
    url = reverse(name, args=args(data))
    assert client.post(url).status_code == 302
    assert client.get(url).status_code in (302, 405)
    client.force_login(world.cast.outsider)
    assert client.post(url).status_code == 404
    client.force_login(world.cast.pupil)
    assert client.post(url).status_code == 403
    client.force_login(world.cast.teacher)
    assert client.post(url).status_code == 302


def test_access_revoke_matrix(client, world, data):
    url = reverse("lesson_log:access-revoke", args=[data["access"].pk])
    client.force_login(world.cast.head)
    assert client.post(url).status_code == 404  # not the one who opened it
    client.force_login(world.cast.school_admin)
    assert client.post(url).status_code == 403
    client.force_login(world.cast.teacher)
    assert client.post(url).status_code == 302
    data["access"].refresh_from_db()
    assert data["access"].revoked_at is not None


# --- Forms -----------------------------------------------------------------------------------


def _entry_post(target: str, **extra) -> dict:
    return {
        "target": target,
        "subject_code": "HG",
        "date": "2026-03-10",
        "starts_at": "10:00",
        "ends_at": "11:00",
        "title": "La guerre froide",
        "content": "Carte p. 34",
        "links": "https://example.org/carte Carte",
        "status": "PUBLISHED",
        "work_instructions": "Apprendre les dates",
        "work_due_on": "2026-03-13",
        "work_kind": "HOMEWORK",
        "work_minutes": "20",
    } | extra


def test_a_timetable_slot_prefills_the_form(client, world, clock):
    client.force_login(world.cast.teacher)
    url = reverse("lesson_log:entry-new")
    query = f"?target=class-{world.class_4b.pk}&date=2026-03-12&start=14:00&subject=HG"
    page = client.get(url + query).content.decode()
    assert f'<option value="class-{world.class_4b.pk}" selected>' in page
    assert 'value="2026-03-12"' in page
    assert 'value="14:00"' in page
    assert '<option value="HG" selected>' in page


def test_the_form_writes_a_lesson_with_its_work(client, world, clock):
    client.force_login(world.cast.teacher)
    response = client.post(
        reverse("lesson_log:entry-new"), _entry_post(f"class-{world.class_4b.pk}")
    )
    assert response.status_code == 302
    entry = LessonEntry.objects.get()
    assert entry.homework.get().estimated_minutes == 20
    assert entry.links == [{"url": "https://example.org/carte", "label": "Carte"}]


def test_posting_to_5ec_is_refused_with_a_clear_message(client, world, clock):
    client.force_login(world.cast.teacher)
    response = client.post(
        reverse("lesson_log:entry-new"), _entry_post(f"class-{world.class_5c.pk}")
    )
    assert response.status_code == 403
    assert "data-error" in response.content.decode()
    assert "5eC" in response.content.decode()
    assert not LessonEntry.objects.exists()


def test_posting_to_another_schools_class_is_404(client, world, clock):
    client.force_login(world.cast.teacher)
    response = client.post(
        reverse("lesson_log:entry-new"), _entry_post(f"class-{world.class_6b.pk}")
    )
    # As Martin's guardian in Y she has no staff role there: Y's classes are not hers to name.
    assert response.status_code == 404
    world.cast.outsider.assignments.create(school_class=world.class_6b, subject_code="HG")
    client.force_login(world.cast.outsider)
    response = client.post(
        reverse("lesson_log:entry-new"), _entry_post(f"class-{world.class_4b.pk}")
    )
    assert response.status_code == 404
    assert not LessonEntry.objects.exists()


def test_a_due_date_before_the_lesson_answers_422(client, world, clock):
    client.force_login(world.cast.teacher)
    response = client.post(
        reverse("lesson_log:entry-new"),
        _entry_post(f"class-{world.class_4b.pk}", work_due_on="2026-03-09"),
    )
    assert response.status_code == 422
    assert "data-error" in response.content.decode()
    assert not LessonEntry.objects.exists()


def test_an_oversize_document_is_refused_in_the_form(client, world, clock, settings):
    settings.ENT_LESSON_LOG_MAX_ATTACHMENT_BYTES = 10
    client.force_login(world.cast.teacher)
    big = SimpleUploadedFile("gros.exe", b"x" * 20)
    response = client.post(
        reverse("lesson_log:entry-new"),
        _entry_post(f"class-{world.class_4b.pk}", attachment=big),
    )
    assert response.status_code == 422
    assert 'id="id_attachment_errors"' in response.content.decode()
    assert not LessonEntry.objects.exists()


def test_the_attachment_is_served_as_a_download(client, world, data):
    client.force_login(world.cast.pupil)
    response = client.get(reverse("lesson_log:attachment", args=[data["attachment"].pk]))
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == b"%PDF-1.4 cours"


# --- Query counts ----------------------------------------------------------------------------


def _fill(world, first: int, count: int) -> None:
    """Write `count` published lessons with work this week in 3eA (HG) and in 6eB (Martin's)."""
    cast = world.cast
    teacher_y = teacher_in(world.class_6b, "HG", login=f"prof.y{first}")
    for number in range(first, first + count):
        lesson(
            cast.teacher,
            cast.school_class,
            on=TUESDAY,
            title=f"HG {number}",
            starts_at=time(8 + number % 9),
            work=(WorkInput(f"Travail {number}", FRIDAY, estimated_minutes=10),),
        )
        lesson(teacher_y, world.class_6b, on=TUESDAY, title=f"Y {number}")


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.sdet("UTI-AVE-CDT-04")
def test_query_counts_are_the_same_for_1_and_50_lessons(
    client, world, clock, django_assert_num_queries
):
    """The pupil's week, the guardian's view of two children and the teacher's class page."""
    cast = world.cast
    guardian_of(world.martin, cast.guardian)  # Paul now has Léa (3eA) and Martin (6eB)
    _fill(world, 0, 1)
    log_id = LessonEntry.objects.filter(log__school_class=cast.school_class).first().log_id
    pages = [
        ("pupil", cast.pupil, reverse("lesson_log:week")),
        ("guardian", cast.guardian, reverse("lesson_log:week")),
        ("teacher", cast.teacher, reverse("lesson_log:log", args=[log_id])),
    ]
    baseline = {}
    for kind, person, url in pages:
        client.force_login(person)
        client.get(url)  # the session and the content types, once
        baseline[kind] = _queries(client, url)
    _fill(world, 1, 49)
    for kind, person, url in pages:
        client.force_login(person)
        client.get(url)
        with django_assert_num_queries(baseline[kind]):
            page = client.get(url).content.decode()
        assert page.count('class="lesson card"') == (100 if kind == "guardian" else 50)
