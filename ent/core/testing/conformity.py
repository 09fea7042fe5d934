"""Pytest plugin that ends every test run with a summary of the SDET requirements it proves.

A test proves requirements by carrying ``@pytest.mark.sdet("SOC-INT-IED-01", ...)`` (on the
function, its class or its module). Unknown ids fail collection. Each item copies its ids
into ``item.user_properties`` as ``("sdet", id)`` pairs: pytest copies them into every test
report, and pytest-xdist sends those reports from the workers to the controller, which is
the only process that records outcomes, prints the summary and writes the JSON report.

A requirement is "proven" when at least one test carrying it passed and none failed (in
setup, call or teardown), "failed" when one of its tests failed, and "untested" otherwise.
Skipped, xfailed and xpassed tests prove nothing. The plugin never changes the exit status.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Generator, Iterable
from pathlib import Path
from typing import Literal

import pytest

from ent.core.sdet import Requirement, requirements

__all__ = ["ConformityRecorder"]

MARKER = "sdet"
PROPERTY = "sdet"
PLUGIN_NAME = "sdet-conformity-recorder"
WRAP_WIDTH = 100

Outcome = Literal["passed", "failed", "skipped"]
Status = Literal["proven", "failed", "untested"]
_SUFFIXES = ("", "_proven", "_failed")


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add the --sdet-report option."""
    group = parser.getgroup("sdet", "SDET conformity")
    group.addoption(
        "--sdet-report",
        metavar="PATH",
        default=None,
        help="write the SDET conformity of this run as JSON to PATH",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register the sdet marker and, outside xdist workers, the outcome recorder."""
    config.addinivalue_line(
        "markers",
        f"{MARKER}(*ids): the test proves the given SDET requirements "
        "(ids of ent/core/sdet/requirements.tsv)",
    )
    if not hasattr(config, "workerinput") and not config.pluginmanager.has_plugin(PLUGIN_NAME):
        config.pluginmanager.register(ConformityRecorder(config), PLUGIN_NAME)


def marked_ids(item: pytest.Item) -> tuple[list[str], list[str]]:
    """Return the requirement ids an item carries and the problems found in its sdet marks."""
    known = requirements()
    ids: list[str] = []
    problems: list[str] = []
    for mark in item.iter_markers(MARKER):
        if mark.kwargs:
            problems.append(f"sdet mark takes no keyword arguments, got {sorted(mark.kwargs)}")
        if not mark.args:
            problems.append("sdet mark needs at least one requirement id")
        for value in mark.args:
            if not isinstance(value, str):
                problems.append(f"sdet mark takes requirement ids as strings, got {value!r}")
            elif value not in known:
                problems.append(f"unknown SDET requirement id {value!r}")
            elif value not in ids:
                ids.append(value)
    return ids, problems


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(
    collector: pytest.Collector,
) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
    """Turn the collection of a node into an error when one of its tests has a bad sdet mark."""
    report = yield
    if not report.passed:
        return report
    errors: list[str] = []
    for node in report.result:
        if isinstance(node, pytest.Item):
            _, problems = marked_ids(node)
            errors.extend(f"{node.nodeid}: {problem}" for problem in problems)
    if errors:
        known = "ent/core/sdet/requirements.tsv"
        report.outcome = "failed"
        report.longrepr = "\n".join([*errors, f"(known SDET requirement ids are in {known})"])
        report.result = []
    return report


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Copy the sdet ids of every item into its user_properties, so reports carry them."""
    for item in items:
        ids, _ = marked_ids(item)
        for requirement_id in ids:
            if (PROPERTY, requirement_id) not in item.user_properties:
                item.user_properties.append((PROPERTY, requirement_id))


def report_ids(report: pytest.TestReport) -> list[str]:
    """Return the requirement ids carried by a test report."""
    return [str(value) for name, value in report.user_properties if name == PROPERTY]


class ConformityRecorder:
    """Record test outcomes per requirement and report them at the end of the run."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.outcomes: dict[str, Outcome] = {}
        self.tests: dict[str, list[str]] = {}
        self.report_path: Path | None = None
        self.report_error: str | None = None

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Fold one phase report into the outcome of its test."""
        ids = report_ids(report)
        if not ids:
            return
        for requirement_id in ids:
            nodeids = self.tests.setdefault(requirement_id, [])
            if report.nodeid not in nodeids:
                nodeids.append(report.nodeid)
        previous = self.outcomes.get(report.nodeid)
        if report.failed:
            self.outcomes[report.nodeid] = "failed"
        elif previous == "failed":
            return
        elif report.when == "call" and report.passed and not hasattr(report, "wasxfail"):
            self.outcomes[report.nodeid] = "passed"
        elif previous is None:
            self.outcomes[report.nodeid] = "skipped"

    def status(self, requirement_id: str) -> Status:
        """Return whether the run proved, failed or did not test a requirement."""
        outcomes = {self.outcomes.get(nodeid) for nodeid in self.tests.get(requirement_id, [])}
        if "failed" in outcomes:
            return "failed"
        if "passed" in outcomes:
            return "proven"
        return "untested"

    def as_json(self) -> dict[str, object]:
        """Return the conformity of the run as JSON-serialisable data."""
        known = requirements()
        data: dict[str, dict[str, object]] = {}
        for requirement_id in sorted(known):
            requirement = known[requirement_id]
            by_outcome: dict[str, list[str]] = {"passed": [], "failed": [], "skipped": []}
            for nodeid in sorted(self.tests.get(requirement_id, [])):
                by_outcome[self.outcomes.get(nodeid, "skipped")].append(nodeid)
            data[requirement_id] = {
                "service": requirement.service,
                "level_1d": requirement.level_1d,
                "level_2d": requirement.level_2d,
                "mandatory": requirement.is_mandatory,
                "status": self.status(requirement_id),
                "tests": by_outcome,
            }
        return {"totals": self.totals(), "requirements": data}

    def totals(self) -> dict[str, int]:
        """Count proven and failed requirements, mandatory (E) or not."""
        counts = dict.fromkeys(
            (f"{kind}{suffix}" for kind in ("mandatory", "optional") for suffix in _SUFFIXES), 0
        )
        for requirement in requirements().values():
            kind = "mandatory" if requirement.is_mandatory else "optional"
            counts[kind] += 1
            status = self.status(requirement.id)
            if status != "untested":
                counts[f"{kind}_{status}"] += 1
        return counts

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self) -> None:
        """Write the JSON report when --sdet-report is given."""
        option = self.config.getoption("sdet_report")
        if not option:
            return
        path = Path(str(option))
        if not path.is_absolute():
            path = self.config.invocation_params.dir / path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(self.as_json(), indent=2) + "\n", encoding="utf-8")
        except OSError as error:
            self.report_error = f"could not write the SDET report to {path}: {error}"
        else:
            self.report_path = path

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        """Print the SDET conformity section."""
        if self.config.getoption("collectonly"):
            return
        terminalreporter.write_sep("=", "SDET conformity")
        for line, red in self.summary_lines():
            terminalreporter.write_line(line, red=red, bold=red)
        if self.report_path is not None:
            terminalreporter.write_line(f"SDET report written to {self.report_path}")
        if self.report_error is not None:
            terminalreporter.write_line(self.report_error, yellow=True)

    def summary_lines(self) -> list[tuple[str, bool]]:
        """Return the lines of the summary, each with whether to highlight it."""
        services: dict[str, list[Requirement]] = {}
        known = requirements()
        for requirement_id in sorted(known):
            requirement = known[requirement_id]
            if requirement.is_mandatory:
                services.setdefault(requirement.service, []).append(requirement)
        width = max((len(service) for service in services), default=0)
        lines: list[tuple[str, bool]] = []
        for service, mandatory in services.items():
            statuses = {requirement.id: self.status(requirement.id) for requirement in mandatory}
            proven = [rid for rid, status in statuses.items() if status == "proven"]
            failed = [rid for rid, status in statuses.items() if status == "failed"]
            untested = [rid for rid, status in statuses.items() if status == "untested"]
            count = f"{len(proven)}/{len(mandatory)}"
            lines.append((f"{service:<{width}}  {count:>5} E-level requirements proven", False))
            lines.extend((text, False) for text in _wrap_ids("untested: ", untested))
            lines.extend((text, True) for text in _wrap_ids("failed: ", failed))
        totals = self.totals()
        lines.append(
            (
                "E-level requirements with a passing test: "
                f"{totals['mandatory_proven']}/{totals['mandatory']}"
                + (f" ({totals['mandatory_failed']} failed)" if totals["mandatory_failed"] else ""),
                False,
            )
        )
        optional_failed = sorted(
            requirement.id
            for requirement in known.values()
            if not requirement.is_mandatory and self.status(requirement.id) == "failed"
        )
        lines.append(
            (
                "R/F-level requirements with a passing test: "
                f"{totals['optional_proven']}/{totals['optional']}",
                False,
            )
        )
        lines.extend((text, True) for text in _wrap_ids("R/F-level failed: ", optional_failed))
        return lines


def _wrap_ids(label: str, ids: Iterable[str]) -> list[str]:
    """Wrap a comma-separated list of ids under an indented label."""
    text = ", ".join(ids)
    if not text:
        return []
    indent = "    "
    return textwrap.wrap(
        text,
        width=WRAP_WIDTH,
        initial_indent=indent + label,
        subsequent_indent=indent + " " * len(label),
        break_long_words=False,
        break_on_hyphens=False,
    )
