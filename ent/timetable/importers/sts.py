"""STS-web `emp_sts_<UAI>_<année>.xml` (root EDT_STS): the timetable software's export of
services and lessons (shared/reference/standards.md §5.1).

ALTERNANCES/ALTERNANCE[@CODE] lists the Mondays of each rhythm (every week, weeks A, weeks B);
each DIVISION or GROUPE carries SERVICE[@CODE_MATIERE]/ENSEIGNANTS/ENSEIGNANT[@ID]/
COURS_RATTACHES/COURS (CODE_ALTERNANCE, JOUR 1 = Monday, HEURE_DEBUT hhmm, DUREE hhmm). A lesson
two teachers give together appears under both: it becomes one lesson with two teachers.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from xml.etree.ElementTree import Element

from django.utils import timezone
from django.utils.translation import gettext as _

from . import (
    STS,
    XML_ROOT_STS_REVERSE,
    XML_ROOTS_STS,
    Parsed,
    Row,
    TeacherRef,
    parse_day,
    parse_xml,
)
from . import TimetableFileError as Refused

HHMM = re.compile(r"^(\d{1,2})(\d{2})$")
FILENAME_UAI = re.compile(r"emp_sts_([0-9]{7}[A-Za-z])_", re.IGNORECASE)
SECTIONS = (
    ("class", "DONNEES/STRUCTURE/DIVISIONS/DIVISION"),
    ("group", "DONNEES/STRUCTURE/GROUPES/GROUPE"),
)


def _text(element: Element, tag: str) -> str:
    child = element.find(tag)
    return (child.text or "").strip() if child is not None else ""


def _weeks(root: Element) -> dict[str, list[date]]:
    """Return the Mondays of each ALTERNANCE code."""
    weeks: dict[str, list[date]] = {}
    for alternance in root.findall("ALTERNANCES/ALTERNANCE"):
        code = (alternance.get("CODE") or "").strip()
        if not code:
            raise Refused(_("An ALTERNANCE has no CODE."))
        mondays = []
        for item in alternance.findall("SEMAINES/DATE_DEBUT_SEMAINE"):
            day = parse_day(item.text or "")
            if day is None:
                raise Refused(
                    _("ALTERNANCE %(code)s: “%(value)s” is not a date.")
                    % {"code": code, "value": (item.text or "").strip()}
                )
            mondays.append(day - timedelta(days=day.weekday()))
        weeks[code] = mondays
    if not weeks:
        raise Refused(_("The file has no ALTERNANCES: it gives no week to place the lessons in."))
    return weeks


def _minutes(value: str, what: str, where: str) -> int:
    match = HHMM.match(value)
    if not match or int(match[2]) >= 60:
        raise Refused(
            _("%(where)s: %(what)s “%(value)s” is not hhmm.")
            % {"where": where, "what": what, "value": value}
        )
    return int(match[1]) * 60 + int(match[2])


def _lesson_times(cours: Element, where: str) -> tuple[str, int, int, int]:
    """Return a COURS's alternance code, weekday (0 = Monday), start and length in minutes."""
    alternance = _text(cours, "CODE_ALTERNANCE")
    day = _text(cours, "JOUR")
    if not day.isdigit() or not 1 <= int(day) <= 7:
        raise Refused(
            _("%(where)s: JOUR “%(value)s” is not 1 to 7.") % {"where": where, "value": day}
        )
    start = _minutes(_text(cours, "HEURE_DEBUT"), "HEURE_DEBUT", where)
    length = _minutes(_text(cours, "DUREE"), "DUREE", where)
    if length == 0 or start + length > 24 * 60:
        raise Refused(_("%(where)s: the lesson does not fit in the day.") % {"where": where})
    return alternance, int(day) - 1, start, length


def parse(data: bytes, *, filename: str = "") -> Parsed:
    """Read an emp_sts file into lesson rows; refuse it whole on any structural error."""
    root = parse_xml(data)
    if root.tag == XML_ROOT_STS_REVERSE:
        raise Refused(_("This is sts_emp (STS_EDT), not emp_sts: it holds no timetable."))
    if root.tag != XML_ROOTS_STS:
        raise Refused(_("The root element is <%(root)s>, not <EDT_STS>.") % {"root": root.tag})
    weeks = _weeks(root)
    zone = timezone.get_default_timezone()
    merged: dict[str, tuple[Row, list[TeacherRef]]] = {}
    for kind, path in SECTIONS:
        for division in root.findall(path):
            code = (division.get("CODE") or "").strip()
            if not code:
                raise Refused(_("A DIVISION or GROUPE has no CODE."))
            for service in division.findall("SERVICES/SERVICE"):
                subject = (service.get("CODE_MATIERE") or "").strip()
                for teacher in service.findall("ENSEIGNANTS/ENSEIGNANT"):
                    ref = TeacherRef(sts_id=(teacher.get("ID") or "").strip())
                    for number, cours in enumerate(teacher.findall("COURS_RATTACHES/COURS"), 1):
                        where = f"{code} / {subject} / {ref.sts_id} / COURS {number}"
                        alternance, weekday, start, length = _lesson_times(cours, where)
                        if alternance not in weeks:
                            raise Refused(
                                _("%(where)s: CODE_ALTERNANCE “%(code)s” is not declared.")
                                % {"where": where, "code": alternance}
                            )
                        for monday in weeks[alternance]:
                            day = monday + timedelta(days=weekday)
                            begins = datetime.combine(day, time(start // 60, start % 60))
                            starts_at = timezone.make_aware(begins, zone)
                            ends_at = timezone.make_aware(begins + timedelta(minutes=length), zone)
                            key = f"{kind}|{code}|{subject}|{day.isoformat()}|{start}|{length}"
                            if key not in merged:
                                row = Row(
                                    key=key,
                                    starts_at=starts_at,
                                    ends_at=ends_at,
                                    class_code=code if kind == "class" else "",
                                    group_code=code if kind == "group" else "",
                                    subject_code=subject,
                                )
                                merged[key] = (row, [])
                            if ref.sts_id and ref not in merged[key][1]:
                                merged[key][1].append(ref)
    rows = [replace(row, teachers=tuple(teachers)) for row, teachers in merged.values()]
    uai = ""
    parameters = root.find("PARAMETRES/UAJ")
    if parameters is not None:
        uai = (parameters.get("CODE") or "").strip()
    elif match := FILENAME_UAI.search(filename):
        uai = match[1]
    return Parsed(kind=STS, rows=rows, uai=uai.upper())
