"""The timetable's pages: the permission matrix, then what each person sees and does."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ent.directory.models import Enrolment, Membership, Source, TeachingAssignment
from ent.rights.actions import revoke_grant
from ent.rights.models import ServiceGrant
from ent.rights.testing import ungated_views
from ent.rights.tests.factories import new_class, new_school, person_in, pupil_in
from ent.timetable.models import Import, ImportStatus, Lesson, LessonStatus, SubjectColour

from .conftest import sample
from .factories import make_lesson

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def next_tuesday():
    today = timezone.localdate()
    return today - timedelta(days=today.weekday()) + timedelta(days=8)


def at(day, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time())) + timedelta(
        hours=hour, minutes=minute
    )


def lessons_in(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-lesson="(\d+)"', response.content.decode())]


def week_url(day, **params) -> str:
    query = "&".join(f"{key}={value}" for key, value in {"date": day, **params}.items())
    return f"{reverse('timetable:home')}?{query}"


def revoke(profile: str) -> None:
    for grant in ServiceGrant.objects.filter(service="timetable", profile=profile):
        revoke_grant(actor=None, grant=grant)


def test_every_view_is_gated_or_deliberately_public():
    assert [route for route in ungated_views() if "emploi-du-temps" in route] == []


def test_strangers_are_sent_to_the_login(client, tt):
    lesson = make_lesson(division=tt.cast.school_class)
    for url in (
        reverse("timetable:home"),
        reverse("timetable:lesson", args=[lesson.pk]),
        reverse("timetable:school-import", args=[tt.cast.school.pk]),
        reverse("timetable:colours"),
        reverse("timetable:archive"),
        reverse("timetable:export"),
        reverse("timetable:subscription"),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("identity:login")), url


def test_outsiders_get_404_for_what_they_may_not_see(client, tt):
    lesson = make_lesson(division=tt.cast.school_class)
    client.force_login(tt.cast.outsider)
    assert client.get(reverse("timetable:lesson", args=[lesson.pk])).status_code == 404
    assert client.post(reverse("timetable:lesson-cancel", args=[lesson.pk])).status_code == 404
    assert (
        client.get(week_url(next_tuesday(), target=f"class-{tt.cast.school_class.pk}")).status_code
        == 404
    )
    assert (
        client.get(week_url(next_tuesday(), target=f"child-{tt.cast.pupil.uuid}")).status_code
        == 404
    )
    import_url = reverse("timetable:school-import", args=[tt.cast.school.pk])
    assert client.get(import_url).status_code == 404


def test_people_without_the_service_get_403(client, tt):
    revoke("ELV")
    client.force_login(tt.cast.pupil)
    assert client.get(reverse("timetable:home")).status_code == 403
    stranger = person_in(tt.cast.school, "COL")
    client.force_login(stranger)
    assert client.get(reverse("timetable:home")).status_code == 403


def test_granted_people_get_403_for_what_they_may_not_do(client, tt):
    lesson = make_lesson(division=tt.cast.school_class, teachers=(tt.cast.teacher,))
    client.force_login(tt.cast.pupil)
    assert client.get(reverse("timetable:lesson", args=[lesson.pk])).status_code == 200
    assert client.post(reverse("timetable:lesson-cancel", args=[lesson.pk])).status_code == 403
    client.force_login(tt.cast.teacher)
    import_url = reverse("timetable:school-import", args=[tt.cast.school.pk])
    assert client.get(import_url).status_code == 403
    assert client.get(reverse("timetable:imports")).status_code == 403
    assert Lesson.objects.get(pk=lesson.pk).status == LessonStatus.SCHEDULED


@pytest.mark.sdet("UTI-AVE-EDT-01")
def test_scenario_34_lea_sees_her_class_week_with_subject_teacher_and_room(client, tt):
    day = next_tuesday()
    maths = make_lesson(
        division=tt.cast.school_class,
        starts_at=at(day, 10),
        teachers=(tt.cast.teacher,),
        room="B12",
    )
    spanish = make_lesson(division=tt.group, starts_at=at(day, 15), subject_code="030602")
    other = make_lesson(division=tt.world.class_5c, starts_at=at(day, 9))
    client.force_login(tt.cast.pupil)
    response = client.get(week_url(day))
    assert response.status_code == 200
    assert lessons_in(response) == [maths.pk, spanish.pk]  # her class and her group
    assert other.pk not in lessons_in(response)
    page = response.content.decode()
    assert "MATHEMATIQUES" in page
    assert "Agnès Dupont" in page
    assert "B12" in page
    assert page.count("<h3") == 6  # Monday to Saturday, each a heading


@pytest.mark.sdet("UTI-AVE-EDT-01", "UTI-AVE-EDT-02")
def test_scenario_34_the_teacher_sees_her_classes_and_filters_by_subject(client, tt):
    day = next_tuesday()
    maths_3a = make_lesson(
        division=tt.cast.school_class, starts_at=at(day, 8), teachers=(tt.cast.teacher,)
    )
    maths_4b = make_lesson(
        division=tt.world.class_4b, starts_at=at(day, 9), teachers=(tt.cast.teacher,)
    )
    history = make_lesson(
        division=tt.world.class_4b,
        starts_at=at(day, 11),
        teachers=(tt.cast.teacher,),
        subject_code="040300",
    )
    colleague = person_in(tt.cast.school, "ENS")
    not_hers = make_lesson(division=tt.world.class_4b, starts_at=at(day, 14), teachers=(colleague,))
    client.force_login(tt.cast.teacher)
    mine = client.get(week_url(day))
    assert lessons_in(mine) == [maths_3a.pk, maths_4b.pk, history.pk]
    assert not_hers.pk not in lessons_in(mine)
    maths_only = client.get(week_url(day, subject="061300"))
    assert lessons_in(maths_only) == [maths_3a.pk, maths_4b.pk]
    # EDT-02: her class 4B's whole timetable, and a group's.
    class_4b = client.get(week_url(day, target=f"class-{tt.world.class_4b.pk}"))
    assert lessons_in(class_4b) == [maths_4b.pk, history.pk, not_hers.pk]


@pytest.mark.sdet("UTI-AVE-EDT-02")
def test_the_head_sees_every_class_and_group_of_the_school(client, tt):
    day = next_tuesday()
    lesson_5c = make_lesson(division=tt.world.class_5c, starts_at=at(day, 8))
    group = make_lesson(division=tt.group, starts_at=at(day, 9))
    client.force_login(tt.cast.head)
    assert lessons_in(client.get(week_url(day, target=f"class-{tt.world.class_5c.pk}"))) == [
        lesson_5c.pk
    ]
    assert lessons_in(client.get(week_url(day, target=f"group-{tt.group.pk}"))) == [group.pk]
    other_school = client.get(week_url(day, target=f"class-{tt.world.class_6b.pk}"))
    assert other_school.status_code == 404


def test_the_guardian_picks_each_child(client, tt):
    day = next_tuesday()
    lea = make_lesson(division=tt.cast.school_class, starts_at=at(day, 8))
    martin = make_lesson(division=tt.world.class_6b, starts_at=at(day, 9))
    client.force_login(tt.cast.guardian)
    response = client.get(week_url(day))
    assert lessons_in(response) == [lea.pk]  # Léa first: the only child
    assert f'value="child-{tt.cast.pupil.uuid}"' in response.content.decode()
    # Mme Dupont is both a teacher in X and Martin's mother in Y.
    client.force_login(tt.cast.teacher)
    assert lessons_in(client.get(week_url(day, target=f"child-{tt.world.martin.uuid}"))) == [
        martin.pk
    ]
    assert client.get(week_url(day, target=f"child-{tt.cast.pupil.uuid}")).status_code == 404


@pytest.mark.sdet("UTI-AVE-EDT-00")
def test_a_teacher_of_two_schools_sees_one_merged_week(client, tt):
    day = next_tuesday()
    school_z = new_school(name="Collège Z", degree=2, kind="COLLEGE")
    Membership.objects.create(
        person=tt.cast.teacher, school=school_z, profile="ENS", source=Source.MANUAL
    )
    class_z = new_class(school=school_z, code="6Z")
    TeachingAssignment.objects.create(
        teacher=tt.cast.teacher, school_class=class_z, subject_code="061300"
    )
    in_x = make_lesson(
        division=tt.cast.school_class, starts_at=at(day, 8), teachers=(tt.cast.teacher,)
    )
    in_z = make_lesson(division=class_z, starts_at=at(day, 14), teachers=(tt.cast.teacher,))
    client.force_login(tt.cast.teacher)
    response = client.get(week_url(day))
    assert lessons_in(response) == [in_x.pk, in_z.pk]
    page = response.content.decode()
    assert "Collège X" in page
    assert "Collège Z" in page


@pytest.mark.sdet("UTI-AVE-EDT-03")
def test_fortnight_and_month_views_and_period_navigation(client, tt):
    day = next_tuesday()
    first = make_lesson(division=tt.cast.school_class, starts_at=at(day, 8))
    second = make_lesson(division=tt.cast.school_class, starts_at=at(day + timedelta(days=7), 8))
    client.force_login(tt.cast.pupil)
    week = client.get(week_url(day))
    assert lessons_in(week) == [first.pk]
    fortnight = client.get(week_url(day, view="fortnight"))
    assert lessons_in(fortnight) == [first.pk, second.pk]
    assert fortnight.content.decode().count('class="timetable-week"') == 2  # a section a week
    month = client.get(week_url(day.replace(day=1), view="month"))
    expected = [
        pk
        for pk, when in ((first.pk, day), (second.pk, day + timedelta(days=7)))
        if when.month == day.month
    ]
    assert lessons_in(month) == expected
    following = client.get(week_url(day + timedelta(days=7)))
    assert lessons_in(following) == [second.pk]
    monday = day - timedelta(days=1)
    page = week.content.decode()
    assert f'&amp;date={(monday + timedelta(days=7)).isoformat()}">' in page  # next week
    assert f'&amp;date={(monday - timedelta(days=7)).isoformat()}">' in page  # previous week


@pytest.mark.sdet("UTI-AVE-EDT-03")
def test_chosen_subject_colours_show_on_the_timetable(client, tt):
    day = next_tuesday()
    make_lesson(division=tt.cast.school_class, starts_at=at(day, 8))
    client.force_login(tt.cast.pupil)
    response = client.post(reverse("timetable:colours"), {"subject": "061300", "colour": "purple"})
    assert response.status_code == 302
    assert SubjectColour.objects.get(person=tt.cast.pupil).colour == "purple"
    assert "subject-purple" in client.get(week_url(day)).content.decode()
    assert client.get(reverse("timetable:colours")).status_code == 200
    refused = client.post(reverse("timetable:colours"), {"subject": "999999", "colour": "purple"})
    assert refused.status_code == 422


def test_cancelled_and_moved_lessons_are_written_not_only_coloured(client, tt):
    day = next_tuesday()
    cancelled = make_lesson(
        division=tt.cast.school_class,
        starts_at=at(day, 8),
        status=LessonStatus.CANCELLED,
        note="Sortie",
    )
    replacement = make_lesson(division=tt.cast.school_class, starts_at=at(day, 16))
    make_lesson(
        division=tt.cast.school_class,
        starts_at=at(day, 10),
        status=LessonStatus.MOVED,
        moved_to=replacement,
    )
    client.force_login(tt.cast.pupil)
    page = client.get(week_url(day)).content.decode()
    assert f'data-lesson="{cancelled.pk}" data-status="CANCELLED"' in page
    assert 'data-status="MOVED"' in page
    assert "Sortie" in page
    assert page.count('class="slot-status"') == 2  # a written status for each


@pytest.mark.urls("ent.timetable.tests.urls_lesson_log")
def test_a_slot_opens_its_cahier_de_textes_entry(client, tt):
    day = next_tuesday()
    lesson = make_lesson(
        division=tt.cast.school_class, starts_at=at(day, 10, 5), teachers=(tt.cast.teacher,)
    )
    make_lesson(
        division=tt.group, starts_at=at(day, 15), teachers=(tt.cast.teacher,), subject_code="030602"
    )
    client.force_login(tt.cast.teacher)
    page = client.get(week_url(day)).content.decode()
    assert (
        f"/cahier-de-textes/seance/?target=class-{tt.cast.school_class.pk}&amp;date={day.isoformat()}"
        f"&amp;start=10:05&amp;subject=061300"
    ) in page
    assert (
        f"target=group-{tt.group.pk}&amp;date={day.isoformat()}&amp;start=15:00&amp;subject=030602"
        in page
    )
    client.force_login(tt.cast.pupil)
    page = client.get(week_url(day)).content.decode()
    assert f'href="/cahier-de-textes/?date={day.isoformat()}"' in page
    detail = client.get(reverse("timetable:lesson", args=[lesson.pk])).content.decode()
    assert "/cahier-de-textes/" in detail


def test_the_week_view_costs_the_same_queries_for_1_or_40_lessons(client, tt):
    day = next_tuesday()
    monday = day - timedelta(days=1)
    make_lesson(division=tt.cast.school_class, starts_at=at(day, 8), teachers=(tt.cast.teacher,))
    client.force_login(tt.cast.pupil)
    url = week_url(day)
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for number in range(39):
        make_lesson(
            division=tt.group if number % 2 else tt.cast.school_class,
            starts_at=at(monday + timedelta(days=number % 6), 8 + number // 6),
            teachers=(tt.cast.teacher, tt.world.cpe),
        )
    with CaptureQueriesContext(connection) as forty:
        response = client.get(url)
    assert len(lessons_in(response)) == 40
    assert len(forty) == len(one), [query["sql"] for query in forty.captured_queries]


def test_the_teacher_cancels_then_moves_and_restores_from_the_lesson_page(client, tt):
    day = next_tuesday()
    lesson = make_lesson(
        division=tt.cast.school_class, starts_at=at(day, 8), teachers=(tt.cast.teacher,)
    )
    client.force_login(tt.cast.teacher)
    page = client.get(reverse("timetable:lesson", args=[lesson.pk]))
    assert 'id="cancel-form"' in page.content.decode()
    assert 'id="move-form"' in page.content.decode()
    bad = client.post(
        reverse("timetable:lesson-move", args=[lesson.pk]),
        {"day": (day + timedelta(days=1)).isoformat(), "starts": "10:00", "ends": "09:00"},
    )
    assert bad.status_code == 422
    moved = client.post(
        reverse("timetable:lesson-move", args=[lesson.pk]),
        {
            "day": (day + timedelta(days=1)).isoformat(),
            "starts": "10:00",
            "ends": "11:00",
            "room": "C3",
        },
    )
    assert moved.status_code == 302
    lesson.refresh_from_db()
    assert lesson.status == LessonStatus.MOVED
    assert timezone.localtime(lesson.moved_to.starts_at).hour == 10
    restored = client.post(reverse("timetable:lesson-restore", args=[lesson.pk]))
    assert restored.status_code == 302
    response = client.post(reverse("timetable:lesson-cancel", args=[lesson.pk]), {"note": "Grève"})
    assert response.status_code == 302
    lesson.refresh_from_db()
    assert (lesson.status, lesson.note) == (LessonStatus.CANCELLED, "Grève")
    again = client.post(reverse("timetable:lesson-cancel", args=[lesson.pk]))
    assert again.status_code == 422
    client.force_login(tt.cast.pupil)
    assert (
        'id="cancel-form"'
        not in client.get(reverse("timetable:lesson", args=[lesson.pk])).content.decode()
    )


@pytest.mark.sdet("UTI-AVE-EDT-01")
def test_the_head_imports_a_file_and_reads_the_history(client, tt):
    client.force_login(tt.cast.head)
    assert client.get(reverse("timetable:imports")).status_code == 302  # one school: straight to it
    url = reverse("timetable:school-import", args=[tt.cast.school.pk])
    assert client.get(url).status_code == 200
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("emp_sts_0000001B_2026.xml", sample("emp_sts_0000001B_2026.xml"))
    response = client.post(url, {"file": upload, "kind": ""})
    assert response.status_code == 302
    entry = Import.objects.get()
    assert entry.status == ImportStatus.DONE
    assert entry.imported_by == tt.cast.head
    history = client.get(url).content.decode()
    assert f'data-import="{entry.pk}" data-status="DONE"' in history
    assert "9Z" in history
    ics = SimpleUploadedFile("classe_3A.ics", sample("classe_3A.ics"))
    target = f"class-{tt.cast.school_class.pk}"
    assert client.post(url, {"file": ics, "target": target}).status_code == 302
    assert Lesson.objects.filter(scope=target).count() == 7


def test_a_refused_upload_says_why_and_saves_no_lesson(client, tt):
    client.force_login(tt.cast.school_admin)
    url = reverse("timetable:school-import", args=[tt.cast.school.pk])
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("sts_emp_0000001B_2026.xml", sample("sts_emp_0000001B_2026.xml"))
    response = client.post(url, {"file": upload}, follow=True)
    assert Lesson.objects.count() == 0
    page = response.content.decode()
    assert 'data-status="FAILED"' in page
    assert "emp_sts" in page
    missing = client.post(url, {})
    assert missing.status_code == 422


def test_an_oversize_upload_is_refused_by_the_form(client, tt, settings):
    settings.ENT_TIMETABLE_MAX_UPLOAD_BYTES = 100
    client.force_login(tt.cast.head)
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("timetable:school-import", args=[tt.cast.school.pk])
    upload = SimpleUploadedFile("emp_sts_0000001B_2026.xml", sample("emp_sts_0000001B_2026.xml"))
    assert client.post(url, {"file": upload}).status_code == 422
    assert Lesson.objects.count() == 0
    assert Import.objects.count() == 0


@pytest.mark.sdet("UTI-AVE-EDT-06")
def test_previous_school_years_stay_readable(client, tt):
    last_year = datetime(2025, 3, 10, 10, tzinfo=PARIS)
    old = make_lesson(
        division=tt.cast.school_class, starts_at=last_year, teachers=(tt.cast.teacher,)
    )
    client.force_login(tt.cast.pupil)
    archive = client.get(reverse("timetable:archive")).content.decode()
    assert "2024-2025" in archive
    assert lessons_in(client.get(week_url(old.starts_at.date()))) == [old.pk]
    client.force_login(tt.cast.teacher)
    page = client.get(reverse("timetable:lesson", args=[old.pk])).content.decode()
    assert 'id="cancel-form"' not in page  # archived: read-only


def test_a_pupil_enrolled_later_sees_the_new_class(client, tt):
    day = next_tuesday()
    newcomer = pupil_in(tt.world.class_4b, first_name="Zoé")
    lesson = make_lesson(division=tt.world.class_4b, starts_at=at(day, 8))
    client.force_login(newcomer)
    assert lessons_in(client.get(week_url(day))) == [lesson.pk]
    Enrolment.objects.filter(pupil=newcomer).delete()
    assert lessons_in(client.get(week_url(day))) == []
