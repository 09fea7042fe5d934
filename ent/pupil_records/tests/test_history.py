"""The history of grades, ratings and absences is append-only (SDET §11.1.6): no action ever
updates or deletes a row, the ORM refuses to, and the database refuses raw statements."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from ent.pupil_records.actions import (
    GradeEntry,
    Mark,
    RatingEntry,
    change_absence,
    classify_absence,
    delete_absence,
    enter_grades,
    justify_absence,
    rate_competencies,
    take_register,
)
from ent.pupil_records.models import (
    Absence,
    AbsenceKind,
    Change,
    Competency,
    Grade,
    ImmutableHistoryError,
    Reason,
    purge_history,
)

from .factories import aware, graded_assessment

pytestmark = pytest.mark.django_db
TABLE = Change._meta.db_table
WRITES = re.compile(rf'^\s*(UPDATE|DELETE FROM)\s+"?{TABLE}"?', re.IGNORECASE)


def _workflow(records) -> None:
    """Create, change and delete a grade, a rating and an absence."""
    assessment = graded_assessment(records, grades={records.lea: Decimal(12)})
    enter_grades(
        actor=records.dupont,
        assessment=assessment,
        entries=[GradeEntry(records.lea.pk, Decimal(13))],
    )
    enter_grades(
        actor=records.dupont, assessment=assessment, entries=[GradeEntry(records.lea.pk, None)]
    )
    competency = Competency.objects.get(code="MATH_RES")
    for level in (2, 3, None):
        rate_competencies(
            actor=records.maths_teacher,
            assignment=records.maths_3a,
            rated_on=date(2026, 11, 16),
            entries=[RatingEntry(records.lea.pk, competency.pk, level)],
        )
    take_register(
        actor=records.dupont,
        division=records.cast.school_class,
        day=date(2026, 11, 16),
        slot="MORNING",
        marks=[Mark(records.lea.pk, "ABSENT"), Mark(records.hugo.pk, "ABSENT")],
    )
    absence = Absence.objects.get(pupil=records.lea)
    justify_absence(actor=records.cast.guardian, absence=absence, reason=Reason.ILLNESS, text="ok")
    classify_absence(actor=records.roux, absence=absence, reason=Reason.ILLNESS)
    change_absence(
        actor=records.roux,
        absence=absence,
        kind=AbsenceKind.ABSENCE,
        starts_at=aware("2026-11-16 08:00"),
        ends_at=aware("2026-11-16 11:00"),
    )
    delete_absence(
        actor=records.roux, absence=Absence.objects.get(pupil=records.hugo), note="erreur"
    )


def test_no_action_updates_or_deletes_a_history_row(records):
    with CaptureQueriesContext(connection) as queries:
        _workflow(records)
    statements = [query["sql"] for query in queries.captured_queries]
    assert any(f'INSERT INTO "{TABLE}"' in sql for sql in statements)
    assert [sql for sql in statements if WRITES.match(sql)] == []
    assert Change.objects.count() > 20


def test_the_orm_refuses_to_update_or_delete_history(records):
    _workflow(records)
    with pytest.raises(ImmutableHistoryError):
        Change.objects.filter(field="value").update(new_value="20.00")
    with pytest.raises(ImmutableHistoryError):
        Change.objects.all().delete()


def test_the_database_refuses_a_raw_update_of_history(records):
    _workflow(records)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f'UPDATE "{TABLE}" SET new_value = %s', ["20.00"])  # noqa: S608 (a constant table name)
    assert not Change.objects.filter(new_value="20.00").exists()


def test_only_the_retention_purge_deletes_history(records):
    _workflow(records)
    before = Change.objects.count()
    if connection.vendor == "postgresql":
        # PostgreSQL: a trigger refuses a DELETE outside the purge.
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f'DELETE FROM "{TABLE}"')  # noqa: S608 (a constant table name)
    else:
        # SQLite keeps DELETE for the test flush; the ORM refuses it.
        with pytest.raises(ImmutableHistoryError):
            Change.objects.filter(pupil=records.lea).delete()
    assert Change.objects.count() == before
    removed = purge_history(Change.objects.filter(pupil=records.hugo))
    assert removed > 0
    assert Change.objects.count() == before - removed
    assert Grade.objects.count() == 0
