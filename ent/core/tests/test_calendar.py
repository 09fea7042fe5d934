from datetime import date

from ent.core.calendar import school_year_of, week_of


def test_a_school_year_runs_from_september_to_the_next_september():
    year = school_year_of(date(2027, 3, 14))
    assert year.label == "2026-2027"
    assert (year.starts_on, year.ends_on) == (date(2026, 9, 1), date(2027, 9, 1))
    assert date(2026, 9, 1) in year
    assert date(2027, 9, 1) not in year
    assert school_year_of(date(2026, 8, 31)).label == "2025-2026"


def test_the_school_year_start_follows_the_settings(settings):
    settings.ENT_SCHOOL_YEAR_START = (8, 25)
    assert school_year_of(date(2026, 8, 26)).label == "2026-2027"


def test_a_week_runs_from_monday_to_the_next_monday():
    assert week_of(date(2026, 11, 26)) == (date(2026, 11, 23), date(2026, 11, 30))
