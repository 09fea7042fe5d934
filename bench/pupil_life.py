"""Benchmark of the cahier de textes over a generated school year: the pupil's week, the
guardian's view of two children and the teacher's class page under concurrent clients, against
a minimal page of the same server, measured in the same run.

The school year: one collège of 36 classes and 1,000 pupils (guardians of two children each),
ten subjects, 26 lessons a week per class from the start of the school year to its end, every
lesson entered and published (bulk insert, not timed), work to do on one lesson in three. One
teacher teaches history-geography to 10 classes and is the professeur principal of one.

The ENT is served as `portal.py` serves it: gunicorn (2 worker processes, gthread) on 127.0.0.1
and a free port, with the benchmark URLconf of `portal.py` (the ENT plus /bench/minimal).
Sessions of 50 pupils, 50 guardians and the teacher are opened beforehand through
`start_session` (not timed). 50 client threads, each with keep-alive connections and its own
sessions, run rounds of four phases, all clients on the same kind of page at a time:

- minimal: GET /bench/minimal (no database, no session);
- pupil: GET /cahier-de-textes/semaine/ (the pupil's week, every class and group);
- guardian: GET /cahier-de-textes/semaine/ (a guardian's week of their two children);
- teacher: GET /cahier-de-textes/cahier/<id>/ (one of the teacher's 10 classes, this week).

Each phase is timed apart; each kind's rate is its requests over its phases' wall time, with
p50 and p95 of every request. It prints them and each kind's ratio to minimal against the
target (0.50 or better). It informs and never fails: the exit status is 0 whatever the figures.

    .venv/bin/python bench/pupil_life.py [--clients 50] [--requests 3000] [--seconds 60]
        [--database-url URL]

Without --database-url a fresh SQLite file in a temporary ENT_DATA_DIR is used; with it, a
throwaway PostgreSQL database that the script creates and drops (it refuses an existing one).
Only 127.0.0.1 is ever requested.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from aaf_import import _child_env, _database, _ent_command, _masked, _postgres_target
from portal import HOST, Client, Kind, _free_port, _serve, _setup, _stop

ROOT = Path(__file__).resolve().parent.parent
RESULT_MARK = "BENCH-RESULT "
TARGET_RATIO = 0.50
KINDS = ("minimal", "pupil", "guardian", "teacher")
ROUNDS = 5
PUPILS = 1000
CLASSES = 36
TEACHER_CLASSES = 10
SUBJECTS = (
    ("040300", "HISTOIRE-GEOGRAPHIE"),
    ("020700", "FRANCAIS"),
    ("061300", "MATHEMATIQUES"),
    ("030201", "ANGLAIS LV1"),
    ("030602", "ESPAGNOL LV2"),
    ("062500", "PHYSIQUE-CHIMIE"),
    ("050100", "SCIENCES DE LA VIE ET DE LA TERRE"),
    ("110100", "TECHNOLOGIE"),
    ("100100", "EDUCATION PHYSIQUE ET SPORTIVE"),
    ("080100", "ARTS PLASTIQUES"),
)
# 26 lessons a week: six a day, two on Wednesday morning.
SLOTS = {0: (8, 9, 10, 11, 14, 15), 1: (8, 9, 10, 11, 14, 15), 2: (8, 9),
         3: (8, 9, 10, 11, 14, 15), 4: (8, 9, 10, 11, 14, 15)}  # fmt: skip


# ---------------------------------------------------------------------------------------------
# The preparing child


def _emit(result: dict[str, Any]) -> None:
    print(RESULT_MARK + json.dumps(result), flush=True)


def _people(prefix: str, count: int, first_name: str) -> list[int]:
    from ent.core.bulk import insert_rows
    from ent.directory.models import User

    rows = [
        (f"{prefix}.{n}", f"{prefix}.{n}", first_name, f"{prefix.title()}{n}", "!bench")
        for n in range(count)
    ]
    insert_rows(User, ("login", "login_base", "first_name", "last_name", "password"), rows)
    return list(
        User.objects.filter(login__startswith=f"{prefix}.")
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _school_year() -> dict[str, Any]:
    """Create the collège, its people, its logs and every lesson of the school year."""
    from django.db import transaction
    from django.utils import timezone

    from ent.core.bulk import insert_rows
    from ent.core.calendar import school_year_of
    from ent.directory.models import (
        Enrolment,
        Guardianship,
        HeadTeacher,
        Membership,
        School,
        SchoolClass,
        Subject,
        TeachingAssignment,
    )
    from ent.lesson_log.models import Homework, LessonEntry, Log
    from ent.rights.actions import install_default_grants

    install_default_grants(actor=None)
    year = school_year_of(timezone.localdate())
    with transaction.atomic():
        school = School.objects.create(
            uai="0999001X", name="Collège du banc", degree=2, kind="COLLEGE"
        )
        subjects = [
            Subject.objects.get_or_create(code=code, defaults={"label": label})[0]
            for code, label in SUBJECTS
        ]
        classes = [
            SchoolClass.objects.create(school=school, code=f"{6 - n // 9}{'ABCDEFGHI'[n % 9]}")
            for n in range(CLASSES)
        ]
        logs = [
            Log.objects.create(school=school, school_class=c, year=year.start_year) for c in classes
        ]
        pupils = _people("eleve", PUPILS, "Élève")
        guardians = _people("parent", PUPILS // 2, "Parent")
        # The teacher: HG in 10 classes, professeur principal of the first. Other teachers take
        # the other subjects (and HG elsewhere) six classes each.
        teacher = _people("prof", 1, "Agnès")[0]
        others = _people("collegue", 60, "Prof")
        author: dict[tuple[int, int], int] = {}
        for index in range(CLASSES):
            for s_index in range(len(SUBJECTS)):
                if s_index == 0 and index < TEACHER_CLASSES:
                    author[(index, s_index)] = teacher
                else:
                    author[(index, s_index)] = others[(s_index * 7 + index // 6) % len(others)]
        staff = [teacher, *others]
        insert_rows(Membership, ("person_id", "school_id", "profile", "source"),
                    [(p, school.pk, "ELV", "MANUAL") for p in pupils]
                    + [(p, school.pk, "TUT", "MANUAL") for p in guardians]
                    + [(p, school.pk, "ENS", "MANUAL") for p in staff])  # fmt: skip
        insert_rows(Enrolment, ("pupil_id", "school_class_id"),
                    [(p, classes[n % CLASSES].pk) for n, p in enumerate(pupils)])  # fmt: skip
        # Guardian g has pupils 2g and 2g+1: two children in two classes.
        insert_rows(
            Guardianship,
            ("pupil_id", "guardian_id", "guardian_key", "relationship", "has_legal_authority"),
            [(p, guardians[n // 2], f"g{n}", "10", True) for n, p in enumerate(pupils)],
        )
        insert_rows(
            TeachingAssignment,
            ("teacher_id", "school_class_id", "subject_id", "subject_code"),
            sorted({(author[(i, s)], classes[i].pk, subjects[s].pk, SUBJECTS[s][0])
                    for i in range(CLASSES) for s in range(len(SUBJECTS))}),
        )  # fmt: skip
        HeadTeacher.objects.create(teacher_id=teacher, school_class=classes[0])
        now = timezone.now()
        day, rows = year.starts_on, []
        while day < year.ends_on - timedelta(days=58):  # up to early July
            for hour_index, hour in enumerate(SLOTS.get(day.weekday(), ())):
                for index, log in enumerate(logs):
                    s_index = (day.weekday() * 6 + hour_index + index) % len(SUBJECTS)
                    code = SUBJECTS[s_index][0]
                    rows.append(
                        (log.pk, author[(index, s_index)], subjects[s_index].pk, code, day,
                         f"{hour:02d}:00", f"{hour + 1:02d}:00", f"Séance du {day:%d/%m}",
                         "Cours, activités et synthèse.", "PUBLISHED", now, now, now)
                    )  # fmt: skip
            day += timedelta(days=1)
        names = ("log_id", "author_id", "subject_id", "subject_code", "date", "starts_at",
                 "ends_at", "title", "content", "status", "published_at", "created_at",
                 "updated_at")  # fmt: skip
        insert_rows(LessonEntry, names, rows, batch_size=5000)
        entries = LessonEntry.objects.order_by("pk").values_list(
            "pk", "log_id", "author_id", "subject_id", "subject_code", "date"
        )
        work = [
            (pk, log, who, subject, code, "HOMEWORK", "Exercices du manuel.", when,
             when + timedelta(days=2), 30, "PUBLISHED", now, now)
            for n, (pk, log, who, subject, code, when) in enumerate(entries.iterator())
            if n % 3 == 0
        ]  # fmt: skip
        insert_rows(Homework, ("entry_id", "log_id", "author_id", "subject_id", "subject_code",
                               "kind", "instructions", "given_on", "due_on",
                               "estimated_minutes", "status", "notified_at", "created_at"),
                    work, batch_size=5000)  # fmt: skip
    return {
        "pupils": pupils,
        "guardians": guardians,
        "teacher": teacher,
        "logs": [log.pk for log in logs[:TEACHER_CLASSES]],
        "entries": len(rows),
        "homework": len(work),
    }


def child_prepare(users: int) -> None:
    """Generate the school year, open the sessions and report the cookies and the paths."""
    _setup()
    from django.conf import settings
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.sessions.middleware import SessionMiddleware
    from django.test import RequestFactory

    from ent.directory.models import User
    from ent.identity.models import Method
    from ent.identity.session import LEVEL_PASSWORD, start_session

    started = time.perf_counter()
    made = _school_year()
    seeded = time.perf_counter() - started
    factory = RequestFactory()

    def cookies(ids: list[int]) -> list[str]:
        people = User.objects.in_bulk(ids)
        keys = []
        for person_id in ids:
            request = factory.get("/auth/login", REMOTE_ADDR=HOST)
            SessionMiddleware(lambda request: None).process_request(request)  # type: ignore[arg-type, return-value]  # arg-type, return-value: no response is ever needed
            request.user = AnonymousUser()
            start_session(request, people[person_id], method=Method.PASSWORD, level=LEVEL_PASSWORD)
            keys.append(request.session.session_key)
        return keys

    step = max(1, len(made["pupils"]) // users)
    _emit(
        {
            "cookie_name": settings.SESSION_COOKIE_NAME,
            "pupil": cookies(made["pupils"][::step][:users]),
            "guardian": cookies(made["guardians"][:: max(1, step // 2)][:users]),
            "teacher": cookies([made["teacher"]]),
            "logs": made["logs"],
            "entries": made["entries"],
            "homework": made["homework"],
            "seconds": round(seeded, 1),
        }
    )


# ---------------------------------------------------------------------------------------------
# The clients and the parent


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _clients(
    port: int, prepared: dict[str, Any], count: int
) -> list[dict[str, tuple[Client, str]]]:
    """Return, per simulated client, its connection and path for each kind."""
    name, week = prepared["cookie_name"], "/cahier-de-textes/semaine/"
    pupils, guardians = prepared["pupil"], prepared["guardian"]
    people = []
    for index in range(count):
        log_id = prepared["logs"][index % len(prepared["logs"])]
        pupil = f"{name}={pupils[index % len(pupils)]}"
        guardian = f"{name}={guardians[index % len(guardians)]}"
        teacher = f"{name}={prepared['teacher'][0]}"
        people.append(
            {
                "minimal": (Client(port, ""), "/bench/minimal"),
                "pupil": (Client(port, pupil), week),
                "guardian": (Client(port, guardian), week),
                "teacher": (Client(port, teacher), f"/cahier-de-textes/cahier/{log_id}/"),
            }
        )
    return people


def _check_pages(people: list[dict[str, tuple[Client, str]]]) -> str:
    """Warm every session once; return why the pages are not measurable, or ""."""
    for person in people:
        for kind, (client, path) in person.items():
            status = client.get(path, signed_in=kind != "minimal")
            if status != 200:
                return f"GET {path} ({kind}) answered {status}"
    return ""


def measure(
    people: list[dict[str, tuple[Client, str]]], requests: int, seconds: float
) -> dict[str, Kind]:
    """Run ROUNDS rounds of the four kinds, all clients on one kind at a time, each phase timed
    apart and bounded by its share of `requests` and of `seconds`."""
    per_client = max(1, requests // (ROUNDS * len(people)))
    phase_seconds = seconds / (ROUNDS * len(KINDS))
    kinds = {name: Kind(name) for name in KINDS}
    plan = [name for _ in range(ROUNDS) for name in KINDS]
    start = threading.Barrier(len(people) + 1)
    end = threading.Barrier(len(people) + 1)
    phase: dict[str, Any] = {}

    def run(person: dict[str, tuple[Client, str]]) -> None:
        for _ in plan:
            start.wait()
            kind, deadline = phase["kind"], phase["deadline"]
            client, path = person[kind]
            for _ in range(per_client):
                client.get(path, signed_in=kind != "minimal")
                if time.perf_counter() > deadline:
                    break
            end.wait()

    threads = [threading.Thread(target=run, args=(person,), daemon=True) for person in people]
    for thread in threads:
        thread.start()
    for name in plan:
        marks = [len(person[name][0].latencies) for person in people]
        phase["kind"], phase["deadline"] = name, time.perf_counter() + phase_seconds
        start.wait()
        started = time.perf_counter()
        end.wait()
        kind = kinds[name]
        kind.seconds += time.perf_counter() - started
        for person, mark in zip(people, marks, strict=True):
            client = person[name][0]
            kind.latencies.extend(client.latencies[mark:])
            for status in client.statuses[mark:]:
                kind.statuses[status] = kind.statuses.get(status, 0) + 1
                kind.done += 1
                kind.failed += 0 if status == 200 else 1
    for thread in threads:
        thread.join(timeout=5)
    return kinds


def _print(kinds: dict[str, Kind], heading: str) -> None:
    print()
    print(heading)
    print(f"{'page':<10} {'count':>8} {'failed':>7} {'wall s':>8} {'req/s':>9} {'p50 ms':>8} "
          f"{'p95 ms':>8}")  # fmt: skip
    for kind in kinds.values():
        print(
            f"{kind.name:<10} {kind.done:>8,} {kind.failed:>7,} {kind.seconds:>8.2f} "
            f"{kind.rate:>9,.0f} {kind.percentile(50) * 1000:>8.1f} "
            f"{kind.percentile(95) * 1000:>8.1f}"
        )
        other = {status: count for status, count in kind.statuses.items() if status != 200}
        if other:
            print(f"{'':<10} statuses other than 200: {other}")
    minimal = kinds["minimal"]
    print()
    for name in KINDS[1:]:
        if not minimal.rate:
            print(f"== {name} / minimal: n/a (no minimal request measured)")
            continue
        ratio = kinds[name].rate / minimal.rate
        verdict = "PASS" if ratio >= TARGET_RATIO else "MISS"
        print(f"== {name} / minimal: {ratio:.2f}  (target >= {TARGET_RATIO:.2f})   {verdict}")


def _prepare(env: dict[str, str], users: int) -> dict[str, Any] | str:
    done = subprocess.run([*_ent_command(), "migrate", "-v0"], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=False)  # fmt: skip
    if done.returncode != 0:
        return f"migrate failed: {done.stderr.strip()[-2000:]}"
    prepared = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child",
                               "prepare", str(users)], cwd=ROOT, env=env, capture_output=True,
                              text=True, check=False)  # fmt: skip
    lines = [line for line in prepared.stdout.splitlines() if line.startswith(RESULT_MARK)]
    if prepared.returncode != 0 or not lines:
        return f"prepare failed: {prepared.stderr.strip()[-2000:]}"
    result: dict[str, Any] = json.loads(lines[-1][len(RESULT_MARK) :])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50, help="distinct pupils and guardians")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients")
    parser.add_argument("--requests", type=int, default=3000, help="requests per kind")
    parser.add_argument("--seconds", type=float, default=60.0, help="time bound of all rounds")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker")
    parser.add_argument(
        "--database-url",
        help="postgres://…/<name> of a throwaway database the script creates and drops",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("values", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child == "prepare":
        child_prepare(int(args.values[0]))
        return 0

    if args.database_url:
        _postgres_target(args.database_url)  # fail before doing anything
    engine = f"PostgreSQL {_masked(args.database_url)}" if args.database_url else "SQLite"
    print(
        f"Pupil life benchmark: {args.clients} clients, {args.requests:,} requests per kind at "
        f"most, {args.seconds:g} s at most; {engine}"
    )
    print(f"python {sys.version.split()[0]} on {os.cpu_count()} CPUs")
    work = Path(tempfile.mkdtemp(prefix="ent-bench-pupil-life-"))
    server = None
    try:
        env = _child_env(work / "data", args.database_url)
        env["ENT_MODE"] = "embedded"
        with _database(args.database_url):
            _say("migrating and generating the school year …")
            prepared = _prepare(env, args.users)
            if isinstance(prepared, str):
                print(prepared)
                return 0
            print(
                f"school year: {PUPILS:,} pupils in {CLASSES} classes, {prepared['entries']:,} "
                f"lessons, {prepared['homework']:,} work to do (generated in "
                f"{prepared['seconds']} s, not timed)"
            )
            port = _free_port()
            _say(f"serving with gunicorn on {HOST}:{port} …")
            server = _serve(env, port, args.workers, args.threads, work / "gunicorn.log")
            if server is None:
                log = (work / "gunicorn.log").read_text(errors="replace")
                print(f"gunicorn did not start:\n{log[-2000:]}")
                return 0
            people = _clients(port, prepared, args.clients)
            problem = _check_pages(people)
            if problem:
                print(f"not measurable: {problem}")
                return 0
            _say("measuring …")
            kinds = measure(people, args.requests, args.seconds)
            _stop(server)
            server = None
        _print(
            kinds,
            f"== gunicorn {args.workers} workers x {args.threads} threads (gthread), "
            f"{args.clients} clients, {engine}",
        )
    finally:
        if server is not None:
            _stop(server)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
