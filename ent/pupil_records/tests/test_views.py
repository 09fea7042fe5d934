"""The pages of the pupil follow-up: the permission matrix of every view, the scenarios of
spec-context §7 (3, 11, 19) and of spec-utilisateur (31 to 33), and constant query counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ent.directory.models import User
from ent.pupil_records.actions import (
    RatingEntry,
    purge_old_absences,
    rate_competencies,
    record_absence,
)
from ent.pupil_records.models import (
    Absence,
    AbsenceKind,
    AbsenceStatus,
    Assessment,
    Change,
    Competency,
    CompetencyRating,
    Grade,
    Period,
    Reason,
    RecordType,
)
from ent.rights.actions import grant_service
from ent.rights.testing import ungated_views

from .factories import Records, aware, graded_assessment

pytestmark = pytest.mark.django_db
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)


@dataclass(frozen=True)
class Objects:
    records: Records
    assessment: Assessment
    grade: Grade
    absence: Absence
    period: Period


@pytest.fixture
def objects(records) -> Objects:
    assessment = graded_assessment(
        records, grades={records.lea: Decimal(14), records.hugo: Decimal(9)}
    )
    absence = record_absence(
        actor=records.dupont,
        pupil=records.lea,
        school=records.cast.school,
        kind=AbsenceKind.ABSENCE,
        starts_at=aware("2026-11-16 08:00"),
        ends_at=aware("2026-11-16 12:00"),
    )
    grade = Grade.objects.get(pupil=records.lea)
    return Objects(records, assessment, grade, absence, assessment.period)


def _person(objects: Objects, who: str) -> User:
    records = objects.records
    return {
        "lea": records.lea,
        "guardian": records.cast.guardian,
        "dupont": records.dupont,
        "roux": records.roux,
        "head": records.cast.head,
    }[who]


# name, method, arguments, the person allowed, their status, the form they post.
ROUTES = [
    ("pupil", "get", lambda o: [o.records.lea.pk], "guardian", 200, None),
    ("report", "get", lambda o: [o.records.lea.pk, o.period.pk], "guardian", 200, None),
    (
        "report-comment",
        "post",
        lambda o: [o.records.lea.pk, o.period.pk],
        "dupont",
        302,
        {"text": "Bon trimestre."},
    ),
    ("class", "get", lambda o: [o.records.cast.school_class.pk], "dupont", 200, None),
    ("gradebook", "get", lambda o: [o.records.hg_3a.pk], "dupont", 200, None),
    ("competencies", "get", lambda o: [o.records.hg_3a.pk], "dupont", 200, None),
    ("assessment", "get", lambda o: [o.assessment.pk], "dupont", 200, None),
    ("assessment-publish", "post", lambda o: [o.assessment.pk], "dupont", 302, {}),
    ("grade", "get", lambda o: [o.grade.pk], "lea", 200, None),
    ("register", "get", lambda o: ["classe", o.records.cast.school_class.pk], "dupont", 200, None),
    ("absence", "get", lambda o: [o.absence.pk], "guardian", 200, None),
    (
        "absence-justify",
        "post",
        lambda o: [o.absence.pk],
        "guardian",
        302,
        {"reason": "ILLNESS", "text": "Fièvre"},
    ),
    ("absence-classify", "post", lambda o: [o.absence.pk], "roux", 302, {"reason": "LEGITIMATE"}),
    (
        "absence-change",
        "post",
        lambda o: [o.absence.pk],
        "roux",
        302,
        {"kind": "ABSENCE", "starts_at": "2026-11-16T08:00", "ends_at": "2026-11-16T10:00"},
    ),
    ("settings", "get", lambda o: [o.records.cast.school.pk], "head", 200, None),
]
IDS = [route[0] for route in ROUTES]


def _call(client, objects, route):
    name, method, args, _who, _status, data = route
    url = reverse(f"pupil_records:{name}", args=args(objects))
    return client.get(url) if method == "get" else client.post(url, data or {})


@pytest.mark.parametrize("route", ROUTES, ids=IDS)
def test_anonymous_is_sent_to_login(client, objects, route):
    response = _call(client, objects, route)
    assert response.status_code == 302
    assert "/auth/login" in response.url or "login" in response.url


@pytest.mark.parametrize("route", ROUTES, ids=IDS)
def test_outsider_gets_404(client, objects, route):
    client.force_login(objects.records.cast.outsider)
    assert _call(client, objects, route).status_code == 404


@pytest.mark.parametrize("route", ROUTES, ids=IDS)
def test_a_person_without_the_service_gets_403(client, objects, route):
    client.force_login(objects.records.cast.school_admin)
    assert _call(client, objects, route).status_code == 403


@pytest.mark.parametrize("route", ROUTES, ids=IDS)
def test_the_allowed_person_gets_the_page(client, objects, route):
    client.force_login(_person(objects, route[3]))
    response = _call(client, objects, route)
    assert response.status_code == route[4], response.content[:500]


def test_every_view_is_gated():
    assert ungated_views(modules=("ent.pupil_records.",)) == []


# The hub ---------------------------------------------------------------------------------------


def test_the_hub_sends_pupils_and_single_parents_to_the_record(client, objects):
    records = objects.records
    client.force_login(records.lea)
    home = reverse("pupil_records:home")
    assert client.get(home).url == reverse("pupil_records:pupil", args=[records.lea.pk])
    client.force_login(records.cast.guardian)
    assert client.get(home).url == reverse("pupil_records:pupil", args=[records.lea.pk])
    client.force_login(records.cast.school_admin)
    assert client.get(home).status_code == 403
    client.logout()
    assert client.get(home).status_code == 302


def test_the_hub_shows_a_teachers_classes_and_children(client, objects):
    records = objects.records
    client.force_login(records.dupont)
    page = client.get(reverse("pupil_records:home")).content.decode()
    assert f'data-assignment="{records.hg_3a.pk}"' in page
    assert f'data-assignment="{records.hg_4b.pk}"' in page
    assert f'data-class="{records.cast.school_class.pk}"' in page
    assert f'data-class="{records.world.class_4b.pk}"' not in page
    assert f'data-child="{records.world.martin.pk}"' in page
    client.force_login(records.roux)
    assert 'id="daily-link"' in client.get(reverse("pupil_records:home")).content.decode()


def test_the_daily_list_is_for_the_cpe_and_the_head(client, objects):
    url = reverse("pupil_records:daily")
    client.force_login(objects.records.dupont)
    assert client.get(url).status_code == 403
    client.force_login(objects.records.cast.school_admin)
    assert client.get(url).status_code == 403
    client.force_login(objects.records.roux)
    page = client.get(url + "?day=2026-11-16").content.decode()
    assert f'data-absence="{objects.absence.pk}"' in page


# spec-context §7 scenario 3 --------------------------------------------------------------------


def test_scenario_3_a_pupil_cannot_read_another_pupils_grades(client, objects):
    records = objects.records
    tom = records.world.tom
    graded_assessment(
        records, assignment=_teach(records, records.world.class_5c), grades={tom: Decimal(11)}
    )
    tom_grade = Grade.objects.get(pupil=tom)
    client.force_login(tom)
    own = client.get(reverse("pupil_records:pupil", args=[tom.pk]))
    assert f'data-grade="{tom_grade.pk}"' in own.content.decode()
    assert client.get(reverse("pupil_records:pupil", args=[records.lea.pk])).status_code == 404
    assert client.get(reverse("pupil_records:grade", args=[objects.grade.pk])).status_code == 404
    lea_report = reverse("pupil_records:report", args=[records.lea.pk, objects.period.pk])
    assert client.get(lea_report).status_code == 404
    found = client.get("/recherche/", {"q": objects.assessment.title})
    assert found.status_code == 200
    assert reverse("pupil_records:grade", args=[objects.grade.pk]) not in found.content.decode()


def _teach(records, school_class):
    from ent.directory.models import TeachingAssignment

    return TeachingAssignment.objects.create(
        teacher=records.maths_teacher, school_class=school_class, subject_code="MATHS"
    )


# spec-context §7 scenario 19 -------------------------------------------------------------------


def test_scenario_19_an_absence_taken_on_a_phone_is_seen_at_once_with_its_history(client, records):
    lea, dupont, roux = records.lea, records.dupont, records.roux
    register = reverse("pupil_records:register", args=["classe", records.cast.school_class.pk])
    client.force_login(dupont)
    phone = client.get(register + "?day=2026-11-17&slot=MORNING", HTTP_USER_AGENT=IPHONE)
    assert 'class="channel-mobile"' in phone.content.decode()
    posted = client.post(
        register,
        {
            "day": "2026-11-17",
            "slot": "MORNING",
            f"mark_{lea.pk}": "ABSENT",
            f"mark_{records.hugo.pk}": "PRESENT",
        },
        HTTP_USER_AGENT=IPHONE,
    )
    assert posted.status_code == 302
    absence = Absence.objects.get(pupil=lea)
    # M. Roux, on a desktop, sees it at once with the same value.
    client.force_login(roux)
    daily = client.get(reverse("pupil_records:daily") + "?day=2026-11-17").content.decode()
    row = daily.split(f'data-absence="{absence.pk}"')[1].split("</tr>")[0]
    assert 'data-kind="ABSENCE"' in row
    assert "08:00 \u2013 12:00" in row
    # A later change keeps who, when, the old and the new value.
    changed = client.post(
        reverse("pupil_records:absence-classify", args=[absence.pk]),
        {"reason": "ILLNESS", "note": "certificat médical"},
    )
    assert changed.status_code == 302
    page = client.get(reverse("pupil_records:absence", args=[absence.pk])).content.decode()
    assert 'data-reason="ILLNESS"' in page
    row = Change.objects.about(absence).get(field="reason")
    assert (row.actor, row.old_value, row.new_value) == (roux, "", "ILLNESS")
    assert f'data-change="{row.pk}"' in page
    assert Change.objects.about(absence).get(field="kind").actor == dupont


# spec-context §7 scenario 11 -------------------------------------------------------------------


def test_scenario_11_an_inspector_never_sees_grades(client, objects):
    records = objects.records
    inspector = records.inspector
    client.force_login(inspector)
    assert client.get(reverse("pupil_records:home")).status_code == 403
    assert client.get(reverse("pupil_records:pupil", args=[records.lea.pk])).status_code == 403
    assert client.get(f"/api/v1/pupil-records/pupils/{records.lea.pk}/grades").status_code == 403
    # Even a grant of the service by mistake shows no grade: none is visible to an inspector.
    grant_service(actor=None, service="pupil_records", person=inspector, school=records.cast.school)
    assert client.get(reverse("pupil_records:pupil", args=[records.lea.pk])).status_code == 404
    assert client.get(reverse("pupil_records:grade", args=[objects.grade.pk])).status_code == 404


# spec-context §7 scenarios 1, 2 and 5 ---------------------------------------------------------


def test_scenarios_1_2_5_each_role_keeps_its_scope(client, objects):
    records = objects.records
    client.force_login(records.dupont)
    # As professeur principal of 3eA she reads the class; not 4eB, where she only teaches.
    assert (
        client.get(reverse("pupil_records:class", args=[records.cast.school_class.pk])).status_code
        == 200
    )
    assert (
        client.get(reverse("pupil_records:class", args=[records.world.class_4b.pk])).status_code
        == 404
    )
    # As Martin's mother in Y she reads his page, and takes no register there.
    assert (
        client.get(reverse("pupil_records:pupil", args=[records.world.martin.pk])).status_code
        == 200
    )
    register_6b = reverse("pupil_records:register", args=["classe", records.world.class_6b.pk])
    assert client.get(register_6b).status_code == 404
    # Tom's guardian reads Tom, never Léa.
    client.force_login(records.tom_guardian)
    assert (
        client.get(reverse("pupil_records:pupil", args=[records.world.tom.pk])).status_code == 200
    )
    assert client.get(reverse("pupil_records:pupil", args=[records.lea.pk])).status_code == 404


# spec-utilisateur scenarios 31 to 33 -----------------------------------------------------------


@pytest.mark.sdet("UTI-AVE-SIE-01")
def test_scenario_31_grades_and_report_for_the_pupil_and_her_parent_only(client, objects):
    records = objects.records
    for person in (records.lea, records.cast.guardian):
        client.force_login(person)
        page = client.get(reverse("pupil_records:pupil", args=[records.lea.pk])).content.decode()
        assert f'data-grade="{objects.grade.pk}"' in page
        assert 'id="report-link"' in page
        report = client.get(
            reverse("pupil_records:report", args=[records.lea.pk, objects.period.pk])
        )
        assert report["Content-Type"] == "application/pdf"
    client.force_login(records.tom_guardian)
    assert client.get(reverse("pupil_records:pupil", args=[records.lea.pk])).status_code == 404


@pytest.mark.sdet("UTI-AVE-SIE-02")
def test_scenario_32_the_competency_record_is_read_by_the_pupil_and_her_parent(client, records):
    rate_competencies(
        actor=records.maths_teacher,
        assignment=records.maths_3a,
        rated_on=date(2026, 11, 16),
        entries=[RatingEntry(records.lea.pk, Competency.objects.get(code="MATH_RES").pk, 3)],
    )
    for person in (records.lea, records.cast.guardian):
        client.force_login(person)
        page = client.get(reverse("pupil_records:pupil", args=[records.lea.pk])).content.decode()
        assert 'data-competency="MATH_RES" data-level="3"' in page


@pytest.mark.sdet("UTI-AVE-SIE-02")
def test_the_competency_grid_saves_a_class_in_one_form(client, records):
    competency = Competency.objects.get(code="MATH_RES")
    url = reverse("pupil_records:competencies", args=[records.maths_3a.pk])
    client.force_login(records.maths_teacher)
    page = client.get(url, {"competencies": [competency.pk], "day": "2026-11-16"})
    assert f'id="id_level_{records.lea.pk}_{competency.pk}"' in page.content.decode()
    posted = client.post(
        url + f"?competencies={competency.pk}",
        {
            "rated_on": "2026-11-16",
            f"level_{records.lea.pk}_{competency.pk}": "3",
            f"level_{records.hugo.pk}_{competency.pk}": "4",
        },
    )
    assert posted.status_code == 302
    assert dict(CompetencyRating.objects.values_list("pupil_id", "level")) == {
        records.lea.pk: 3,
        records.hugo.pk: 4,
    }


@pytest.mark.sdet("UTI-AVE-SIE-03")
@pytest.mark.sdet("UTI-AVE-SIE-04")
@pytest.mark.sdet("UTI-AVE-SIE-05")
def test_scenario_33_half_day_counts_confidentiality_and_retention(client, records, clock):
    lea = records.lea
    for start, end, reason in (
        ("2026-11-16 08:00", "2026-11-16 12:00", Reason.ILLNESS),
        ("2026-11-17 13:30", "2026-11-17 17:30", Reason.NOT_JUSTIFIED),
    ):
        record_absence(
            actor=records.roux,
            pupil=lea,
            school=records.cast.school,
            kind=AbsenceKind.ABSENCE,
            starts_at=aware(start),
            ends_at=aware(end),
            reason=reason,
        )
    page_url = reverse("pupil_records:pupil", args=[lea.pk])
    for person in (lea, records.cast.guardian, records.roux, records.cast.head):
        client.force_login(person)
        page = client.get(page_url).content.decode()
        assert 'data-count="half_days">2<' in page
        assert 'data-count="legitimate_half_days">1<' in page
        assert 'data-week="2026-11-16"' in page
    classify_form = client.get(reverse("pupil_records:absence", args=[Absence.objects.first().pk]))
    assert 'value="LEGITIMATE"' in classify_form.content.decode()
    for person in (records.hugo, records.tom_guardian):
        client.force_login(person)
        assert client.get(page_url).status_code == 404
    first = Absence.objects.order_by("starts_at").first()
    clock.move_to(aware("2027-11-18 03:00"))
    purge_old_absences()
    client.force_login(records.roux)
    assert client.get(reverse("pupil_records:absence", args=[first.pk])).status_code == 404
    assert not Change.objects.filter(record_type=RecordType.ABSENCE).exists()


# Grade sheets ----------------------------------------------------------------------------------


def test_the_grade_sheet_saves_a_whole_class_or_nothing(client, objects):
    records = objects.records
    url = reverse("pupil_records:assessment", args=[objects.assessment.pk])
    client.force_login(records.dupont)
    refused = client.post(
        url,
        {
            f"value_{records.lea.pk}": "15,5",
            f"status_{records.lea.pk}": "GRADED",
            f"value_{records.hugo.pk}": "21",
            f"status_{records.hugo.pk}": "GRADED",
        },
    )
    assert refused.status_code == 422
    assert 'id="form-errors"' in refused.content.decode()
    assert dict(Grade.objects.values_list("pupil_id", "value")) == {
        records.lea.pk: Decimal(14),
        records.hugo.pk: Decimal(9),
    }
    saved = client.post(
        url,
        {
            f"value_{records.lea.pk}": "15,5",
            f"status_{records.lea.pk}": "GRADED",
            f"value_{records.hugo.pk}": "",
            f"status_{records.hugo.pk}": "ABSENT",
        },
    )
    assert saved.status_code == 302
    assert dict(Grade.objects.values_list("pupil_id", "value")) == {
        records.lea.pk: Decimal("15.5"),
        records.hugo.pk: None,
    }


def test_a_teacher_creates_an_assessment_from_the_gradebook(client, records):
    client.force_login(records.dupont)
    url = reverse("pupil_records:gradebook", args=[records.hg_3a.pk])
    posted = client.post(
        url,
        {"title": "La Révolution", "held_on": "2026-11-16", "max_score": "20", "coefficient": "2"},
    )
    assessment = Assessment.objects.get()
    assert posted.url == reverse("pupil_records:assessment", args=[assessment.pk])
    assert (assessment.coefficient, assessment.subject_label) == (Decimal(2), "Histoire-géographie")
    refused = client.post(
        url, {"title": "", "held_on": "2026-11-16", "max_score": "0", "coefficient": "1"}
    )
    assert refused.status_code == 422


# The school's choice of an external tool -------------------------------------------------------


def test_the_head_hides_the_native_service_for_an_external_tool(client, objects):
    records = objects.records
    settings_url = reverse("pupil_records:settings", args=[records.cast.school.pk])
    client.force_login(records.cast.head)
    posted = client.post(settings_url, {"uses_external_tool": "on", "connector_code": "vs_x"})
    assert posted.status_code == 302
    assert 'data-external="true"' in client.get(settings_url).content.decode()
    client.force_login(records.lea)
    assert client.get(reverse("pupil_records:home")).status_code == 404
    assert client.get(reverse("pupil_records:pupil", args=[records.lea.pk])).status_code == 404
    assert client.get("/api/v1/pupil-records/me/grades").status_code == 404
    assert 'data-service="pupil_records"' not in client.get("/").content.decode()
    client.force_login(records.cast.head)
    client.post(settings_url, {"connector_code": ""})
    client.force_login(records.lea)
    assert client.get(reverse("pupil_records:pupil", args=[records.lea.pk])).status_code == 200
    assert 'data-service="pupil_records"' in client.get("/").content.decode()


# Query counts ----------------------------------------------------------------------------------


def _queries(client, url: str) -> int:
    """Count the queries of a page, once the session's first-request work is done."""
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_gradebook_and_the_pupil_page_cost_the_same_with_1_or_30_assessments(client, records):
    lea, hugo = records.lea, records.hugo
    graded_assessment(records, grades={lea: Decimal(10), hugo: Decimal(12)})
    book = reverse("pupil_records:gradebook", args=[records.hg_3a.pk])
    record = reverse("pupil_records:pupil", args=[lea.pk])
    client.force_login(records.dupont)
    book_one = _queries(client, book)
    client.force_login(lea)
    record_one = _queries(client, record)
    for number in range(29):
        graded_assessment(
            records,
            assignment=records.maths_3a if number % 2 else records.hg_3a,
            grades={lea: Decimal(number % 20), hugo: Decimal(5)},
            title=f"Contrôle {number}",
        )
    assert Grade.objects.filter(pupil=lea).count() == 30
    client.force_login(records.dupont)
    assert _queries(client, book) == book_one
    client.force_login(lea)
    assert _queries(client, record) == record_one


def test_the_daily_list_costs_the_same_with_1_or_20_absences(client, records):
    from ent.rights.tests.factories import pupil_in

    client.force_login(records.roux)
    url = reverse("pupil_records:daily") + "?day=2026-11-16"

    def absent(pupil):
        record_absence(
            actor=records.roux,
            pupil=pupil,
            school=records.cast.school,
            kind=AbsenceKind.ABSENCE,
            starts_at=aware("2026-11-16 08:00"),
            ends_at=aware("2026-11-16 12:00"),
        )

    absent(records.lea)
    one = _queries(client, url)
    for number in range(19):
        absent(pupil_in(records.world.class_5c, login=f"eleve.{number}"))
    assert Absence.objects.filter(status=AbsenceStatus.REPORTED).count() == 20
    assert _queries(client, url) == one


@pytest.mark.sdet("UTI-AVE-SIE-00")
def test_the_service_is_on_the_launcher_in_both_degrees(client, records):
    from ent.pupil_records.actions import install_school_grants
    from ent.rights.tests.factories import new_class, new_school, pupil_in

    ecole = new_school(degree=1, kind="ECOLE_ELEMENTAIRE")
    hugo_cm2 = pupil_in(new_class(school=ecole, code="CM2A", label="CM2-A"))
    assert install_school_grants() == 6
    for pupil in (records.lea, hugo_cm2):
        client.force_login(pupil)
        assert 'data-service="pupil_records"' in client.get("/").content.decode()
        page = client.get(reverse("pupil_records:pupil", args=[pupil.pk]))
        assert page.status_code == 200
        assert 'class="site-header"' in page.content.decode()
