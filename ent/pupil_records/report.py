"""A pupil's period report (bulletin) as a PDF: subjects, grades, averages with coefficients,
competencies, half-days of absence (SIE-03) and the class teacher's comment."""

from __future__ import annotations

import logging
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from ent.identity.letters import FONT_DIRS, FONT_FILES

from .models import GradeStatus, MasteryLevel
from .queries import PupilRecord, latest_levels

logging.getLogger("fontTools").setLevel(logging.WARNING)


def _number(value: Decimal | None) -> str:
    return number_format(value, decimal_pos=2) if value is not None else "\u2013"


class _Report(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(format="A4")
        self.set_title(title)
        self.set_author(settings.ENT_PROJECT_NAME)
        self.set_lang(settings.LANGUAGE_CODE)
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(auto=True, margin=15)
        folder = next(
            (path for path in FONT_DIRS if (path / FONT_FILES["Sans", ""]).exists()), None
        )
        self.unicode = folder is not None
        if folder is not None:
            for style in ("", "B"):
                self.add_font("DejaVuSans", style, str(Path(folder) / FONT_FILES["Sans", style]))

    def font(self, style: str, size: float) -> None:
        self.set_font("DejaVuSans" if self.unicode else "helvetica", style, size)

    def safe(self, text: str) -> str:
        if self.unicode:
            return text
        return text.replace("\u2019", "'").encode("latin-1", "replace").decode("latin-1")

    def text_block(
        self, text: str, height: float = 6, *, style: str = "", size: float = 10
    ) -> None:
        self.font(style, size)
        self.multi_cell(0, height, self.safe(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def row(self, cells: list[tuple[str, float]], *, style: str = "") -> None:
        self.font(style, 9)
        for text, width in cells:
            self.cell(width, 6, self.safe(text), border=1)
        self.ln(6)


def _grade_text(grade: object) -> str:
    value, status = getattr(grade, "value", None), getattr(grade, "status", "")
    assessment = grade.assessment  # type: ignore[attr-defined]  # attr-defined: a Grade
    if status != GradeStatus.GRADED or value is None:
        return str(GradeStatus(status).label)
    text = f"{_number(value)}/{number_format(assessment.max_score.normalize())}"
    coefficient = assessment.coefficient
    if coefficient != 1:
        text += f" (\u00d7{number_format(coefficient.normalize())})"
    return text


def period_report(record: PupilRecord) -> bytes:
    """Return the PDF report of one pupil for one period."""
    period = record.period
    assert period is not None  # noqa: S101 (the view only builds reports of a period)
    pupil = record.pupil
    pdf = _Report(_("Report of %(name)s") % {"name": pupil.display_name})
    pdf.add_page()
    pdf.text_block(period.school.name, size=9)
    pdf.text_block(_("Report: %(period)s") % {"period": period.label}, 9, style="B", size=16)
    dates = {
        "start": date_format(period.starts_on, "SHORT_DATE_FORMAT"),
        "end": date_format(period.ends_on, "SHORT_DATE_FORMAT"),
    }
    pdf.text_block(_("From %(start)s to %(end)s (exclusive)") % dates, size=9)
    pdf.text_block(pupil.display_name, 8, style="B", size=12)
    if record.class_label:
        pdf.text_block(_("Class: %(label)s") % {"label": record.class_label})
    pdf.ln(3)
    pdf.row([(_("Subject"), 50), (_("Grades"), 105), (_("Average /20"), 25)], style="B")
    for subject in record.subjects:
        grades = ", ".join(_grade_text(grade) for grade in subject.grades)
        pdf.row([(subject.label[:30], 50), (grades[:75], 105), (_number(subject.average), 25)])
    pdf.row([(_("Overall average"), 155), (_number(record.overall), 25)], style="B")
    pdf.ln(4)
    pdf.text_block(_("Competencies"), 8, style="B", size=12)
    latest = latest_levels(record.ratings)
    for rating in latest:
        level = MasteryLevel(rating.level).label
        pdf.text_block(f"{rating.competency.label}: {level}", size=9)
    if not latest:
        pdf.text_block(_("No competency rated in this period."), size=9)
    pdf.ln(2)
    counts = record.counts
    pdf.text_block(_("Absences"), 8, style="B", size=12)
    pdf.text_block(
        _(
            "Half-days of absence: %(total)d, of which with a legitimate reason: "
            "%(legitimate)d, not justified: %(unjustified)d. Lateness: %(lateness)d."
        )
        % {
            "total": counts.half_days,
            "legitimate": counts.legitimate_half_days,
            "unjustified": counts.unjustified_half_days,
            "lateness": counts.lateness,
        },
        size=9,
    )
    if record.comment is not None:
        pdf.ln(2)
        pdf.text_block(_("Class teacher's comment"), 8, style="B", size=12)
        pdf.text_block(record.comment.text, size=10)
    return bytes(pdf.output())
