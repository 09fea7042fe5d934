"""iCalendar (RFC 5545) files: the subset timetable software and calendars export.

The `icalendar` package is not a dependency of the project, so this reads the subset itself:
line unfolding, parameters (quoted or not), text escapes, VEVENT with DTSTART/DTEND/DURATION,
SUMMARY, LOCATION, CATEGORIES, UID, STATUS:CANCELLED, RECURRENCE-ID overrides, EXDATE and RDATE,
and RRULE with FREQ=DAILY or WEEKLY (INTERVAL, COUNT, UNTIL, BYDAY). Times are UTC ("Z"),
local to a TZID the tz database knows (Europe/Paris), or floating (read as the ENT's zone).
Anything else it cannot read faithfully is refused with its line number, never guessed at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone
from django.utils.translation import gettext as _

from . import ICAL, MAX_ROWS, Parsed, Row
from . import TimetableFileError as Refused

NAME = re.compile(r"[A-Za-z0-9-]+")
PLAIN_PARAM = re.compile(r'[^";:,]*')
DATE_TIME = re.compile(r"^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(Z?)$")
DATE_ONLY = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
DURATION = re.compile(r"^([+-])?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")
WEEKDAYS = {"MO": 0, "TU": 1, "WE": 2, "TH": 3, "FR": 4, "SA": 5, "SU": 6}
# A rule without COUNT or UNTIL is expanded over a little more than a school year.
HORIZON = timedelta(days=400)
RULE_PARTS = {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "WKST"}
# Windows names some calendar programs write instead of the tz database's.
WINDOWS_ZONES = {"romance standard time": "Europe/Paris", "w. europe standard time": "Europe/Paris"}


@dataclass(frozen=True)
class Prop:
    """One content line: its name, parameters, raw value and line number."""

    name: str
    params: dict[str, list[str]]
    value: str
    line: int


@dataclass
class Component:
    name: str
    line: int
    props: list[Prop] = field(default_factory=list)
    children: list[Component] = field(default_factory=list)

    def first(self, name: str) -> Prop | None:
        return next((prop for prop in self.props if prop.name == name), None)

    def all(self, name: str) -> list[Prop]:
        return [prop for prop in self.props if prop.name == name]


def _error(line: int, message: str) -> Refused:
    return Refused(_("iCalendar line %(line)d: %(problem)s") % {"line": line, "problem": message})


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Unfold the content lines (RFC 5545 §3.1); each keeps the number of its first line."""
    lines: list[tuple[int, str]] = []
    for number, physical in enumerate(re.split(r"\r\n|\n|\r", text), 1):
        if physical[:1] in (" ", "\t"):
            if not lines:
                raise _error(number, _("a continuation line opens the file."))
            first, value = lines[-1]
            lines[-1] = (first, value + physical[1:])
        elif physical:
            lines.append((number, physical))
    return lines


def _content_line(line: str, number: int) -> Prop:
    """Split `NAME;PARAM=a,"b":value` into its parts (RFC 5545 §3.1)."""
    match = NAME.match(line)
    if not match:
        raise _error(number, _("“%(text)s” is not a content line.") % {"text": line[:40]})
    name, position, params = match.group().upper(), match.end(), {}
    while position < len(line) and line[position] == ";":
        match = NAME.match(line, position + 1)
        if not match or match.end() >= len(line) or line[match.end()] != "=":
            raise _error(number, _("a parameter of %(name)s is malformed.") % {"name": name})
        key, position, values = match.group().upper(), match.end() + 1, []
        while True:
            if position < len(line) and line[position] == '"':
                end = line.find('"', position + 1)
                if end < 0:
                    raise _error(number, _("a quoted parameter is not closed."))
                values.append(line[position + 1 : end])
                position = end + 1
            else:
                plain = PLAIN_PARAM.match(line, position)
                values.append(plain.group() if plain else "")
                position = plain.end() if plain else position
            if position < len(line) and line[position] == ",":
                position += 1
                continue
            break
        params[key] = values
    if position >= len(line) or line[position] != ":":
        raise _error(number, _("%(name)s has no value (“:” is missing).") % {"name": name})
    return Prop(name, params, line[position + 1 :], number)


def _components(text: str) -> Component:
    """Build the component tree; refuse unbalanced BEGIN/END and text outside VCALENDAR."""
    stack: list[Component] = []
    calendar: Component | None = None
    for number, line in _logical_lines(text):
        prop = _content_line(line, number)
        if prop.name == "BEGIN":
            component = Component(prop.value.strip().upper(), number)
            if stack:
                stack[-1].children.append(component)
            elif component.name != "VCALENDAR" or calendar is not None:
                raise _error(number, _("the file must hold one VCALENDAR."))
            else:
                calendar = component
            stack.append(component)
        elif prop.name == "END":
            if not stack or stack[-1].name != prop.value.strip().upper():
                raise _error(number, _("END:%(name)s closes nothing.") % {"name": prop.value})
            stack.pop()
        elif not stack:
            raise _error(number, _("a property stands outside VCALENDAR."))
        else:
            stack[-1].props.append(prop)
    if stack:
        raise _error(
            stack[-1].line, _("BEGIN:%(name)s is never closed.") % {"name": stack[-1].name}
        )
    if calendar is None:
        raise Refused(_("The iCalendar file holds no VCALENDAR."))
    return calendar


def unescape(value: str) -> str:
    """Undo the TEXT escapes of RFC 5545 §3.3.11."""
    out: list[str] = []
    chars = iter(value)
    for char in chars:
        if char == "\\":
            escaped = next(chars, "")
            out.append("\n" if escaped in ("n", "N") else escaped)
        else:
            out.append(char)
    return "".join(out)


def _zone(prop: Prop) -> tzinfo:
    names = prop.params.get("TZID")
    if not names:
        return timezone.get_default_timezone()
    name = names[0].strip().lstrip("/")
    name = WINDOWS_ZONES.get(name.lower(), name)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise _error(
            prop.line, _("the time zone “%(zone)s” is unknown.") % {"zone": name}
        ) from None


def _moment(text: str, prop: Prop) -> datetime | date:
    """Read one DATE or DATE-TIME value of `prop`, as an aware datetime or a date."""
    value = text.strip()
    try:
        if match := DATE_TIME.match(value):
            year, month, day, hour, minute, second = (int(match[i]) for i in range(1, 7))
            naive = datetime(year, month, day, hour, minute, second)  # noqa: DTZ001 (made aware below)
            if match[7]:
                return naive.replace(tzinfo=UTC)
            return timezone.make_aware(naive, _zone(prop))
        if match := DATE_ONLY.match(value):
            return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        pass
    raise _error(prop.line, _("“%(value)s” is not a date or a date-time.") % {"value": value})


def _moments(prop: Prop) -> list[datetime | date]:
    return [_moment(part, prop) for part in prop.value.split(",") if part.strip()]


def _duration(prop: Prop) -> timedelta:
    match = DURATION.match(prop.value.strip())
    if not match or not any(match[i] for i in range(2, 7)):
        raise _error(prop.line, _("“%(value)s” is not a duration.") % {"value": prop.value})
    weeks, days, hours, minutes, seconds = (int(match[i] or 0) for i in range(2, 7))
    length = timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds)
    return -length if match[1] == "-" else length


@dataclass(frozen=True)
class Rule:
    frequency: str
    interval: int = 1
    count: int | None = None
    until: datetime | date | None = None
    weekdays: tuple[int, ...] = ()


def _rule(prop: Prop) -> Rule:
    parts: dict[str, str] = {}
    for item in prop.value.strip().split(";"):
        key, _sep, value = item.partition("=")
        parts[key.upper()] = value
    unknown = set(parts) - RULE_PARTS
    if unknown:
        raise _error(
            prop.line,
            _("the recurrence rule uses %(parts)s, which this import does not read.")
            % {"parts": ", ".join(sorted(unknown))},
        )
    frequency = parts.get("FREQ", "").upper()
    if frequency not in ("DAILY", "WEEKLY"):
        raise _error(
            prop.line,
            _("only daily and weekly recurrences are read (FREQ=%(freq)s).") % {"freq": frequency},
        )
    try:
        interval = int(parts.get("INTERVAL", "1"))
        count = int(parts["COUNT"]) if "COUNT" in parts else None
    except ValueError:
        raise _error(prop.line, _("INTERVAL and COUNT must be numbers.")) from None
    if interval < 1 or (count is not None and count < 1):
        raise _error(prop.line, _("INTERVAL and COUNT must be positive."))
    weekdays = []
    for name in filter(None, parts.get("BYDAY", "").upper().split(",")):
        if name not in WEEKDAYS:
            raise _error(prop.line, _("BYDAY “%(day)s” is not read.") % {"day": name})
        weekdays.append(WEEKDAYS[name])
    until = _moment(parts["UNTIL"], prop) if "UNTIL" in parts else None
    return Rule(frequency, interval, count, until, tuple(sorted(set(weekdays))))


def _at(start: datetime, day: date) -> datetime:
    """`start`'s wall-clock time on `day`, in `start`'s own zone (so DST keeps the hour)."""
    return datetime.combine(day, start.timetz())


def _past_until(moment: datetime, until: datetime | date | None) -> bool:
    if until is None:
        return False
    if isinstance(until, datetime):
        return moment > until
    return timezone.localtime(moment).date() > until


def _expand(start: datetime, rule: Rule, line: int) -> list[datetime]:
    """List the starts a DAILY or WEEKLY rule gives, `start` first (RFC 5545 §3.3.10)."""
    first_day = start.date()
    starts: list[datetime] = []
    limit = start + HORIZON
    step = 0
    while True:
        if rule.frequency == "DAILY":
            days = [first_day + timedelta(days=step * rule.interval)]
        else:
            monday = first_day - timedelta(days=first_day.weekday())
            week = monday + timedelta(weeks=step * rule.interval)
            chosen = rule.weekdays or (first_day.weekday(),)
            days = [week + timedelta(days=weekday) for weekday in chosen]
        for day in days:
            moment = _at(start, day)
            if moment < start:
                continue
            if _past_until(moment, rule.until) or moment > limit:
                return starts
            starts.append(moment)
            if rule.count is not None and len(starts) >= rule.count:
                return starts
            if len(starts) > MAX_ROWS:
                raise _error(line, _("the recurrence gives too many lessons."))
        step += 1


@dataclass
class Event:
    uid: str
    starts_at: datetime
    ends_at: datetime
    summary: str
    location: str
    categories: tuple[str, ...]
    is_cancelled: bool
    line: int


def _event(component: Component) -> Event | date:
    """Read a VEVENT's single occurrence; return the date alone for an all-day event."""
    start_prop = component.first("DTSTART")
    if start_prop is None:
        raise _error(component.line, _("the VEVENT has no DTSTART."))
    start = _moment(start_prop.value, start_prop)
    if not isinstance(start, datetime):
        return start
    end_prop, length_prop = component.first("DTEND"), component.first("DURATION")
    if end_prop is not None:
        end = _moment(end_prop.value, end_prop)
        if not isinstance(end, datetime):
            raise _error(end_prop.line, _("DTEND is a date but DTSTART is a date-time."))
    elif length_prop is not None:
        end = start + _duration(length_prop)
    else:
        raise _error(component.line, _("the VEVENT has neither DTEND nor DURATION."))
    if end <= start:
        raise _error(component.line, _("the VEVENT ends before it starts."))
    text = {name: component.first(name) for name in ("UID", "SUMMARY", "LOCATION", "STATUS")}
    categories = tuple(
        unescape(part).strip()
        for prop in component.all("CATEGORIES")
        for part in re.split(r"(?<!\\),", prop.value)
        if part.strip()
    )
    return Event(
        uid=unescape(text["UID"].value).strip() if text["UID"] else "",
        starts_at=start,
        ends_at=end,
        summary=unescape(text["SUMMARY"].value).strip() if text["SUMMARY"] else "",
        location=unescape(text["LOCATION"].value).strip() if text["LOCATION"] else "",
        categories=categories,
        is_cancelled=bool(text["STATUS"] and text["STATUS"].value.strip().upper() == "CANCELLED"),
        line=component.line,
    )


def _occurrences(component: Component, event: Event) -> list[datetime]:
    """The starts of a master VEVENT: DTSTART, its rule, RDATEs, less its EXDATEs."""
    rule_prop = component.first("RRULE")
    if len(component.all("RRULE")) > 1:
        raise _error(component.line, _("the VEVENT has more than one RRULE."))
    starts = (
        _expand(event.starts_at, _rule(rule_prop), rule_prop.line)
        if rule_prop
        else [event.starts_at]
    )
    for prop in component.all("RDATE"):
        for moment in _moments(prop):
            if not isinstance(moment, datetime):
                raise _error(prop.line, _("an RDATE must be a date-time."))
            starts.append(moment)
    excluded = [moment for prop in component.all("EXDATE") for moment in _moments(prop)]
    times = {moment for moment in excluded if isinstance(moment, datetime)}
    days = {moment for moment in excluded if not isinstance(moment, datetime)}
    return sorted(
        {
            moment
            for moment in starts
            if moment not in times and timezone.localtime(moment).date() not in days
        }
    )


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise _error(line, _("the text is not UTF-8.")) from None


def parse(data: bytes) -> Parsed:
    """Read an iCalendar file into lesson rows, one per occurrence; refuse it whole on error."""
    calendar = _components(_decode(data))
    parsed = Parsed(kind=ICAL)
    masters: list[tuple[Component, Event]] = []
    overrides: dict[tuple[str, datetime], Event] = {}
    for component in calendar.children:
        if component.name != "VEVENT":
            continue
        event = _event(component)
        if not isinstance(event, Event):
            summary = component.first("SUMMARY")
            parsed.warnings.append(
                _("Line %(line)d: the all-day event “%(title)s” is not a lesson: skipped.")
                % {
                    "line": component.line,
                    "title": unescape(summary.value) if summary else "",
                }
            )
            continue
        recurrence = component.first("RECURRENCE-ID")
        if recurrence is not None:
            original = _moment(recurrence.value, recurrence)
            if not isinstance(original, datetime):
                raise _error(recurrence.line, _("RECURRENCE-ID must be a date-time."))
            overrides[(event.uid, original)] = event
        else:
            masters.append((component, event))
    used: set[tuple[str, datetime]] = set()
    for component, master in masters:
        for start in _occurrences(component, master):
            occurrence = overrides.get((master.uid, start))
            if occurrence is not None:
                used.add((master.uid, start))
            else:
                length = master.ends_at - master.starts_at
                occurrence = replace(master, starts_at=start, ends_at=start + length)
            parsed.rows.append(_row(occurrence, master.uid or f"line-{master.line}", start))
    for (uid, start), occurrence in overrides.items():
        if (uid, start) not in used:
            parsed.rows.append(_row(occurrence, uid, start))
    return parsed


def _row(event: Event, uid: str, original: datetime) -> Row:
    # The key is the occurrence's original start: a moved occurrence keeps its key.
    return Row(
        key=f"{uid}|{original.astimezone(UTC).isoformat()}",
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        subject_code=event.categories[0] if event.categories else "",
        title=event.summary[:200],
        room=event.location[:100],
        is_cancelled=event.is_cancelled,
    )
