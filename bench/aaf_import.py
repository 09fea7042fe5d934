"""Benchmark of the AAF import: the importer against the bare XML parser, on synthetic académies.

For each size N (people), a synthetic académie is written with `generate_academy` (not timed),
then three stages run, each in a fresh subprocess:

- floor: parse every Complet file of both degrees with the importer's XML parser (XMLPullParser,
  "end" events, raw bytes fed in 64 KiB chunks, requests cleared) and nothing else;
- import: `import_feed` of the 2D then the 1D Complet folder into a fresh, migrated database;
- re-import: the same folders again into the same database (the files are unchanged), read
  record by record (`force`): an identical export is otherwise recognised by its content digest
  and not read at all.

It prints wall times, records/s and peak RSS, then the ratios against their targets. A benchmark
informs, it does not gate: the exit status is 0 whatever the figures.

    .venv/bin/python bench/aaf_import.py [--sizes 10000,100000] [--database-url URL] [--profile]

Without --database-url each size gets its own SQLite file in a temporary ENT_DATA_DIR. With it,
the URL names a throwaway PostgreSQL database that the script creates for each size and drops
after; it refuses a database that already exists. --profile runs the imports under cProfile and
prints the top functions by cumulative and own time; its figures are slowed by the profiler, so
no targets are judged.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit, urlunsplit
from xml.etree.ElementTree import XMLPullParser

ROOT = Path(__file__).resolve().parent.parent
CHUNK_BYTES = 1 << 16
REQUESTS = frozenset({"addRequest", "modifyRequest", "deleteRequest"})
RESULT_MARK = "BENCH-RESULT "
PROFILE_LINES = 40

# Targets.
IMPORT_OVER_FLOOR = 4.0
REIMPORT_SPEEDUP = 5.0
PEAK_MB_AT_100K = 300.0
GROWTH_10K_100K = 0.20


# ---------------------------------------------------------------------------------------------
# Children: what runs in the fresh subprocesses.


def _peak_rss_mb() -> float:
    """Return this process's peak resident set size in MB (ru_maxrss is in KiB on Linux)."""
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kib * 1024 / 1e6


def _emit(result: dict[str, Any]) -> None:
    print(RESULT_MARK + json.dumps(result), flush=True)


def _clear_requests(parser: XMLPullParser[Any]) -> int:
    """Count and clear the requests the parser has finished, as the importer's reader does."""
    count = 0
    events = cast(Iterator[tuple[str, Any]], parser.read_events())
    for _event, element in events:
        if element.tag in REQUESTS:
            count += 1
            element.clear()
    return count


def child_floor(folders: list[Path]) -> None:
    """Parse every category file with the importer's parser and count the requests."""
    started = time.perf_counter()
    records = files = size = 0
    for folder in folders:
        for path in sorted(folder.rglob("*.xml")):
            files += 1
            parser: XMLPullParser[Any] = XMLPullParser(events=("end",))
            with path.open("rb") as stream:
                while chunk := stream.read(CHUNK_BYTES):
                    size += len(chunk)
                    parser.feed(chunk)
                    records += _clear_requests(parser)
            parser.close()
            records += _clear_requests(parser)
    _emit(
        {
            "records": records,
            "files": files,
            "bytes": size,
            "work_s": time.perf_counter() - started,
            "peak_mb": _peak_rss_mb(),
        }
    )


def child_import(folders: list[Path], profile: bool) -> None:
    """Import each folder with `import_feed`, in order, and report what the runs did."""
    import django

    django.setup()
    from django.db import connection

    from ent.exchange.actions import import_feed

    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
    runs: list[dict[str, Any]] = []
    started = time.perf_counter()
    if profiler is not None:
        profiler.enable()
    for folder in folders:
        # force: read the files even when the same export was applied before, so that the
        # re-import measures the record-by-record path, not the recognition of a known export.
        run = import_feed(actor=None, path=folder, force=True)
        runs.append(
            {
                "folder": folder.name,
                "status": str(run.status),
                "plan": run.plan,
                "quarantine_open": run.report.get("quarantine_open"),
            }
        )
    if profiler is not None:
        profiler.disable()
    work = time.perf_counter() - started
    if profiler is not None:
        import pstats

        for order in ("cumulative", "tottime"):
            print(f"--- top {PROFILE_LINES} by {order} ---", flush=True)
            stats = pstats.Stats(profiler, stream=sys.stdout)
            stats.strip_dirs().sort_stats(order).print_stats(PROFILE_LINES)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("select sqlite_version()")
        else:
            cursor.execute("show server_version")
        version = cursor.fetchone()[0]
    _emit(
        {
            "runs": runs,
            "work_s": work,
            "peak_mb": _peak_rss_mb(),
            "engine": f"{connection.vendor} {version}",
        }
    )


# ---------------------------------------------------------------------------------------------
# Parent: generation, databases, subprocesses, report.


@dataclass
class Stage:
    """One timed subprocess: its wall time, what it said and whether it worked."""

    wall_s: float = 0.0
    result: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    output: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


@dataclass
class Outcome:
    """The three stages of one size."""

    size: int
    people: int = 0
    floor: Stage = field(default_factory=Stage)
    first: Stage = field(default_factory=Stage)
    again: Stage = field(default_factory=Stage)

    @property
    def records(self) -> int:
        return int(self.floor.result.get("records", 0))


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _run_child(arguments: list[str], env: dict[str, str]) -> Stage:
    """Run this script as a child, timing its whole wall time, and read its result line."""
    command = [sys.executable, str(Path(__file__).resolve()), *arguments]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    stage = Stage(wall_s=time.perf_counter() - started)
    lines = done.stdout.splitlines()
    results = [line for line in lines if line.startswith(RESULT_MARK)]
    stage.output = "\n".join(line for line in lines if not line.startswith(RESULT_MARK))
    if done.returncode != 0 or not results:
        tail = "\n".join(done.stderr.strip().splitlines()[-15:])
        stage.error = f"exit {done.returncode}: {tail or 'no result'}"
        return stage
    stage.result = json.loads(results[-1][len(RESULT_MARK) :])
    return stage


def _child_env(data_dir: Path, database_url: str | None) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("DATABASE_URL", "DEBUG", "PYTHONPROFILEIMPORTTIME"):
        env.pop(name, None)
    env.update(
        ENT_DATA_DIR=str(data_dir),
        DJANGO_SETTINGS_MODULE="ent.settings",
        SECRET_KEY="bench",  # noqa: S106 (a throwaway database's key)
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def _ent_command() -> list[str]:
    script = Path(sys.executable).parent / "ent"
    return [str(script)] if script.exists() else [sys.executable, "-m", "ent"]


def _masked(url: str) -> str:
    parts = urlsplit(url)
    userinfo, at, host = parts.netloc.rpartition("@")
    if ":" not in userinfo:
        return url
    netloc = f"{userinfo.split(':', 1)[0]}:***{at}{host}"
    return urlunsplit(parts._replace(netloc=netloc))


def _postgres_target(url: str) -> tuple[str, str]:
    """Return the maintenance URL and the database name; refuse a database that exists."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if parts.scheme not in {"postgres", "postgresql"} or not name or name == "postgres":
        raise SystemExit(f"--database-url: a postgres://…/<throwaway name> URL is expected: {url}")
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as admin:
        exists = admin.execute("select 1 from pg_database where datname = %s", [name]).fetchone()
    if exists:
        raise SystemExit(
            f"--database-url: database {name!r} already exists; the benchmark only uses a "
            "database it creates (and drops), so name one that does not exist."
        )
    return maintenance, name


@contextmanager
def _throwaway_postgres(url: str) -> Iterator[None]:
    """Create the database named by url, yield, then drop it."""
    import psycopg
    from psycopg import sql

    maintenance, name = _postgres_target(url)
    with psycopg.connect(maintenance, autocommit=True) as admin:
        admin.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    try:
        yield
    finally:
        with psycopg.connect(maintenance, autocommit=True) as admin:
            drop = sql.SQL("drop database if exists {} with (force)")
            admin.execute(drop.format(sql.Identifier(name)))


@contextmanager
def _database(url: str | None) -> Iterator[None]:
    if url is None:
        yield
    else:
        with _throwaway_postgres(url):
            yield


def _complet_folders(feed_dir: Path) -> list[Path]:
    """Return the 2D then the 1D Complet folder written by generate_academy."""
    folders = [
        folder
        for degree in ("ENT2D", "ENT1D")
        for folder in sorted(feed_dir.glob(f"{degree}.*.Complet"))
        if folder.is_dir()
    ]
    if len(folders) != 2:
        raise SystemExit(f"{feed_dir}: expected one 2D and one 1D Complet folder, got {folders}.")
    return folders


def bench_size(size: int, database_url: str | None, profile: bool) -> Outcome:
    """Generate an académie of `size` people and run the floor, the import and the re-import."""
    from ent.directory.demo import generate_academy

    outcome = Outcome(size)
    work = Path(tempfile.mkdtemp(prefix=f"ent-bench-{size}-"))
    try:
        _say(f"[{size:,}] generating the académie in {work} …")
        started = time.perf_counter()
        summary = generate_academy(work / "feed", people=size, seed=1)
        outcome.people = summary.people
        took = time.perf_counter() - started
        _say(f"[{size:,}] generated {summary.people:,} people in {took:.1f} s")
        folders = [str(folder) for folder in _complet_folders(work / "feed")]
        env = _child_env(work / "data", database_url)

        _say(f"[{size:,}] floor: parsing the Complet files …")
        outcome.floor = _run_child(["--child", "floor", *folders], env)
        with _database(database_url):
            _say(f"[{size:,}] migrating a fresh database …")
            migrated = subprocess.run(
                [*_ent_command(), "migrate", "-v0"],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            if migrated.returncode != 0:
                outcome.first.error = f"migrate failed: {migrated.stderr.strip()[-2000:]}"
                return outcome
            child = ["--child", "import", *(["--profile"] if profile else []), *folders]
            _say(f"[{size:,}] import …")
            outcome.first = _run_child(child, env)
            _say(f"[{size:,}] re-import …")
            outcome.again = _run_child(child, env)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return outcome


def _rate(records: int, seconds: float) -> str:
    return f"{records / seconds:,.0f}" if seconds > 0 else "-"


def _plan_line(stage: Stage) -> str:
    """Sum the plans of a stage's runs: how many records were created, unchanged, …"""
    totals: dict[str, int] = {}
    statuses = []
    for run in stage.result.get("runs", []):
        statuses.append(f"{run['folder']}={run['status']}")
        for counts in (run.get("plan") or {}).values():
            for verdict, count in counts.items():
                totals[verdict] = totals.get(verdict, 0) + count
    plan = ", ".join(f"{verdict} {count:,}" for verdict, count in sorted(totals.items()))
    return f"{'; '.join(statuses)}; plan: {plan or '-'}"


def print_size(outcome: Outcome) -> None:
    records = outcome.records
    engine = outcome.first.result.get("engine", "?")
    print()
    print(
        f"== {outcome.size:,} people requested ({outcome.people:,} generated), "
        f"{records:,} Complet records, "
        f"{outcome.floor.result.get('bytes', 0) / 1e6:.1f} MB of XML, engine {engine}"
    )
    print(f"{'stage':<10} {'wall s':>9} {'in-child s':>11} {'records/s':>11} {'peak RSS MB':>12}")
    for label, stage in (
        ("floor", outcome.floor),
        ("import", outcome.first),
        ("re-import", outcome.again),
    ):
        if not stage.ok:
            print(f"{label:<10} FAILED {stage.error}")
            continue
        if not stage.result:
            print(f"{label:<10} not run")
            continue
        print(
            f"{label:<10} {stage.wall_s:>9.2f} {stage.result['work_s']:>11.2f} "
            f"{_rate(records, stage.wall_s):>11} {stage.result['peak_mb']:>12.1f}"
        )
    imports = (("import", outcome.first), ("re-import", outcome.again))
    for label, stage in imports:
        if stage.ok and stage.result:
            print(f"  {label}: {_plan_line(stage)}")
    for label, stage in imports:
        if stage.output.strip():
            print(f"\n--- {label} profile, {outcome.size:,} people (cProfile slows it down) ---")
            print(stage.output.rstrip())


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def _ratio(slow: Any, fast: Any) -> float | None:
    """Return slow / fast wall time, or None when either stage failed."""
    if slow.ok and slow.result and fast.ok and fast.wall_s > 0:
        return float(slow.wall_s / fast.wall_s)
    return None


def _print_target(size: int, label: str, value: float | None, target: str, met: bool) -> None:
    if value is None:
        print(f"{size:>9,}  {label}   n/a (a stage failed)")
    else:
        print(f"{size:>9,}  {label}  {value:6.2f} x   (target {target})   {_verdict(met)}")


def print_targets(outcomes: dict[int, Outcome]) -> None:
    print()
    print("== targets (wall times of the subprocesses; a benchmark informs, it does not gate)")
    for size, outcome in outcomes.items():
        floor, first, again = outcome.floor, outcome.first, outcome.again
        ratio = _ratio(first, floor) if floor.ok else None
        _print_target(
            size,
            "import / floor    ",
            ratio,
            f"<= {IMPORT_OVER_FLOOR:g}",
            ratio is not None and ratio <= IMPORT_OVER_FLOOR,
        )
        speedup = _ratio(first, again) if first.ok else None
        _print_target(
            size,
            "re-import speed-up",
            speedup,
            f">= {REIMPORT_SPEEDUP:g}",
            speedup is not None and speedup >= REIMPORT_SPEEDUP,
        )
    peaks = {
        size: max(stage.result.get("peak_mb", 0.0) for stage in (outcome.first, outcome.again))
        for size, outcome in outcomes.items()
        if outcome.first.ok and outcome.first.result
    }
    if 100_000 in peaks:
        peak = peaks[100_000]
        print(
            f"{100_000:>9,}  peak RSS (re)import {peak:6.1f} MB  (target < "
            f"{PEAK_MB_AT_100K:g} MB)   {_verdict(peak < PEAK_MB_AT_100K)}"
        )
    else:
        print("  100,000  peak RSS (re)import  n/a (size 100000 not run)")
    if 10_000 in peaks and 100_000 in peaks and peaks[10_000] > 0:
        growth = peaks[100_000] / peaks[10_000] - 1
        print(
            f"  10k→100k  memory growth        {growth:+6.1%}   (target < "
            f"{GROWTH_10K_100K:.0%})   {_verdict(growth < GROWTH_10K_100K)}"
        )
    else:
        print("  10k→100k  memory growth         n/a (sizes 10000 and 100000 not both run)")


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: comma-separated integers expected") from None
    if not sizes or min(sizes) < 60:
        raise argparse.ArgumentTypeError(f"{text!r}: sizes of at least 60 people expected")
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=_sizes, default=[10_000, 100_000], help="people per run")
    parser.add_argument(
        "--database-url",
        help="postgres://…/<name> of a throwaway database the script creates and drops",
    )
    parser.add_argument("--profile", action="store_true", help="profile the imports (cProfile)")
    parser.add_argument("--child", choices=["floor", "import"], help=argparse.SUPPRESS)
    parser.add_argument("folders", nargs="*", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child == "floor":
        child_floor(args.folders)
        return 0
    if args.child == "import":
        child_import(args.folders, args.profile)
        return 0

    if args.database_url:
        _postgres_target(args.database_url)  # fail before generating anything
    engine = f"PostgreSQL {_masked(args.database_url)}" if args.database_url else "SQLite"
    print(f"AAF import benchmark: sizes {', '.join(f'{s:,}' for s in args.sizes)}; {engine}")
    print(f"python {sys.version.split()[0]} on {os.cpu_count()} CPUs")
    outcomes: dict[int, Outcome] = {}
    for size in args.sizes:
        outcomes[size] = bench_size(size, args.database_url, args.profile)
        print_size(outcomes[size])
        sys.stdout.flush()
    if not args.profile:
        print_targets(outcomes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
