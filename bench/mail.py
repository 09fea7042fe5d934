"""Benchmark of mail (UTI-CCO-CEL): a 10,000-message mailbox under 50 concurrent clients, and
what a sender waits for when writing to a list of 1,000 people.

A fresh database (SQLite in a temporary ENT_DATA_DIR, or a throwaway PostgreSQL database with
--database-url) gets, in one preparing child:

- its schema, built from the models (`migrate --run-syncdb` with migrations disabled, as
  pytest-django's --nomigrations does; the mail tables and indexes are the models' own), which
  takes seconds where replaying every migration takes minutes on a loaded machine;
  --migrations replays the real migrations instead;
- one school, a class of 1,000 pupils and its teacher, whose box holds 10,000 messages (8,000
  in the inbox, 2,000 in a folder "Archives"), bulk-inserted (benchmark data, not a code path
  under test);
- send: the teacher's `send_message` call to one pupil, then to the class list
  ("list:class-<id>-pupils", 1,000 people), timed as the sender waits for it (the call and its
  commit; delivery runs on the background threads afterwards), median of several sends;
  the time the background delivery of one list message takes is printed too.

Then gunicorn (as bench/portal.py: 2 workers x 4 threads, gthread, 127.0.0.1, a free port)
serves the ENT plus /bench/minimal, and 50 clients signed in as the teacher run rounds of
four phases, all clients on the same page at a time: minimal, inbox (/messagerie/), folder
(the "Archives" folder's page) and search (/messagerie/recherche/?q=<a word found in one
message in 20>).
Each phase lets the clients start requests for its share of --seconds (or until each has made
its share of --requests), then waits for the requests in flight; its wall time counts both.
It prints p50/p95, the rates and the ratios page rate / minimal rate (target 0.50 or better),
list-send / single-send (target: about 1), and how long each stage took. A benchmark informs;
the exit status is 0.

    .venv/bin/python bench/mail.py [--messages 10000] [--list-size 1000] [--clients 50]
        [--requests 2000] [--seconds 60] [--rounds 2] [--migrations] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from aaf_import import _child_env, _database, _masked, _postgres_target
from portal import HOST, Client, Kind, _free_port, _serve, _setup, _stop

ROOT = Path(__file__).resolve().parent.parent
RESULT_MARK = "BENCH-RESULT "
TARGET_RATIO = 0.50
KINDS = ("minimal", "inbox", "folder", "search")
ROUNDS = 2
REQUEST_TIMEOUT = 30.0  # seconds: a client gives up on an answer after this
WORDS = [
    "devoirs",
    "sortie",
    "conseil",
    "classe",
    "réunion",
    "parents",
    "cantine",
    "musée",
    "piscine",
    "bulletin",
    "absence",
    "retard",
    "exercice",
    "chapitre",
    "contrôle",
    "théâtre",
    "voyage",
    "photo",
    "inscription",
]
# Searched for: a word found in one message in SEARCHED_EVERY (500 of 10,000), as a real search
# finds some messages, not every one (the other words are in every body).
SEARCHED = "orchestre"
SEARCHED_EVERY = 20


def _emit(result: dict[str, Any]) -> None:
    print(RESULT_MARK + json.dumps(result), flush=True)


def _schema(migrations: bool) -> None:
    """Create the tables: from the models (fast), or by replaying every migration."""
    from django.apps import apps
    from django.conf import settings
    from django.core.management import call_command

    if not migrations:
        settings.MIGRATION_MODULES = {config.label: None for config in apps.get_app_configs()}
    call_command("migrate", run_syncdb=not migrations, verbosity=0, interactive=False)


def child_prepare(messages: int, list_size: int, migrations: bool) -> None:
    """Build the schema, the school, the class, the mailbox; time the sends; report the
    session and how long each stage took."""
    stages: dict[str, float] = {}
    started = time.perf_counter()
    _setup()
    _schema(migrations)
    stages["schema"] = time.perf_counter() - started
    started = time.perf_counter()
    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.sessions.middleware import SessionMiddleware
    from django.db import connection, transaction
    from django.test import RequestFactory
    from django.utils import timezone

    from ent.directory.models import (
        Enrolment,
        Membership,
        School,
        SchoolClass,
        Source,
        TeachingAssignment,
        User,
    )
    from ent.identity.models import Method
    from ent.identity.session import LEVEL_PASSWORD, start_session
    from ent.messaging import actions
    from ent.messaging.addresses import address_of
    from ent.messaging.models import Entry, Folder, Message, Role, Status
    from ent.rights.actions import install_default_grants

    install_default_grants(actor=None)
    school = School.objects.create(uai="0990001X", name="Collège Bench", degree=2, kind="COLLEGE")
    school_class = SchoolClass.objects.create(school=school, code="3B", label="3eB")
    password = make_password(None)
    teacher = User.objects.create(
        login="prof.bench",
        login_base="prof.bench",
        password=password,
        first_name="Paule",
        last_name="Bench",
    )
    pupils = User.objects.bulk_create(
        User(
            login=f"eleve.{n}",
            login_base=f"eleve.{n}",
            password=password,
            first_name="Élève",
            last_name=f"Numéro{n}",
        )
        for n in range(list_size)
    )
    pupils = list(User.objects.filter(login__startswith="eleve.").order_by("pk"))
    Membership.objects.bulk_create(
        [Membership(person=teacher, school=school, profile="ENS", source=Source.MANUAL)]
        + [Membership(person=p, school=school, profile="ELV", source=Source.MANUAL) for p in pupils]
    )
    Enrolment.objects.bulk_create(Enrolment(pupil=p, school_class=school_class) for p in pupils)
    TeachingAssignment.objects.create(teacher=teacher, school_class=school_class, subject_code="HG")

    boxes = actions.ensure_mailbox(person=teacher)
    archives = actions.create_folder(actor=teacher, name="Archives")
    now = timezone.now()
    rows = []
    for n in range(messages):
        author = pupils[n % len(pupils)]
        words = " ".join(WORDS[(n * 7 + k) % len(WORDS)] for k in range(40))
        if n % SEARCHED_EVERY == 0:
            words += f" {SEARCHED}"
        rows.append(
            Message(
                message_id=f"bench-{n}@{settings.ENT_MAIL_DOMAIN}",
                author=author,
                sender_address=address_of(author),
                sender_name=author.display_name,
                to=[address_of(teacher)],
                envelope=[address_of(teacher)],
                subject=f"Message {n} : {WORDS[n % len(WORDS)]}",
                body_html=f"<p>{words}</p>",
                body_text=words,
                status=Status.SENT,
                size=2 * len(words),
                sent_at=now - timezone.timedelta(minutes=messages - n),
            )
        )
    Message.objects.bulk_create(rows, batch_size=1000)
    ids = list(
        Message.objects.filter(message_id__startswith="bench-")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    inbox, archived = boxes[Role.INBOX], archives
    cut = messages * 8 // 10
    entries = [
        Entry(
            owner=teacher,
            folder=inbox if i < cut else archived,
            message_id=pk,
            uid=(i + 1) if i < cut else (i - cut + 1),
            seen=i % 3 == 0,
            filed_at=now - timezone.timedelta(minutes=messages - i),
        )
        for i, pk in enumerate(ids)
    ]
    Entry.objects.bulk_create(entries, batch_size=1000)
    Folder.objects.filter(pk=inbox.pk).update(uid_next=cut + 1)
    Folder.objects.filter(pk=archived.pk).update(uid_next=messages - cut + 1)
    stages["fill"] = time.perf_counter() - started
    started = time.perf_counter()

    def sender_wait(to: list[str]) -> tuple[float, int]:
        started = time.perf_counter()
        with transaction.atomic():
            message = actions.send_message(
                actor=teacher,
                to=to,
                cc=[],
                bcc=[],
                subject="Envoi",
                body_html="<p>Information importante.</p>",
            )
        return time.perf_counter() - started, message.pk

    def wait_delivered(pk: int) -> float:
        started = time.perf_counter()
        while Message.objects.filter(pk=pk, status=Status.SENDING).exists():
            time.sleep(0.01)
            if time.perf_counter() - started > 300:
                break
        return time.perf_counter() - started

    def wait_idle() -> float:
        """Wait until the background threads have nothing left to do (the notifications of
        a delivery run after it), so that each send starts on a quiet process. The pool is
        idle when every one of its threads has taken a marker job queued after the rest."""
        from django_tasks import default_task_backend

        started = time.perf_counter()
        pool = getattr(default_task_backend, "pool", None)
        while pool is not None and time.perf_counter() - started < 300:
            workers = pool._max_workers  # a benchmark may look inside the pool
            markers = threading.Barrier(workers + 1)
            for _ in range(workers):
                pool.submit(markers.wait, 300)
            markers.wait(300)
            if pool._work_queue.empty():
                break
        if connection.vendor == "sqlite":
            # Fold the delivery's writes into the database now, or the next send's commit would
            # pay for the checkpoint of 1,000 boxes' worth of WAL pages.
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return time.perf_counter() - started

    single, listed, delivery, background = [], [], [], []
    for turn in range(6):
        # Each kind goes first in one pair out of two: neither always follows the other.
        for kind in ("single", "list") if turn % 2 == 0 else ("list", "single"):
            if kind == "single":
                seconds, pk = sender_wait([address_of(pupils[0])])
                single.append(seconds)
                wait_delivered(pk)
                wait_idle()
            else:
                seconds, pk = sender_wait([f"list:class-{school_class.pk}-pupils"])
                listed.append(seconds)
                delivery.append(seconds + wait_delivered(pk))
                background.append(delivery[-1] + wait_idle())
                listed_pk = pk
    pk = listed_pk
    delivered_to = Entry.objects.filter(message_id=pk).exclude(owner=teacher).count()
    stages["sends"] = time.perf_counter() - started

    request = RequestFactory().get("/auth/login", REMOTE_ADDR=HOST)
    SessionMiddleware(lambda request: None).process_request(request)  # type: ignore[arg-type, return-value]  # arg-type, return-value: no response is ever needed
    request.user = AnonymousUser()
    start_session(request, teacher, method=Method.PASSWORD, level=LEVEL_PASSWORD)
    _emit(
        {
            "cookie": f"{settings.SESSION_COOKIE_NAME}={request.session.session_key}",
            "folder": archives.pk,
            "single": statistics.median(single),
            "list": statistics.median(listed),
            "delivery": statistics.median(delivery),
            "background": statistics.median(background),
            "delivered_to": delivered_to,
            "entries": Entry.objects.filter(owner=teacher).count(),
            "stages": stages,
        }
    )


def _paths(folder: int) -> dict[str, str]:
    return {
        "minimal": "/bench/minimal",
        "inbox": "/messagerie/",
        "folder": f"/messagerie/dossiers/{folder}/",
        "search": f"/messagerie/recherche/?q={SEARCHED}",
    }


def measure(
    port: int,
    cookie: str,
    folder: int,
    clients: int,
    requests: int,
    seconds: float,
    rounds: int = ROUNDS,
) -> dict[str, Kind]:
    """`rounds` rounds of the four pages, all clients on one page at a time, each phase timed.

    A phase lets each client start requests until it has made its share of `requests` or the
    phase's share of `seconds` is over, then waits for the requests in flight (each bounded
    by REQUEST_TIMEOUT): the phase's wall time counts both."""
    per_client = max(1, requests // (rounds * clients))
    phase_seconds = seconds / (rounds * len(KINDS))
    paths = _paths(folder)
    people = [Client(port, cookie) for _ in range(clients)]
    for person in people:
        person.connection.timeout = REQUEST_TIMEOUT
    kinds = {name: Kind(name) for name in KINDS}
    plan = [name for _ in range(rounds) for name in KINDS]
    start, end = threading.Barrier(clients + 1), threading.Barrier(clients + 1)
    phase: dict[str, Any] = {}

    def run(person: Client) -> None:
        for _ in plan:
            start.wait()
            kind, deadline = phase["kind"], phase["deadline"]
            for _ in range(per_client):
                if time.perf_counter() > deadline:
                    break
                person.get(paths[kind], signed_in=kind != "minimal")
            end.wait()

    threads = [threading.Thread(target=run, args=(p,), daemon=True) for p in people]
    for thread in threads:
        thread.start()
    for name in plan:
        marks = [len(p.latencies) for p in people]
        phase["kind"], phase["deadline"] = name, time.perf_counter() + phase_seconds
        start.wait()
        started = time.perf_counter()
        end.wait()
        kind = kinds[name]
        kind.seconds += time.perf_counter() - started
        for person, mark in zip(people, marks, strict=True):
            kind.latencies.extend(person.latencies[mark:])
            for status in person.statuses[mark:]:
                kind.statuses[status] = kind.statuses.get(status, 0) + 1
                kind.done += 1
                kind.failed += 0 if status == 200 else 1
    for thread in threads:
        thread.join(timeout=5)
    return kinds


def _print(
    kinds: dict[str, Kind], prepared: dict[str, Any], stages: dict[str, float], heading: str
) -> None:
    print()
    print(heading)
    print(
        f"{'page':<10} {'count':>8} {'failed':>7} {'wall s':>7} {'req/s':>8} "
        f"{'p50 ms':>8} {'p95 ms':>8}"
    )
    for kind in kinds.values():
        print(
            f"{kind.name:<10} {kind.done:>8,} {kind.failed:>7,} {kind.seconds:>7.1f} "
            f"{kind.rate:>8,.1f} {kind.percentile(50) * 1000:>8.1f} "
            f"{kind.percentile(95) * 1000:>8.1f}"
        )
        other = {s: c for s, c in kind.statuses.items() if s != 200}
        if other:
            print(f"{'':<10} statuses other than 200: {other}")
    minimal = kinds["minimal"]
    print()
    for name in ("inbox", "folder", "search"):
        page = kinds[name]
        ratio = page.rate / minimal.rate if minimal.rate else 0.0
        p95 = minimal.percentile(95) / page.percentile(95) if page.percentile(95) else 0.0
        verdict = "PASS" if ratio >= TARGET_RATIO else "MISS"
        print(
            f"== {name} / minimal: {ratio:.2f} by rate, {p95:.2f} by p95  "
            f"(target >= {TARGET_RATIO:.2f})   {verdict}"
        )
    single, listed = prepared["single"], prepared["list"]
    print()
    print(
        f"sender waits: 1 recipient {single * 1000:.1f} ms, list of {prepared['delivered_to']:,} "
        f"{listed * 1000:.1f} ms (median of 6); in the background, the list's boxes are "
        f"filled {prepared['delivery'] * 1000:.0f} ms after sending, its notifications sent "
        f"{prepared['background'] * 1000:.0f} ms after"
    )
    ratio = listed / single if single else 0.0
    verdict = "PASS" if ratio <= 1.5 else "MISS"
    print(
        f"== list send / single send: {ratio:.2f}  "
        f"(target <= 1.5: the sender waits no longer)   {verdict}"
    )
    print()
    print("stages: " + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in stages.items()))


def _prepare(env: dict[str, str], args: argparse.Namespace) -> dict[str, Any] | str:
    """Run the preparing child; return its result, or why it failed."""
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        "prepare",
        str(args.messages),
        str(args.list_size),
        "migrations" if args.migrations else "models",
    ]
    child = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    lines = [line for line in child.stdout.splitlines() if line.startswith(RESULT_MARK)]
    if child.returncode != 0 or not lines:
        return f"prepare failed: {child.stderr[-3000:]}"
    result: dict[str, Any] = json.loads(lines[-1][len(RESULT_MARK) :])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--list-size", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=2000, help="requests per page kind")
    parser.add_argument("--seconds", type=float, default=60.0, help="time bound of all rounds")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument(
        "--migrations", action="store_true", help="replay the migrations (slow) for the schema"
    )
    parser.add_argument("--database-url", help="postgres://…/<throwaway name>, created and dropped")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("values", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child == "prepare":
        child_prepare(int(args.values[0]), int(args.values[1]), args.values[2] == "migrations")
        return 0
    if args.database_url:
        _postgres_target(args.database_url)
    engine = f"PostgreSQL {_masked(args.database_url)}" if args.database_url else "SQLite"
    print(
        f"Mail benchmark: {args.messages:,} messages, list of {args.list_size:,}, "
        f"{args.clients} clients; {engine}; "
        f"python {sys.version.split()[0]} on {os.cpu_count()} CPUs"
    )
    began = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="ent-bench-mail-"))
    server = None
    try:
        env = _child_env(work / "data", args.database_url)
        env["ENT_MODE"] = "embedded"
        with _database(args.database_url):
            print("building the schema and filling the mailbox …", file=sys.stderr, flush=True)
            prepared = _prepare(env, args)
            if isinstance(prepared, str):
                print(prepared)
                return 0
            stages: dict[str, float] = dict(prepared["stages"])
            started = time.perf_counter()
            port = _free_port()
            server = _serve(env, port, args.workers, args.threads, work / "gunicorn.log")
            if server is None:
                print("gunicorn did not start:\n" + (work / "gunicorn.log").read_text()[-2000:])
                return 0
            for name, path in _paths(prepared["folder"]).items():
                status = Client(port, prepared["cookie"]).get(path, signed_in=name != "minimal")
                if status != 200:
                    print(f"not measurable: GET {path} answered {status}")
                    return 0
            stages["server"] = time.perf_counter() - started
            print("measuring …", file=sys.stderr, flush=True)
            started = time.perf_counter()
            kinds = measure(
                port,
                prepared["cookie"],
                prepared["folder"],
                args.clients,
                args.requests,
                args.seconds,
                args.rounds,
            )
            stages["measure"] = time.perf_counter() - started
            _stop(server)
            server = None
        stages["total"] = time.perf_counter() - began
        _print(
            kinds,
            prepared,
            stages,
            f"== gunicorn {args.workers} workers x {args.threads} threads, "
            f"{args.clients} clients, {prepared['entries']:,} messages in the box, {engine}",
        )
    finally:
        if server is not None:
            _stop(server)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
