"""Printed credentials (SOC-SEC-IAU-14: distribution of authentication means): activation
letters, one page per person, and QR-code cards for pupils who cannot read yet."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import cast

import segno
from django.conf import settings
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import MethodReturnValue, XPos, YPos

# fontTools reports every glyph table it subsets at INFO: dozens of lines per document.
logging.getLogger("fontTools").setLevel(logging.WARNING)

# DejaVu covers every name of the directory; without it, PDF core fonts print Latin-1 only.
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
FONT_FILES = {
    ("Sans", ""): "DejaVuSans.ttf",
    ("Sans", "B"): "DejaVuSans-Bold.ttf",
    ("Mono", "B"): "DejaVuSansMono-Bold.ttf",
}
CORE_FONTS = {"Sans": "helvetica", "Mono": "courier"}


@dataclass(frozen=True)
class Letter:
    """What one activation letter says."""

    name: str
    login: str
    code: str
    class_label: str
    school: str
    expires_on: date


@dataclass(frozen=True)
class Card:
    """What one QR-code card shows; `url` signs its holder in."""

    name: str
    class_label: str
    school: str
    url: str


class _Document(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(format="A4")
        self.set_title(title)
        self.set_author(settings.ENT_PROJECT_NAME)
        self.set_lang(settings.LANGUAGE_CODE)
        self.set_auto_page_break(auto=False)
        folder = next(
            (path for path in FONT_DIRS if (path / FONT_FILES["Sans", ""]).exists()), None
        )
        self.unicode = folder is not None
        if folder is not None:
            for (family, style), name in FONT_FILES.items():
                self.add_font(f"DejaVu{family}", style, str(folder / name))

    def font(self, family: str, style: str, size: float) -> None:
        name = f"DejaVu{family}" if self.unicode else CORE_FONTS[family]
        self.set_font(name, style, size)

    def text_line(self, text: str, height: float, *, width: float = 0, align: str = "L") -> None:
        self.cell(width, height, self.safe(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT, align=align)

    def paragraph(self, text: str, height: float = 6) -> None:
        self.multi_cell(0, height, self.safe(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def safe(self, text: str) -> str:
        if self.unicode:
            return text
        return text.replace("\u2019", "'").encode("latin-1", "replace").decode("latin-1")


def activation_letters(letters: Sequence[Letter], *, activation_url: str) -> bytes:
    """Return a PDF with one activation letter per page."""
    pdf = _Document(_("Activation letters"))
    pdf.set_margins(20, 20, 20)
    for letter in letters:
        pdf.add_page()
        pdf.font("Sans", "", 10)
        academy = _("Académie %(academy)s") % {"academy": settings.ENT_ACADEMY}
        pdf.text_line(f"{settings.ENT_PROJECT_NAME} \u2013 {academy}", 5)
        pdf.text_line(letter.school, 5)
        pdf.ln(12)
        pdf.font("Sans", "B", 18)
        pdf.text_line(_("Your account on the ENT"), 10)
        pdf.ln(4)
        pdf.font("Sans", "", 12)
        pdf.text_line(letter.name, 7)
        if letter.class_label:
            pdf.text_line(_("Class: %(label)s") % {"label": letter.class_label}, 7)
        pdf.ln(6)
        pdf.text_line(_("Login: %(login)s") % {"login": letter.login}, 8)
        pdf.text_line(_("Activation code:"), 8)
        pdf.font("Mono", "B", 22)
        pdf.text_line(letter.code, 12)
        pdf.font("Sans", "", 11)
        valid = date_format(letter.expires_on, "SHORT_DATE_FORMAT")
        pdf.text_line(_("This code works once, until %(date)s.") % {"date": valid}, 7)
        pdf.ln(6)
        pdf.font("Sans", "B", 12)
        pdf.text_line(_("Activate your account"), 8)
        pdf.font("Sans", "", 11)
        for step in (
            _("1. Open this address in a web browser: %(url)s") % {"url": activation_url},
            _("2. Type your login and the activation code above."),
            _("3. Choose your password and accept the charter of use of the ENT."),
            _("Then sign in with your login and your password."),
        ):
            pdf.paragraph(step)
        pdf.ln(6)
        pdf.font("Sans", "", 10)
        pdf.paragraph(
            _(
                "The charter of use of the ENT is shown on the activation page: activating your "
                "account means accepting it. Keep this letter to yourself. If you lose it, ask "
                "your school for a new one; this code then stops working."
            ),
            5,
        )
    return bytes(pdf.output())


CARD_WIDTH, CARD_HEIGHT = 85.0, 54.0
CARD_COLUMNS, CARD_ROWS = 2, 5
QR_SIZE = 38.0
CARD_PADDING = 4.0


def access_cards(cards: Sequence[Card]) -> bytes:
    """Return a PDF of QR-code cards, ten per A4 page, to cut along their borders."""
    pdf = _Document(_("QR-code cards"))
    left = (210 - CARD_COLUMNS * CARD_WIDTH) / 2
    top = (297 - CARD_ROWS * CARD_HEIGHT) / 2
    per_page = CARD_COLUMNS * CARD_ROWS
    for index, card in enumerate(cards):
        if index % per_page == 0:
            pdf.add_page()
        column, row = index % CARD_COLUMNS, (index % per_page) // CARD_COLUMNS
        _draw_card(pdf, card, left + column * CARD_WIDTH, top + row * CARD_HEIGHT)
    return bytes(pdf.output())


def _draw_card(pdf: _Document, card: Card, x: float, y: float) -> None:
    """Draw one card: the QR code on the left, the holder's name, class and school beside it,
    a line for the adult below. Long texts shrink so that nothing leaves the card."""
    pdf.set_draw_color(160)
    pdf.rect(x, y, CARD_WIDTH, CARD_HEIGHT)
    qr_x, qr_y = x + CARD_PADDING, y + CARD_PADDING
    _draw_qr(pdf, card.url, qr_x, qr_y, QR_SIZE)
    pdf.link(qr_x, qr_y, QR_SIZE, QR_SIZE, card.url)
    text_x = qr_x + QR_SIZE + CARD_PADDING
    text_width = x + CARD_WIDTH - CARD_PADDING - text_x
    pdf.set_xy(text_x, y + CARD_PADDING + 2)
    for text, style, size, lines in (
        (card.name, "B", 12.0, 3),
        (card.class_label, "", 9.0, 2),
        (card.school, "", 9.0, 2),
    ):
        if text:
            _fitted_text(pdf, text, text_width, style, size, lines)
    pdf.set_xy(qr_x, qr_y + QR_SIZE + 2)
    _fitted_text(
        pdf,
        _("Show this card to the camera to sign in."),
        CARD_WIDTH - 2 * CARD_PADDING,
        "",
        7.0,
        1,
    )


def _fitted_text(
    pdf: _Document, text: str, width: float, style: str, size: float, max_lines: int
) -> None:
    """Write `text` in at most `max_lines` lines of `width`, shrinking the font down to 6 pt."""
    text = pdf.safe(text)
    while True:
        pdf.font("Sans", style, size)
        height = size * 0.45
        lines = cast(
            list[str],
            pdf.multi_cell(width, height, text, dry_run=True, output=MethodReturnValue.LINES),
        )
        if len(lines) <= max_lines or size <= 6:
            break
        size -= 1
    for line in lines[:max_lines]:
        pdf.cell(width, height, line, new_x=XPos.LEFT, new_y=YPos.NEXT)


def _draw_qr(pdf: _Document, data: str, x: float, y: float, size: float) -> None:
    """Draw a QR code as vector squares, so it stays sharp at any printer resolution."""
    matrix = segno.make(data, error="m", micro=False).matrix
    border = 2
    module = size / (len(matrix) + 2 * border)
    pdf.set_fill_color(0)
    for row_index, row in enumerate(matrix):
        start = None
        for column_index, dark in enumerate([*row, 0]):
            if dark and start is None:
                start = column_index
            elif not dark and start is not None:
                pdf.rect(
                    x + (border + start) * module,
                    y + (border + row_index) * module,
                    (column_index - start) * module,
                    module,
                    style="F",
                )
                start = None
