"""School years and weeks, shared by the services that file things by year or week."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.utils import timezone


@dataclass(frozen=True)
class SchoolYear:
    """A school year, named by its first calendar year: 2026 is 2026-2027."""

    start_year: int

    @property
    def starts_on(self) -> date:
        month, day = settings.ENT_SCHOOL_YEAR_START
        return date(self.start_year, month, day)

    @property
    def ends_on(self) -> date:
        """The first day of the next school year (exclusive end)."""
        return SchoolYear(self.start_year + 1).starts_on

    @property
    def label(self) -> str:
        return f"{self.start_year}-{self.start_year + 1}"

    def __contains__(self, day: date) -> bool:
        return self.starts_on <= day < self.ends_on


def school_year_of(day: date | None = None) -> SchoolYear:
    """Return the school year that `day` (today by default) falls in."""
    day = day or timezone.localdate()
    month, first = settings.ENT_SCHOOL_YEAR_START
    return SchoolYear(day.year if (day.month, day.day) >= (month, first) else day.year - 1)


def week_of(day: date | None = None) -> tuple[date, date]:
    """Return the Monday of `day`'s week and the Monday after (exclusive end)."""
    day = day or timezone.localdate()
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=7)
