"""Benchmarks at scale: prints figures against the product's targets; not a pass/fail test.

Build the data set first (``manage.py scale_data --size full``), then, with the same settings:

    DATABASE_URL=postgres://confide_test:confide_test@127.0.0.1:5432/confide_scale \
    CONFIDE_DATA_DIR=data/scale DJANGO_DEBUG=false .venv/bin/python bench/run.py

Server-side times are measured around the whole Django request (every middleware, the view, the
template, the audit write and its commit) through Django's test client, in this process, with
the query count from ``CaptureQueriesContext``. The load test runs gunicorn on loopback and drives
it with ``wrk``. The retention part flags and destroys records: run it on a scratch data set.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client as WebClient  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from guardian.shortcuts import get_objects_for_user  # noqa: E402

from accounts.audit import _seal  # noqa: E402
from accounts.models import AuditEvent, Role, TOTPDevice, User  # noqa: E402
from records import policy  # noqa: E402
from records.models import Client, ClientUserObjectPermission  # noqa: E402
from retention import services as retention_services  # noqa: E402
from retention import sweep  # noqa: E402
from retention.models import DisposalReview  # noqa: E402
from scaledata.build import PASSWORD, USERNAME_PREFIX  # noqa: E402

HOST = "127.0.0.1"
# Queries are SQL statements that read or write; these only open and close transactions.
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


@dataclass
class Row:
    name: str
    figure: str
    target: str
    met: bool | None
    note: str = ""


ROWS: list[Row] = []


def say(message: str) -> None:
    print(message, flush=True)


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


# --- Signing in -----------------------------------------------------------------------------


def sign_in(user: User) -> WebClient:
    """Password, then the authenticator's current code, through the real sign-in views."""
    web = WebClient(HTTP_HOST=HOST)
    response = web.post("/account/sign-in/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, f"sign-in refused for user {user.pk}"
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    while device.last_t >= int(time.time()) // device.step:
        time.sleep(0.5)
    response = web.post("/account/two-factor/", {"code": device.current_token()})
    assert response.status_code == 302, f"second factor refused for user {user.pk}"
    return web


def practitioners_with_caseload(size: int, limit: int) -> list[User]:
    work_on = policy._permission_id(policy.WORK_ON)
    ids = (
        ClientUserObjectPermission.objects.filter(permission_id=work_on)
        .values("user_id")
        .annotate(n=Count("id"))
        .filter(n=size)
        .order_by("user_id")
        .values_list("user_id", flat=True)[:limit]
    )
    users = list(User.objects.filter(pk__in=list(ids), username__startswith=USERNAME_PREFIX))
    if not users:  # a small data set: the largest caseloads there are
        ids = (
            ClientUserObjectPermission.objects.filter(permission_id=work_on)
            .values("user_id")
            .annotate(n=Count("id"))
            .order_by("-n", "user_id")
            .values_list("user_id", flat=True)[:limit]
        )
        users = list(User.objects.filter(pk__in=list(ids)))
    return users


# --- Timing pages ---------------------------------------------------------------------------


def time_pages(
    name: str,
    requests: Sequence[tuple[WebClient, str]],
    *,
    runs: int,
    p50_target: float | None,
    p95_target: float,
    query_target: int | None,
) -> None:
    times: list[float] = []
    queries: list[int] = []
    transaction_statements: list[int] = []
    for n in range(runs + 10):
        web, path = requests[n % len(requests)]
        reset_queries()  # the query log is capped: a full one would miscount
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = web.get(path)
            took = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, f"{name}: {response.status_code} for {path}"
        if n >= 10:  # the first few warm caches and connections
            times.append(took)
            sql = [q["sql"] for q in captured.captured_queries]
            control = sum(s.startswith(TRANSACTION_CONTROL) for s in sql)
            queries.append(len(sql) - control)
            transaction_statements.append(control)
    p50, p95 = percentile(times, 0.5), percentile(times, 0.95)
    most = max(queries)
    met = p95 <= p95_target and (p50_target is None or p50 <= p50_target)
    ROWS.append(
        Row(
            f"{name}: time",
            f"p50 {p50:.1f} ms, p95 {p95:.1f} ms ({runs} runs)",
            (f"p50 ≤ {p50_target:g} ms, " if p50_target else "") + f"p95 ≤ {p95_target:g} ms",
            met,
        )
    )
    if query_target is not None:
        ROWS.append(
            Row(
                f"{name}: queries",
                f"{most} (min {min(queries)}), plus {max(transaction_statements)} "
                "transaction statements (BEGIN, COMMIT)",
                f"≤ {query_target}",
                most <= query_target,
            )
        )
    say(f"{name}: p50 {p50:.1f} ms, p95 {p95:.1f} ms, queries {min(queries)}-{most}")


def bench_pages(runs: int) -> tuple[list[User], list[User]]:
    workers = practitioners_with_caseload(25, 40)
    say(f"Signing in {len(workers)} practitioners ...")
    signed = [(user, sign_in(user)) for user in workers]
    time_pages(
        "Caseload (My clients)",
        [(web, "/records/") for _, web in signed],
        runs=runs,
        p50_target=12,
        p95_target=30,
        query_target=5,
    )
    pages = []
    for n, (user, web) in enumerate(signed):
        for client in policy.caseload(user).order_by("pk")[n % 5 : n % 5 + 5]:
            pages.append((web, f"/records/{client.uuid}/"))
    time_pages(
        "Client page with its audit write",
        pages,
        runs=runs,
        p50_target=8,
        p95_target=20,
        query_target=6,
    )
    managers = list(
        User.objects.filter(groups__name=Role.MANAGER, username__startswith=USERNAME_PREFIX)
        .order_by("pk")
        .distinct()[:20]
    ) or list(User.objects.filter(groups__name=Role.MANAGER).order_by("pk")[:20])
    say(f"Signing in {len(managers)} managers ...")
    logs = []
    for manager in managers:
        web = sign_in(manager)
        team_ids = list(manager.teams.values_list("pk", flat=True))
        clients = Client.objects.filter(team_id__in=team_ids, data_key_destroyed_at=None).order_by(
            "pk"
        )[:10]
        logs += [(web, f"/records/{client.uuid}/accesses/") for client in clients]
    events = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    time_pages(
        f"Who accessed this record ({events:,} events)",
        logs,
        runs=runs,
        p50_target=None,
        p95_target=25,
        query_target=None,
    )
    return workers, managers


# --- django-guardian's generic table, for comparison ----------------------------------------


def bench_naive_guardian(workers: list[User], runs: int) -> None:
    """The same caseload through guardian's generic ``UserObjectPermission`` (object_pk text,
    content type) and ``get_objects_for_user``, with every grant of ours copied into it."""
    from guardian.models import UserObjectPermission

    content_type = ContentType.objects.get_for_model(Client)
    if not UserObjectPermission.objects.filter(content_type=content_type).exists():
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO guardian_userobjectpermission
                    (object_pk, content_type_id, permission_id, user_id)
                SELECT content_object_id::text, %s, permission_id, user_id
                FROM records_clientuserobjectpermission
                """,
                [content_type.pk],
            )
            cursor.execute("ANALYZE guardian_userobjectpermission")
    ours: list[float] = []
    naive: list[float] = []
    for n in range(runs + 10):
        user = User.objects.get(pk=workers[n % len(workers)].pk)
        started = time.perf_counter()
        mine = list(policy.caseload(user))
        middle = time.perf_counter()
        theirs = list(
            get_objects_for_user(
                user,
                "records.work_on_client",
                klass=Client,
                use_groups=False,
                with_superuser=False,
                accept_global_perms=False,
            )
        )
        ended = time.perf_counter()
        assert {c.pk for c in mine} == {c.pk for c in theirs}, "the two caseloads differ"
        if n >= 10:
            ours.append((middle - started) * 1000)
            naive.append((ended - middle) * 1000)
    ratio = statistics.median(naive) / statistics.median(ours)
    ROWS.append(
        Row(
            "Caseload query: naive guardian vs ours",
            f"{statistics.median(naive):.2f} ms vs {statistics.median(ours):.2f} ms (median): "
            f"{ratio:.1f} times",
            "measured, not assumed",
            None,
        )
    )
    say(f"naive guardian {statistics.median(naive):.2f} ms, ours {statistics.median(ours):.2f} ms")


# --- Retention ------------------------------------------------------------------------------


def bench_retention(batch: int) -> None:
    today = timezone.localdate()
    finding: list[float] = []
    for _ in range(41):
        started = time.perf_counter()
        list(sweep.batch_of_candidates(today))
        finding.append((time.perf_counter() - started) * 1000)
    # The first run reads from disk (the nightly sweep's is the same); the rest from memory.
    cold, warm = finding[0], finding[1:]
    ROWS.append(
        Row(
            "Retention: finding due records (one batch of candidates)",
            f"p50 {percentile(warm, 0.5):.1f} ms, p95 {percentile(warm, 0.95):.1f} ms "
            f"(40 runs; the first, cold, {cold:.0f} ms)",
            "≤ 50 ms",
            percentile(warm, 0.95) <= 50,
        )
    )
    run = sweep.claim_run("sweep", total=sweep.candidates(today).count())
    assert run is not None, "another sweep is running"
    longest = 0.0
    batches = 0
    started = time.perf_counter()
    while True:
        begun = time.perf_counter()
        more = sweep._batch(run.pk, today)
        longest = max(longest, time.perf_counter() - begun)
        if not more:
            break
        batches += 1
    total = time.perf_counter() - started
    run.refresh_from_db()
    sweep.finish_run(run)
    ROWS.append(
        Row(
            "Retention sweep: longest batch transaction (locks held)",
            f"{longest * 1000:.0f} ms; {batches} batches, {run.examined:,} examined, "
            f"{run.flagged:,} flagged in {total:.1f} s",
            "≤ 1 s",
            longest <= 1,
        )
    )
    say(f"sweep: {run.examined} examined, {run.flagged} flagged, longest batch {longest:.2f} s")

    ig = User.objects.filter(groups__name=Role.IG_LEAD).order_by("pk").first()
    second = (
        User.objects.filter(groups__name=Role.CALDICOTT_GUARDIAN).exclude(pk=getattr(ig, "pk", 0))
    ).first()
    assert ig is not None
    assert second is not None
    reviews = list(
        DisposalReview.objects.filter(status=DisposalReview.Status.WAITING)
        .select_related("client")
        .order_by("pk")[:batch]
    )
    started = time.perf_counter()
    destroyed = 0
    for review in reviews:
        try:
            certificate = retention_services.review_approve(actor=ig, review=review)
            if certificate is None:
                review.refresh_from_db()
                retention_services.review_confirm(actor=second, review=review)
            destroyed += 1
        except Exception as error:  # a legal hold, say: report, do not stop
            say(f"  review {review.pk} not destroyed: {type(error).__name__}")
    took = time.perf_counter() - started
    ROWS.append(
        Row(
            f"Retention: destroying a batch of {destroyed} due records",
            f"{took:.1f} s ({took / max(destroyed, 1) * 1000:.0f} ms each)",
            "≤ 30 s",
            took <= 30,
        )
    )


# --- Audit chain verification ---------------------------------------------------------------


def bench_verify(sample: int) -> None:
    """Verification reads every event in order and recomputes its seal, as
    ``accounts.audit.verify_chain`` does; timed over the first ``sample`` events."""
    started = time.perf_counter()
    checked = 0
    previous = "0" * 64
    broken = 0
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=5000):
        if event.prev_hash != previous or _seal(event) != event.hash:
            broken += 1
        previous = event.hash
        checked += 1
        if checked >= sample:
            break
    took = time.perf_counter() - started
    total = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    rate = checked / took
    ROWS.append(
        Row(
            "Audit chain verification",
            f"{rate:,.0f} events/s ({checked:,} checked; whole chain of {total:,} ≈ "
            f"{total / rate / 60:.0f} min)",
            "rate (no target)",
            None if broken == 0 else False,
            "" if broken == 0 else f"{broken} events failed",
        )
    )


# --- Load test ------------------------------------------------------------------------------

WRK_SCRIPT = """
local paths = {}
local cookies = {}
local n = 0
function init(args)
  for line in io.lines(args[1]) do
    local cookie, path = line:match("^(%S+) (%S+)$")
    table.insert(cookies, cookie) table.insert(paths, path)
  end
  counter = id
  ok = 0 bad = 0
end
function request()
  counter = counter + 1
  local i = (counter % #paths) + 1
  return wrk.format("GET", paths[i], {["Cookie"] = cookies[i], ["Host"] = "127.0.0.1"})
end
function response(status, headers, body)
  if status == 200 then ok = ok + 1 else bad = bad + 1 last = status end
end
local threads = {}
function setup(thread) thread:set("id", n * 1000003) n = n + 1 table.insert(threads, thread) end
function done(summary, latency, requests)
  local good, other, status = 0, 0, 0
  for _, t in ipairs(threads) do
    good = good + t:get("ok") other = other + t:get("bad") status = t:get("last") or status
  end
  io.write(string.format("RESULT ok=%d other=%d status=%d\\n", good, other, status))
end
"""


def bench_load(
    workers: list[User], managers: list[User], seconds: int, gunicorn_workers: int
) -> None:
    lines = []
    cookie_name = settings.SESSION_COOKIE_NAME
    for user in workers[:30]:
        web = sign_in(user)
        cookie = f"{cookie_name}={web.cookies[cookie_name].value}"
        lines.append(f"{cookie} /records/")
        for client in policy.caseload(user).order_by("pk")[:3]:
            lines.append(f"{cookie} /records/{client.uuid}/")
    for manager in managers[:10]:
        web = sign_in(manager)
        cookie = f"{cookie_name}={web.cookies[cookie_name].value}"
        team_ids = list(manager.teams.values_list("pk", flat=True))
        for client in Client.objects.filter(
            team_id__in=team_ids, data_key_destroyed_at=None
        ).order_by("pk")[:2]:
            lines.append(f"{cookie} /records/{client.uuid}/accesses/")
    folder = Path(tempfile.mkdtemp(prefix="confide-bench-"))
    (folder / "requests.txt").write_text("\n".join(lines) + "\n")
    (folder / "mixed.lua").write_text(WRK_SCRIPT)
    port = 8765
    env = {**os.environ, "DJANGO_DEBUG": "false", "CONFIDE_LOG_LEVEL": "WARNING"}
    server = subprocess.Popen(  # noqa: S603
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(gunicorn_workers),
            "--threads",
            "2",
            "--log-level",
            "warning",
        ],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
    )
    try:
        for _ in range(60):
            try:
                subprocess.run(  # noqa: S603
                    ["curl", "-s", "-o", "/dev/null", f"http://127.0.0.1:{port}/healthz"],  # noqa: S607
                    check=True,
                    timeout=2,
                )
                break
            except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
                time.sleep(0.5)
        before = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
        count_before = AuditEvent.objects.filter(seq__gt=before).count()
        assert count_before == 0
        wrk = shutil.which("wrk")
        assert wrk, "install wrk (apt-get install wrk)"
        result = subprocess.run(  # noqa: S603
            [
                wrk,
                "-t2",
                "-c16",
                f"-d{seconds}s",
                "--latency",
                "-s",
                str(folder / "mixed.lua"),
                f"http://127.0.0.1:{port}",
                "--",
                str(folder / "requests.txt"),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)
    output = result.stdout
    say(output)
    ok = int(output.split("RESULT ok=")[1].split()[0])
    other = int(output.split("other=")[1].split()[0])
    rate_line = next(line for line in output.splitlines() if line.startswith("Requests/sec"))
    rate = float(rate_line.split()[1])
    written = AuditEvent.objects.filter(seq__gt=before).count()
    # Every page, allowed or refused, writes one event. wrk stops with a request in flight on
    # each connection, which the server still serves (and audits): events may exceed responses
    # by up to the number of connections, never fall short.
    lost = max(0, ok + other - written)
    ROWS.append(
        Row(
            f"Mixed load, gunicorn {gunicorn_workers} workers x 2 threads, wrk 16 connections",
            f"{rate:,.0f} requests/s over {seconds} s ({ok:,} served, {other} not 200"
            f"{', e.g. ' + output.split('status=')[1].split()[0] if other else ''})",
            "≥ 250 requests/s",
            rate >= 250,
        )
    )
    ROWS.append(
        Row(
            "Mixed load: audit events lost",
            f"{lost} ({written:,} events for {ok + other:,} responses)",
            "0",
            lost == 0,
        )
    )


# --- Report ---------------------------------------------------------------------------------


def report() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (version,) = cursor.fetchone() or ("?",)
    memory = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
    say("")
    say(
        f"Machine: {os.cpu_count()} cores, {int(memory) // 1024 // 1024} GB memory, "
        f"PostgreSQL {version}; {timezone.localdate().isoformat()}"
    )
    say(
        f"Data: {Client.objects.count():,} clients, "
        f"{AuditEvent.objects.order_by('-seq').values_list('seq', flat=True).first() or 0:,} "
        "audit events"
    )
    width = max(len(r.name) for r in ROWS)
    for row in ROWS:
        verdict = "—" if row.met is None else ("met" if row.met else "MISSED")
        say(f"{row.name:<{width}}  {row.figure}  [target {row.target}: {verdict}]{row.note}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--load-seconds", type=int, default=60)
    parser.add_argument("--gunicorn-workers", type=int, default=3)
    parser.add_argument("--verify-sample", type=int, default=1_000_000)
    parser.add_argument("--destroy", type=int, default=50, help="records destroyed in one batch")
    parser.add_argument(
        "--skip", default="", help="comma-separated: pages,guardian,retention,verify,load"
    )
    args = parser.parse_args()
    if settings.DEBUG:
        sys.exit("Run with DJANGO_DEBUG=false: DEBUG keeps every query in memory.")
    skip = set(filter(None, args.skip.split(",")))
    steps: list[tuple[str, Callable[[], object]]] = []
    workers: list[User] = []
    managers: list[User] = []

    def pages() -> None:
        nonlocal workers, managers
        workers, managers = bench_pages(args.runs)

    steps.append(("pages", pages))
    steps.append(("guardian", lambda: bench_naive_guardian(workers, args.runs)))
    steps.append(("retention", lambda: bench_retention(args.destroy)))
    steps.append(("verify", lambda: bench_verify(args.verify_sample)))
    steps.append(
        ("load", lambda: bench_load(workers, managers, args.load_seconds, args.gunicorn_workers))
    )
    for name, step in steps:
        if name in skip:
            continue
        if name in {"guardian", "load"} and not workers:
            workers = practitioners_with_caseload(25, 40)
            managers = list(User.objects.filter(groups__name=Role.MANAGER).order_by("pk")[:20])
        say(f"== {name}")
        step()
    report()


if __name__ == "__main__":
    main()
