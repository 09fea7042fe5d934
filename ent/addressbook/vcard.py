"""vCard (RFC 6350): writing 4.0, reading 3.0 and 4.0 (UTI-IDO-CAD-04/-05, UTI-IDO-PBL-07).

Written here rather than taken from a library: the project needs a small, strict subset.
Output escapes text values (backslash, comma, semicolon, newline) and folds lines at 75 octets
without splitting a UTF-8 character. Input unfolds, unescapes and refuses anything it does not
understand with a message naming the line or the card, so that a bad file imports nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _

CRLF = "\r\n"
LINE_OCTETS = 75
VERSIONS = ("3.0", "4.0")
NAME_RE = re.compile(r"^[A-Za-z0-9-]+$")


class VCardError(ValueError):
    """A file that is not a vCard this module reads; the message says where and why."""


@dataclass(frozen=True)
class Card:
    """The part of a vCard the address book keeps."""

    full_name: str = ""
    last_name: str = ""
    first_name: str = ""
    organisation: str = ""
    title: str = ""
    # (kind, value): kind is "work", "home", "cell" or "" when the card does not say.
    emails: tuple[tuple[str, str], ...] = ()
    phones: tuple[tuple[str, str], ...] = ()
    address: str = ""
    birth_date: str = ""
    note: str = ""
    uid: str = ""

    @property
    def display_name(self) -> str:
        """Name the card as a person reads it."""
        return (
            self.full_name
            or f"{self.first_name} {self.last_name}".strip()
            or self.organisation
            or ""
        )


# ---------------------------------------------------------------------------------------------
# Writing


def escape(value: str) -> str:
    """Escape a text value (RFC 6350 §3.4): backslash, comma, semicolon and newlines."""
    value = value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """Fold a content line at 75 octets, never inside a UTF-8 character (RFC 6350 §3.2)."""
    parts: list[str] = []
    current: list[str] = []
    size = 0
    limit = LINE_OCTETS
    for char in line:
        octets = len(char.encode("utf-8"))
        if size + octets > limit:
            parts.append("".join(current))
            current, size, limit = [], 0, LINE_OCTETS - 1  # the leading space counts
        current.append(char)
        size += octets
    parts.append("".join(current))
    return (CRLF + " ").join(parts)


def _lines(card: Card) -> Iterator[str]:
    yield "BEGIN:VCARD"
    yield "VERSION:4.0"
    yield "PRODID:-//ENT//Address book//FR"
    if card.uid:
        yield f"UID:{escape(card.uid)}"
    yield f"FN:{escape(card.display_name)}"
    yield f"N:{escape(card.last_name)};{escape(card.first_name)};;;"
    if card.organisation:
        yield f"ORG:{escape(card.organisation)}"
    if card.title:
        yield f"TITLE:{escape(card.title)}"
    for kind, value in card.emails:
        yield f"EMAIL{f';TYPE={kind}' if kind else ''}:{escape(value)}"
    for kind, value in card.phones:
        kinds = {"cell": "cell,voice", "": "voice"}.get(kind, f"{kind},voice")
        yield f'TEL;TYPE="{kinds}":{escape(value)}'
    if card.address:
        yield f"ADR;TYPE=work:;;{escape(card.address)};;;;"
    if card.birth_date:
        yield f"BDAY:{card.birth_date.replace('-', '')}"
    if card.note:
        yield f"NOTE:{escape(card.note)}"
    yield "END:VCARD"


def write_cards(cards: Iterable[Card]) -> str:
    """Return the cards as one vCard 4.0 text, CRLF-terminated and folded."""
    return "".join(fold(line) + CRLF for card in cards for line in _lines(card))


# ---------------------------------------------------------------------------------------------
# Reading


@dataclass(frozen=True)
class _Property:
    line: int
    name: str
    params: dict[str, list[str]]
    value: str


def _unfold(text: str) -> Iterator[tuple[int, str]]:
    """Yield (first line number, logical line): a line starting with a space or tab continues."""
    number, logical = 0, None
    for index, physical in enumerate(re.split(r"\r\n|\r|\n", text), start=1):
        if physical[:1] in (" ", "\t") and logical is not None:
            logical += physical[1:]
            continue
        if logical is not None:
            yield number, logical
        number, logical = index, physical
    yield number, logical or ""


def _split(text: str, separator: str, *, quotes: bool = False) -> list[str]:
    """Split on `separator` outside backslash escapes (and double quotes when `quotes`)."""
    parts, current, quoted, escaped = [], [], False, False
    for char in text:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\" and not quotes:
            current.append(char)
            escaped = True
        elif char == '"' and quotes:
            quoted = not quoted
            current.append(char)
        elif char == separator and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def unescape(value: str) -> str:
    """Undo `escape`; an unknown escape keeps its character."""
    out, escaped = [], False
    for char in value:
        if escaped:
            out.append("\n" if char in "nN" else char)
            escaped = False
        elif char == "\\":
            escaped = True
        else:
            out.append(char)
    if escaped:
        out.append("\\")
    return "".join(out)


def _parse_line(number: int, line: str) -> _Property:
    quoted, colon = False, -1
    for position, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == ":" and not quoted:
            colon = position
            break
    head = line[:colon].split(";", 1)[0] if colon > 0 else ""
    name = head.rsplit(".", 1)[-1]
    if colon <= 0 or not NAME_RE.match(name):
        raise VCardError(
            _("Line %(line)d: this line is not a vCard property (NAME:value).") % {"line": number}
        )
    params: dict[str, list[str]] = {}
    for raw in _split(line[len(head) : colon], ";", quotes=True)[1:]:
        key, _sep, values = raw.partition("=") if "=" in raw else ("TYPE", "", raw)
        for item in _split(values, ",", quotes=True):
            params.setdefault(key.strip().upper(), []).append(item.strip().strip('"'))
    return _Property(number, name.upper(), params, line[colon + 1 :])


def _cards(text: str) -> Iterator[list[_Property]]:
    current: list[_Property] | None = None
    for number, line in _unfold(text):
        if not line.strip():
            continue
        prop = _parse_line(number, line)
        is_begin = prop.name == "BEGIN" and prop.value.strip().upper() == "VCARD"
        if current is None:
            if not is_begin:
                raise VCardError(
                    _("Line %(line)d: a vCard starts with BEGIN:VCARD.") % {"line": number}
                )
            current = []
        elif is_begin:
            raise VCardError(
                _("Line %(line)d: a card starts before the previous one ends.") % {"line": number}
            )
        elif prop.name == "END" and prop.value.strip().upper() == "VCARD":
            yield current
            current = None
        else:
            current.append(prop)
    if current is not None:
        raise VCardError(_("The last card is not closed (END:VCARD is missing)."))


def _kind(prop: _Property) -> str:
    kinds = {kind.lower() for value in prop.params.get("TYPE", []) for kind in value.split(",")}
    for kind in ("cell", "work", "home"):
        if kind in kinds:
            return kind
    return ""


def _joined(value: str, separator: str) -> str:
    return separator.join(
        part for part in (unescape(p).strip() for p in _split(value, ";")) if part
    )


def _card(number: int, props: list[_Property]) -> Card:
    versions = [prop.value.strip() for prop in props if prop.name == "VERSION"]
    if not versions or versions[0] not in VERSIONS:
        raise VCardError(
            _("Card %(number)d: vCard version %(version)s is not supported; use 3.0 or 4.0.")
            % {"number": number, "version": versions[0] if versions else "?"}
        )
    if any("QUOTED-PRINTABLE" in v.upper() for p in props for v in p.params.get("ENCODING", [])):
        raise VCardError(
            _("Card %(number)d: quoted-printable text is not supported; use vCard 3.0 or 4.0.")
            % {"number": number}
        )
    first: dict[str, _Property] = {}
    emails, phones = [], []
    for prop in props:
        first.setdefault(prop.name, prop)
        value = unescape(prop.value).strip()
        if prop.name == "EMAIL" and value:
            emails.append((_kind(prop), value.removeprefix("mailto:")))
        elif prop.name == "TEL" and value:
            phones.append((_kind(prop), value.removeprefix("tel:")))
    parts = _split(first["N"].value, ";") if "N" in first else []
    names = [unescape(part).replace(",", " ").strip() for part in parts] + ["", ""]

    def text(name: str) -> str:
        return unescape(first[name].value).strip() if name in first else ""

    card = Card(
        full_name=text("FN"),
        last_name=names[0],
        first_name=names[1],
        organisation=_joined(first["ORG"].value, ", ") if "ORG" in first else "",
        title=text("TITLE") or text("ROLE"),
        emails=tuple(emails),
        phones=tuple(phones),
        address=_joined(first["ADR"].value, ", ") if "ADR" in first else "",
        birth_date=text("BDAY"),
        note=text("NOTE"),
        uid=text("UID"),
    )
    if not card.display_name:
        raise VCardError(_("Card %(number)d has no name.") % {"number": number})
    return card


def parse_cards(text: str) -> list[Card]:
    """Read every card of a vCard 3.0 or 4.0 text; raise VCardError on the first fault."""
    cards = [_card(number, props) for number, props in enumerate(_cards(text), start=1)]
    if not cards:
        raise VCardError(_("The file holds no card."))
    return cards
