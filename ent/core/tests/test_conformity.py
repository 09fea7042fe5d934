"""Tests of the SDET requirement list and of the conformity pytest plugin."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from ent.core.sdet import Requirement, requirements

pytest_plugins = ["pytester"]

REPO_ROOT = Path(__file__).resolve().parents[3]
PLUGIN = "ent.core.testing.conformity"
ISOLATION = ("-p", "no:django", "-p", "no:cacheprovider", "--strict-markers")


def shared_sdet_dir() -> Path:
    """Return the folder of the SDET source tables shared with the other projects."""
    candidates = [Path("/work/shared/sdet"), REPO_ROOT / ".." / "shared" / "sdet"]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    pytest.fail(f"SDET source tables not found in {[str(path) for path in candidates]}")


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """Run pytest in-process with the conformity plugin."""
    return pytester.runpytest(*ISOLATION, "-p", PLUGIN, *args)


def mandatory_count() -> int:
    """Return how many requirements are required (E) in some degree."""
    return sum(requirement.is_mandatory for requirement in requirements().values())


def optional_count() -> int:
    """Return how many requirements are not required (E) in any degree."""
    return len(requirements()) - mandatory_count()


# The requirement list


def test_requirements_match_the_shared_sdet_tables() -> None:
    source: dict[str, tuple[str, str]] = {}
    for name in ("requirements-socle.tsv", "requirements-utilisateur.tsv"):
        with (shared_sdet_dir() / name).open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
                source[row["id"]] = (row["level_1er"], row["level_2nd"])
    loaded = requirements()
    assert len(source) > 300
    assert set(loaded) == set(source)
    assert {rid: (r.level_1d, r.level_2d) for rid, r in loaded.items()} == source


def test_requirements_have_short_summaries_and_known_levels() -> None:
    for requirement in requirements().values():
        assert requirement.summary.strip() == requirement.summary
        assert 10 < len(requirement.summary) <= 110, requirement.id
        assert requirement.level_1d in {"E", "R", "F", "-"}, requirement.id
        assert requirement.level_2d in {"E", "R", "F", "-"}, requirement.id


def test_requirements_are_cached() -> None:
    assert requirements() is requirements()


@pytest.mark.parametrize(
    ("requirement_id", "service"),
    [
        ("SOC-INT-IED-01", "SOC-INT-IED"),
        ("SOC-SEC-01", "SOC-SEC"),
        ("UTI-UTL-AID-00", "UTI-UTL-AID"),
    ],
)
def test_service_drops_the_trailing_number(requirement_id: str, service: str) -> None:
    assert requirements()[requirement_id].service == service


@pytest.mark.parametrize(
    ("levels", "mandatory"),
    [(("E", "E"), True), (("-", "E"), True), (("E", "-"), True), (("R", "F"), False)],
)
def test_is_mandatory_when_required_in_either_degree(
    levels: tuple[str, str], mandatory: bool
) -> None:
    assert Requirement("X-Y-Z-01", *levels, "summary").is_mandatory is mandatory


def test_one_degree_only_levels_are_kept_verbatim() -> None:
    assert requirements()["UTI-AVE-CDT-01"].level_2d == "-"
    assert requirements()["UTI-AVE-CDT-02"].level_1d == "-"


# The plugin


def test_passing_test_proves_its_requirements(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.sdet("SOC-INT-IED-01")
        def test_feed_protocol():
            pass
        """
    )
    result = run(pytester)
    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        [
            "*= SDET conformity =*",
            "SOC-INT-ASE  *0/4 E-level requirements proven",
            "    untested: SOC-INT-ASE-01, SOC-INT-ASE-02, SOC-INT-ASE-03, SOC-INT-ASE-04",
            "SOC-INT-IED  *1/2 E-level requirements proven",
            "    untested: SOC-INT-IED-02",
            f"E-level requirements with a passing test: 1/{mandatory_count()}",
            f"R/F-level requirements with a passing test: 0/{optional_count()}",
        ]
    )
    result.stdout.no_fnmatch_line("*failed: *")


def test_failing_test_marks_its_requirement_failed(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.sdet("SOC-INT-IED-01")
        def test_passes():
            pass

        @pytest.mark.sdet("SOC-INT-IED-01", "SOC-INT-IED-03")
        def test_fails():
            assert False
        """
    )
    result = run(pytester)
    result.assert_outcomes(passed=1, failed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "SOC-INT-IED  *0/2 E-level requirements proven",
            "    untested: SOC-INT-IED-02",
            "    failed: SOC-INT-IED-01",
            f"E-level requirements with a passing test: 0/{mandatory_count()} (1 failed)",
            f"R/F-level requirements with a passing test: 0/{optional_count()}",
            "    R/F-level failed: SOC-INT-IED-03",
        ]
    )


def test_unknown_id_fails_collection(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.sdet("SOC-INT-IED-01")
        def test_good():
            pass

        @pytest.mark.sdet("SOC-INT-IED-99")
        def test_typo():
            pass
        """
    )
    result = run(pytester)
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR collecting test_unknown_id_fails_collection.py*",
            "*test_typo: unknown SDET requirement id 'SOC-INT-IED-99'",
        ]
    )
    result.stdout.fnmatch_lines(
        [f"E-level requirements with a passing test: 0/{mandatory_count()}"]
    )


@pytest.mark.parametrize(
    ("mark", "problem"),
    [
        ("@pytest.mark.sdet", "sdet mark needs at least one requirement id"),
        ("@pytest.mark.sdet(1)", "sdet mark takes requirement ids as strings, got 1"),
        ("@pytest.mark.sdet(id='SOC-SEC-01')", "sdet mark takes no keyword arguments*"),
    ],
)
def test_malformed_mark_fails_collection(
    pytester: pytest.Pytester, mark: str, problem: str
) -> None:
    pytester.makepyfile(f"import pytest\n\n{mark}\ndef test_it():\n    pass\n")
    result = run(pytester)
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines([f"*test_it: {problem}"])


def test_skipped_and_xfailed_tests_prove_nothing(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.sdet("SOC-SEC-01")
        @pytest.mark.skip(reason="not yet")
        def test_skipped():
            pass

        @pytest.mark.sdet("SOC-SEC-02")
        def test_skipped_inside():
            pytest.skip("no backend")

        @pytest.mark.sdet("SOC-SEC-IAU-01")
        @pytest.mark.xfail(reason="known bug")
        def test_xfail():
            assert False

        @pytest.mark.sdet("SOC-SEC-IAU-02")
        @pytest.mark.xfail(reason="fixed?")
        def test_xpass():
            pass
        """
    )
    result = run(pytester)
    result.assert_outcomes(skipped=2, xfailed=1, xpassed=1)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        [
            "SOC-SEC  *0/2 E-level requirements proven",
            "    untested: SOC-SEC-01, SOC-SEC-02",
            f"E-level requirements with a passing test: 0/{mandatory_count()}",
        ]
    )
    result.stdout.no_fnmatch_line("*failed: *")


def test_skipped_test_does_not_hide_a_passing_one(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.sdet("SOC-SEC-01")
        def test_passes():
            pass

        @pytest.mark.sdet("SOC-SEC-01")
        def test_skipped():
            pytest.skip("postgres only")
        """
    )
    result = run(pytester)
    result.stdout.fnmatch_lines(["SOC-SEC  *1/2 E-level requirements proven"])


def test_setup_and_teardown_errors_fail_the_requirement(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.fixture
        def broken_setup():
            raise RuntimeError("setup")

        @pytest.fixture
        def broken_teardown():
            yield
            raise ValueError("teardown")

        @pytest.mark.sdet("SOC-SEC-01")
        def test_setup_error(broken_setup):
            pass

        @pytest.mark.sdet("SOC-SEC-02")
        def test_teardown_error(broken_teardown):
            pass
        """
    )
    result = run(pytester)
    result.assert_outcomes(passed=1, errors=2)
    result.stdout.fnmatch_lines(
        ["SOC-SEC  *0/2 E-level requirements proven", "    failed: SOC-SEC-01, SOC-SEC-02"]
    )


def test_marks_on_classes_and_modules_stack(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        pytestmark = pytest.mark.sdet("SOC-SEC-01")

        @pytest.mark.sdet("SOC-SEC-02")
        class TestAccess:
            @pytest.mark.sdet("SOC-SEC-IAU-04", "SOC-SEC-IAU-05")
            def test_logout(self):
                pass
        """
    )
    report = pytester.path / "sdet.json"
    run(pytester, f"--sdet-report={report}")
    data = json.loads(report.read_text(encoding="utf-8"))["requirements"]
    proven = {rid for rid, entry in data.items() if entry["status"] == "proven"}
    assert proven == {"SOC-SEC-01", "SOC-SEC-02", "SOC-SEC-IAU-04", "SOC-SEC-IAU-05"}


def test_json_report_has_every_requirement_with_its_status(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.sdet("SOC-INT-IED-01")
        def test_passes():
            pass

        @pytest.mark.sdet("SOC-INT-IED-02")
        def test_fails():
            assert False

        @pytest.mark.sdet("SOC-INT-IED-03")
        def test_skipped():
            pytest.skip("later")
        """
    )
    result = run(pytester, "--sdet-report=reports/sdet.json")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    report = pytester.path / "reports" / "sdet.json"
    result.stdout.fnmatch_lines([f"SDET report written to {report}"])
    document = json.loads(report.read_text(encoding="utf-8"))
    data = document["requirements"]
    assert set(data) == set(requirements())
    assert data["SOC-INT-IED-01"] == {
        "service": "SOC-INT-IED",
        "level_1d": "E",
        "level_2d": "E",
        "mandatory": True,
        "status": "proven",
        "tests": {
            "passed": ["test_json_report_has_every_requirement_with_its_status.py::test_passes"],
            "failed": [],
            "skipped": [],
        },
    }
    assert data["SOC-INT-IED-02"]["status"] == "failed"
    assert data["SOC-INT-IED-02"]["tests"]["failed"] == [
        "test_json_report_has_every_requirement_with_its_status.py::test_fails"
    ]
    assert data["SOC-INT-IED-03"]["status"] == "untested"
    assert data["SOC-INT-IED-03"]["tests"]["skipped"] == [
        "test_json_report_has_every_requirement_with_its_status.py::test_skipped"
    ]
    assert data["UTI-AVE-CDT-02"]["level_1d"] == "-"
    assert data["UTI-UTL-AID-02"]["status"] == "untested"
    assert data["UTI-UTL-AID-02"]["tests"] == {"passed": [], "failed": [], "skipped": []}
    assert document["totals"] == {
        "mandatory": mandatory_count(),
        "mandatory_proven": 1,
        "mandatory_failed": 1,
        "optional": optional_count(),
        "optional_proven": 0,
        "optional_failed": 0,
    }


def test_unwritable_report_path_does_not_change_the_exit_status(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile("def test_it():\n    pass\n")
    (pytester.path / "blocker").write_text("a file, not a folder", encoding="utf-8")
    result = run(pytester, "--sdet-report=blocker/sdet.json")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["could not write the SDET report to *"])


def test_collect_only_prints_no_summary(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        "import pytest\n\n@pytest.mark.sdet('SOC-SEC-01')\ndef test_it():\n    pass\n"
    )
    result = run(pytester, "--collect-only")
    result.stdout.no_fnmatch_line("*SDET conformity*")


def test_works_under_xdist(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", str(REPO_ROOT))
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE", raising=False)
    pytester.makepyfile(
        test_first="""
        import pytest

        @pytest.mark.sdet("SOC-INT-IED-01")
        @pytest.mark.parametrize("n", range(4))
        def test_passes(n):
            pass

        @pytest.mark.sdet("SOC-INT-IED-02")
        def test_fails():
            assert False
        """,
        test_second="""
        import pytest

        pytestmark = pytest.mark.sdet("SOC-SEC-01")

        def test_passes():
            pass

        @pytest.mark.sdet("SOC-SEC-02")
        def test_skipped():
            pytest.skip("later")
        """,
    )
    report = pytester.path / "sdet.json"
    result = pytester.runpytest_subprocess(
        "-n", "2", *ISOLATION, "-p", PLUGIN, f"--sdet-report={report}"
    )
    result.assert_outcomes(passed=5, failed=1, skipped=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "*2 workers*",
            "*= SDET conformity =*",
            "SOC-INT-IED  *1/2 E-level requirements proven",
            "    failed: SOC-INT-IED-02",
            "SOC-SEC  *1/2 E-level requirements proven",
            "    untested: SOC-SEC-02",
            f"E-level requirements with a passing test: 2/{mandatory_count()} (1 failed)",
        ]
    )
    # Only the controller prints the section.
    assert result.stdout.str().count("SDET conformity") == 1
    data = json.loads(report.read_text(encoding="utf-8"))["requirements"]
    statuses = {
        rid: entry["status"] for rid, entry in data.items() if entry["status"] != "untested"
    }
    assert statuses == {
        "SOC-INT-IED-01": "proven",
        "SOC-INT-IED-02": "failed",
        "SOC-SEC-01": "proven",
    }
    assert len(data["SOC-INT-IED-01"]["tests"]["passed"]) == 4
    assert data["SOC-SEC-02"]["tests"]["skipped"] == ["test_second.py::test_skipped"]
    assert sorted(data["SOC-SEC-01"]["tests"]["passed"]) == ["test_second.py::test_passes"]


def test_xdist_rejects_unknown_ids(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONPATH", str(REPO_ROOT))
    pytester.makepyfile(
        "import pytest\n\n@pytest.mark.sdet('SOC-NOPE-01')\ndef test_it():\n    pass\n"
    )
    result = pytester.runpytest_subprocess("-n", "2", *ISOLATION, "-p", PLUGIN)
    assert result.ret != pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*unknown SDET requirement id 'SOC-NOPE-01'*"])
