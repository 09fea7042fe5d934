"""Index Education (EDT, Pronote) exports to the ENT (shared/reference/standards.md §5.2).

The export reaches an ENT encrypted for it: root EXPORT_INDEX_EDUCATION holds, per partner ENT,
CLES/PARTENAIRE[@NOM] (an RSA-wrapped AES key), CONTENU (AES-128-CBC of the zlib-compressed XML,
base64) and VERIFICATION (SHA-256 of the decrypted, still compressed content, base64). The RSA
block is AES key (16) + IV (16) + MD5(key ‖ IV) (16). The partner's private key is the file named
by ENT_TIMETABLE_EDT_KEY_FILE (PEM or DER, PKCS#8), the partner's name ENT_TIMETABLE_EDT_PARTNER.

The clear content, which this module also reads as given, lists entities whose fields are
attributes: GrilleHoraire[@DureePlace]/Place[@Numero, @LibelleHeureDebut, @LibelleHeureFin],
AnneeScolaire[@DatePremierJourSemaine1], Matiere, Classe, Groupe, Professeur, Salle (each with
@Ident), and Cours[@Jour, @NumeroPlaceDebut, @NombrePlaces, @SemainesAnnulation] whose children
(Matiere, Professeur, Classe, Groupe, Salle) point to entities by @Ident, each with a @Semaines
bitmap: bit n set means "in week n", week 1 starting on DatePremierJourSemaine1.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import zlib
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

from cryptography.hazmat.primitives import padding as block_padding
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.utils import timezone
from django.utils.translation import gettext as _

from . import EDT, XML_ROOT_EDT, Parsed, Row, TeacherRef, max_bytes, parse_day, parse_xml
from . import TimetableFileError as Refused

CLOCK = re.compile(r"^(\d{1,2})[h:](\d{2})(?:[h:](\d{2}))?$")
WEEKS_IN_YEAR = 53
DIVISIONS = ("Classe", "Groupe")


def load_private_key(path: str) -> rsa.RSAPrivateKey:
    """Load the ENT's partner key (PEM or DER); refuse anything but an RSA private key."""
    raw = Path(path).read_bytes()
    key: Any
    if raw.lstrip().startswith(b"-----"):
        key = serialization.load_pem_private_key(raw, password=None)
    else:
        key = serialization.load_der_private_key(raw, password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("the EDT partner key must be an RSA private key")
    return key


def _b64(text: str | None, what: str) -> bytes:
    try:
        return base64.b64decode("".join((text or "").split()), validate=True)
    except (binascii.Error, ValueError):
        raise Refused(
            _("The encrypted export's %(what)s is not base64.") % {"what": what}
        ) from None


def decrypt(root: Element, *, key: rsa.RSAPrivateKey | None, partner: str) -> bytes:
    """Return the clear XML of an encrypted export; refuse it when anything does not match."""
    if key is None:
        raise Refused(
            _(
                "This Index Education export is encrypted and the ENT has no partner key "
                "(ENT_TIMETABLE_EDT_KEY_FILE): export it in clear, or ask the operator to set "
                "the key."
            )
        )
    partners = root.findall("CLES/PARTENAIRE")
    chosen = [item for item in partners if not partner or item.get("NOM") == partner]
    if len(chosen) != 1:
        raise Refused(_("The encrypted export holds no key for this ENT."))
    try:
        block = key.decrypt(_b64(chosen[0].text, "CLES"), padding.PKCS1v15())
    except ValueError:
        raise Refused(_("The encrypted export was not made for this ENT's key.")) from None
    aes_key, iv, check = block[:16], block[16:32], block[32:48]
    if len(block) != 48 or hashlib.md5(block[:32], usedforsecurity=False).digest() != check:
        raise Refused(_("The encrypted export's key block is damaged."))
    content = root.find("CONTENU")
    decryptor = Cipher(algorithms.AES(aes_key), modes.CBC(iv)).decryptor()
    try:
        padded = decryptor.update(_b64(content.text if content is not None else "", "CONTENU"))
        padded += decryptor.finalize()
        unpadder = block_padding.PKCS7(128).unpadder()
        plain = unpadder.update(padded) + unpadder.finalize()
    except ValueError:
        raise Refused(_("The encrypted export's content cannot be decrypted.")) from None
    verification = root.find("VERIFICATION")
    expected = _b64(verification.text if verification is not None else "", "VERIFICATION")
    if hashlib.sha256(plain).digest() != expected:
        raise Refused(_("The encrypted export's content does not match its checksum."))
    compressed = content is not None and content.get("CompresseAvantChiffrement", "").lower() in (
        "true",
        "1",
    )
    if compressed:
        inflater = zlib.decompressobj()
        try:
            plain = inflater.decompress(plain, max_bytes() * 10)
        except zlib.error:
            raise Refused(_("The encrypted export's content cannot be decompressed.")) from None
        if inflater.unconsumed_tail:
            raise Refused(_("The encrypted export's content is too large once decompressed."))
    return plain.removeprefix(b"\xef\xbb\xbf")


def _seconds(text: str) -> int | None:
    match = CLOCK.match(text.strip())
    if not match or int(match[2]) >= 60:
        return None
    return int(match[1]) * 3600 + int(match[2]) * 60 + int(match[3] or 0)


def _grid(root: Element) -> dict[int, tuple[int, int]]:
    """Return each place number's start and end, in seconds after midnight."""
    grid = root.find(".//GrilleHoraire")
    if grid is None:
        raise Refused(_("The export has no GrilleHoraire (time grid)."))
    try:
        length = int(grid.get("DureePlace", "0")) * 60
        places: dict[int, tuple[int, int]] = {}
        for place in grid.findall("Place"):
            start = _seconds(place.get("LibelleHeureDebut", ""))
            if start is None:
                raise ValueError
            end = (
                _seconds(place.get("LibelleHeureFin", "")) if place.get("LibelleHeureFin") else None
            )
            places[int(place.get("Numero", ""))] = (
                start,
                end if end is not None else start + length,
            )
    except ValueError:
        raise Refused(
            _("The GrilleHoraire has a place without a number or a start time.")
        ) from None
    if not places:
        raise Refused(_("The GrilleHoraire lists no place."))
    return places


def _first_week(root: Element) -> date:
    year = root.find(".//AnneeScolaire")
    day = parse_day(year.get("DatePremierJourSemaine1", "")) if year is not None else None
    if day is None:
        raise Refused(_("The export has no AnneeScolaire with DatePremierJourSemaine1."))
    return day


def _entities(root: Element, tag: str) -> dict[str, Element]:
    """Return the entities `tag` by Ident, leaving out the references inside each Cours."""
    references = {id(child) for cours in root.iter("Cours") for child in cours}
    return {
        item.get("Ident", ""): item
        for item in root.iter(tag)
        if item.get("Ident") and id(item) not in references
    }


def _bits(value: str | None, where: str) -> int:
    try:
        return int(value or "0")
    except ValueError:
        raise Refused(
            _("%(where)s: the week bitmap “%(value)s” is not a number.")
            % {"where": where, "value": value}
        ) from None


def parse_clear(root: Element, *, uai: str = "") -> Parsed:
    """Read the clear content of an EDT export into lesson rows."""
    places = _grid(root)
    week_one = _first_week(root)
    subjects, teachers = _entities(root, "Matiere"), _entities(root, "Professeur")
    names = {tag: _entities(root, tag) for tag in (*DIVISIONS, "Salle")}
    zone = timezone.get_default_timezone()
    parsed = Parsed(kind=EDT, uai=uai)
    for cours in (item for item in root.iter("Cours") if item.get("Jour") is not None):
        where = f"Cours {cours.get('Ident', '?')}"
        try:
            day = int(cours.get("Jour", ""))
            first = int(cours.get("NumeroPlaceDebut", ""))
            last = first + int(cours.get("NombrePlaces", "")) - 1
        except ValueError:
            raise Refused(
                _("%(where)s: Jour, NumeroPlaceDebut or NombrePlaces is not a number.")
                % {"where": where}
            ) from None
        if not 1 <= day <= 7 or first not in places or last not in places or last < first:
            raise Refused(
                _("%(where)s: its day or places are outside the time grid.") % {"where": where}
            )
        subject_ref = cours.find("Matiere")
        subject = subjects.get(subject_ref.get("Ident", "")) if subject_ref is not None else None
        cancelled = _bits(cours.get("SemainesAnnulation"), where)
        items = [
            (
                child.tag,
                child.get("Ident", ""),
                _bits(child.get("Semaines") or child.get("SemainesInclusion"), where),
            )
            for child in cours
            if child.tag != "Matiere"
        ]
        for week in range(1, WEEKS_IN_YEAR + 1):
            active = [(tag, ident) for tag, ident, weeks in items if weeks >> week & 1]
            if not active:
                continue
            day_on = week_one + timedelta(weeks=week - 1, days=day - 1)
            midnight = timezone.make_aware(datetime.combine(day_on, datetime.min.time()), zone)
            starts_at = midnight + timedelta(seconds=places[first][0])
            ends_at = midnight + timedelta(seconds=places[last][1])
            refs = tuple(
                TeacherRef(
                    sts_id="",
                    last_name=teachers[ident].get("Nom", ""),
                    first_name=teachers[ident].get("Prenom", ""),
                )
                for tag, ident in active
                if tag == "Professeur" and ident in teachers
            )
            rooms = [
                names["Salle"][i].get("Nom", "")
                for t, i in active
                if t == "Salle" and i in names["Salle"]
            ]
            groups = [i for t, i in active if t == "Groupe"]
            divisions = [("Groupe", i) for i in groups] or [
                (t, i) for t, i in active if t == "Classe"
            ]
            for tag, ident in divisions:
                entity = names[tag].get(ident)
                code = entity.get("Nom", ident) if entity is not None else ident
                parsed.rows.append(
                    Row(
                        key="|".join((cours.get("Ident", ""), tag, ident, f"{day}|{first}|{last}"))
                        + f"|{day_on.isoformat()}",
                        starts_at=starts_at,
                        ends_at=ends_at,
                        class_code=code if tag == "Classe" else "",
                        group_code=code if tag == "Groupe" else "",
                        subject_code=subject.get("Code", "") if subject is not None else "",
                        title=(subject.get("Libelle") or subject.get("Nom") or "")
                        if subject is not None
                        else "",
                        teachers=refs,
                        room=", ".join(filter(None, rooms))[:100],
                        is_cancelled=bool(cancelled >> week & 1),
                    )
                )
    return parsed


def parse(data: bytes, *, key: rsa.RSAPrivateKey | None, partner: str) -> Parsed:
    """Read an EDT export, encrypted or clear, into lesson rows."""
    root = parse_xml(data)
    uai = ""
    if root.tag == XML_ROOT_EDT and root.find("CONTENU") is not None:
        uai = (root.findtext("UAI") or "").strip().upper()
        root = parse_xml(decrypt(root, key=key, partner=partner))
    return parse_clear(root, uai=uai)
