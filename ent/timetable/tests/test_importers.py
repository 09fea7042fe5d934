"""Reading timetable files: every format, and every way a file can be wrong."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from cryptography.hazmat.primitives import serialization

from ent.timetable import importers
from ent.timetable.importers import TimetableFileError, ical, index_education, sts

from .conftest import sample
from .factories import encrypt_export, new_key

PARIS = ZoneInfo("Europe/Paris")
pytestmark = pytest.mark.sdet("UTI-AVE-EDT-01")


def refused(filename: str, data: bytes, **kwargs) -> str:
    with pytest.raises(TimetableFileError) as caught:
        importers.read(filename, data, **kwargs)
    return str(caught.value)


def ics(*lines: str) -> bytes:
    body = ["BEGIN:VCALENDAR", "VERSION:2.0", *lines, "END:VCALENDAR"]
    return "\r\n".join(body).encode()


def event(*lines: str) -> tuple[str, ...]:
    return ("BEGIN:VEVENT", "UID:x@test", *lines, "END:VEVENT")


def test_emp_sts_gives_one_row_per_week_of_its_alternance_with_co_teachers_merged():
    parsed = importers.read("emp_sts_0000001B_2026.xml", sample("emp_sts_0000001B_2026.xml"))
    assert parsed.kind == importers.STS
    assert parsed.uai == "0000001B"  # from the file name
    maths = [row for row in parsed.rows if row.class_code == "3A" and row.subject_code == "061300"]
    assert len(maths) == 8  # two lessons a week, four "H" weeks
    history = [row for row in parsed.rows if row.subject_code == "040300"]
    assert [row.starts_at for row in history] == [
        datetime(2026, 9, 1, 14, tzinfo=PARIS),  # weeks A only, Tuesday
        datetime(2026, 9, 15, 14, tzinfo=PARIS),
    ]
    assert history[0].ends_at == datetime(2026, 9, 1, 16, tzinfo=PARIS)
    spanish = [row for row in parsed.rows if row.group_code == "3A-ESP"]
    assert len(spanish) == 2  # weeks B given as DD/MM/YYYY
    assert {ref.sts_id for ref in spanish[0].teachers} == {"1001", "1003"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("<JOUR>1</JOUR>", "<JOUR>9</JOUR>"),
        ("<HEURE_DEBUT>0800</HEURE_DEBUT>", "<HEURE_DEBUT>8h</HEURE_DEBUT>"),
        ("<DUREE>0100</DUREE>", "<DUREE>0000</DUREE>"),
        ("<CODE_ALTERNANCE>H</CODE_ALTERNANCE>", "<CODE_ALTERNANCE>Q</CODE_ALTERNANCE>"),
        ("<DATE_DEBUT_SEMAINE>2026-08-31", "<DATE_DEBUT_SEMAINE>lundi"),
    ],
)
def test_a_structural_error_refuses_the_whole_emp_sts_file(change, message):
    data = sample("emp_sts_0000001B_2026.xml").decode().replace(change, message, 1).encode()
    assert "3A" in refused("emp_sts_0000001B_2026.xml", data) or "ALTERNANCE" in refused(
        "emp_sts_0000001B_2026.xml", data
    )


def test_sts_emp_is_refused_with_the_file_to_ask_for():
    message = refused("sts_emp_0000001B_2026.xml", sample("sts_emp_0000001B_2026.xml"))
    assert "emp_sts" in message
    assert "STS_EDT" in message


def test_an_emp_sts_file_without_alternances_is_refused():
    with pytest.raises(TimetableFileError):
        sts.parse(b"<EDT_STS><DONNEES/></EDT_STS>")


def test_broken_xml_is_refused_with_its_line():
    data = sample("emp_sts_0000001B_2026.xml")[:900]
    message = refused("emp_sts_0000001B_2026.xml", data)
    assert ("XML" in message and "line" in message.lower()) or "ligne" in message.lower()


def test_xml_with_a_dtd_is_refused():
    data = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><EDT_STS>&a;</EDT_STS>'
    assert "DTD" in refused("emp_sts.xml", data)


def test_an_unknown_xml_root_is_refused_naming_it():
    assert "<CARNET>" in refused("x.xml", b"<CARNET/>")


def test_a_file_that_is_neither_xml_nor_icalendar_is_refused():
    with pytest.raises(TimetableFileError):
        importers.read("notes.xml", b"%PDF-1.7 not a timetable")


def test_a_wrong_extension_is_refused():
    assert "notes.pdf" in refused("notes.pdf", sample("classe_3A.ics"))


def test_the_kind_asked_for_must_be_the_kind_found():
    with pytest.raises(TimetableFileError):
        importers.read("classe.ics", sample("classe_3A.ics"), kind=importers.STS)


def test_empty_and_oversize_files_are_refused(settings):
    with pytest.raises(TimetableFileError):
        importers.read("emp_sts.xml", b"")
    settings.ENT_TIMETABLE_MAX_UPLOAD_BYTES = 1000
    with pytest.raises(TimetableFileError):
        importers.read("emp_sts.xml", sample("emp_sts_0000001B_2026.xml"))


def test_a_zip_with_one_emp_sts_file_is_read_and_a_zip_of_two_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("emp_sts_0000001B_2026.xml", sample("emp_sts_0000001B_2026.xml"))
    assert len(importers.read("export.zip", buffer.getvalue()).rows) == 20
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr("other.xml", b"<EDT_STS/>")
    assert "2" in refused("export.zip", buffer.getvalue())
    assert refused("export.zip", b"PK\x03\x04broken")


def test_icalendar_rules_exceptions_overrides_escapes_and_folding():
    parsed = importers.read("classe_3A.ics", sample("classe_3A.ics"))
    maths = [row for row in parsed.rows if row.title == "Mathématiques"]
    # COUNT=4 from 1 September, 8 September excluded, 15 September moved to 10:00.
    assert [row.starts_at for row in maths] == [
        datetime(2026, 9, 1, 8, tzinfo=PARIS),
        datetime(2026, 9, 15, 10, tzinfo=PARIS),
        datetime(2026, 9, 22, 8, tzinfo=PARIS),
    ]
    assert maths[0].room == "Bâtiment A, salle 12"  # "\," unescaped
    assert maths[1].room == "Salle 14"
    history = [row for row in parsed.rows if row.title.startswith("Histoire")]
    assert history[0].title == "Histoire-géographie - cours dédoublé"  # unfolded
    assert [row.starts_at for row in history] == [
        datetime(2026, 9, 2, 12, tzinfo=UTC),
        datetime(2026, 9, 9, 12, tzinfo=UTC),
        datetime(2026, 9, 16, 12, tzinfo=UTC),
    ]
    english = [row for row in parsed.rows if row.title == "Anglais"]
    assert english[0].is_cancelled
    assert english[0].ends_at == datetime(2026, 9, 3, 15, tzinfo=PARIS)  # DURATION:PT1H
    assert "Sortie scolaire" in parsed.warnings[0]  # all-day: not a lesson
    # An override keeps its occurrence's key, so a moved occurrence updates in place.
    assert maths[1].key.endswith("2026-09-15T06:00:00+00:00")


def test_a_weekly_rule_keeps_the_wall_clock_hour_across_the_dst_change():
    data = ics(
        *event(
            "DTSTART;TZID=Europe/Paris:20261019T080000",
            "DTEND;TZID=Europe/Paris:20261019T090000",
            "RRULE:FREQ=WEEKLY;COUNT=3;BYDAY=MO,TH",
        )
    )
    starts = [row.starts_at for row in ical.parse(data).rows]
    assert [moment.astimezone(PARIS).hour for moment in starts] == [8, 8, 8]
    assert starts[2] == datetime(2026, 10, 26, 8, tzinfo=PARIS)  # after 25 October


def test_floating_times_are_read_in_the_ents_zone_and_daily_rules_with_interval():
    data = ics(
        *event("DTSTART:20260907T080000", "DURATION:PT55M", "RRULE:FREQ=DAILY;INTERVAL=2;COUNT=3")
    )
    rows = ical.parse(data).rows
    assert [row.starts_at.day for row in rows] == [7, 9, 11]
    assert rows[0].starts_at == datetime(2026, 9, 7, 8, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("lines", "line"),
    [
        (("BEGIN:VEVENT", "no colon here", "END:VEVENT"), 4),
        (event("DTSTART:2026-09-07", "DTEND:20260907T090000Z"), 5),
        (event("DTSTART;TZID=Mars/Olympus:20260907T080000", "DURATION:PT1H"), 5),
        (event("DTSTART:20260907T080000Z", "DURATION:PT1H", "RRULE:FREQ=MONTHLY"), 7),
        (event("DTSTART:20260907T080000Z", "DURATION:PT1H", "RRULE:FREQ=WEEKLY;BYSETPOS=1"), 7),
        (event("DTSTART:20260907T080000Z", "DURATION:1 hour"), 6),
        (event("DTSTART:20260907T090000Z", "DTEND:20260907T080000Z"), 3),
        (event("DTEND:20260907T080000Z"), 3),
        (("BEGIN:VEVENT", 'DTSTART;TZID="Europe/Paris:20260907T080000'), 4),
        (("BEGIN:VEVENT", "UID:x"), 5),
        ((" continuation first",), 1),
    ],
)
def test_malformed_icalendar_is_refused_with_its_line_number(lines, line):
    data = ics(*lines) if lines[0] != " continuation first" else b" continuation first\r\n"
    with pytest.raises(TimetableFileError) as caught:
        ical.parse(data)
    assert f" {line}" in str(caught.value)


def test_icalendar_that_is_not_utf8_is_refused():
    with pytest.raises(TimetableFileError):
        ical.parse(
            ics(*event("DTSTART:20260907T080000Z", "SUMMARY:Fran\xe7ais")).replace(
                b"\xc3\xa7", b"\xe7"
            )
        )


def test_edt_clear_export_uses_the_time_grid_week_bitmaps_and_cancelled_weeks():
    parsed = importers.read("edt.xml", sample("edt_clair_0000001B.xml"))
    assert parsed.kind == importers.EDT
    maths = [row for row in parsed.rows if row.class_code == "3A"]
    assert [(row.starts_at, row.is_cancelled) for row in maths] == [
        (datetime(2026, 8, 31, 8, tzinfo=PARIS), False),
        (datetime(2026, 9, 7, 8, tzinfo=PARIS), True),  # bit 2 of SemainesAnnulation
        (datetime(2026, 9, 14, 8, tzinfo=PARIS), False),
    ]
    assert maths[0].ends_at == datetime(2026, 8, 31, 10, tzinfo=PARIS)  # two places
    assert maths[0].room == "101"
    assert maths[0].teachers[0].last_name == "DUPONT"
    english = [row for row in parsed.rows if row.subject_code == "030201"]
    # A course of a group and a class belongs to the group.
    assert [(row.group_code, row.class_code) for row in english] == [("3A-ESP", "")]
    assert english[0].ends_at == datetime(2026, 9, 1, 12, tzinfo=PARIS)


def test_edt_export_outside_its_time_grid_is_refused():
    data = sample("edt_clair_0000001B.xml").replace(
        b'NumeroPlaceDebut="3"', b'NumeroPlaceDebut="7"'
    )
    assert "K2" in refused("edt.xml", data)


@pytest.mark.sdet("UTI-AVE-EDT-01")
def test_encrypted_edt_export_is_decrypted_with_the_partner_key():
    key = new_key()
    data = encrypt_export(sample("edt_clair_0000001B.xml"), key.public_key())
    parsed = importers.read("edt.xml", data, edt_key=key, edt_partner="ENT-TEST")
    assert parsed.uai == "0000001B"
    assert len(parsed.rows) == 4
    uncompressed = encrypt_export(
        sample("edt_clair_0000001B.xml"), key.public_key(), compress=False
    )
    assert len(importers.read("edt.xml", uncompressed, edt_key=key).rows) == 4


def test_encrypted_edt_export_is_refused_without_the_key_with_another_key_or_when_tampered():
    key = new_key()
    data = encrypt_export(sample("edt_clair_0000001B.xml"), key.public_key())
    assert "ENT_TIMETABLE_EDT_KEY_FILE" in refused("edt.xml", data)
    refused("edt.xml", data, edt_key=new_key())
    refused("edt.xml", data, edt_key=key, edt_partner="OTHER-ENT")
    tampered = encrypt_export(sample("edt_clair_0000001B.xml"), key.public_key(), tamper=True)
    refused("edt.xml", tampered, edt_key=key)


def test_the_partner_key_loads_from_pem_and_der(tmp_path):
    key = new_key()
    pem = tmp_path / "key.pem"
    pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    der = tmp_path / "key.der"
    der.write_bytes(
        key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    for path in (pem, der):
        loaded = index_education.load_private_key(str(path))
        assert loaded.private_numbers() == key.private_numbers()
