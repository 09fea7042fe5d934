"""Tests of the synthetic académie generator (AAF Complet and Delta feeds)."""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ent.directory.demo import AcademySummary, generate_academy
from ent.directory.validators import uai_problem

DAY = "20260901"
NEXT_DAY = "20260902"
PEOPLE = 2_500
CHILDREN_OF = {"2D": "ENTAuxPersRelEleveEleve", "1D": "ENTPersRelEleveEleve"}
LINKS_OF = {"2D": "ENTElevePersRelEleve", "1D": "ENTEleveAutoriteParentale"}
SHAPES = {
    "addRequest": ["operationalAttributes", "identifier", "attributes"],
    "modifyRequest": ["operationalAttributes", "identifier", "modifications"],
    "deleteRequest": ["operationalAttributes", "identifier"],
}
CATEGORY_OF_FILE = re.compile(r"^ENT_(Complet|Delta)_(\d{8})_([A-Za-z]+)_(\d{4})\.xml$")


@dataclass
class Record:
    operation: str
    key: str
    attrs: dict[str, list[str]]

    def first(self, name: str) -> str:
        return self.attrs[name][0]

    def values(self, name: str) -> list[str]:
        return [value for value in self.attrs.get(name, []) if value]


Feed = dict[str, list[Record]]


@dataclass
class Academy:
    root: Path
    summary: AcademySummary
    complete: dict[str, Feed]
    delta: dict[str, Feed]
    accounts: dict[str, Any]

    def account(self, profile: str, role_part: str) -> dict[str, str]:
        matches: list[dict[str, str]] = [
            a
            for a in self.accounts["accounts"]
            if a["profile"] == profile and role_part in a["role"]
        ]
        assert matches, f"no {profile} demo account whose role mentions {role_part!r}"
        return matches[0]


def parse_xml(data: bytes) -> ET.Element:
    """Parse with the stdlib parser: the input is this test's own output, not untrusted data."""
    parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("end",))
    parser.feed(data)
    parser.close()
    root = None
    for event in parser.read_events():
        if isinstance(event[-1], ET.Element):
            root = event[-1]
    if root is None:
        raise ValueError("empty document")
    return root


def read_feed(directory: Path) -> Feed:
    feed: Feed = {}
    for path in sorted(directory.glob("ENT_*.xml")):
        match = CATEGORY_OF_FILE.match(path.name)
        assert match, path.name
        records = feed.setdefault(match.group(3), [])
        for element in parse_xml(path.read_bytes()):
            key = element.findtext("identifier/id") or ""
            attrs: dict[str, list[str]] = {}
            for container in ("attributes/attr", "modifications/modification"):
                for attr in element.findall(container):
                    attrs[attr.get("name", "")] = [v.text or "" for v in attr.findall("value")]
            records.append(Record(element.tag, key, attrs))
    return feed


def build(root: Path, people: int, **options: Any) -> Academy:
    summary = generate_academy(root, people=people, **options)
    complete = {d: read_feed(root / f"ENT{d}.{DAY}.Complet") for d in ("2D", "1D")}
    delta = {d: read_feed(root / f"ENT{d}.{NEXT_DAY}.Delta") for d in ("2D", "1D")}
    accounts: dict[str, Any] = json.loads((root / "demo-accounts.json").read_text(encoding="utf-8"))
    return Academy(root, summary, complete, delta, accounts)


def by_key(records: list[Record]) -> dict[str, Record]:
    return {record.key: record for record in records}


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="module")
def academy(tmp_path_factory: pytest.TempPathFactory) -> Academy:
    return build(tmp_path_factory.mktemp("academy"), PEOPLE)


def check_feed_2d(feed: Feed) -> None:
    """Assert that everything a 2D feed references is defined in that feed."""
    schools = by_key(feed["EtabEducNat"])
    classes = {
        (k, v.split("$")[0]) for k, r in schools.items() for v in r.values("ENTStructureClasses")
    }
    groups = {
        (k, v.split("$")[0]) for k, r in schools.items() for v in r.values("ENTStructureGroupes")
    }
    subjects = {r.key for r in feed["MatiereEducNat"]}
    mefs = {r.key for r in feed["MefEducNat"]}
    guardians = by_key(feed["PersRelEleve"])
    pupils = by_key(feed["Eleve"])
    assert len(schools) == len(feed["EtabEducNat"])
    assert len(pupils) == len(feed["Eleve"])
    assert len(guardians) == len(feed["PersRelEleve"])
    children: dict[str, set[str]] = {}
    for pupil in pupils.values():
        school = pupil.first("ENTPersonStructRattach")
        assert school in schools
        assert re.fullmatch(r"\d{9}[A-Z]{2}", pupil.first("ENTEleveINE"))
        assert re.fullmatch(r"\d\d/\d\d/\d{4}", pupil.first("ENTPersonDateNaissance"))
        for value in pupil.values("ENTEleveClasses"):
            assert tuple(value.split("$")) in classes
            assert value.startswith(f"{school}$")
        for value in pupil.values("ENTEleveGroupes"):
            assert tuple(value.split("$")) in groups
        for value in pupil.values("ENTEleveDateEntreeClasses"):
            where, _, code = value.split("$")
            assert (where, code) in classes
        assert set(pupil.values("ENTEleveCodeEnseignements")) <= subjects
        assert len(pupil.values("ENTEleveEnseignements")) == len(
            pupil.values("ENTEleveCodeEnseignements")
        )
        assert pupil.first("ENTEleveMEF") in mefs
        for value in pupil.values("ENTElevePersRelEleve"):
            key, relation, *flags = value.split("$")
            assert key in guardians
            assert relation in {"10", "20", "50"}
            assert len(flags) == 4
            assert set(flags) <= {"0", "1"}
            children.setdefault(key, set()).add(pupil.key)
    for guardian in guardians.values():
        assert set(guardian.values("ENTAuxPersRelEleveEleve")) == children.get(guardian.key)
    for staff in feed["PersEducNat"]:
        assert staff.first("ENTPersonStructRattach") in schools
        for value in staff.values("ENTPersonFonctions"):
            fields = value.split("$")
            assert len(fields) == 5
            assert fields[0] in schools
            assert fields[1]
        for value in staff.values("ENTAuxEnsClassesMatieres"):
            school, code, subject = value.split("$")
            assert (school, code) in classes
            assert subject in subjects
        for value in staff.values("ENTAuxEnsGroupesMatieres"):
            school, code, subject = value.split("$")
            assert (school, code) in groups
            assert subject in subjects
        taught = {tuple(v.split("$")[:2]) for v in staff.values("ENTAuxEnsClassesMatieres")}
        for value in staff.values("ENTAuxEnsClassesPrincipal"):
            assert tuple(value.split("$")) in taught


def check_feed_1d(feed: Feed) -> None:
    """Assert that everything a 1D feed references is defined in that feed."""
    schools = by_key(feed["EtabEducNat"])
    guardians = by_key(feed["PersRelEleve"])
    pupils = by_key(feed["Eleve"])
    assert "MatiereEducNat" not in feed
    assert "MefEducNat" not in feed
    classes: set[tuple[str, str]] = set()
    children: dict[str, set[str]] = {}
    for pupil in pupils.values():
        school = pupil.first("ENTPersonStructRattach")
        assert school in schools
        for value in pupil.values("ENTPersonClasses"):
            where, blank1, blank2, code, label = value.split("$")
            assert where == school
            assert not blank1
            assert not blank2
            assert label
            assert pupil.first("ENTEleveNiveau") in code.split(" ")[0].split("-")
            classes.add((where, code))
        assert pupil.first("ENTEleveCycle") in {"1", "2", "3"}
        for value in pupil.values("ENTEleveAutoriteParentale"):
            key, relation, *flags = value.split("$")
            assert key in guardians
            assert relation in {"10", "20", "50"}
            assert len(flags) == 4
            children.setdefault(key, set()).add(pupil.key)
    for guardian in guardians.values():
        assert set(guardian.values("ENTPersRelEleveEleve")) == children.get(guardian.key)
    for staff in feed["PersEducNat"]:
        assert staff.first("ENTPersonStructRattach") in schools
        for value in staff.values("ENTPersonFonctions"):
            fields = value.split("$")
            assert len(fields) == 5
            assert fields[0] in schools
        for value in staff.values("ENTPersonClasses"):
            where, _, _, code, _ = value.split("$")
            assert (where, code) in classes
        assert set(staff.values("ENTEnsFonctionDir")) <= set(schools)
        assert staff.first("ENTPersonCategorieEnseignant") in {"true", "false"}


def test_same_seed_gives_identical_files_and_another_seed_different_ones(tmp_path: Path) -> None:
    generate_academy(tmp_path / "a", people=400, seed=7)
    generate_academy(tmp_path / "b", people=400, seed=7)
    generate_academy(tmp_path / "c", people=400, seed=8)
    first, second, other = (tree_bytes(tmp_path / name) for name in "abc")
    assert first == second
    assert first.keys() == other.keys()
    assert first != other


def test_every_file_follows_the_dtd_shape(academy: Academy) -> None:
    files = sorted(academy.root.glob("ENT*/ENT_*.xml"))
    assert len(files) >= 20
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
        assert '<!DOCTYPE ficAlimMENESR SYSTEM "ficAlimMENESR.dtd">' in text.splitlines()[1]
        root = parse_xml(text.encode())
        assert root.tag == "ficAlimMENESR"
        for request in root:
            assert [child.tag for child in request] == SHAPES[request.tag]
            operational = request.find("operationalAttributes")
            assert operational is not None
            assert len(operational) == 1
            assert [len(attr.findall("value")) for attr in operational] == [1]
            assert [child.tag for child in request.find("identifier") or []] == ["id"]
            for container in request.findall("attributes") + request.findall("modifications"):
                for item in container:
                    assert item.tag in {"attr", "modification"}
                    assert item.get("name")
                    assert item.findall("value")
                    assert len(item) == len(item.findall("value"))
                    if item.tag == "modification":
                        assert item.get("operation") == "replace"
    for folder in academy.root.glob("ENT*"):
        assert "<!ELEMENT ficAlimMENESR" in (folder / "ficAlimMENESR.dtd").read_text()
    assert not list(academy.root.rglob(".tmp-*"))


def test_file_names_follow_the_aaf_conventions(academy: Academy) -> None:
    folders = sorted(p.name for p in academy.root.iterdir() if p.is_dir())
    assert folders == [
        f"ENT1D.{DAY}.Complet", f"ENT1D.{NEXT_DAY}.Delta",
        f"ENT2D.{DAY}.Complet", f"ENT2D.{NEXT_DAY}.Delta",
    ]  # fmt: skip
    for folder in academy.root.glob("ENT*"):
        mode, day = folder.name.split(".")[2], folder.name.split(".")[1]
        for path in folder.glob("*.xml"):
            match = CATEGORY_OF_FILE.match(path.name)
            assert match
            assert match.group(1) == mode
            assert match.group(2) == day


def test_every_uai_is_valid_and_unique(academy: Academy) -> None:
    uais = [
        record.first("ENTStructureUAI")
        for feed in academy.complete.values()
        for record in feed["EtabEducNat"]
    ]
    assert uais
    assert all(uai_problem(uai) is None for uai in uais)
    assert all(uai[0] == "0" for uai in uais)
    assert len(set(uais)) == len(uais)


def test_every_reference_of_the_2d_feed_is_defined_in_it(academy: Academy) -> None:
    check_feed_2d(academy.complete["2D"])


def test_every_reference_of_the_1d_feed_is_defined_in_it(academy: Academy) -> None:
    check_feed_1d(academy.complete["1D"])


def test_smallest_academy_is_complete_and_consistent(tmp_path: Path) -> None:
    small = build(tmp_path, 60)
    check_feed_2d(small.complete["2D"])
    check_feed_1d(small.complete["1D"])
    assert 50 <= small.summary.people <= 70
    assert {a["profile"] for a in small.accounts["accounts"]} == {
        "ELV", "TUT", "ENS", "DOC", "DIR", "EVS", "ETA", "ACA",
    }  # fmt: skip


def test_joint_keys_are_unique_across_the_academy(academy: Academy) -> None:
    c = academy.complete
    keys = {
        kind: [r.key for d in ("2D", "1D") for r in c[d][kind]]
        for kind in ("Eleve", "PersEducNat", "EtabEducNat")
    }
    guardians = {r.key for d in ("2D", "1D") for r in c[d]["PersRelEleve"]}
    for kind, values in keys.items():
        assert len(values) == len(set(values)), kind
    persons = [*keys["Eleve"], *keys["PersEducNat"], *guardians]
    assert len(persons) == len(set(persons))
    assert all(int(key) >= 1_000_000 for key in persons)
    assert all(10_000 <= int(key) < 1_000_000 for key in keys["EtabEducNat"])


def test_guardians_shared_by_both_degrees_carry_the_same_data(academy: Academy) -> None:
    in_2d = by_key(academy.complete["2D"]["PersRelEleve"])
    in_1d = by_key(academy.complete["1D"]["PersRelEleve"])
    shared = set(in_2d) & set(in_1d)
    assert len(shared) >= 10
    for key in shared:
        a, b = in_2d[key], in_1d[key]
        assert (a.first("sn"), a.first("givenName"), a.first("personalTitle")) == (
            b.first("ENTPersonNom"), b.first("ENTPersonPrenom"), b.first("ENTPersonCivilite"),
        )  # fmt: skip
        assert a.first("mail") == b.first("ENTPersonMail")
        assert a.first("mobile") == b.first("ENTPersRelEleveTelMobile")
        for name in ("ENTPersonAdresse", "ENTPersonCodePostal", "ENTPersonVille"):
            assert a.first(name) == b.first(name)


def test_families_look_like_real_ones(academy: Academy) -> None:
    links = [r.values(LINKS_OF[d]) for d in ("2D", "1D") for r in academy.complete[d]["Eleve"]]
    two = sum(1 for guardians in links if len(guardians) == 2)
    assert two / len(links) > 0.5
    assert all(1 <= len(guardians) <= 2 for guardians in links)
    siblings = [
        r for d in ("2D", "1D") for r in academy.complete[d]["PersRelEleve"]
        if len(r.values(CHILDREN_OF[d])) > 1
    ]  # fmt: skip
    assert siblings
    names = {r.first("sn") for r in academy.complete["2D"]["PersRelEleve"]}
    assert any("'" in name for name in names)
    assert any(c in "ÉÈÊË" for n in names for c in n)
    raw = (academy.root / f"ENT2D.{DAY}.Complet").glob("*PersRelEleve*.xml")
    assert any("&apos;" in path.read_text(encoding="utf-8") for path in raw)


def test_counts_roughly_match_people(academy: Academy) -> None:
    s = academy.summary
    c = academy.complete
    pupils = sum(len(c[d]["Eleve"]) for d in ("2D", "1D"))
    guardians = len({r.key for d in ("2D", "1D") for r in c[d]["PersRelEleve"]})
    staff = sum(len(c[d]["PersEducNat"]) for d in ("2D", "1D"))
    assert (s.pupils, s.guardians, s.staff) == (pupils, guardians, staff)
    assert s.people == pupils + guardians + staff == sum(s.profiles.values())
    assert abs(s.people - PEOPLE) / PEOPLE < 0.03
    assert 0.38 < pupils / s.people < 0.52
    assert 0.38 < guardians / s.people < 0.56
    assert s.profiles["ELV"] == pupils
    assert s.profiles["TUT"] == guardians
    for degree in ("2D", "1D"):
        assert s.records[f"ENT{degree}"] == {k: len(v) for k, v in c[degree].items()}
    assert all(path.exists() for path in s.paths)
    assert s.accounts.exists()


def test_structures_include_a_cite_scolaire_an_rpi_and_the_rectorat(academy: Academy) -> None:
    schools_2d = by_key(academy.complete["2D"]["EtabEducNat"])
    kinds = [r.first("ENTStructureTypeStruct") for r in schools_2d.values()]
    assert {"COLLEGE", "LYCEE GENERAL ET TECHNOLOGIQUE", "SERVICE ACADEMIQUE"} <= set(kinds)
    leads = [r for r in schools_2d.values() if r.values("ENTEtablissementStructRattachFctl")]
    assert len(leads) == 1
    assert leads[0].first("ENTStructureTypeStruct") == "COLLEGE"
    lycee = schools_2d[leads[0].first("ENTEtablissementStructRattachFctl")]
    assert lycee.first("ENTStructureTypeStruct").startswith("LYCEE")
    rectorat = next(
        r for r in schools_2d.values() if "SERVICE" in r.first("ENTStructureTypeStruct")
    )
    assert not rectorat.values("ENTStructureClasses")
    assert all(
        p.first("ENTPersonStructRattach") != rectorat.key for p in academy.complete["2D"]["Eleve"]
    )
    schools_1d = academy.complete["1D"]["EtabEducNat"]
    rpis = [r.first("ENTEcoleRPI") for r in schools_1d if r.values("ENTEcoleRPI")]
    assert len(rpis) == 2
    assert len(set(rpis)) == 1
    for feed in academy.complete.values():
        assert {r.first("ENTServAcAcademie") for r in feed["EtabEducNat"]} == {"DEMO"}


def test_classes_and_groups_use_french_codes(academy: Academy) -> None:
    schools = academy.complete["2D"]["EtabEducNat"]
    classes = {v.split("$")[0] for r in schools for v in r.values("ENTStructureClasses")}
    groups = {v.split("$")[0] for r in schools for v in r.values("ENTStructureGroupes")}
    assert {"6A", "3A", "2NDE1", "1G1", "TG1"} <= classes
    assert any(re.fullmatch(r"[21T]P[A-Z]+\d?", code) for code in classes)
    assert any(re.fullmatch(r"[543]LV2ESP\d?", g) for g in groups)
    assert any(g.startswith("TSPE-MATHS") for g in groups)
    assert any("LAT" in g for g in groups)
    classes_1d = {
        v.split("$")[3]
        for r in academy.complete["1D"]["Eleve"]
        for v in r.values("ENTPersonClasses")
    }
    assert any("-" in code for code in classes_1d)
    assert {code.split(" ")[0] for code in classes_1d} & {"CP", "CM2", "CE1-CE2", "CM1-CM2"}
    sizes: dict[str, int] = {}
    for pupil in academy.complete["2D"]["Eleve"]:
        sizes[pupil.first("ENTEleveClasses")] = sizes.get(pupil.first("ENTEleveClasses"), 0) + 1
    assert 18 <= sum(sizes.values()) / len(sizes) <= 32


def test_staff_have_the_expected_functions(academy: Academy) -> None:
    staff_2d = academy.complete["2D"]["PersEducNat"]
    codes = {v.split("$")[1] for r in staff_2d for v in r.values("ENTPersonFonctions")}
    assert {"DIR", "EDU", "AED", "DOC", "ADF", "ENS", "INS"} <= codes
    teachers = [r for r in staff_2d if r.values("ENTAuxEnsClassesMatieres")]
    loads = [len(r.values("ENTAuxEnsClassesMatieres")) for r in teachers]
    assert max(loads) <= 12
    assert sum(loads) / len(loads) >= 2
    multi = [
        r for r in teachers if len({v.split("$")[0] for v in r.values("ENTPersonFonctions")}) > 1
    ]
    assert 0 < len(multi) / len(teachers) < 0.15
    principals = [v for r in staff_2d for v in r.values("ENTAuxEnsClassesPrincipal")]
    classes = [
        v for r in academy.complete["2D"]["EtabEducNat"] for v in r.values("ENTStructureClasses")
    ]
    assert len(principals) == len(set(principals)) == len(classes)
    staff_1d = academy.complete["1D"]["PersEducNat"]
    codes_1d = {v.split("$")[1] for r in staff_1d for v in r.values("ENTPersonFonctions")}
    assert codes_1d == {"DIR", "ENS", "AES"}
    directors = [r for r in staff_1d if r.values("ENTEnsFonctionDir")]
    assert len(directors) == len(academy.complete["1D"]["EtabEducNat"])
    for director in directors:
        functions = {v.split("$")[1] for v in director.values("ENTPersonFonctions")}
        assert functions == {"DIR", "ENS"}
    assert any(len(r.values("ENTPersonClasses")) == 2 for r in staff_1d)
    mails = [r.first("mail") for r in staff_2d] + [r.first("ENTPersonMail") for r in staff_1d]
    assert len(set(mails)) == len(mails)
    assert all(re.fullmatch(r"[a-z.\-]+\d*@ac-demo\.fr", mail) for mail in mails)


def test_demo_accounts_exist_with_the_stated_properties(academy: Academy) -> None:
    c = academy.complete
    pupils = {d: by_key(c[d]["Eleve"]) for d in ("2D", "1D")}
    staff = {d: by_key(c[d]["PersEducNat"]) for d in ("2D", "1D")}
    schools = {d: by_key(c[d]["EtabEducNat"]) for d in ("2D", "1D")}
    uai_of = {k: r.first("ENTStructureUAI") for d in ("2D", "1D") for k, r in schools[d].items()}
    accounts = academy.accounts["accounts"]
    assert {a["profile"] for a in accounts} == {
        "ELV",
        "TUT",
        "ENS",
        "DOC",
        "DIR",
        "EVS",
        "ETA",
        "ACA",
    }
    for account in accounts:
        assert set(account) >= {"key", "profile", "role", "school_uai"}
        assert account["school_uai"] in uai_of.values()

    pupil_2d = pupils["2D"][academy.account("ELV", "collège")["key"]]
    code_2d = pupil_2d.first("ENTEleveClasses").split("$")[1]
    assert code_2d == "3A"
    pupil_1d = pupils["1D"][academy.account("ELV", "école")["key"]]

    parent = academy.account("TUT", "école and a collège")["key"]
    assert parent in by_key(c["2D"]["PersRelEleve"])
    assert parent in by_key(c["1D"]["PersRelEleve"])
    assert any(v.startswith(f"{parent}$") for v in pupil_2d.values("ENTElevePersRelEleve"))
    assert any(v.startswith(f"{parent}$") for v in pupil_1d.values("ENTEleveAutoriteParentale"))

    principal = staff["2D"][academy.account("ENS", "professeur principal")["key"]]
    assert pupil_2d.first("ENTEleveClasses") in principal.values("ENTAuxEnsClassesPrincipal")

    multi = staff["2D"][academy.account("ENS", "two schools")["key"]]
    places = {v.split("$")[0] for v in multi.values("ENTPersonFonctions")}
    assert len(places) == 2
    assert {v.split("$")[0] for v in multi.values("ENTAuxEnsClassesMatieres")} == places
    kinds = {schools["2D"][k].first("ENTStructureTypeStruct") for k in places}
    assert "COLLEGE" in kinds
    assert any(kind.startswith("LYCEE") for kind in kinds)

    multi_1d = staff["1D"][academy.account("ENS", "two écoles")["key"]]
    assert len({v.split("$")[0] for v in multi_1d.values("ENTPersonClasses")}) == 2
    assert len({v.split("$")[0] for v in multi_1d.values("ENTPersonFonctions")}) == 2
    plain_1d = staff["1D"][academy.account("ENS", "professeur des écoles in")["key"]]
    assert plain_1d.values("ENTPersonClasses")

    def functions(record: Record) -> set[str]:
        return {v.split("$")[1] for v in record.values("ENTPersonFonctions")}

    head = staff["2D"][academy.account("DIR", "head of school")["key"]]
    assert functions(head) == {"DIR"}
    assert (
        schools["2D"][head.first("ENTPersonStructRattach")].first("ENTStructureTypeStruct")
        == "COLLEGE"
    )
    director = staff["1D"][academy.account("DIR", "école director")["key"]]
    assert functions(director) == {"DIR", "ENS"}
    assert director.values("ENTEnsFonctionDir")
    assert functions(staff["2D"][academy.account("EVS", "CPE")["key"]]) == {"EDU"}
    assert functions(staff["2D"][academy.account("DOC", "documentaliste")["key"]]) == {"DOC"}
    assert functions(staff["2D"][academy.account("ETA", "secretary")["key"]]) == {"ADF"}
    assert functions(staff["1D"][academy.account("EVS", "ATSEM")["key"]]) == {"AES"}
    inspector = staff["2D"][academy.account("ACA", "inspector")["key"]]
    assert functions(inspector) == {"INS"}
    rectorat = schools["2D"][inspector.first("ENTPersonStructRattach")]
    assert rectorat.first("ENTStructureTypeStruct") == "SERVICE ACADEMIQUE"


def test_chunks_hold_at_most_chunk_size_records(tmp_path: Path) -> None:
    summary = generate_academy(tmp_path, people=400, chunk_size=30)
    folder = tmp_path / f"ENT2D.{DAY}.Complet"
    chunks = sorted(folder.glob("ENT_Complet_*_Eleve_*.xml"))
    pupils = summary.records["ENT2D"]["Eleve"]
    assert len(chunks) == math.ceil(pupils / 30) > 1
    assert [p.name[-8:-4] for p in chunks] == [f"{i:04d}" for i in range(len(chunks))]
    sizes = [len(parse_xml(p.read_bytes())) for p in chunks]
    assert sum(sizes) == pupils
    assert max(sizes) == 30
    # A rerun with bigger chunks leaves no stale chunk behind.
    generate_academy(tmp_path, people=400)
    assert [p.name for p in folder.glob("ENT_Complet_*_Eleve_*.xml")] == [
        f"ENT_Complet_{DAY}_Eleve_0000.xml"
    ]


def test_delta_adds_modifies_and_deletes(academy: Academy) -> None:
    for degree in ("2D", "1D"):
        delta, complete = academy.delta[degree], academy.complete[degree]
        operations = {r.operation for records in delta.values() for r in records}
        assert operations == {"addRequest", "modifyRequest", "deleteRequest"}
        known = {r.key for records in complete.values() for r in records}
        guardians = {r.key for r in complete["PersRelEleve"]}
        added = {r.key for r in delta["PersRelEleve"] if r.operation == "addRequest"}
        for record in delta["Eleve"]:
            if record.operation == "addRequest":
                assert record.key not in known
                for value in record.values(LINKS_OF[degree]):
                    assert value.split("$")[0] in guardians | added
            else:
                assert record.key in known
        for record in delta["PersRelEleve"] + delta["PersEducNat"]:
            if record.operation != "addRequest":
                assert record.key in known
        relocated = [
            r for r in delta["PersRelEleve"]
            if r.operation == "modifyRequest" and "ENTPersonAdresse" in r.attrs
        ]  # fmt: skip
        assert relocated
        gained = [r for r in delta["PersEducNat"] if r.operation == "modifyRequest"]
        assert gained
        # Summary counts match the files.
        counts = {"add": 0, "modify": 0, "delete": 0}
        for records in delta.values():
            for record in records:
                counts[record.operation.removesuffix("Request")] += 1
        assert academy.summary.delta[f"ENT{degree}"] == counts
    total = sum(sum(c.values()) for c in academy.summary.delta.values())
    assert 0.004 * PEOPLE < total < 0.03 * PEOPLE


def test_delta_demo_keys_show_each_kind_of_change(academy: Academy) -> None:
    keys = academy.accounts["delta"]
    added, moved, deleted = keys["added_pupil"], keys["moved_pupil"], keys["deleted_pupil"]
    degree = moved["degree"]
    delta = by_key(academy.delta[added["degree"]]["Eleve"])
    assert delta[added["key"]].operation == "addRequest"
    assert added["key"] not in by_key(academy.complete[added["degree"]]["Eleve"])

    before = by_key(academy.complete[degree]["Eleve"])[moved["key"]]
    change = by_key(academy.delta[degree]["Eleve"])[moved["key"]]
    assert change.operation == "modifyRequest"
    name = "ENTEleveClasses" if degree == "2D" else "ENTPersonClasses"
    assert before.first(name).split("$")[-1 if degree == "2D" else 3] == moved["from_class"]
    assert change.first(name).split("$")[-1 if degree == "2D" else 3] == moved["to_class"]
    assert moved["from_class"] != moved["to_class"]

    gone = by_key(academy.delta[deleted["degree"]]["Eleve"])[deleted["key"]]
    assert gone.operation == "deleteRequest"
    assert not gone.attrs
    was = by_key(academy.complete[deleted["degree"]]["Eleve"])[deleted["key"]]
    links = was.values(LINKS_OF[deleted["degree"]])
    guardians = by_key(academy.complete[deleted["degree"]]["PersRelEleve"])
    delta_guardians = by_key(academy.delta[deleted["degree"]]["PersRelEleve"])
    for link in links:
        guardian = link.split("$")[0]
        others = set(guardians[guardian].values(CHILDREN_OF[deleted["degree"]])) - {deleted["key"]}
        expected = "modifyRequest" if others else "deleteRequest"
        assert delta_guardians[guardian].operation == expected


def test_progress_reports_people_written(tmp_path: Path) -> None:
    seen: list[int] = []
    summary = generate_academy(tmp_path, people=2_100, progress=seen.append)
    assert seen == sorted(seen)
    assert seen[-1] == summary.people
    assert len(seen) >= 2


def test_too_small_an_academy_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least 60"):
        generate_academy(tmp_path, people=59)


def test_twenty_thousand_people_give_matching_counts(tmp_path: Path) -> None:
    summary = generate_academy(tmp_path, people=20_000)
    assert abs(summary.people - 20_000) / 20_000 < 0.02
    assert summary.records["ENT2D"]["Eleve"] + summary.records["ENT1D"]["Eleve"] == summary.pupils
    assert summary.profiles["ACA"] == 10
    assert summary.schools["1D"] > 30
    assert summary.schools["2D"] >= 6
