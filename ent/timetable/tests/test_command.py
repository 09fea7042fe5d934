"""`ent timetable import`: the operator's way in, through the same action."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from ent.timetable.models import Import, ImportStatus, Lesson

from .conftest import SAMPLES


def test_the_command_imports_then_finds_nothing_to_change(tt, before_term, capsys):
    path = SAMPLES / "emp_sts_0000001B_2026.xml"
    call_command("timetable", "import", "0000001B", str(path), "--kind", "sts")
    out = capsys.readouterr().out
    assert "16 created" in out
    assert "9Z" in out
    call_command("timetable", "import", "0000001b", str(path))
    assert "nothing changed" in capsys.readouterr().out
    assert Import.objects.filter(imported_by=None).count() == 2


def test_a_dry_run_saves_nothing(tt, before_term, capsys):
    call_command(
        "timetable",
        "import",
        "0000001B",
        str(SAMPLES / "classe_3A.ics"),
        "--target",
        "class:3A",
        "--dry-run",
    )
    assert "dry run: 7 created" in capsys.readouterr().out
    assert Lesson.objects.count() == 0
    assert Import.objects.count() == 0


def test_refusals_end_with_an_error(tt, before_term):
    with pytest.raises(CommandError, match="emp_sts"):
        call_command("timetable", "import", "0000001B", str(SAMPLES / "sts_emp_0000001B_2026.xml"))
    assert Import.objects.get().status == ImportStatus.FAILED
    with pytest.raises(CommandError):
        call_command("timetable", "import", "9999999Z", str(SAMPLES / "classe_3A.ics"))
    with pytest.raises(CommandError):
        call_command(
            "timetable",
            "import",
            "0000001B",
            str(SAMPLES / "classe_3A.ics"),
            "--target",
            "class:9Z",
        )
    with pytest.raises(CommandError):
        call_command("timetable", "import", "0000001B", str(SAMPLES / "missing.xml"))
    assert Lesson.objects.count() == 0
