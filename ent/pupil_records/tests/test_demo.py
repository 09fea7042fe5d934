"""The demo content: a period of grades, ratings and absences, added once."""

from __future__ import annotations

import pytest

from ent.pupil_records.demo_content import populate
from ent.pupil_records.models import Absence, Assessment, Change, CompetencyRating, Grade

pytestmark = pytest.mark.django_db


def test_the_demo_adds_a_period_of_records_once(records):
    lines: list[str] = []
    populate(log=lines.append)
    school = records.cast.school
    assert Assessment.objects.filter(school=school, is_published=True).count() == 9
    assert Grade.objects.filter(pupil=records.lea).count() == 6
    assert CompetencyRating.objects.filter(pupil=records.lea).exists()
    assert Absence.objects.filter(school=school).exists()
    assert Change.objects.filter(pupil=records.lea).count() >= 6
    counts = (Grade.objects.count(), Absence.objects.count(), Change.objects.count())
    populate(log=lines.append)
    assert (Grade.objects.count(), Absence.objects.count(), Change.objects.count()) == counts
    assert "grade(s)" in lines[-1]
