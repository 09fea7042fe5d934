"""Benchmark of sign-in: logins per second through the real login view against the password
hash floor, both measured in the same run, with the production hasher (argon2id).

Stages run as two worker processes started together (pinned to two CPUs when the machine has
them), floor and logins taking turns for --rounds rounds (floor, logins, floor, logins, floor):

- floor: each worker computes argon2 `check_password` of a stored hash, N / 2 times, and nothing
  else: the cost no login can avoid;
- logins: each worker posts the login form to /auth/login through Django's test Client (the
  whole middleware stack, the view, the throttle checks, `start_session`, the audit event, the
  session saved), N / 2 times, each from a fresh cookie jar; only sign-ins that succeed count;
- a last floor, so that every logins stage sits between two floors.

Each kind's rate is pooled over its stages (all successes over all spans), so that a machine
slowing down or speeding up during the run weighs on both alike; each logins stage is also shown
against the mean of the floors around it. Target: pooled logins >= 70 % of the pooled floor.
The Client skips the CSRF check (as Django's test Client does by default); it does not open
sockets, so the figures measure the ENT, not an HTTP server. A benchmark informs, it does not
gate: the exit status is 0 whatever the figures.

    .venv/bin/python bench/logins.py [--requests 60] [--rounds 2] [--max-seconds 120]
                                     [--database-url URL]

Without --database-url the run uses a fresh SQLite file in a temporary ENT_DATA_DIR. With it,
the URL names a throwaway PostgreSQL database that the script creates and drops after; it
refuses a database that already exists.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RESULT_MARK = "BENCH-RESULT "
READY = "READY"
GO = "GO"
WORKERS = 2
USERS = 16
PASSWORD = "Bench-Passw0rd!-2026"  # noqa: S105 (the throwaway accounts' password)
TARGET = 0.70
ARGON2 = "django.contrib.auth.hashers.Argon2PasswordHasher"


# ---------------------------------------------------------------------------------------------
# Children: what runs in the worker processes.


def _emit(result: dict[str, Any]) -> None:
    print(RESULT_MARK + json.dumps(result), flush=True)


def _pin_two_cpus() -> None:
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) > WORKERS:
        os.sched_setaffinity(0, set(cpus[:WORKERS]))


def _wait_for_go() -> None:
    print(READY, flush=True)
    if sys.stdin.readline().strip() != GO:
        raise SystemExit("no start signal")


def _setup_django() -> None:
    import django

    django.setup()
    from django.conf import settings

    if settings.PASSWORD_HASHERS[0] != ARGON2:
        raise SystemExit(f"the production hasher is expected, not {settings.PASSWORD_HASHERS}")


def child_setup(users: int) -> None:
    """Create the accounts the workers sign in with (argon2 hashes, as in production)."""
    _setup_django()
    from ent.directory.models import User

    for number in range(users):
        User.objects.create_user(f"bench.user{number}", PASSWORD, first_name="Bench")
    encoded = User.objects.get(login="bench.user0").password
    _emit({"users": users, "hash": encoded.rsplit("$", 2)[0]})


def child_floor(count: int, deadline_s: float) -> None:
    """Check the password against a stored argon2 hash `count` times, nothing else."""
    _setup_django()
    from django.contrib.auth.hashers import check_password

    from ent.directory.models import User

    encoded = User.objects.get(login="bench.user0").password
    if not check_password(PASSWORD, encoded):  # warm-up, and a sanity check
        raise SystemExit("the floor's hash does not match")
    _wait_for_go()
    started = time.monotonic()
    done = 0
    while done < count and time.monotonic() - started < deadline_s:
        check_password(PASSWORD, encoded)
        done += 1
    _emit({"done": done, "ok": done, "start": started, "end": time.monotonic()})


def child_logins(count: int, offset: int, deadline_s: float) -> None:
    """Sign in `count` times through the login view, each time as a new visitor."""
    _setup_django()
    from django.test import Client
    from django.urls import reverse

    login, home = reverse("identity:login"), reverse("directory:home")
    client = Client()

    def sign_in(number: int) -> bool:
        client.cookies.clear()
        user = f"bench.user{(offset + number) % USERS}"
        response = client.post(login, {"username": user, "password": PASSWORD})
        return response.status_code == 302 and response["Location"] == home

    if not sign_in(0):  # warm-up: imports, templates, connections
        raise SystemExit("the warm-up sign-in failed")
    _wait_for_go()
    started = time.monotonic()
    done = ok = 0
    while done < count and time.monotonic() - started < deadline_s:
        ok += sign_in(done + 1)
        done += 1
    _emit({"done": done, "ok": ok, "start": started, "end": time.monotonic()})


# ---------------------------------------------------------------------------------------------
# Parent: database, workers, report.


@dataclass
class Stage:
    """Two workers started together: what each said, and the rate over their common span."""

    label: str
    results: list[dict[str, Any]] = field(default_factory=list)
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error and len(self.results) == WORKERS

    @property
    def span_s(self) -> float:
        start = min(result["start"] for result in self.results)
        return float(max(result["end"] for result in self.results) - start)

    @property
    def count(self) -> int:
        return sum(int(result["ok"]) for result in self.results)

    @property
    def rate(self) -> float:
        return self.count / self.span_s if self.ok and self.span_s > 0 else 0.0


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _command(arguments: list[str]) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), *arguments]


def _run_once(arguments: list[str], env: dict[str, str], timeout_s: float) -> dict[str, Any]:
    done = subprocess.run(
        _command(arguments),
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout_s,
    )
    results = [line for line in done.stdout.splitlines() if line.startswith(RESULT_MARK)]
    if done.returncode != 0 or not results:
        tail = "\n".join(done.stderr.strip().splitlines()[-15:])
        raise SystemExit(f"{arguments[1]} failed (exit {done.returncode}): {tail}")
    result: dict[str, Any] = json.loads(results[-1][len(RESULT_MARK) :])
    return result


def run_stage(label: str, per_worker: list[list[str]], env: dict[str, str], limit: float) -> Stage:
    """Start the workers, wait until all are ready, start them together, collect results."""
    stage = Stage(label)
    workers = [
        subprocess.Popen(
            _command(arguments),
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for arguments in per_worker
    ]
    try:
        for worker in workers:
            line = worker.stdout.readline().strip() if worker.stdout else ""
            if line != READY:
                stage.error = f"a worker did not get ready: {line or 'no output'}"
        for worker in workers:
            if worker.stdin and not stage.error:
                worker.stdin.write(GO + "\n")
                worker.stdin.flush()
        for worker in workers:
            out, err = worker.communicate(timeout=limit + 60)
            results = [line for line in out.splitlines() if line.startswith(RESULT_MARK)]
            if worker.returncode != 0 or not results:
                tail = "\n".join(err.strip().splitlines()[-10:])
                stage.error = stage.error or f"exit {worker.returncode}: {tail or 'no result'}"
                continue
            stage.results.append(json.loads(results[-1][len(RESULT_MARK) :]))
    except subprocess.TimeoutExpired:
        stage.error = "a worker overran its time limit"
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    return stage


def _child_env(data_dir: Path, database_url: str | None) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("DATABASE_URL", "DEBUG", "PYTHONPROFILEIMPORTTIME", "ENT_IDLE_TIMEOUTS"):
        env.pop(name, None)
    env.update(
        ENT_DATA_DIR=str(data_dir),
        DJANGO_SETTINGS_MODULE="ent.settings",
        SECRET_KEY="bench",  # noqa: S106 (a throwaway database's key)
        ALLOWED_HOSTS="testserver",
        LOG_LEVEL="ERROR",
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
    return urlunsplit(parts._replace(netloc=f"{userinfo.split(':', 1)[0]}:***{at}{host}"))


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
        raise SystemExit(f"--database-url: database {name!r} already exists; name a new one.")
    return maintenance, name


@contextmanager
def _database(url: str | None) -> Iterator[None]:
    """Create the PostgreSQL database named by url (if any), yield, then drop it."""
    if url is None:
        yield
        return
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


def bench(requests: int, rounds: int, max_seconds: float, database_url: str | None) -> list[Stage]:
    """Prepare a database with accounts, then run floor and logins stages in turn."""
    work = Path(tempfile.mkdtemp(prefix="ent-bench-logins-"))
    per_worker = requests // WORKERS
    limit = str(max_seconds)
    try:
        env = _child_env(work / "data", database_url)
        with _database(database_url):
            _say("migrating a fresh database …")
            migrated = subprocess.run(
                [*_ent_command(), "migrate", "-v0"],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            if migrated.returncode != 0:
                raise SystemExit(f"migrate failed: {migrated.stderr.strip()[-2000:]}")
            _say(f"creating {USERS} accounts (argon2id) …")
            setup = _run_once(["--child", "setup"], env, timeout_s=600)
            _say(f"hash parameters: {setup['hash']}")
            floor = [["--child", "floor", str(per_worker), limit] for _ in range(WORKERS)]
            logins = [
                ["--child", "logins", str(per_worker), limit, str(number * per_worker)]
                for number in range(WORKERS)
            ]
            stages = []
            plan = [("floor", floor), ("logins", logins)] * rounds + [("floor", floor)]
            for label, arguments in plan:
                _say(f"{label}: {WORKERS} workers x {per_worker} …")
                stages.append(run_stage(label, arguments, env, max_seconds))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return stages


def report(stages: list[Stage]) -> None:
    print(f"{'stage':<8} {'done':>6} {'ok':>6} {'span s':>8} {'per s':>8}")
    for stage in stages:
        if not stage.ok:
            print(f"{stage.label:<8} FAILED {stage.error}")
            continue
        done = sum(int(result["done"]) for result in stage.results)
        print(
            f"{stage.label:<8} {done:>6} {stage.count:>6} {stage.span_s:>8.2f} {stage.rate:>8.2f}"
        )
    print()
    print("== target (a benchmark informs, it does not gate)")
    if not all(stage.ok for stage in stages):
        print("  logins / floor   n/a (a stage failed)")
        return
    for index, stage in enumerate(stages):
        if stage.label == "logins":
            around = (stages[index - 1].rate + stages[index + 1].rate) / 2
            print(
                f"  logins stage {index // 2 + 1}: {stage.rate / around:.2f} "
                "of the floors around it"
            )
    floor, logins = _pooled(stages, "floor"), _pooled(stages, "logins")
    ratio = logins / floor
    verdict = "PASS" if ratio >= TARGET else "MISS"
    print(f"  floor (pooled)   {floor:.2f} hash checks/s")
    print(f"  logins (pooled)  {logins:.2f} sign-ins/s")
    print(f"  logins / floor   {ratio:.2f}   (target >= {TARGET:.2f})   {verdict}")


def _pooled(stages: list[Stage], label: str) -> float:
    """Return the rate of all stages of one kind: their successes over their spans."""
    chosen = [stage for stage in stages if stage.label == label]
    return sum(stage.count for stage in chosen) / sum(stage.span_s for stage in chosen)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=60, help="logins (and hashes) per stage")
    parser.add_argument("--rounds", type=int, default=2, help="logins stages, between floors")
    parser.add_argument(
        "--max-seconds", type=float, default=120.0, help="time limit of each stage's workers"
    )
    parser.add_argument(
        "--database-url",
        help="postgres://…/<name> of a throwaway database the script creates and drops",
    )
    parser.add_argument("--child", choices=["setup", "floor", "logins"], help=argparse.SUPPRESS)
    parser.add_argument("values", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _pin_two_cpus()
        values = args.values
        if args.child == "setup":
            child_setup(USERS)
        elif args.child == "floor":
            child_floor(int(values[0]), float(values[1]))
        else:
            child_logins(int(values[0]), int(values[2]), float(values[1]))
        return 0
    if args.requests < WORKERS or args.rounds < 1 or args.max_seconds <= 0:
        parser.error("--requests >= 2, --rounds >= 1 and a positive --max-seconds are expected")
    if args.database_url:
        _postgres_target(args.database_url)  # fail before doing anything
    engine = f"PostgreSQL {_masked(args.database_url)}" if args.database_url else "SQLite"
    print(
        f"Login benchmark: {args.requests} per stage, {args.rounds} rounds, {WORKERS} workers; "
        f"{engine}"
    )
    print(f"python {sys.version.split()[0]} on {os.cpu_count()} CPUs")
    report(bench(args.requests, args.rounds, args.max_seconds, args.database_url))
    return 0


if __name__ == "__main__":
    sys.exit(main())
