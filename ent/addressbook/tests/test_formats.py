"""vCard and LDIF, read and written by hand: escaping, folding, and refusals (UTI-IDO-CAD-05)."""

from __future__ import annotations

import base64

import pytest
from django.utils.translation import override

from ent.addressbook.ldif import attribute_line, write_entries
from ent.addressbook.vcard import (
    Card,
    VCardError,
    escape,
    fold,
    parse_cards,
    unescape,
    write_cards,
)

pytestmark = pytest.mark.sdet("UTI-IDO-CAD-05")


def test_text_values_escape_backslash_comma_semicolon_and_newlines():
    assert escape("a\\b, c; d\ne\r\nf") == "a\\\\b\\, c\\; d\\ne\\nf"


def test_long_lines_fold_at_75_octets_without_splitting_a_character():
    line = "NOTE:" + "é" * 100
    folded = fold(line)
    parts = folded.split("\r\n")
    assert all(len(part.encode("utf-8")) <= 75 for part in parts)
    assert all(part.startswith(" ") for part in parts[1:])
    assert "".join([parts[0], *(part[1:] for part in parts[1:])]) == line


def test_a_written_card_reads_back_the_same():
    card = Card(
        full_name="Agnès Dupont",
        last_name="Dupont",
        first_name="Agnès",
        organisation="Collège X; site B",
        title="Professeure, principale",
        emails=(("work", "agnes@example.org"),),
        phones=(("work", "01 23 45 67 89"), ("cell", "06 00 00 00 00")),
        address="1 rue de l'École\n75000 Paris",
        note="Réunion: mardi\\jeudi, " + "très long " * 20,
        uid="urn:uuid:1234",
    )
    text = write_cards([card])
    assert text.startswith("BEGIN:VCARD\r\nVERSION:4.0\r\n")
    assert "ORG:Collège X\\; site B\r\n" in text
    assert "TITLE:Professeure\\, principale\r\n" in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    (back,) = parse_cards(text)
    assert back.full_name == card.full_name
    assert (back.last_name, back.first_name) == ("Dupont", "Agnès")
    assert back.organisation == "Collège X; site B"
    assert back.title == card.title
    assert back.emails == (("work", "agnes@example.org"),)
    assert back.phones == card.phones
    assert back.address == card.address
    assert back.note == card.note.strip()


def test_a_minimal_card_writes_only_what_it_has_and_odd_escapes_survive():
    text = write_cards([Card(full_name="Anne", birth_date="2010-04-12")])
    assert "ORG" not in text
    assert "TITLE" not in text
    assert "BDAY:20100412\r\n" in text
    assert unescape("a\\qb\\") == "aqb\\"
    (card,) = parse_cards("BEGIN:VCARD\nVERSION:4.0\nFN:Anne\nBDAY:20100412\nEND:VCARD")
    assert card.birth_date == "20100412"


def test_vcard_3_with_groups_types_quoted_parameters_and_folded_lines_is_read():
    text = (
        "BEGIN:VCARD\nVERSION:3.0\nN:Petit;Paul;;M.;\nFN:Paul Petit\n"
        "item1.EMAIL;TYPE=INTERNET,HOME:paul@example.org\n"
        'TEL;TYPE="cell,voice":06 11 22 33 44\n'
        "TEL;HOME:01 02 03 04 05\n"
        "ADR;TYPE=home:;;12 rue des Lilas;Lyon;;69000;France\n"
        "NOTE:ligne un\\nligne\n  deux\nPHOTO;ENCODING=b;TYPE=JPEG:AAAA\nEND:VCARD\n"
    )
    (card,) = parse_cards(text)
    assert card.emails == (("home", "paul@example.org"),)
    assert card.phones == (("cell", "06 11 22 33 44"), ("home", "01 02 03 04 05"))
    assert card.address == "12 rue des Lilas, Lyon, 69000, France"
    assert card.note == "ligne un\nligne deux"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no card"),
        ("VERSION:4.0\r\n", "Line 1"),
        ("BEGIN:VCARD\r\nVERSION:4.0\r\nFN:A\r\n", "END:VCARD"),
        ("BEGIN:VCARD\r\nVERSION:4.0\r\nFN:A\r\nBEGIN:VCARD\r\n", "Line 4"),
        ("BEGIN:VCARD\r\nVERSION:4.0\r\nthis is not a property\r\nEND:VCARD\r\n", "Line 3"),
        ("BEGIN:VCARD\r\nVERSION:2.1\r\nFN:A\r\nEND:VCARD\r\n", "2.1"),
        ("BEGIN:VCARD\r\nFN:A\r\nEND:VCARD\r\n", "Card 1"),
        ("BEGIN:VCARD\r\nVERSION:4.0\r\nEMAIL:a@b.c\r\nEND:VCARD\r\n", "Card 1"),
        (
            "BEGIN:VCARD\r\nVERSION:3.0\r\nFN;ENCODING=QUOTED-PRINTABLE:=C3=A9\r\nEND:VCARD\r\n",
            "quoted-printable",
        ),
    ],
)
def test_a_malformed_file_is_refused_with_a_message_saying_where(text, message):
    with override("en"), pytest.raises(VCardError) as error:
        parse_cards(text)
    assert message in str(error.value)


def test_ldif_writes_safe_values_plainly_and_others_in_base64_folded_at_76():
    assert attribute_line("sn", "Dupont") == "sn: Dupont"
    encoded = attribute_line("cn", "Agnès Dupont")
    assert encoded.startswith("cn:: ")
    assert base64.b64decode(encoded[5:]).decode() == "Agnès Dupont"
    for risky in (" leading", ":colon", "<less", "trailing "):
        assert attribute_line("description", risky).startswith("description:: ")
    long = attribute_line("description", "x" * 200)
    lines = long.split("\n")
    assert all(len(line) <= 76 for line in lines)
    assert "".join([lines[0], *(line[1:] for line in lines[1:])]) == "description: " + "x" * 200
    text = write_entries([("uid=1,ou=people,o=X", [("cn", "A"), ("mail", "")])])
    assert text.startswith("version: 1\n\ndn: uid=1,ou=people,o=X\nobjectClass: top\n")
    assert "mail" not in text
