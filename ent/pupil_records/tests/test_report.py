"""The period report (bulletin) as a PDF: its figures, and who may download it."""

from __future__ import annotations

import re
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from pypdf import PdfReader

from ent.pupil_records.actions import GradeEntry, comment_report, enter_grades, record_absence
from ent.pupil_records.models import AbsenceKind, GradeStatus, Reason

from .factories import aware, graded_assessment

pytestmark = pytest.mark.django_db


@pytest.fixture
def report_url(records):
    lea = records.lea
    graded_assessment(records, grades={lea: Decimal(12)}, coefficient=Decimal(2))
    graded_assessment(records, grades={lea: Decimal(7)}, max_score=Decimal(10))
    oral = graded_assessment(records, title="Oral")
    enter_grades(
        actor=records.dupont,
        assessment=oral,
        entries=[GradeEntry(lea.pk, None, GradeStatus.ABSENT)],
    )
    maths = graded_assessment(records, assignment=records.maths_3a, grades={lea: Decimal(15)})
    record_absence(
        actor=records.roux,
        pupil=lea,
        school=records.cast.school,
        kind=AbsenceKind.ABSENCE,
        starts_at=aware("2026-11-16 08:00"),
        ends_at=aware("2026-11-16 12:00"),
        reason=Reason.ILLNESS,
    )
    record_absence(
        actor=records.roux,
        pupil=lea,
        school=records.cast.school,
        kind=AbsenceKind.ABSENCE,
        starts_at=aware("2026-11-17 13:30"),
        ends_at=aware("2026-11-17 17:30"),
    )
    comment_report(actor=records.dupont, pupil=lea, period=maths.period, text="Trimestre sérieux.")
    return reverse("pupil_records:report", args=[lea.pk, maths.period.pk])


def _text(response) -> str:
    reader = PdfReader(BytesIO(response.content))
    return " ".join(page.extract_text() for page in reader.pages)


@pytest.mark.sdet("UTI-AVE-SIE-01")
@pytest.mark.sdet("UTI-AVE-SIE-03")
def test_the_report_shows_averages_competencies_absences_and_the_comment(
    client, records, report_url
):
    client.force_login(records.lea)
    response = client.get(report_url)
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    text = _text(response)
    # HG: (12*2 + 14) / 3 = 12,67; maths 15,00; overall (12,67 + 15) / 2 = 13,84.
    for expected in ("12,67", "15,00", "13,84", "Léa Petit", "3eA", "Trimestre sérieux."):
        assert expected in text, expected
    assert "Histoire-géographie" in text
    assert "Mathématiques" in text
    # Two half-days of absence: one with a legitimate reason, one not justified; no lateness.
    assert re.search(r":\s*2\b[^:]*:\s*1\b[^:]*:\s*1\b[^:]*:\s*0\b", text), text


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("lea", 200),
        ("guardian", 200),
        ("dupont", 200),
        ("maths_teacher", 200),
        ("head", 200),
        ("hugo", 404),
        ("tom_guardian", 404),
        ("outsider", 404),
        ("inspector", 403),
        ("roux", 404),
    ],
)
def test_who_downloads_the_report(client, records, report_url, who, status):
    person = {
        "lea": records.lea,
        "guardian": records.cast.guardian,
        "dupont": records.dupont,
        "maths_teacher": records.maths_teacher,
        "head": records.cast.head,
        "hugo": records.hugo,
        "tom_guardian": records.tom_guardian,
        "outsider": records.cast.outsider,
        "inspector": records.inspector,
        "roux": records.roux,
    }[who]
    client.force_login(person)
    assert client.get(report_url).status_code == status
