"""Reading timetable files: what every format turns into, and how a file's kind is recognised.

Each reader turns bytes into `Row`s, one per lesson occurrence, or raises `TimetableFileError`
with a message for the person who gave the file: a file is read whole or refused whole.
Meeting the directory (classes, teachers) happens afterwards, in `resolve.py`.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeTree
from defusedxml import DefusedXmlException
from django.conf import settings
from django.utils.translation import gettext as _

STS, ICAL, EDT = "STS", "ICAL", "EDT"
EXTENSIONS = (".xml", ".ics", ".ical", ".zip")
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
# A recurring event without an end is expanded this far at most; a file past this many
# lessons is refused rather than half-read.
MAX_ROWS = 50_000
XML_ROOTS_STS = "EDT_STS"
XML_ROOT_STS_REVERSE = "STS_EDT"
XML_ROOT_EDT = "EXPORT_INDEX_EDUCATION"


class TimetableFileError(ValueError):
    """A timetable file refused as a whole; the message is for the person who gave it."""


@dataclass(frozen=True)
class TeacherRef:
    """A teacher as a file names them: an STS id, a name, or both."""

    sts_id: str = ""
    last_name: str = ""
    first_name: str = ""

    @property
    def label(self) -> str:
        name = f"{self.first_name} {self.last_name}".strip()
        if name and self.sts_id:
            return f"{name} ({self.sts_id})"
        return name or self.sts_id


@dataclass(frozen=True)
class Row:
    """One lesson occurrence as a file gives it, before it meets the directory."""

    key: str
    starts_at: datetime
    ends_at: datetime
    class_code: str = ""
    group_code: str = ""
    subject_code: str = ""
    title: str = ""
    teachers: tuple[TeacherRef, ...] = ()
    room: str = ""
    is_cancelled: bool = False


@dataclass
class Parsed:
    """What a reader found in a file."""

    kind: str
    rows: list[Row] = field(default_factory=list)
    # The school the file says it is for (its UAI), when it says so.
    uai: str = ""
    warnings: list[str] = field(default_factory=list)


def max_bytes() -> int:
    """Return the largest timetable file accepted, in bytes."""
    return int(settings.ENT_TIMETABLE_MAX_UPLOAD_BYTES)


def check_size(size: int) -> None:
    """Refuse an empty file or one past the size cap."""
    if size == 0:
        raise TimetableFileError(_("The file is empty."))
    limit = max_bytes()
    if size > limit:
        raise TimetableFileError(
            _("The file is too large (%(size)d bytes): the limit is %(limit)d bytes.")
            % {"size": size, "limit": limit}
        )


def unpack(filename: str, data: bytes) -> bytes:
    """Return the file's content: the one timetable file inside a ZIP archive, or `data`."""
    check_size(len(data))
    name = filename.lower()
    if not name.endswith(EXTENSIONS):
        raise TimetableFileError(
            _("“%(name)s” is not a timetable file: give an .xml, .ics or .zip file.")
            % {"name": filename}
        )
    if not data.startswith(b"PK\x03\x04"):
        return data
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [
                info
                for info in archive.infolist()
                if not info.is_dir() and info.filename.lower().endswith((".xml", ".ics"))
            ]
            if len(members) != 1:
                raise TimetableFileError(
                    _("The ZIP archive must hold exactly one .xml or .ics file (it holds %(n)d).")
                    % {"n": len(members)}
                )
            check_size(members[0].file_size)
            return archive.read(members[0])
    except (zipfile.BadZipFile, EOFError, RuntimeError):
        raise TimetableFileError(_("The ZIP archive is damaged.")) from None


def parse_xml(data: bytes) -> Element:
    """Parse XML safely (no DTD, no entities); refuse broken XML with its line number."""
    try:
        root: Element = SafeTree.fromstring(data, forbid_dtd=True)
    except ParseError as error:
        line, column = getattr(error, "position", (0, 0))
        raise TimetableFileError(
            _("The XML is broken at line %(line)d, column %(column)d.")
            % {"line": line, "column": column}
        ) from None
    except DefusedXmlException:
        raise TimetableFileError(
            _("The XML declares a DTD or entities, which timetable files never need.")
        ) from None
    except (ValueError, LookupError):
        raise TimetableFileError(_("The XML declares an encoding that cannot be read.")) from None
    return root


def detect_kind(data: bytes) -> str:
    """Tell a file's kind from its content: STS, ICAL or EDT; refuse anything else."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:15].upper() == b"BEGIN:VCALENDAR":
        return ICAL
    if not head.startswith(b"<"):
        raise TimetableFileError(
            _("This is not a timetable file: neither XML (STS-web, EDT) nor iCalendar.")
        )
    root = parse_xml(data)
    if root.tag == XML_ROOTS_STS:
        return STS
    if root.tag == XML_ROOT_STS_REVERSE:
        raise TimetableFileError(
            _(
                "This is the STS-web export to timetable software (sts_emp, root STS_EDT), not a "
                "timetable: export emp_sts from your timetable software and give that file."
            )
        )
    if root.tag == XML_ROOT_EDT or root.find(".//GrilleHoraire") is not None:
        return EDT
    raise TimetableFileError(
        _("This XML file (root element <%(root)s>) is not a timetable export.") % {"root": root.tag}
    )


KIND_NAMES = {STS: "STS-web (emp_sts)", ICAL: "iCalendar", EDT: "Index Education (EDT)"}


def read(
    filename: str,
    data: bytes,
    *,
    kind: str | None = None,
    edt_key: Any = None,
    edt_partner: str = "",
) -> Parsed:
    """Read a timetable file of any supported kind; refuse it whole on any structural error."""
    from . import ical, index_education, sts

    content = unpack(filename, data)
    found = detect_kind(content)
    if kind and kind != found:
        raise TimetableFileError(
            _("This file is an %(found)s file, not an %(expected)s file.")
            % {"found": KIND_NAMES[found], "expected": KIND_NAMES[kind]}
        )
    if found == STS:
        parsed = sts.parse(content, filename=filename)
    elif found == ICAL:
        parsed = ical.parse(content)
    else:
        parsed = index_education.parse(content, key=edt_key, partner=edt_partner)
    if len(parsed.rows) > MAX_ROWS:
        raise TimetableFileError(
            _("The file holds more than %(limit)d lessons.") % {"limit": MAX_ROWS}
        )
    return parsed


DATE_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
DATE_FR = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")


def parse_day(text: str) -> date | None:
    """Read a date written YYYY-MM-DD (a time may follow) or DD/MM/YYYY; None if neither."""
    value = text.strip()
    try:
        if match := DATE_ISO.match(value):
            return date(int(match[1]), int(match[2]), int(match[3]))
        if match := DATE_FR.match(value):
            return date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError:
        return None
    return None
