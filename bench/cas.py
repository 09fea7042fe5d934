"""Benchmark of CAS ticket validation: /cas/serviceValidate against a minimal view of the same
server, measured in the same run.

Both go through the same server: the project's settings and middleware, driven in-process by
Django's test Client (no network, no WSGI server in between), with the benchmark's own URLconf:
the ENT's own URLs plus one trivial public view, /bench/minimal, that exists only here. Two
worker processes run at once, each with its own share of the requests, bounded in requests and
in time. Each worker alternates, in 10 rounds, a batch of each kind, timed apart (so that a
change of load on the machine weighs on both kinds alike):

- minimal: GET /bench/minimal (no database);
- serviceValidate: GET /cas/serviceValidate?service=…&ticket=… with a fresh, valid service
  ticket each time (CAS 2.0: consume the ticket, check it and its service and person, the
  per-service identifier, the audit record). The tickets are created beforehand (not timed),
  as /cas/login would create them.

It prints both rates, their ratio and the target (serviceValidate at 0.50 of the minimal view
or better). A benchmark informs, it does not gate: the exit status is 0 whatever the figures.

    .venv/bin/python bench/cas.py [--requests 2000] [--seconds 20] [--database-url URL]

Without --database-url a fresh SQLite file is used in a temporary ENT_DATA_DIR. With it, the
URL names a throwaway PostgreSQL database that the script creates and drops after; it refuses
a database that already exists. DB_CONN_MAX_AGE and the other variables pass through.
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
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aaf_import import _child_env, _database, _ent_command, _masked, _postgres_target

ROOT = Path(__file__).resolve().parent.parent
RESULT_MARK = "BENCH-RESULT "
WORKERS = 2
WARM_UP = 20
ROUNDS = 10
SERVICE_URL = "https://bench.example.org/app"
TARGET_RATIO = 0.50
URLCONF = "bench_cas_urls"


# ---------------------------------------------------------------------------------------------
# Children


def _emit(result: dict[str, Any]) -> None:
    print(RESULT_MARK + json.dumps(result), flush=True)


def _setup() -> None:
    """Set Django up with the benchmark's own URLconf: the ENT's URLs plus the minimal view,
    /bench/minimal, a trivial public view that exists only here."""
    import django
    from django.conf import settings

    django.setup()
    from django.contrib.auth.decorators import login_not_required
    from django.http import HttpRequest, HttpResponse
    from django.urls import include, path

    @login_not_required
    def minimal(request: HttpRequest) -> HttpResponse:
        return HttpResponse("ok", content_type="text/plain")

    urls = types.ModuleType(URLCONF)
    urls.urlpatterns = [path("bench/minimal", minimal), path("", include("ent.urls"))]  # type: ignore[attr-defined]  # attr-defined: a module built here
    sys.modules[URLCONF] = urls
    settings.ROOT_URLCONF = URLCONF


def child_prepare(tickets: int) -> None:
    """Register the service, create a person and `tickets` service tickets."""
    _setup()
    from datetime import timedelta

    from django.utils import timezone

    from ent.directory.models import User
    from ent.sso.actions import register_service
    from ent.sso.cas import new_ticket
    from ent.sso.models import CasTicket, Protocol, TicketKind

    service = register_service(
        actor=None,
        protocol=Protocol.CAS,
        name="Bench",
        url_pattern=r"https://bench\.example\.org/.*",
        attributes=["display_name"],
        approve=True,
    )
    person = User.objects.create_user("bench.person", None, first_name="Bench", last_name="P")
    now = timezone.now()
    rows = [
        CasTicket(
            kind=TicketKind.SERVICE,
            ticket=new_ticket("ST"),
            service=service,
            service_url=SERVICE_URL,
            person=person,
            session_key="bench",
            level=1,
            method="PASSWORD",
            created_at=now,
            expires_at=now + timedelta(hours=6),
        )
        for _ in range(tickets)
    ]
    CasTicket.objects.bulk_create(rows, batch_size=1000)
    _emit({"tickets": len(rows)})


def child_run(worker: int, requests: int, seconds: float, start_at: float) -> None:
    """Run one worker's share, from `start_at`: ROUNDS rounds of minimal requests then as many
    serviceValidate requests, each timed apart, so that a change of load on the machine weighs
    on both alike. Report the counts and times of each kind."""
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) >= WORKERS:
        os.sched_setaffinity(0, {worker})  # one CPU each, as two server processes would run
    _setup()
    from django.db import connection
    from django.test import Client

    from ent.sso.models import CasTicket

    client = Client(SERVER_NAME="localhost")
    # The same split in every worker, whatever the others consumed already.
    ordered = CasTicket.objects.order_by("pk").values_list("ticket", flat=True)
    tickets = list(ordered[: (requests + WARM_UP) * WORKERS])[worker::WORKERS]
    used = iter(tickets)

    def minimal() -> bool:
        response = client.get("/bench/minimal")
        return response.status_code == 200 and response.content == b"ok"

    def validate() -> bool:
        params = {"service": SERVICE_URL, "ticket": next(used)}
        response = client.get("/cas/serviceValidate", params)
        return b"<cas:authenticationSuccess>" in response.content

    for _ in range(WARM_UP):
        minimal()
        validate()
    time.sleep(max(0.0, start_at - time.time()))
    counts = {"minimal": [0, 0, 0.0], "validate": [0, 0, 0.0]}  # done, failed, seconds
    deadline = time.perf_counter() + seconds
    per_round = max(1, requests // ROUNDS)
    for _ in range(ROUNDS):
        for name, request in (("minimal", minimal), ("validate", validate)):
            started = time.perf_counter()
            for _ in range(per_round):
                counts[name][1] += 0 if request() else 1
                counts[name][0] += 1
            counts[name][2] += time.perf_counter() - started
        if time.perf_counter() > deadline:
            break
    _emit({"counts": counts, "engine": connection.vendor})


# ---------------------------------------------------------------------------------------------
# Parent


@dataclass
class Kind:
    """One kind of request, over both workers."""

    name: str
    done: int = 0
    failed: int = 0
    rate: float = 0.0  # requests per second of both workers together (their work overlapped)
    seconds: float = 0.0


@dataclass
class Run:
    """What the workers measured, or why they could not."""

    kinds: dict[str, Kind] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _command(*arguments: str) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), *arguments]


def _result(stdout: str) -> dict[str, Any] | None:
    lines = [line for line in stdout.splitlines() if line.startswith(RESULT_MARK)]
    return json.loads(lines[-1][len(RESULT_MARK) :]) if lines else None


def run_workers(requests: int, seconds: float, env: dict[str, str]) -> Run:
    """Start the workers together and add up what each measured."""
    run = Run({name: Kind(name) for name in ("minimal", "validate")})
    start_at = time.time() + 4.0  # time for both to set Django up and warm up
    workers = [
        subprocess.Popen(
            _command("--child", "run", str(w), str(requests), str(seconds), str(start_at)),
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in range(WORKERS)
    ]
    for worker in workers:
        out, err = worker.communicate(timeout=2 * seconds + 120)
        result = _result(out)
        if worker.returncode != 0 or result is None:
            tail = "\n".join(err.strip().splitlines()[-15:])
            run.errors.append(f"exit {worker.returncode}: {tail or 'no result'}")
            continue
        for name, (done, failed, spent) in result["counts"].items():
            kind = run.kinds[name]
            kind.done += done
            kind.failed += failed
            kind.seconds = max(kind.seconds, spent)
            kind.rate += done / spent if spent else 0.0
    return run


def _prepare(env: dict[str, str], tickets: int) -> str:
    migrated = subprocess.run(
        [*_ent_command(), "migrate", "-v0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if migrated.returncode != 0:
        return f"migrate failed: {migrated.stderr.strip()[-2000:]}"
    prepared = subprocess.run(
        _command("--child", "prepare", str(tickets)),
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if prepared.returncode != 0 or _result(prepared.stdout) is None:
        return f"prepare failed: {prepared.stderr.strip()[-2000:]}"
    return ""


def _print(run: Run, engine: str) -> None:
    print()
    print(f"== {WORKERS} worker processes, Django test Client in-process, {engine}")
    if run.errors:
        print(f"FAILED {'; '.join(run.errors)}")
        return
    print(f"{'requests':<16} {'count':>9} {'failed':>7} {'busy s':>8} {'req/s':>10}")
    for kind in run.kinds.values():
        print(
            f"{kind.name:<16} {kind.done:>9,} {kind.failed:>7,} {kind.seconds:>8.2f} "
            f"{kind.rate:>10,.0f}"
        )
    minimal, validate = run.kinds["minimal"], run.kinds["validate"]
    print()
    if not minimal.rate:
        print("== target: n/a (no minimal request measured)")
        return
    ratio = validate.rate / minimal.rate
    verdict = "PASS" if ratio >= TARGET_RATIO else "MISS"
    print(
        f"== serviceValidate / minimal view: {ratio:.2f}  "
        f"(target >= {TARGET_RATIO:.2f})   {verdict}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per worker")
    parser.add_argument("--seconds", type=float, default=20.0, help="time bound per phase")
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
    if args.child == "run":
        worker, requests, seconds, start_at = args.values
        child_run(int(worker), int(requests), float(seconds), float(start_at))
        return 0

    if args.database_url:
        _postgres_target(args.database_url)  # fail before doing anything
    engine = f"PostgreSQL {_masked(args.database_url)}" if args.database_url else "SQLite"
    print(
        f"CAS serviceValidate benchmark: {args.requests:,} requests per worker, at most "
        f"{args.seconds:g} s per phase; {engine}"
    )
    print(f"python {sys.version.split()[0]} on {os.cpu_count()} CPUs")
    work = Path(tempfile.mkdtemp(prefix="ent-bench-cas-"))
    try:
        env = _child_env(work / "data", args.database_url)
        env["ENT_MODE"] = "embedded"
        with _database(args.database_url):
            _say("migrating a fresh database and creating the tickets …")
            error = _prepare(env, (args.requests + WARM_UP) * WORKERS)
            if error:
                print(error)
                return 0
            _say("minimal view and serviceValidate, in alternating rounds …")
            run = run_workers(args.requests, args.seconds, env)
        _print(run, engine)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
