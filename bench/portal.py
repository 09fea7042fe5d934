"""Benchmark of the signed-in home page and a search under concurrent clients, against a minimal
page of the same server, measured in the same run.

The ENT is served as in production, by gunicorn (2 worker processes, gthread, a few threads
each) on 127.0.0.1 and a free port, with the benchmark's own URLconf: the ENT's URLs plus one
trivial public view, /bench/minimal, that exists only here. The database is a fresh one, seeded
with a generated académie (`ent demo setup --people N`, which installs the default grants);
sessions of distinct pupils, guardians and teachers are opened beforehand through the ENT's own
session contract (`ent.identity.session.start_session`, not timed).

Then 50 clients (threads, one keep-alive HTTP connection each, one session each) run rounds of
three phases, all clients on the same kind of page at a time, so that a change of load on the
machine weighs on every kind alike:

- minimal: GET /bench/minimal (no database, no session);
- home: GET / signed in (the home page, its launcher and its frame);
- search: GET /recherche/?q=<the most common last name> signed in.

Each phase is timed apart; each kind's rate is its requests over its phases' wall time, and its
latencies give p50 and p95. It prints them, and the ratios home / minimal and search / minimal
against the target (0.50 or better). A benchmark informs, it does not gate: the exit status is 0
whatever the figures.

    .venv/bin/python bench/portal.py [--people 1000] [--clients 50] [--requests 3000]
        [--seconds 60] [--database-url URL]

Without --database-url a fresh SQLite file is used in a temporary ENT_DATA_DIR. With it, the
URL names a throwaway PostgreSQL database that the script creates and drops after; it refuses
a database that already exists. Only 127.0.0.1 is ever requested.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from aaf_import import _child_env, _database, _ent_command, _masked, _postgres_target

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
RESULT_MARK = "BENCH-RESULT "
URLCONF = "bench_portal_urls"
HOST = "127.0.0.1"
TARGET_RATIO = 0.50
KINDS = ("minimal", "home", "search")
PROFILES = ("ELV", "TUT", "ENS")


# ---------------------------------------------------------------------------------------------
# In the server and the preparing child


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


def wsgi() -> Any:
    """Return the WSGI application gunicorn serves: `portal:wsgi()`."""
    _setup()
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()


def _emit(result: dict[str, Any]) -> None:
    print(RESULT_MARK + json.dumps(result), flush=True)


def child_prepare(users: int) -> None:
    """Open sessions for `users` distinct pupils, guardians and teachers (taken in turns) and
    report their cookies and the most common last name."""
    _setup()
    from django.conf import settings
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.sessions.middleware import SessionMiddleware
    from django.db.models import Count
    from django.test import RequestFactory

    from ent.directory.models import Membership, User
    from ent.identity.models import Method
    from ent.identity.session import LEVEL_PASSWORD, start_session

    by_profile: dict[str, list[int]] = {}
    for profile in PROFILES:
        by_profile[profile] = list(
            Membership.objects.current()
            .filter(profile=profile, person__is_active=True)
            .order_by("person_id")
            .values_list("person_id", flat=True)
            .distinct()[:users]
        )
    chosen: list[int] = []
    while len(chosen) < users and any(by_profile.values()):
        for profile in PROFILES:
            if by_profile[profile] and len(chosen) < users:
                person_id = by_profile[profile].pop(0)
                if person_id not in chosen:
                    chosen.append(person_id)
    people = User.objects.in_bulk(chosen)
    factory = RequestFactory()
    cookies = []
    for person_id in chosen:
        request = factory.get("/auth/login", REMOTE_ADDR=HOST)
        SessionMiddleware(lambda request: None).process_request(request)  # type: ignore[arg-type, return-value]  # arg-type, return-value: no response is ever needed
        request.user = AnonymousUser()
        start_session(request, people[person_id], method=Method.PASSWORD, level=LEVEL_PASSWORD)
        cookies.append(request.session.session_key)
    common = (
        User.objects.exclude(last_name="")
        .values("last_name")
        .annotate(n=Count("pk"))
        .order_by("-n", "last_name")
        .first()
    )
    _emit(
        {
            "cookie_name": settings.SESSION_COOKIE_NAME,
            "cookies": cookies,
            "query": common["last_name"] if common else "a",
            "people": User.objects.count(),
        }
    )


# ---------------------------------------------------------------------------------------------
# The clients


@dataclass
class Kind:
    """One kind of request over every client and round."""

    name: str
    done: int = 0
    failed: int = 0
    seconds: float = 0.0  # wall time of its phases
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.done / self.seconds if self.seconds else 0.0

    def percentile(self, q: int) -> float:
        if len(self.latencies) < 2:
            return self.latencies[0] if self.latencies else 0.0
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[q - 1]


class Client:
    """One simulated person: a keep-alive connection and a session cookie."""

    def __init__(self, port: int, cookie: str) -> None:
        self.port = port
        self.cookie = cookie
        self.connection = http.client.HTTPConnection(HOST, port, timeout=60)
        self.latencies: list[float] = []
        self.statuses: list[int] = []

    def _once(self, path: str, headers: dict[str, str]) -> int:
        self.connection.request("GET", path, headers=headers)
        response = self.connection.getresponse()
        response.read()
        return response.status

    def get(self, path: str, *, signed_in: bool = True) -> int:
        headers = {"Accept-Language": "fr"} | ({"Cookie": self.cookie} if signed_in else {})
        started = time.perf_counter()
        try:
            status = self._once(path, headers)
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            # The server closed an idle keep-alive connection: open a new one, as browsers do.
            self.connection.close()
            try:
                status = self._once(path, headers)
            except (OSError, http.client.HTTPException):
                self.connection.close()
                status = 0
        except (OSError, http.client.HTTPException):
            self.connection.close()
            status = 0
        self.latencies.append(time.perf_counter() - started)
        self.statuses.append(status)
        return status


def _paths(query: str) -> dict[str, str]:
    return {"minimal": "/bench/minimal", "home": "/", "search": f"/recherche/?q={quote(query)}"}


ROUNDS = 5


def measure(
    port: int, cookies: list[str], query: str, clients: int, requests: int, seconds: float
) -> dict[str, Kind]:
    """Run ROUNDS rounds of the three kinds, all clients on the same kind at a time, each phase
    timed apart and bounded by its share of `requests` and of `seconds`."""
    per_client = max(1, requests // (ROUNDS * clients))
    phase_seconds = seconds / (ROUNDS * len(KINDS))
    paths = _paths(query)
    people = [Client(port, cookies[index % len(cookies)]) for index in range(clients)]
    kinds = {name: Kind(name) for name in KINDS}
    plan = [name for _ in range(ROUNDS) for name in KINDS]
    start = threading.Barrier(clients + 1)
    end = threading.Barrier(clients + 1)
    phase: dict[str, Any] = {}

    def run(person: Client) -> None:
        for _ in plan:
            start.wait()
            kind, deadline = phase["kind"], phase["deadline"]
            for _ in range(per_client):
                person.get(paths[kind], signed_in=kind != "minimal")
                if time.perf_counter() > deadline:
                    break
            end.wait()

    threads = [threading.Thread(target=run, args=(person,), daemon=True) for person in people]
    for thread in threads:
        thread.start()
    for name in plan:
        marks = [len(person.latencies) for person in people]
        phase["kind"] = name
        phase["deadline"] = time.perf_counter() + phase_seconds
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


def _check_pages(port: int, cookies: list[str], query: str) -> str:
    """Warm every session up once; return why the pages are not measurable, or ""."""
    paths = _paths(query)
    for cookie in cookies:
        person = Client(port, cookie)
        for name in ("home", "search"):
            status = person.get(paths[name])
            if status != 200:
                return f"GET {paths[name]} answered {status} to a signed-in person"
    if Client(port, cookies[0]).get(paths["minimal"], signed_in=False) != 200:
        return "the minimal page does not answer 200"
    return ""


# ---------------------------------------------------------------------------------------------
# The parent


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def _run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)


def _prepare(env: dict[str, str], people: int, users: int) -> dict[str, Any] | str:
    """Migrate, seed the académie and open the sessions; return their result or an error."""
    for command in ([*_ent_command(), "migrate", "-v0"], [*_ent_command(), "demo", "setup",
                    "--people", str(people)]):  # fmt: skip
        done = _run(command, env)
        if done.returncode != 0:
            return f"{' '.join(command[-3:])} failed: {done.stderr.strip()[-2000:]}"
    prepared = _run([sys.executable, str(Path(__file__).resolve()), "--child", "prepare",
                     str(users)], env)  # fmt: skip
    lines = [line for line in prepared.stdout.splitlines() if line.startswith(RESULT_MARK)]
    if prepared.returncode != 0 or not lines:
        return f"prepare failed: {prepared.stderr.strip()[-2000:]}"
    result: dict[str, Any] = json.loads(lines[-1][len(RESULT_MARK) :])
    return result


def _serve(env: dict[str, str], port: int, workers: int, threads: int, log: Path) -> Any:
    """Start gunicorn on 127.0.0.1:port and wait until the minimal page answers."""
    gunicorn = Path(sys.executable).parent / "gunicorn"
    command = [
        str(gunicorn),
        "--chdir", str(ROOT),
        "--pythonpath", str(BENCH),
        "--bind", f"{HOST}:{port}",
        "--workers", str(workers),
        "--worker-class", "gthread",
        "--threads", str(threads),
        "--keep-alive", "30",
        "--timeout", "120",
        "--log-level", "warning",
        "portal:wsgi()",
    ]  # fmt: skip
    server = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and server.poll() is None:
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=2)
            connection.request("GET", "/bench/minimal")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.3)
    _stop(server)
    return None


def _stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


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
    for name in ("home", "search"):
        if not minimal.rate:
            print(f"== {name} / minimal: n/a (no minimal request measured)")
            continue
        ratio = kinds[name].rate / minimal.rate
        verdict = "PASS" if ratio >= TARGET_RATIO else "MISS"
        print(f"== {name} / minimal: {ratio:.2f}  (target >= {TARGET_RATIO:.2f})   {verdict}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=1000, help="size of the académie")
    parser.add_argument("--users", type=int, default=50, help="distinct signed-in people")
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
        f"Portal benchmark: {args.clients} clients, {args.users} signed-in people, "
        f"{args.requests:,} requests per kind at most, {args.seconds:g} s at most; {engine}"
    )
    print(f"python {sys.version.split()[0]} on {os.cpu_count()} CPUs")
    work = Path(tempfile.mkdtemp(prefix="ent-bench-portal-"))
    server = None
    try:
        env = _child_env(work / "data", args.database_url)
        env["ENT_MODE"] = "embedded"
        with _database(args.database_url):
            _say(f"migrating and seeding an académie of {args.people} people …")
            prepared = _prepare(env, args.people, args.users)
            if isinstance(prepared, str):
                print(prepared)
                return 0
            cookies = [f"{prepared['cookie_name']}={key}" for key in prepared["cookies"]]
            if not cookies:
                print("no pupil, guardian or teacher to sign in")
                return 0
            port = _free_port()
            _say(f"serving with gunicorn on {HOST}:{port} …")
            server = _serve(env, port, args.workers, args.threads, work / "gunicorn.log")
            if server is None:
                log = (work / "gunicorn.log").read_text(errors="replace")
                print(f"gunicorn did not start:\n{log[-2000:]}")
                return 0
            problem = _check_pages(port, cookies, prepared["query"])
            if problem:
                print(f"not measurable: {problem}")
                return 0
            _say(f"measuring (search q={prepared['query']!r}) …")
            kinds = measure(
                port, cookies, prepared["query"], args.clients, args.requests, args.seconds
            )
            _stop(server)
            server = None
        _print(
            kinds,
            f"== gunicorn {args.workers} workers x {args.threads} threads (gthread), "
            f"{args.clients} clients, {len(cookies)} signed-in people of {prepared['people']:,}, "
            f"{engine}",
        )
    finally:
        if server is not None:
            _stop(server)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
