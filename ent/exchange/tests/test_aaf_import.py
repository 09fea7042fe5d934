"""The AAF feed, end to end: files in, directory out, through the three stages."""

from __future__ import annotations

import io
import json
import shutil
import tarfile
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from ent.audit.models import AuditEvent
from ent.directory import actions as directory_actions
from ent.directory.actions import purge_departed_accounts
from ent.directory.models import (
    Enrolment,
    ExternalId,
    Guardianship,
    HeadTeacher,
    Membership,
    School,
    Source,
    TeachingAssignment,
    User,
)
from ent.directory.queries import directory_stats
from ent.exchange.actions import RunError, import_feed, replay_run, resume_run
from ent.exchange.models import FeedLot, FeedRun, LotStatus, QuarantineStatus, RunStatus

pytestmark = pytest.mark.django_db(transaction=True)

HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE ficAlimMENESR SYSTEM "ficAlimMENESR.dtd">\n'
)


def person(key: str) -> User:
    return ExternalId.objects.get(source=Source.AAF, value=key).person


def accounts(academy: Path) -> dict:
    return json.loads((academy / "demo-accounts.json").read_text(encoding="utf-8"))


def folder(academy: Path, pattern: str) -> Path:
    return next(academy.glob(pattern))


def write_feed(tmp_path: Path, name: str, files: dict[str, str]) -> Path:
    target = tmp_path / name
    target.mkdir()
    for file_name, text in files.items():
        (target / file_name).write_text(text, encoding="utf-8")
    return target


def school_xml(key: str, uai: str, name: str = "COLLEGE TEST", kind: str = "COLLEGE") -> str:
    return (
        '<addRequest><operationalAttributes><attr name="categorieStructure"><value>EtabEducNat'
        f"</value></attr></operationalAttributes><identifier><id>{key}</id></identifier><attributes>"
        f'<attr name="ENTStructureJointure"><value>{key}</value></attr>'
        f'<attr name="ENTStructureUAI"><value>{uai}</value></attr>'
        f'<attr name="ENTStructureNomCourant"><value>{name}</value></attr>'
        f'<attr name="ENTStructureTypeStruct"><value>{kind}</value></attr>'
        "</attributes></addRequest>"
    )


def pupil_xml(
    key: str,
    school: str,
    last: str = "MARTIN",
    first: str = "Léa",
    *,
    born: str = "01/02/2012",
    classes: str = "3A",
    guardians: str = "",
) -> str:
    links = "".join(f"<value>{g}$10$1$1$1$1</value>" for g in guardians.split()) or "<value/>"
    return (
        '<addRequest><operationalAttributes><attr name="categoriePersonne"><value>Eleve</value>'
        f"</attr></operationalAttributes><identifier><id>{key}</id></identifier><attributes>"
        f'<attr name="ENTPersonJointure"><value>{key}</value></attr>'
        f'<attr name="sn"><value>{last}</value></attr>'
        f'<attr name="givenName"><value>{first}</value></attr>'
        f'<attr name="ENTPersonDateNaissance"><value>{born}</value></attr>'
        f'<attr name="ENTPersonStructRattach"><value>{school}</value></attr>'
        f'<attr name="ENTEleveClasses"><value>{school}${classes}</value></attr>'
        f'<attr name="ENTElevePersRelEleve">{links}</attr>'
        "</attributes></addRequest>"
    )


def feed_file(*records: str) -> str:
    return HEADER + "<ficAlimMENESR>" + "".join(records) + "</ficAlimMENESR>\n"


# ---------------------------------------------------------------------------------------------
# The public samples


@pytest.mark.sdet("SOC-INT-IED-01")
def test_public_samples_import_with_the_pupils_guardianship_links(shared_samples, tmp_path):
    feed = tmp_path / "samples"
    shutil.copytree(shared_samples, feed)
    run = import_feed(actor=None, path=feed)
    school = School.objects.get(joint_key="1")
    assert school.uai == "0000000V"
    assert school.city == "DOUAI"
    # The sample's UAI has a wrong check letter: kept, and said.
    assert any("check letter V is wrong, A expected" in w for w in run.report["warnings"])
    pupil = person("2000000")
    assert (pupil.first_name, pupil.last_name, pupil.ine) == ("Prenom", "NOM", "100000000AA")
    assert pupil.birth_date.isoformat() == "2000-01-01"
    links = {link.guardian_key: link for link in Guardianship.objects.filter(pupil=pupil)}
    assert set(links) == {"2000000", "3000000"}
    assert links["2000000"].relationship == "10"
    assert links["2000000"].has_legal_authority
    assert links["2000000"].is_financial
    assert links["3000000"].relationship == "20"
    assert links["3000000"].has_legal_authority
    assert not links["3000000"].is_financial
    assert not links["3000000"].is_contact
    # The sample pupil points at structures 1000 and 3000, absent from the samples: the pupil
    # is kept, and the record waits in quarantine for a replay once they arrive.
    entry = run.quarantine.get()
    assert entry.kind == "PARTIAL"
    assert "1000" in entry.reason
    assert "3000" in entry.reason
    assert run.status == RunStatus.DONE_WITH_ERRORS


# ---------------------------------------------------------------------------------------------
# Complet, both degrees


@pytest.mark.sdet("SOC-INT-IED-01", "SOC-SEC-IAU-01", "SOC-SEC-IAU-02")
def test_complet_import_builds_the_directory_of_both_degrees(academy):
    runs = [import_feed(actor=None, path=path) for path in sorted(academy.glob("ENT*D.*.Complet"))]
    assert [run.status for run in runs] == [RunStatus.DONE, RunStatus.DONE]
    cast = {row["role"]: row for row in accounts(academy)["accounts"]}
    parent_row = next(row for row in cast.values() if row["profile"] == "TUT")
    parent = person(parent_row["key"])
    schools = {
        m.school.degree for m in parent.memberships.filter(profile="TUT").select_related("school")
    }
    assert schools == {1, 2}, "a parent of an écolier and a collégien belongs to both schools"
    children = Guardianship.objects.filter(guardian=parent).count()
    assert children >= 2
    multi = next(row for key, row in cast.items() if "two schools" in key)
    assert (
        person(multi["key"]).memberships.filter(profile="ENS").values("school").distinct().count()
        == 2
    )
    head_teacher = next(row for key, row in cast.items() if "professeur principal" in key)
    assert HeadTeacher.objects.filter(teacher=person(head_teacher["key"])).exists()
    director = next(
        row for row in cast.values() if row["profile"] == "DIR" and row["degree"] == "1D"
    )
    profiles = set(person(director["key"]).memberships.values_list("profile", flat=True))
    assert {"DIR", "ENS"} <= profiles
    inspector = next(row for row in cast.values() if row["profile"] == "ACA")
    assert set(person(inspector["key"]).memberships.values_list("profile", flat=True)) == {"ACA"}
    cite = School.objects.exclude(lead_school=None).get()
    assert cite.lead_school.kind == "LYCEE"
    # Identity: an immutable UUID, a unique prénom.nom login, the AAF key kept per source.
    pupil = person(cast[next(k for k in cast if k.startswith("pupil in 3A"))]["key"])
    assert pupil.uuid
    assert "." in pupil.login
    assert pupil.login == pupil.login.lower()
    assert pupil.external_ids.get().source == Source.AAF
    assert User.objects.values("login").distinct().count() == User.objects.count()
    stats = directory_stats()
    assert stats["people"]["ELV"] > 100
    assert stats["people"]["TUT"] > 100
    assert stats["schools"] == School.objects.count()


@pytest.mark.sdet("SOC-INT-IED-02")
def test_reimporting_the_same_files_changes_nothing(academy):
    path = folder(academy, "ENT2D.*.Complet")
    import_feed(actor=None, path=path)
    before = (
        User.objects.count(),
        Membership.objects.count(),
        Enrolment.objects.count(),
        Guardianship.objects.count(),
        TeachingAssignment.objects.count(),
    )
    uuids = dict(User.objects.values_list("login", "uuid"))
    events = AuditEvent.objects.count()
    with pytest.raises(RunError, match=r"already imported by run \d+ \(.*\): nothing to do"):
        import_feed(actor=None, path=path)
    again = import_feed(actor=None, path=path, force=True)
    assert all(set(counts) <= {"UNCHANGED"} for counts in again.plan.values()), again.plan
    assert not again.lots.exists()
    after = (
        User.objects.count(),
        Membership.objects.count(),
        Enrolment.objects.count(),
        Guardianship.objects.count(),
        TeachingAssignment.objects.count(),
    )
    assert after == before
    assert dict(User.objects.values_list("login", "uuid")) == uuids
    # Only the run's own start and finish are audited: no directory change happened.
    assert set(AuditEvent.objects.all()[events:].values_list("action", flat=True)) <= {
        "exchange.run.start",
        "exchange.run.finish",
    }


def test_login_collisions_get_a_suffix(tmp_path):
    feed = write_feed(
        tmp_path,
        "ENT2D.Complet",
        {
            "ENT_Complet_20260901_EtabEducNat_0000.xml": feed_file(school_xml("10", "0000001B")),
            "ENT_Complet_20260901_Eleve_0000.xml": feed_file(
                pupil_xml("1", "10", "DUPONT", "Zoé"),
                pupil_xml("2", "10", "DUPONT", "Zoé"),
                pupil_xml("3", "10", "Dupont", "Zoe"),
            ),
        },
    )
    import_feed(actor=None, path=feed)
    assert sorted(User.objects.values_list("login", flat=True)) == [
        "zoe.dupont",
        "zoe.dupont2",
        "zoe.dupont3",
    ]


# ---------------------------------------------------------------------------------------------
# Delta


@pytest.mark.sdet("SOC-INT-IED-01")
def test_delta_adds_modifies_and_deletes(academy):
    import_feed(actor=None, path=folder(academy, "ENT2D.*.Complet"))
    delta = accounts(academy)["delta"]
    moved = person(delta["moved_pupil"]["key"])
    assert (
        moved.enrolments.get(school_class__isnull=False).school_class.code
        == delta["moved_pupil"]["from_class"]
    )
    run = import_feed(actor=None, path=folder(academy, "ENT2D.*.Delta"))
    assert run.mode == "DELTA"
    assert run.status == RunStatus.DONE
    assert person(delta["added_pupil"]["key"]).is_active
    moved.refresh_from_db()
    assert (
        moved.enrolments.get(school_class__isnull=False).school_class.code
        == delta["moved_pupil"]["to_class"]
    )
    gone = person(delta["deleted_pupil"]["key"])
    assert not gone.is_active
    assert gone.deactivated_at is not None
    assert AuditEvent.objects.filter(
        action="directory.person.deactivate", target_id=str(gone.pk)
    ).exists()


def test_a_delta_modify_of_an_unknown_person_is_quarantined(tmp_path):
    modify = (
        '<modifyRequest><operationalAttributes><attr name="categoriePersonne"><value>Eleve</value>'
        "</attr></operationalAttributes><identifier><id>999</id></identifier><modifications>"
        '<modification name="sn" operation="replace"><value>X</value></modification>'
        "</modifications></modifyRequest>"
    )
    feed = write_feed(tmp_path, "d", {"ENT_Delta_20260902_Eleve_0000.xml": feed_file(modify)})
    run = import_feed(actor=None, path=feed)
    assert "unknown" in run.quarantine.get().reason


# ---------------------------------------------------------------------------------------------
# Lots, interruption, quarantine and replay


@pytest.mark.sdet("SOC-INT-IED-03")
def test_an_interrupted_run_resumes_where_it_stopped(academy, settings, monkeypatch):
    settings.AAF_LOT_SIZE = 50
    path = folder(academy, "ENT2D.*.Complet")
    real = directory_actions.apply_feed_records
    calls = {"n": 0}

    def crash_on_fifth_lot(**kwargs):
        calls["n"] += 1
        if calls["n"] == 5:
            raise KeyboardInterrupt  # the process is killed in the middle of a lot
        return real(**kwargs)

    monkeypatch.setattr("ent.exchange.actions.apply_feed_records", crash_on_fifth_lot)
    with pytest.raises(KeyboardInterrupt):
        import_feed(actor=None, path=path)
    run = FeedRun.objects.get()
    assert run.status == RunStatus.APPLYING
    assert run.lots.filter(status=LotStatus.DONE).count() == 4
    people_after_crash = User.objects.count()
    monkeypatch.setattr("ent.exchange.actions.apply_feed_records", real)
    # Importing the same files again takes the unfinished run up where it stopped.
    resumed = import_feed(actor=None, path=path)
    assert resumed.pk == run.pk
    assert resumed.status == RunStatus.DONE
    assert User.objects.count() > people_after_crash
    assert not resumed.lots.exclude(status=LotStatus.DONE).exists()
    assert ExternalId.objects.filter(source=Source.AAF).count() == User.objects.count()


@pytest.mark.sdet("SOC-INT-IED-02")
def test_failed_lot_is_retried_then_only_the_bad_record_is_quarantined(
    academy, settings, monkeypatch
):
    settings.AAF_LOT_SIZE = 40
    real = directory_actions.apply_feed_records
    state = {"poison": None}

    def fail_on_one_record(**kwargs):
        items = kwargs["items"]
        if kwargs["kind"] == "pupil" and state["poison"] is None:
            state["poison"] = items[3].key
        if any(item.key == state["poison"] for item in items):
            from django.db import DatabaseError

            raise DatabaseError("disk I/O error")
        return real(**kwargs)

    monkeypatch.setattr("ent.exchange.actions.apply_feed_records", fail_on_one_record)
    run = import_feed(actor=None, path=folder(academy, "ENT2D.*.Complet"))
    assert run.status == RunStatus.DONE_WITH_ERRORS
    entry = run.quarantine.get()
    assert entry.key == state["poison"]
    assert "disk I/O error" in entry.reason
    assert not ExternalId.objects.filter(value=state["poison"]).exists()
    lot = FeedLot.objects.get(
        run=run, first_seq__lte=entry.index + 1000000, kind="pupil", attempts__gt=1
    )
    assert lot.attempts == settings.AAF_LOT_RETRIES
    assert lot.status == LotStatus.DONE
    # Once the cause is gone, a replay applies the record.
    monkeypatch.setattr("ent.exchange.actions.apply_feed_records", real)
    call_command("aaf", "replay", str(run.pk), stdout=io.StringIO())
    entry.refresh_from_db()
    run.refresh_from_db()
    assert entry.status == QuarantineStatus.RESOLVED
    assert person(state["poison"]).is_active
    assert run.status == RunStatus.DONE


@pytest.mark.sdet("SOC-INT-IED-02")
def test_pupil_of_an_unknown_school_waits_in_quarantine_until_replay(tmp_path):
    pupils = write_feed(
        tmp_path,
        "p",
        {
            "ENT_Complet_20260901_Eleve_0000.xml": feed_file(pupil_xml("1", "77", guardians="501")),
        },
    )
    run = import_feed(actor=None, path=pupils)
    entry = run.quarantine.get()
    assert "77" in entry.reason
    assert entry.kind == "PARTIAL"
    assert not person("1").memberships.exists()
    assert Guardianship.objects.pending().filter(guardian_key="501").exists()
    assert run.report["warnings"][-1:] == [
        "ENT_Complet_20260901_Eleve_0000.xml, record 1 (1): guardian 501 is not in the "
        "directory; the link waits for their record."
    ]
    schools = write_feed(
        tmp_path,
        "s",
        {
            "ENT_Complet_20260901_EtabEducNat_0000.xml": feed_file(school_xml("77", "0000001B")),
        },
    )
    import_feed(actor=None, path=schools)
    replay_run(actor=None, run=run)
    entry.refresh_from_db()
    assert entry.status == QuarantineStatus.RESOLVED
    assert person("1").memberships.get().school.joint_key == "77"
    assert person("1").enrolments.get().school_class.code == "3A"


def test_resume_and_replay_refuse_what_makes_no_sense(tmp_path):
    feed = write_feed(
        tmp_path,
        "s",
        {
            "ENT_Complet_20260901_EtabEducNat_0000.xml": feed_file(school_xml("77", "0000001B")),
        },
    )
    run = import_feed(actor=None, path=feed)
    with pytest.raises(RunError, match="nothing to resume"):
        resume_run(actor=None, run=run)
    with pytest.raises(CommandError, match="no run 999"):
        call_command("aaf", "resume", "999")


# ---------------------------------------------------------------------------------------------
# Disappearance, deactivation, purge


@pytest.mark.sdet("SOC-SUP-ABO-01")
def test_person_missing_from_complet_is_deactivated_then_purged_after_90_days(tmp_path, client):
    school = school_xml("10", "0000001B")
    first = write_feed(
        tmp_path,
        "day1",
        {
            "ENT_Complet_20260901_EtabEducNat_0000.xml": feed_file(school),
            "ENT_Complet_20260901_Eleve_0000.xml": feed_file(
                pupil_xml("1", "10", "PETIT", "Tom"), pupil_xml("2", "10", "GRAND", "Léa")
            ),
        },
    )
    import_feed(actor=None, path=first)
    tom = person("1")
    tom.set_password("Tom-Passw0rd!")
    tom.save()
    assert client.login(username=tom.login, password="Tom-Passw0rd!")
    client.logout()
    second = write_feed(
        tmp_path,
        "day2",
        {
            "ENT_Complet_20260902_EtabEducNat_0000.xml": feed_file(school),
            "ENT_Complet_20260902_Eleve_0000.xml": feed_file(pupil_xml("2", "10", "GRAND", "Léa")),
        },
    )
    dry = import_feed(actor=None, path=second, dry_run=True)
    assert dry.plan["pupil"]["DISAPPEAR"] == 1
    run = import_feed(actor=None, path=second)
    tom.refresh_from_db()
    assert not tom.is_active
    assert tom.deactivated_at is not None
    assert not client.login(username=tom.login, password="Tom-Passw0rd!"), "login refused at once"
    assert run.report["finish"]["deactivated"] == 1
    assert person("2").is_active
    with time_machine.travel(timezone.now() + timedelta(days=89)):
        assert purge_departed_accounts(actor=None) == 0
    with time_machine.travel(timezone.now() + timedelta(days=91)):
        assert purge_departed_accounts(actor=None) == 1
    tom.refresh_from_db()
    assert tom.purged_at is not None
    assert (tom.first_name, tom.last_name, tom.birth_date, tom.ine) == ("", "", None, "")
    assert not tom.memberships.exists()
    assert not tom.external_ids.exists()
    assert not Enrolment.objects.filter(pupil=tom).exists()
    assert AuditEvent.objects.filter(
        action="directory.person.purge", target_id=str(tom.pk)
    ).exists()


@pytest.mark.sdet("SOC-SUP-ABO-01")
def test_year_rollover_purges_retained_accounts_deactivated_over_three_months(cast):
    now = timezone.now()
    cast.teacher.is_active = False
    cast.teacher.is_retained = True
    cast.teacher.deactivated_at = now - timedelta(days=100)
    cast.teacher.save()
    cast.head.is_active = False
    cast.head.is_retained = True
    cast.head.deactivated_at = now - timedelta(days=30)
    cast.head.save()
    assert purge_departed_accounts(actor=None) == 0, "retained accounts wait for the rollover"
    out = io.StringIO()
    call_command("directory", "purge", "--rollover", stdout=out)
    assert "1 account(s) purged" in out.getvalue()
    cast.teacher.refresh_from_db()
    cast.head.refresh_from_db()
    assert cast.teacher.purged_at is not None
    assert cast.head.purged_at is None


def test_a_person_back_in_the_feed_is_reactivated(tmp_path):
    school = school_xml("10", "0000001B")
    files = {
        "ENT_Complet_20260901_EtabEducNat_0000.xml": feed_file(school),
        "ENT_Complet_20260901_Eleve_0000.xml": feed_file(pupil_xml("1", "10")),
    }
    full = write_feed(tmp_path, "a", files)
    import_feed(actor=None, path=full)
    empty = write_feed(
        tmp_path,
        "b",
        {
            "ENT_Complet_20260902_EtabEducNat_0000.xml": feed_file(school),
            "ENT_Complet_20260902_Eleve_0000.xml": feed_file(),
        },
    )
    import_feed(actor=None, path=empty)
    assert not person("1").is_active
    import_feed(actor=None, path=write_feed(tmp_path, "c", files), force=True)
    assert person("1").is_active
    assert AuditEvent.objects.filter(action="directory.person.reactivate").count() == 1


# ---------------------------------------------------------------------------------------------
# Bad input: a clear message naming the file, the record and the reason; nothing half-applied.


def test_truncated_file_stops_the_run_before_anything_is_applied(academy, tmp_path):
    feed = tmp_path / "trunc"
    shutil.copytree(folder(academy, "ENT2D.*.Complet"), feed)
    victim = next(feed.glob("*_Eleve_0000.xml"))
    text = victim.read_bytes()
    victim.write_bytes(text[: len(text) // 2])
    with pytest.raises(RunError, match=r"_Eleve_0000\.xml: malformed XML at line \d+.*truncated"):
        import_feed(actor=None, path=feed)
    assert not User.objects.exists()
    assert not School.objects.exists()
    assert FeedRun.objects.get().status == RunStatus.FAILED


def test_wrong_encoding_is_named(tmp_path):
    feed = tmp_path / "enc"
    feed.mkdir()
    (feed / "ENT_Complet_20260901_EtabEducNat_0000.xml").write_bytes(
        feed_file(school_xml("10", "0000001B", "COLLÈGE"))
        .replace("COLLÈGE", "COLL\xc8GE")
        .encode("latin-1")
    )
    with pytest.raises(RunError, match=r"byte \d+ is not valid utf-8"):
        import_feed(actor=None, path=feed)
    assert not School.objects.exists()


def test_latin9_html_entities_and_no_declaration_are_read(tmp_path):
    feed = tmp_path / "ok"
    feed.mkdir()
    latin = (
        '<?xml version="1.0" encoding="ISO-8859-15"?>\n<ficAlimMENESR>'
        + school_xml("10", "0000001B", "COLLÈGE L&apos;ÉTÉ &eacute;t&eacute; &amp; co")
        + "</ficAlimMENESR>"
    )
    (feed / "ENT_Complet_20260901_EtabEducNat_0000.xml").write_bytes(latin.encode("iso-8859-15"))
    (feed / "ENT_Complet_20260901_Eleve_0000.xml").write_text(
        "<ficAlimMENESR>"
        + pupil_xml("1", "10", "D&eacute;cembre", "No&euml;l")
        + "</ficAlimMENESR>",
        encoding="utf-8",
    )
    run = import_feed(actor=None, path=feed)
    assert School.objects.get().name == "COLLÈGE L'ÉTÉ été & co"
    assert (person("1").last_name, person("1").first_name) == ("Décembre", "Noël")
    assert run.status == RunStatus.DONE


def test_entity_declarations_are_refused(tmp_path):
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE ficAlimMENESR [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c SYSTEM "file:///etc/passwd">]>'
        "<ficAlimMENESR>" + school_xml("10", "0000001B", "&b;&c;") + "</ficAlimMENESR>"
    )
    feed = tmp_path / "bomb"
    feed.mkdir()
    (feed / "ENT_Complet_20260901_EtabEducNat_0000.xml").write_text(bomb)
    with pytest.raises(RunError, match="declares XML entities"):
        import_feed(actor=None, path=feed)
    assert not School.objects.exists()


def test_archive_with_unexpected_files_is_refused(tmp_path, academy):
    archive = tmp_path / "ENT2D.20260901.zip"
    source = folder(academy, "ENT2D.*.Complet")
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in source.iterdir():
            zipped.write(path, path.name)
        zipped.writestr("run-me.sh", "rm -rf /")
    with pytest.raises(RunError, match=r"unexpected files in the export \(run-me\.sh\)"):
        import_feed(actor=None, path=archive)
    assert not User.objects.exists()


def test_tar_gz_and_zip_archives_import(tmp_path, academy):
    source = folder(academy, "ENT1D.*.Complet")
    tarball = tmp_path / "ENT1D.20260901.tar.gz"
    with tarfile.open(tarball, "w:gz") as tar:
        for path in source.iterdir():
            tar.add(path, path.name)
    run = import_feed(actor=None, path=tarball)
    assert run.status == RunStatus.DONE
    assert User.objects.exists()
    count = User.objects.count()
    zipped = tmp_path / "ENT1D.20260901.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        for path in source.iterdir():
            archive.write(path, path.name)
    again = import_feed(actor=None, path=zipped, force=True)
    assert User.objects.count() == count
    assert "CREATE" not in again.plan.get("pupil", {})


@pytest.mark.sdet("SOC-INT-IED-02")
def test_bad_records_are_quarantined_and_the_rest_applies(tmp_path):
    feed = write_feed(
        tmp_path,
        "bad",
        {
            "ENT_Complet_20260901_EtabEducNat_0000.xml": feed_file(
                school_xml("10", "0000001B"), school_xml("11", "12AB")
            ),
            "ENT_Complet_20260901_Eleve_0000.xml": feed_file(
                pupil_xml("1", "10"),
                pupil_xml("2", "10", born="31/02/2012"),
                pupil_xml("3", "10", last=""),
            ),
        },
    )
    run = import_feed(actor=None, path=feed)
    reasons = {entry.key: entry.reason for entry in run.quarantine.all()}
    assert "not seven digits and a letter" in reasons["11"]
    assert "'31/02/2012' is not a date" in reasons["2"]
    assert "missing last_name" in reasons["3"]
    assert all(entry.file.endswith(".xml") and entry.index for entry in run.quarantine.all())
    assert list(ExternalId.objects.values_list("value", flat=True)) == ["1"]
    out = io.StringIO()
    call_command("aaf", "show", str(run.pk), "--json", stdout=out)
    shown = json.loads(out.getvalue())
    assert len(shown["quarantine"]) == 3
    assert shown["plan"]["pupil"]["REJECTED"] == 2


def test_unknown_attributes_are_logged_and_skipped(tmp_path):
    record = school_xml("10", "0000001B").replace(
        "</attributes>", '<attr name="ENTStructureNouveau"><value>x</value></attr></attributes>'
    )
    feed = write_feed(
        tmp_path, "u", {"ENT_Complet_20260901_EtabEducNat_0000.xml": feed_file(record)}
    )
    run = import_feed(actor=None, path=feed)
    assert run.report["unknown_attributes"] == {"school.ENTStructureNouveau": 1}
    assert School.objects.get().uai == "0000001B"


def test_uai_already_used_by_another_structure_is_refused(tmp_path):
    feed = write_feed(
        tmp_path,
        "dup",
        {
            "ENT_Complet_20260901_EtabEducNat_0000.xml": feed_file(
                school_xml("10", "0000001B"), school_xml("11", "0000001B")
            )
        },
    )
    run = import_feed(actor=None, path=feed)
    assert "already belongs to structure 10" in run.quarantine.get().reason


# ---------------------------------------------------------------------------------------------
# Command line and audit


@pytest.mark.sdet("SOC-INT-IED-01")
def test_command_line_dry_run_prints_the_plan_and_changes_nothing(academy):
    out = io.StringIO()
    call_command("aaf", "import", str(folder(academy, "ENT1D.*.Complet")), "--dry-run", stdout=out)
    text = out.getvalue()
    run = FeedRun.objects.get()
    assert run.status == RunStatus.PLANNED
    assert f"Run {run.pk} (COMPLET)" in text
    for column in ("create", "update", "unchanged", "disappear", "rejected"):
        assert column in text
    assert "pupil" in text
    assert not User.objects.exists()
    with pytest.raises(CommandError, match="no such file"):
        call_command("aaf", "import", "/nonexistent/feed")


def test_directory_stats_command_prints_json_counts(academy):
    import_feed(actor=None, path=folder(academy, "ENT2D.*.Complet"))
    out = io.StringIO()
    call_command("directory", "stats", "--json", stdout=out)
    stats = json.loads(out.getvalue())
    assert set(stats) == {"schools", "people", "guardianships", "classes", "groups"}
    assert set(stats["people"]) == {
        "ELV",
        "TUT",
        "ENS",
        "DOC",
        "DIR",
        "EVS",
        "ETA",
        "ACA",
        "COL",
        "GST",
    }
    assert (
        stats["people"]["ELV"] == User.objects.filter(memberships__profile="ELV").distinct().count()
    )


@pytest.mark.sdet("SOC-SEC-APS-03")
def test_every_directory_change_is_audited_with_its_run(academy):
    run = import_feed(actor=None, path=folder(academy, "ENT2D.*.Complet"))
    created = AuditEvent.objects.filter(action="directory.person.create", run_id=run.pk)
    assert created.count() == User.objects.count()
    event = created.first()
    assert event.actor is None
    assert event.actor_label == f"platform (run {run.pk})"
    assert (
        AuditEvent.objects.filter(action="directory.school.create", run_id=run.pk).count()
        == School.objects.count()
    )
    delta = import_feed(actor=None, path=folder(academy, "ENT2D.*.Delta"))
    updated = AuditEvent.objects.filter(action="directory.person.update", run_id=delta.pk).first()
    assert updated is not None
    assert updated.data["fields"]


@pytest.mark.sdet("SOC-INT-IED-01")
def test_first_degree_delta_moves_a_pupil_between_classes(academy):
    import_feed(actor=None, path=folder(academy, "ENT1D.*.Complet"))
    run = import_feed(actor=None, path=folder(academy, "ENT1D.*.Delta"))
    assert run.status == RunStatus.DONE
    assert run.plan["pupil"]["CREATE"] >= 1
    assert run.plan["pupil"]["DELETE"] >= 1
    changed = AuditEvent.objects.filter(action="directory.person.update", run_id=run.pk)
    assert changed.exists()
    schools = School.objects.filter(degree=1)
    assert schools.exclude(rpi="").count() == 2, "the two écoles of the RPI share their RPI code"
    assert (
        not Membership.objects.filter(school__in=schools, person__is_active=False)
        .filter(profile="TUT", person__wards__isnull=True)
        .exists()
    )


@pytest.mark.sdet("SOC-INT-IED-02")
def test_operators_replay_a_run_from_the_admin(tmp_path, client):
    pupils = write_feed(
        tmp_path,
        "p",
        {
            "ENT_Complet_20260901_Eleve_0000.xml": feed_file(pupil_xml("1", "77")),
        },
    )
    run = import_feed(actor=None, path=pupils)
    import_feed(
        actor=None,
        path=write_feed(
            tmp_path,
            "s",
            {
                "ENT_Complet_20260901_EtabEducNat_0000.xml": feed_file(
                    school_xml("77", "0000003D")
                ),
            },
        ),
    )
    operator = User.objects.create_superuser("operator", "Op-Passw0rd!")
    client.force_login(operator)
    from django.urls import reverse

    changelist = reverse("admin:exchange_feedrun_changelist")
    assert client.get(changelist).status_code == 200
    response = client.post(
        changelist, {"action": "replay", "_selected_action": [run.pk]}, follow=True
    )
    assert response.status_code == 200
    run.refresh_from_db()
    assert run.status == RunStatus.DONE
    assert run.quarantine.get().status == QuarantineStatus.RESOLVED
    assert AuditEvent.objects.filter(action="exchange.run.replay", actor=operator).exists()


def modify_xml(key: str, category: str, **attributes: list[str]) -> str:
    changes = "".join(
        f'<modification name="{name}" operation="replace">'
        + ("".join(f"<value>{value}</value>" for value in values) or "<value/>")
        + "</modification>"
        for name, values in attributes.items()
    )
    return (
        f'<modifyRequest><operationalAttributes><attr name="categoriePersonne"><value>{category}'
        f"</value></attr></operationalAttributes><identifier><id>{key}</id></identifier>"
        f"<modifications>{changes}</modifications></modifyRequest>"
    )


def test_a_modify_replaces_only_the_attributes_it_carries(tmp_path):
    complet = write_feed(
        tmp_path,
        "c",
        {
            "ENT_Complet_20260901_EtabEducNat_0000.xml": feed_file(school_xml("10", "0000001B")),
            "ENT_Complet_20260901_Eleve_0000.xml": feed_file(pupil_xml("1", "10", guardians="501")),
        },
    )
    import_feed(actor=None, path=complet)
    delta = write_feed(
        tmp_path,
        "d",
        {
            "ENT_Delta_20260902_Eleve_0000.xml": feed_file(
                modify_xml("1", "Eleve", ENTEleveGroupes=["10$3LAT"], sn=[], ENTPersonVille=[])
            )
        },
    )
    run = import_feed(actor=None, path=delta)
    assert run.status == RunStatus.DONE
    pupil = person("1")
    assert pupil.last_name == "MARTIN", "an empty sn in a modify leaves the name unchanged"
    assert pupil.memberships.get().school.joint_key == "10"
    assert set(pupil.enrolments.values_list("school_class__code", "teaching_group__code")) == {
        ("3A", None),
        (None, "3LAT"),
    }
    assert Guardianship.objects.filter(pupil=pupil, guardian_key="501").exists()
    # The next Complet, identical to the state the Delta led to, is unchanged but for the group.
    again = import_feed(actor=None, path=complet, force=True)
    assert again.plan["pupil"] == {"UPDATE": 1}


def test_a_staff_modify_keeps_the_profiles_it_does_not_mention(tmp_path):
    staff = (
        '<addRequest><operationalAttributes><attr name="categoriePersonne"><value>PersEducNat'
        "</value></attr></operationalAttributes><identifier><id>9</id></identifier><attributes>"
        '<attr name="ENTPersonJointure"><value>9</value></attr>'
        '<attr name="sn"><value>ROUX</value></attr><attr name="givenName"><value>Ana</value></attr>'
        '<attr name="ENTPersonFonctions"><value>10$DIR$DIRECTION$-$-</value>'
        "<value>10$ENS$ENSEIGNEMENT$L1300$MATHEMATIQUES</value></attr>"
        '<attr name="ENTAuxEnsClassesMatieres"><value>10$3A$061300</value></attr>'
        "</attributes></addRequest>"
    )
    import_feed(
        actor=None,
        path=write_feed(
            tmp_path,
            "c",
            {
                "ENT_Complet_20260901_EtabEducNat_0000.xml": feed_file(
                    school_xml("10", "0000001B")
                ),
                "ENT_Complet_20260901_PersEducNat_0000.xml": feed_file(staff),
            },
        ),
    )
    import_feed(
        actor=None,
        path=write_feed(
            tmp_path,
            "d",
            {
                "ENT_Delta_20260902_PersEducNat_0000.xml": feed_file(
                    modify_xml(
                        "9",
                        "PersEducNat",
                        ENTAuxEnsClassesMatieres=["10$3A$061300", "10$3B$061300"],
                    )
                )
            },
        ),
    )
    ana = person("9")
    assert set(ana.memberships.values_list("profile", flat=True)) == {"DIR", "ENS"}
    assert set(ana.assignments.values_list("school_class__code", flat=True)) == {"3A", "3B"}


def test_replaying_an_old_complet_after_a_delta_removes_nobody(tmp_path):
    complet = write_feed(
        tmp_path,
        "c",
        {
            "ENT_Complet_20260901_EtabEducNat_0000.xml": feed_file(school_xml("10", "0000001B")),
            "ENT_Complet_20260901_Eleve_0000.xml": feed_file(
                pupil_xml("1", "10"), pupil_xml("2", "88")
            ),
        },
    )
    first = import_feed(actor=None, path=complet)
    assert first.quarantine.open().count() == 1
    import_feed(
        actor=None,
        path=write_feed(
            tmp_path,
            "d",
            {
                "ENT_Delta_20260902_Eleve_0000.xml": feed_file(pupil_xml("3", "10", "NEUF", "Ana")),
            },
        ),
    )
    replayed = replay_run(actor=None, run=first)
    assert replayed.report["replay"]["seen"] == 0
    assert User.objects.filter(is_active=True).count() == 3


def test_a_rejected_record_does_not_make_its_person_disappear(tmp_path):
    school = school_xml("10", "0000001B")
    import_feed(
        actor=None,
        path=write_feed(
            tmp_path,
            "a",
            {
                "ENT_Complet_20260901_EtabEducNat_0000.xml": feed_file(school),
                "ENT_Complet_20260901_Eleve_0000.xml": feed_file(pupil_xml("1", "10")),
            },
        ),
    )
    run = import_feed(
        actor=None,
        path=write_feed(
            tmp_path,
            "b",
            {
                "ENT_Complet_20260902_EtabEducNat_0000.xml": feed_file(school),
                "ENT_Complet_20260902_Eleve_0000.xml": feed_file(
                    pupil_xml("1", "10", born="99/99/2012")
                ),
            },
        ),
    )
    assert "DISAPPEAR" not in run.plan.get("pupil", {})
    assert person("1").is_active
    assert "is not a date" in run.quarantine.get().reason


def test_a_dry_run_cannot_be_replayed_or_resumed(tmp_path):
    feed = write_feed(
        tmp_path,
        "a",
        {"ENT_Complet_20260901_EtabEducNat_0000.xml": feed_file(school_xml("10", "0000001B"))},
    )
    dry = import_feed(actor=None, path=feed, dry_run=True)
    with pytest.raises(RunError, match="dry run"):
        replay_run(actor=None, run=dry)
    with pytest.raises(RunError, match="dry run"):
        resume_run(actor=None, run=dry)
    assert not School.objects.exists()


def test_a_parent_in_both_degrees_keeps_each_feeds_details_and_reimports_unchanged(academy):
    complets = sorted(academy.glob("ENT*D.*.Complet"))
    for path in complets:
        import_feed(actor=None, path=path)
    parent_row = next(row for row in accounts(academy)["accounts"] if row["profile"] == "TUT")
    parent = person(parent_row["key"])
    # Only the 2nd-degree feed carries the country: the 1st-degree import does not blank it.
    assert parent.country == "FRANCE"
    assert Guardianship.objects.filter(guardian=parent).count() >= 2
    for path in complets:
        again = import_feed(actor=None, path=path, force=True)
        assert all(set(counts) <= {"UNCHANGED"} for counts in again.plan.values()), str(again.plan)


def test_a_request_without_identifier_is_quarantined_with_its_place(tmp_path):
    broken = school_xml("10", "0000001B").replace("<id>10</id>", "<id></id>")
    feed = write_feed(
        tmp_path,
        "x",
        {
            "ENT_Complet_20260901_EtabEducNat_0000.xml": feed_file(
                school_xml("11", "0000002C"), broken
            )
        },
    )
    run = import_feed(actor=None, path=feed)
    entry = run.quarantine.get()
    assert (entry.file, entry.index) == ("ENT_Complet_20260901_EtabEducNat_0000.xml", 2)
    assert "the identifier is empty" in entry.reason
    assert School.objects.get().joint_key == "11"
