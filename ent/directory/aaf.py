"""Reading the académie's AAF export (SDET SOC-INT-IED): files, records and their meaning.

This module is the only place that knows AAF attribute names. It turns a folder or an archive of
`ficAlimMENESR` files into normalised records, one at a time, so memory stays bounded whatever
the size of the export. It writes nothing: `ent.directory.actions` applies what it reads.
The format and its traps are described in docs/feeds/aaf.md.
"""

from __future__ import annotations

import codecs
import hashlib
import html.entities
import json
import re
import tarfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path, PurePosixPath
from typing import IO, Any, cast
from xml.etree.ElementTree import ParseError, XMLPullParser

CHUNK_BYTES = 1 << 16

# Category files, in the order their records depend on each other (structures first).
CATEGORIES: tuple[tuple[str, str], ...] = (
    ("EtabEducNat", "school"),
    ("MatiereEducNat", "subject"),
    ("MefEducNat", "mef"),
    ("Eleve", "pupil"),
    ("PersRelEleve", "guardian"),
    ("PersEducNat", "staff"),
)
KIND_ORDER = {kind: position for position, (_, kind) in enumerate(CATEGORIES)}
FILE_RE = re.compile(
    r"(?:^|_)(Complet|Delta)_(\d{8})_(EtabEducNat|MatiereEducNat|MefEducNat|Eleve|PersRelEleve|"
    r"PersEducNat)_(\d{4})\.xml$"
)
# Files an export may carry besides the category files.
ALLOWED_EXTRA = re.compile(r"(^|/)(ficAlimMENESR\.dtd|[^/]*\.(md5|sha1|sha256)|README[^/]*)$", re.I)
OPERATIONAL = {
    "categorieStructure": {"EtabEducNat": "school"},
    "categorieMatiere": {"MatEducNat": "subject", "MatiereEducNat": "subject"},
    "categorieMef": {"MefEducNat": "mef"},
    "categoriePersonne": {"Eleve": "pupil", "PersRelEleve": "guardian", "PersEducNat": "staff"},
}
OPERATIONS = {"addRequest": "add", "modifyRequest": "modify", "deleteRequest": "delete"}

XML_ENTITIES = {"amp", "lt", "gt", "quot", "apos"}
HTML_ENTITIES = {
    name.rstrip(";"): text
    for name, text in html.entities.html5.items()
    if name.endswith(";") and name.rstrip(";") not in XML_ENTITIES
}
ENTITY_RE = re.compile(r"&([A-Za-z][A-Za-z0-9]{1,31});")
DECLARATION_RE = re.compile(rb"<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")


class FeedError(Exception):
    """A feed that cannot be read at all: nothing of it is applied."""


class RecordError(Exception):
    """A record that cannot be understood; it goes to quarantine, the rest of the feed applies."""

    def __init__(self, message: str, *, file: str = "", index: int = 0) -> None:
        super().__init__(message)
        self.file = file
        self.index = index


@dataclass(frozen=True)
class RawRecord:
    """One request of a file, as written: its attributes keep their AAF names."""

    file: str
    index: int
    operation: str
    kind: str
    key: str
    attributes: dict[str, list[str]]


@dataclass
class Reading:
    """What the reader noticed besides records: unknown or deprecated attributes, per name."""

    unknown: dict[str, int] = field(default_factory=dict)
    deprecated: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class FeedFile:
    name: str
    kind: str
    mode: str
    day: str
    chunk: int


# ---------------------------------------------------------------------------------------------
# Files: a folder, a .zip or a .tar.gz of category files.


class FeedSource:
    """The category files of one export, whatever their container."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.files = self._list()
        modes = {feed_file.mode for feed_file in self.files}
        if len(modes) > 1:
            raise FeedError(f"{path.name}: mixes Complet and Delta files; import them separately.")
        self.mode = modes.pop().upper() if modes else "COMPLET"

    def _names(self) -> list[str]:
        if self.path.is_dir():
            return sorted(
                str(child.relative_to(self.path).as_posix())
                for child in self.path.rglob("*")
                if child.is_file()
            )
        name = self.path.name.lower()
        try:
            if name.endswith(".zip"):
                with zipfile.ZipFile(self.path) as archive:
                    return sorted(info.filename for info in archive.infolist() if not info.is_dir())
            if name.endswith((".tar.gz", ".tgz", ".tar")):
                with tarfile.open(self.path) as archive:
                    return sorted(member.name for member in archive.getmembers() if member.isfile())
        except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError) as error:
            raise FeedError(f"{self.path.name}: the archive is damaged ({error}).") from None
        if self.path.is_file() and name.endswith(".xml"):
            return [self.path.name]
        raise FeedError(
            f"{self.path}: expected a folder, a .zip, a .tar.gz or an .xml file of the AAF export."
        )

    def _list(self) -> list[FeedFile]:
        files: list[FeedFile] = []
        unexpected: list[str] = []
        for name in self._names():
            parts = PurePosixPath(name).parts
            if name.startswith("/") or ".." in parts:
                raise FeedError(f"{self.path.name}: unsafe path {name!r} in the archive.")
            match = FILE_RE.search(PurePosixPath(name).name)
            if match:
                mode, day, category, chunk = match.groups()
                kind = dict(CATEGORIES)[category]
                files.append(FeedFile(name, kind, mode, day, int(chunk)))
            elif not ALLOWED_EXTRA.search(name):
                unexpected.append(name)
        if unexpected:
            listed = ", ".join(unexpected[:10]) + (" …" if len(unexpected) > 10 else "")
            raise FeedError(
                f"{self.path.name}: unexpected files in the export ({listed}); an AAF export holds "
                "only <prefix>_<Complet|Delta>_<date>_<category>_<nnnn>.xml files and the DTD."
            )
        if not files:
            raise FeedError(f"{self.path.name}: no AAF category file found.")
        return sorted(files, key=lambda f: (KIND_ORDER[f.kind], f.day, f.name, f.chunk))

    @contextmanager
    def open(self, feed_file: FeedFile) -> Iterator[IO[bytes]]:
        """Open one category file for reading, in binary."""
        if self.path.is_dir():
            with (self.path / feed_file.name).open("rb") as stream:
                yield stream
        elif self.path.name.lower().endswith(".zip"):
            with zipfile.ZipFile(self.path) as archive, archive.open(feed_file.name) as stream:
                yield stream
        elif self.path.name.lower().endswith(".xml"):
            with self.path.open("rb") as stream:
                yield stream
        else:
            with tarfile.open(self.path) as tar:
                member = tar.extractfile(feed_file.name)
                if member is None:
                    raise FeedError(f"{feed_file.name}: not a regular file in the archive.")
                with member:
                    yield member

    def digest(self) -> str:
        """Return a digest of the export's content, to recognise the same files again."""
        hasher = hashlib.sha256()
        for feed_file in self.files:
            hasher.update(feed_file.name.encode())
            with self.open(feed_file) as stream:
                while chunk := stream.read(CHUNK_BYTES):
                    hasher.update(chunk)
        return hasher.hexdigest()


# ---------------------------------------------------------------------------------------------
# Text: encoding, HTML entities, XML safety.


def _encoding_of(head: bytes, file: str) -> tuple[str, int]:
    """Return the encoding of a file from its BOM or declaration (UTF-8 when silent)."""
    for bom, name in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if head.startswith(bom):
            return name, len(bom)
    match = DECLARATION_RE.search(head[:300])
    if not match:
        return "utf-8", 0
    declared = match.group(1).decode("ascii")
    try:
        return codecs.lookup(declared).name, 0
    except LookupError:
        raise FeedError(f"{file}: unknown encoding {declared!r} in the XML declaration.") from None


def _replace_entity(match: re.Match[str]) -> str:
    text = HTML_ENTITIES.get(match.group(1))
    if text is None:
        return match.group(0)
    # Re-escape what the entity stands for when it is XML markup itself.
    return text.replace("&", "&amp;").replace("<", "&lt;")


def _text_chunks(stream: IO[bytes], file: str) -> Iterator[str]:
    """Decode a file in chunks, replacing HTML named entities and refusing entity declarations."""
    head = stream.read(CHUNK_BYTES)
    encoding, skip = _encoding_of(head, file)
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    offset = 0
    carry = ""
    in_prologue = True
    data = head[skip:]
    while True:
        final = not data
        try:
            text = decoder.decode(data, final=final)
        except UnicodeDecodeError as error:
            position = offset + error.start + skip
            declared = DECLARATION_RE.search(head[:300]) or skip
            how = "as declared" if declared else "no declaration, so UTF-8 is assumed"
            raise FeedError(
                f"{file}: byte {position} is not valid {encoding} "
                f"({how}); "
                "re-export the file in the encoding it declares."
            ) from None
        offset += len(data)
        text = carry + text
        carry = ""
        if not final:
            cut = text.rfind("&")
            if cut != -1 and ";" not in text[cut:] and len(text) - cut < 40:
                text, carry = text[:cut], text[cut:]
        if in_prologue:
            root = re.search(r"<[A-Za-z_]", text)
            prologue = text if root is None else text[: root.start()]
            if "<!ENTITY" in prologue:
                raise FeedError(
                    f"{file}: declares XML entities, which a feed may not do "
                    "(protection against entity expansion and external entities)."
                )
            in_prologue = root is None
        if "&" in text:
            text = ENTITY_RE.sub(_replace_entity, text)
        if text:
            yield text
        if final:
            return
        data = stream.read(CHUNK_BYTES)


def read_file(source: FeedSource, feed_file: FeedFile) -> Iterator[RawRecord | RecordError]:
    """Yield the records of one category file, one at a time; a bad record comes as an error."""
    parser: XMLPullParser[Any] = XMLPullParser(events=("end",))
    index = 0
    last_tag = ""
    with source.open(feed_file) as stream:
        try:
            for text in _text_chunks(stream, feed_file.name):
                parser.feed(text)
                for _event, element in cast(Iterator[tuple[str, Any]], parser.read_events()):
                    last_tag = element.tag
                    if last_tag in OPERATIONS:
                        index += 1
                        yield _raw_record(feed_file, index, element)
                        # Emptied requests stay in the root as bare shells (about 70 bytes each).
                        element.clear()
            parser.close()
            for _event, element in cast(Iterator[tuple[str, Any]], parser.read_events()):
                last_tag = element.tag
                if last_tag in OPERATIONS:
                    index += 1
                    yield _raw_record(feed_file, index, element)
        except ParseError as error:
            line, column = error.position
            raise FeedError(
                f"{feed_file.name}: malformed XML at line {line}, column {column}, after record "
                f"{index} ({_plain_reason(error)}); the file is truncated or damaged."
            ) from None
    if last_tag != "ficAlimMENESR":
        raise FeedError(f"{feed_file.name}: root element <{last_tag}>, <ficAlimMENESR> expected.")


def _plain_reason(error: ParseError) -> str:
    return str(error).split(":")[0]


def _raw_record(feed_file: FeedFile, index: int, element: Any) -> RawRecord | RecordError:
    try:
        return _read_request(feed_file, index, element)
    except RecordError as rejected:
        return RecordError(str(rejected), file=feed_file.name, index=index)


def _children(element: Any, path: str) -> Iterator[Any]:
    """Yield the elements at a path of child tags ("attributes/attr"), in document order.

    The same as `element.iterfind(path)` for plain paths, without ElementPath's per-call cost.
    """
    found = [element]
    for tag in path.split("/"):
        found = [child for parent in found for child in parent if child.tag == tag]
    yield from found


def _read_request(feed_file: FeedFile, index: int, element: Any) -> RawRecord:
    operation = OPERATIONS[element.tag]
    where = f"{feed_file.name}, record {index}"
    category = next(_children(element, "operationalAttributes/attr"), None)
    if category is None:
        raise RecordError(f"{where}: no operationalAttributes.")
    value_element = next(_children(category, "value"), None)
    value = ((value_element.text or "") if value_element is not None else "").strip()
    kind = OPERATIONAL.get(category.get("name", ""), {}).get(value)
    if kind is None:
        raise RecordError(f"{where}: unknown category {category.get('name')}={value!r}.")
    identifier = next(_children(element, "identifier/id"), None)
    key = ((identifier.text or "") if identifier is not None else "").strip()
    if not key:
        raise RecordError(f"{where}: the identifier is empty.")
    attributes: dict[str, list[str]] = {}
    container = "modifications/modification" if operation == "modify" else "attributes/attr"
    for attr in _children(element, container):
        name = attr.get("name", "")
        attributes[name] = [(item.text or "").strip() for item in attr if item.tag == "value"]
    record = RawRecord(feed_file.name, index, operation, kind, key, attributes)
    if kind != feed_file.kind:
        raise RecordError(f"{where} ({key}): a {kind} record in a {feed_file.kind} file.")
    return record


def read_records(source: FeedSource) -> Iterator[RawRecord | RecordError]:
    """Yield every record of an export in dependency order; a bad record comes as an error."""
    for feed_file in source.files:
        yield from read_file(source, feed_file)


# ---------------------------------------------------------------------------------------------
# Meaning: from AAF attributes to normalised payloads (plain JSON values).

# Attributes for which an empty value means "clear it" rather than "unchanged".
CLEARABLE = {
    "ENTAuxEnsClassesPrincipal",
    "mobile",
    "ENTPersonMobileSMS",
    "ENTPersonAdresse",
    "ENTPersonCodePostal",
    "ENTPersonVille",
    "ENTPersonPays",
    "ENTAuxEnsMEF",
    "ENTEleveMEF",
    "ENTEleveLibelleMEF",
    "ENTEleveCodeEnseignements",
    "ENTEleveEnseignements",
}
DEPRECATED = {
    "ENTEleveParents",
    "ENTElevePere",
    "ENTEleveMere",
    "ENTElevePersRelEleve1",
    "ENTElevePersRelEleve2",
    "ENTEleveQualitePersRelEleve1",
    "ENTEleveQualitePersRelEleve2",
    "ENTEnsSpecialites",
    "ENTAuxEnsClasses",
    "ENTAuxEnsGroupes",
}
PERSON_FIELDS: dict[str, tuple[str, ...]] = {
    "last_name": ("sn", "ENTPersonNom"),
    "first_name": ("givenName", "ENTPersonPrenom"),
    "title": ("personalTitle", "ENTPersonCivilite"),
    "birth_name": ("ENTPersonNomPatro",),
    "email": ("mail", "ENTPersonMail"),
    "phone_home": ("homePhone", "ENTPersonTelPerso"),
    "phone_mobile": ("mobile", "ENTPersonMobileSMS", "ENTPersRelEleveTelMobile"),
    "phone_work": ("telephoneNumber", "ENTPersRelEleveTelPro"),
    "postal_code": ("ENTPersonCodePostal",),
    "city": ("ENTPersonVille",),
    "country": ("ENTPersonPays",),
    "ine": ("ENTEleveINE",),
}
PUPIL_EXTRA = (
    "ENTEleveStructRattachId",
    "ENTEleveBoursier",
    "ENTEleveRegime",
    "ENTEleveTransport",
    "ENTEleveStatutEleve",
    "ENTEleveMEF",
    "ENTEleveLibelleMEF",
    "ENTEleveNivFormation",
    "ENTEleveFiliere",
    "ENTEleveCodeEnseignements",
    "ENTEleveEnseignements",
    "ENTEleveNiveau",
    "ENTEleveCycle",
    "ENTEleveTypeClasse",
    "ENTEleveRestaurantScolaire",
    "ENTEleveGarderieMatin",
    "ENTEleveGarderieSoir",
    "ENTEleveEtudesSurveillees",
    "ENTEleveStructureRattachIdMEN",
)
STAFF_EXTRA = (
    "ENTPersonSTSId",
    "PersEducNatPresenceDevantEleves",
    "ENTPersonCategorieEnseignant",
    "ENTAuxEnsCategoDiscipline",
    "ENTAuxEnsDisciplinesPoste",
    "ENTAuxEnsMEF",
    "ENTAuxEnsMatiereEnseignEtab",
)
PERSON_COMMON = {
    "ENTPersonJointure",
    "ENTPersonDateNaissance",
    "ENTPersonAutresPrenoms",
    "ENTPersonAdresse",
    "ENTPersonStructRattach",
    "ENTPersonAdresseDiffusion",
    "ENTPersonIdentifiant",
    "ENTPersonNomAffichage",
    "ENTPersonLogin",
    "ENTPersonProfils",
    "ENTPersonStructRattachRNE",
    "ENTPersonDateSortie",
    "ENTPersonDateEntree",
} | {name for names in PERSON_FIELDS.values() for name in names}
KNOWN: dict[str, set[str]] = {
    "school": {
        "ENTStructureJointure",
        "ENTStructureUAI",
        "ENTEtablissementUAI",
        "ENTStructureSIREN",
        "ENTStructureNomCourant",
        "ENTStructureTypeStruct",
        "ENTStructureCodeTypeStruct",
        "ENTEtablissementMinistereTutelle",
        "ENTEtablissementCodeMinistereTutelle",
        "ENTEtablissementContrat",
        "postOfficeBox",
        "street",
        "postalCode",
        "l",
        "telephoneNumber",
        "facsimileTelephoneNumber",
        "ENTStructureMailSI",
        "ENTEtablissementStructRattachFctl",
        "ENTEtablissementBassin",
        "ENTServAcAcademie",
        "ENTServAcCodeAcademie",
        "ENTStructureClasses",
        "ENTStructureGroupes",
        "ENTStructureAdresse",
        "ENTStructureCodePostal",
        "ENTStructureVille",
        "ENTStructureTelephone",
        "ENTStructureFax",
        "ENTStructureBoitePostale",
        "ENTStructureEmail",
        "ENTEcoleMinistereTutelle",
        "ENTEcoleCodeMinistereTutelle",
        "ENTEcoleSecteur",
        "ENTEcoleCirconscription",
        "ENTEcoleCommune",
        "ENTEcoleRPI",
    },
    "subject": {"ENTMatJointure", "ENTLibelleMatiere", "ENTMatiereRattach"},
    "mef": {
        "ENTMefJointure",
        "ENTLibelleMef",
        "ENTMEFRattach",
        "ENTMEFSTAT11",
        "ENTNivFormation",
        "ENTFiliere",
    },
    "pupil": PERSON_COMMON
    | set(PUPIL_EXTRA)
    | {
        "ENTElevePersRelEleve",
        "ENTEleveAutoriteParentale",
        "ENTEleveClasses",
        "ENTEleveGroupes",
        "ENTPersonClasses",
        "ENTPersonGroupes",
        "ENTEleveDateEntreeClasses",
        "ENTEleveDateSortieClasses",
        "ENTEleveDateEntreeStructRattach",
        "ENTEleveDateSortieStructRattach",
        "ENTEleveAdresseRel",
    },
    "guardian": PERSON_COMMON | {"ENTAuxPersRelEleveEleve", "ENTPersRelEleveEleve"},
    "staff": PERSON_COMMON
    | set(STAFF_EXTRA)
    | {
        "ENTPersonFonctions",
        "ENTAuxEnsClassesMatieres",
        "ENTAuxEnsGroupesMatieres",
        "ENTAuxEnsClassesPrincipal",
        "ENTEnsFonctionDir",
        "ENTPersonClasses",
        "ENTPersonGroupes",
        "ENTPersonFonctionsDate",
        "ENTAuxEnsClassesMatieresDate",
        "ENTAuxEnsGroupesMatieresDate",
    },
}

SCHOOL_KINDS = (
    ("MATERNELLE", "ECOLE_MATERNELLE", 1),
    ("ELEMENTAIRE", "ECOLE_ELEMENTAIRE", 1),
    ("ECOLE", "ECOLE_PRIMAIRE", 1),
    ("COLLEGE", "COLLEGE", 2),
    ("PROFESSIONNEL", "LYCEE_PRO", 2),
    ("LYCEE", "LYCEE", 2),
    ("EREA", "LYCEE", 2),
    ("SERVICE", "SERVICE", None),
    ("RECTORAT", "SERVICE", None),
    ("DSDEN", "SERVICE", None),
)
# AAF function codes to national profiles (SDET directory annex; GAR profile rules).
FUNCTION_PROFILES = {
    "DIR": "DIR",
    "DEC": "DIR",
    "ENS": "ENS",
    "FCA": "ENS",
    "DOC": "DOC",
    "EDU": "EVS",
    "AED": "EVS",
    "SUR": "EVS",
    "ADE": "EVS",
    "AES": "EVS",
    "INS": "ACA",
    "IEN": "ACA",
}


# A person listed by both degrees' feeds (a parent of an écolier and of a collégien) has one
# record per feed; what the directory holds is their fold, the current feed last.
FIRST_DEGREE_NAMES = ("ENTPersonNom", "ENTPersonPrenom")


def feed_of(raw: RawRecord) -> str:
    """Return which degree's feed a person record comes from, by its attribute names."""
    return "1D" if any(name in raw.attributes for name in FIRST_DEGREE_NAMES) else "2D"


def digest_parts(stored: str) -> dict[str, str]:
    """Split a stored person digest ("1D:…|2D:…") into one digest per feed."""
    return dict(part.split(":", 1) for part in stored.split("|") if ":" in part)


def join_digests(parts: dict[str, str]) -> str:
    """Join per-feed digests into the stored form."""
    return "|".join(f"{feed}:{digest}" for feed, digest in sorted(parts.items()))


def fold_feeds(feeds: dict[str, dict[str, Any]], current: str) -> dict[str, Any]:
    """Merge a person's records from several feeds: lists unite, the current feed's values win."""
    merged: dict[str, Any] = {}
    for feed in [*sorted(name for name in feeds if name != current), current]:
        for name, value in feeds.get(feed, {}).items():
            old = merged.get(name)
            if isinstance(value, list) and isinstance(old, list):
                merged[name] = old + [row for row in value if row not in old]
            elif isinstance(value, dict) and isinstance(old, dict):
                merged[name] = {**old, **value}
            elif value not in ("", None) or name not in merged:
                merged[name] = value
    return merged


def record_digest(payload: dict[str, Any]) -> str:
    """Return a stable digest of a normalised payload."""
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def _first(attributes: dict[str, list[str]], *names: str) -> str | None:
    """Return the first value of the first attribute present, or None when none is present."""
    for name in names:
        values = attributes.get(name)
        if values is not None:
            return values[0] if values else ""
    return None


def _values(attributes: dict[str, list[str]], *names: str) -> list[str] | None:
    for name in names:
        values = attributes.get(name)
        if values is not None:
            return [value for value in values if value]
    return None


def _fields(value: str, count: int) -> list[str]:
    parts = value.split("$")
    return parts + [""] * (count - len(parts))


def parse_date(value: str, what: str) -> str:
    """Return an ISO date from the AAF dd/mm/yyyy form."""
    try:
        day, month, year = value.split("/")
        return date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        raise RecordError(f"{what} {value!r} is not a date (dd/mm/yyyy expected).") from None


def _flag(value: str) -> bool:
    return value.strip() in {"1", "O", "o", "true", "TRUE"}


def _check_unknown(raw: RawRecord, reading: Reading) -> None:
    known = KNOWN[raw.kind]
    for name in raw.attributes:
        if name in DEPRECATED:
            reading.deprecated[name] = reading.deprecated.get(name, 0) + 1
        elif name not in known:
            reading.unknown[f"{raw.kind}.{name}"] = reading.unknown.get(f"{raw.kind}.{name}", 0) + 1


def normalise(raw: RawRecord, reading: Reading) -> dict[str, Any]:
    """Return a record's payload: the fields its attributes set (all of them for an add)."""
    if raw.operation == "delete":
        return {}
    _check_unknown(raw, reading)
    complete = raw.operation == "add"
    if not complete:
        # In a modifyRequest an empty value leaves the attribute unchanged, except for the
        # attributes whose empty value means "clear".
        kept = {
            name: values
            for name, values in raw.attributes.items()
            if any(values) or name in CLEARABLE
        }
        raw = RawRecord(raw.file, raw.index, raw.operation, raw.kind, raw.key, kept)
    payload = NORMALISERS[raw.kind](raw, complete)
    if complete:
        _require(raw, payload)
        if raw.kind in {"pupil", "guardian", "staff"}:
            payload["feed"] = feed_of(raw)
    return payload


def _require(raw: RawRecord, payload: dict[str, Any]) -> None:
    required = {
        "school": ("uai", "name"),
        "subject": ("label",),
        "mef": ("label",),
    }.get(raw.kind, ("last_name", "first_name"))
    missing = [name for name in required if not payload.get(name)]
    if missing:
        raise RecordError(f"missing {', '.join(missing)}.")


def _school(raw: RawRecord, complete: bool) -> dict[str, Any]:
    a = raw.attributes
    payload: dict[str, Any] = {}
    uai = _first(a, "ENTStructureUAI", "ENTEtablissementUAI")
    if uai is not None:
        payload["uai"] = uai.upper()
        if not re.fullmatch(r"\d{7}[A-Z]", payload["uai"]):
            raise RecordError(f"UAI {uai!r} is not seven digits and a letter.")
    name = _first(a, "ENTStructureNomCourant")
    if name is not None:
        payload["name"] = name.replace("$", " - ").strip()
    kind_text = _first(a, "ENTStructureTypeStruct")
    if kind_text is not None or complete:
        kind, degree = "OTHER", None
        upper = (kind_text or "").upper()
        for needle, school_kind, school_degree in SCHOOL_KINDS:
            if needle in upper:
                kind, degree = school_kind, school_degree
                break
        payload.update(type=kind_text or "", kind=kind, degree=degree)
    simple = {
        "academy": ("ENTServAcAcademie",),
        "lead_key": ("ENTEtablissementStructRattachFctl",),
        "rpi": ("ENTEcoleRPI",),
        "street": ("street", "ENTStructureAdresse"),
        "postal_code": ("postalCode", "ENTStructureCodePostal"),
        "city": ("l", "ENTStructureVille"),
        "phone": ("telephoneNumber", "ENTStructureTelephone"),
        "email": ("ENTStructureMailSI", "ENTStructureEmail"),
    }
    for target, names in simple.items():
        value = _first(a, *names)
        if value is not None or complete:
            payload[target] = (value or "").replace("$", " ").strip()
    classes = _values(a, "ENTStructureClasses")
    if classes is not None or complete:
        payload["classes"] = [
            [parts[0], parts[1] if len(parts) > 1 else "", [m for m in parts[2:] if m]]
            for parts in (value.split("$") for value in classes or [])
        ]
    groups = _values(a, "ENTStructureGroupes")
    if groups is not None or complete:
        payload["groups"] = [_fields(value, 2)[:2] for value in groups or []]
    return payload


def _subject(raw: RawRecord, complete: bool) -> dict[str, Any]:
    label = _first(raw.attributes, "ENTLibelleMatiere")
    return {} if label is None and not complete else {"label": label or ""}


def _mef(raw: RawRecord, complete: bool) -> dict[str, Any]:
    a = raw.attributes
    payload: dict[str, Any] = {}
    for target, name in (
        ("label", "ENTLibelleMef"),
        ("level", "ENTNivFormation"),
        ("track", "ENTFiliere"),
    ):
        value = _first(a, name)
        if value is not None or complete:
            payload[target] = value or ""
    return payload


def _person(raw: RawRecord, complete: bool, extra_names: tuple[str, ...]) -> dict[str, Any]:
    a = raw.attributes
    payload: dict[str, Any] = {}
    for target, names in PERSON_FIELDS.items():
        value = _first(a, *names)
        if value is not None or complete:
            payload[target] = value or ""
    if "title" in payload:
        payload["title"] = {"Mlle": "Mme", "MME": "Mme", "M": "M."}.get(
            payload["title"], payload["title"]
        )
    others = _values(a, "ENTPersonAutresPrenoms")
    if others is not None or complete:
        payload["other_first_names"] = ", ".join(others or [])
    birth = _first(a, "ENTPersonDateNaissance")
    if birth is not None or complete:
        payload["birth_date"] = parse_date(birth, "birth date") if birth else None
    address = _values(a, "ENTPersonAdresse")
    if address is not None or complete:
        lines = [line for value in address or [] for line in value.split("$") if line.strip()]
        payload["address"] = ", ".join(line.strip() for line in lines)
    extra = {name: a[name] for name in extra_names if name in a}
    if extra or complete:
        payload["extra"] = {
            name: values if len(values) != 1 else values[0] for name, values in extra.items()
        }
    attachment = _first(a, "ENTPersonStructRattach")
    if attachment is not None or complete:
        payload["school_key"] = attachment or ""
    return payload


def _pupil(raw: RawRecord, complete: bool) -> dict[str, Any]:
    a = raw.attributes
    payload = _person(raw, complete, PUPIL_EXTRA)
    links = _values(a, "ENTElevePersRelEleve", "ENTEleveAutoriteParentale")
    if links is not None or complete:
        guardians = []
        for value in links or []:
            key, relation, financial, legal, contact, payer = _fields(value, 6)[:6]
            if not key:
                raise RecordError(f"guardian link {value!r} has no joint key.")
            # The 1st-degree ENTEleveAutoriteParentale may carry the key alone: it is then a
            # link with parental authority.
            is_legal = _flag(legal) or (
                raw.attributes.get("ENTEleveAutoriteParentale") is not None and legal == ""
            )
            guardians.append(
                [key, relation, _flag(financial), is_legal, _flag(contact), _flag(payer)]
            )
        payload["guardians"] = guardians
    classes = _values(a, "ENTEleveClasses")
    classes_1d = _values(a, "ENTPersonClasses")
    if classes is not None or classes_1d is not None or complete:
        entries = {tuple(_fields(value, 2)[:2]): "" for value in classes or []}
        for value in classes_1d or []:
            school, _, _, code, label = _fields(value, 5)[:5]
            entries[(school, code)] = label
        entry_dates = {}
        for value in _values(a, "ENTEleveDateEntreeClasses") or []:
            school, day, code = _fields(value, 3)[:3]
            if day:
                entry_dates[(school, code)] = parse_date(day, "class entry date")
        payload["classes"] = [
            [school, code, label, entry_dates.get((school, code))]
            for (school, code), label in entries.items()
            if school and code
        ]
    groups = _values(a, "ENTEleveGroupes", "ENTPersonGroupes")
    if groups is not None or complete:
        parsed = []
        for value in groups or []:
            parts = value.split("$")
            parsed.append(
                [parts[0], parts[3], parts[4]]
                if len(parts) >= 5
                else [parts[0], _fields(value, 2)[1], ""]
            )
        payload["groups"] = [group for group in parsed if group[0] and group[1]]
    for link in payload.get("classes", []) + payload.get("groups", []):
        if not link[0]:
            raise RecordError(f"class or group {link!r} names no school.")
    return payload


def _guardian(raw: RawRecord, complete: bool) -> dict[str, Any]:
    payload = _person(raw, complete, ())
    children = _values(raw.attributes, "ENTAuxPersRelEleveEleve", "ENTPersRelEleveEleve")
    if children is not None or complete:
        payload["children"] = children or []
    return payload


def _staff(raw: RawRecord, complete: bool) -> dict[str, Any]:
    a = raw.attributes
    payload = _person(raw, complete, STAFF_EXTRA)
    functions = _values(a, "ENTPersonFonctions")
    if functions is not None or complete:
        payload["functions"] = [
            fields for fields in (_fields(value, 5)[:5] for value in functions or []) if fields[0]
        ]
        for fields in payload["functions"]:
            if not fields[1]:
                raise RecordError(f"function {'$'.join(fields)!r} has no function code.")
    teacher = _first(a, "ENTPersonCategorieEnseignant")
    presence = _first(a, "PersEducNatPresenceDevantEleves")
    if teacher is not None or presence is not None or complete:
        if teacher:
            payload["is_teacher"] = teacher.lower() in {"true", "1", "o", "oui"}
        elif presence:
            payload["is_teacher"] = presence.upper() == "O"
        else:
            payload["is_teacher"] = None
    assignments = _values(a, "ENTAuxEnsClassesMatieres")
    if assignments is not None or complete:
        payload["class_subjects"] = [_fields(value, 3)[:3] for value in assignments or []]
    group_assignments = _values(a, "ENTAuxEnsGroupesMatieres")
    if group_assignments is not None or complete:
        payload["group_subjects"] = [_fields(value, 3)[:3] for value in group_assignments or []]
    classes_1d = _values(a, "ENTPersonClasses")
    if classes_1d is not None or complete:
        payload["classes"] = [
            [school, code, label]
            for school, _, _, code, label in (_fields(value, 5)[:5] for value in classes_1d or [])
            if school and code
        ]
    principal = _values(a, "ENTAuxEnsClassesPrincipal")
    if principal is not None or complete:
        payload["head_of"] = [_fields(value, 2)[:2] for value in principal or []]
    directs = _values(a, "ENTEnsFonctionDir")
    if directs is not None or complete:
        payload["directs"] = directs or []
    return payload


NORMALISERS = {
    "school": _school,
    "subject": _subject,
    "mef": _mef,
    "pupil": _pupil,
    "guardian": _guardian,
    "staff": _staff,
}


def staff_profiles(payload: dict[str, Any], school_kinds: dict[str, str]) -> dict[str, set[str]]:
    """Return the national profiles of a staff member per school joint key."""
    profiles: dict[str, set[str]] = {}
    for school, code, *_ in payload.get("functions", []):
        profile = FUNCTION_PROFILES.get(code.upper(), "ETA")
        if school_kinds.get(school) == "SERVICE":
            profile = "ACA"
        profiles.setdefault(school, set()).add(profile)
    for school in payload.get("directs", []):
        profiles.setdefault(school, set()).add("DIR")
    teaches = {
        row[0] for row in payload.get("class_subjects", []) + payload.get("group_subjects", [])
    }
    teaches |= {row[0] for row in payload.get("classes", [])}
    for school in teaches:
        profiles.setdefault(school, set()).add("ENS")
    if payload.get("is_teacher") and not profiles and payload.get("school_key"):
        profiles[payload["school_key"]] = {"ENS"}
    if not profiles and payload.get("school_key"):
        profiles[payload["school_key"]] = {"ETA"}
    return profiles
