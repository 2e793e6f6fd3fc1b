"""A month's access-monitoring report at scale: computed from the raw audit trail, and from the
rollup the nightly job maintains; also what the nightly job costs per day. Prints figures against
the issue's targets (raw <= 1 s, rollup <= 100 ms); not a pass/fail test.

Run it on the scale data set (``manage.py scale_data --size full``), with the same settings:

    DATABASE_URL=postgres://confide_test:confide_test@127.0.0.1:5432/confide_scale \\
        .venv/bin/python bench/monitoring_report.py [--month YYYY-MM] [--runs N]

It evaluates the month's days (and the baseline weeks before them) if the nightly job has not,
which raises findings and writes rollups in that database.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import AuditEvent  # noqa: E402
from monitoring import reports  # noqa: E402
from monitoring.evaluate import evaluate_day  # noqa: E402
from monitoring.models import EvaluatedDay, Finding  # noqa: E402


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))
    return ordered[index]


def _timed(label: str, runs: int, work: object, target_ms: float) -> None:
    times, queries = [], 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            work()  # type: ignore[operator]
            times.append((time.perf_counter() - started) * 1000)
        queries = len(captured)
    p50, p95 = statistics.median(times), _percentile(times, 95)
    verdict = "met" if p95 <= target_ms else "MISSED"
    print(
        f"{label:<44} p50 {p50:8.1f} ms  p95 {p95:8.1f} ms  {queries:3d} queries  "
        f"target {target_ms:g} ms: {verdict}"
    )


def _month(text: str | None) -> tuple[date, date]:
    if text:
        year, month = (int(part) for part in text.split("-"))
        first = date(year, month, 1)
    else:
        last = AuditEvent.objects.order_by("-seq").values_list("occurred_at", flat=True).first()
        if last is None:
            raise SystemExit("The audit trail is empty: build the scale data set first")
        first = (last.date().replace(day=1) - timedelta(days=1)).replace(day=1)
    end = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return first, end


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--month", help="YYYY-MM; default the last whole month in the trail")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--baseline-days", type=int, default=28)
    args = parser.parse_args()
    start, end = _month(args.month)
    scope = reports.Scope(start, end)
    print(f"Access monitoring report for {start:%B %Y} ({connection.vendor})")

    in_month = AuditEvent.objects.filter(
        occurred_at__date__gte=start, occurred_at__date__lte=end
    ).count()
    print(
        f"audit events in the month: {in_month}; in the trail: "
        f"{AuditEvent.objects.order_by('-seq').values_list('seq', flat=True).first()}"
    )

    _timed(
        "month from the raw trail", max(3, args.runs // 2), lambda: reports.from_trail(scope), 1000
    )

    day = start - timedelta(days=args.baseline_days)
    evaluated, spent = 0, 0.0
    while day <= end:
        if not EvaluatedDay.objects.filter(day=day).exists():
            started = time.perf_counter()
            evaluate_day(day)
            spent += time.perf_counter() - started
            evaluated += 1
        day += timedelta(days=1)
    if evaluated:
        print(
            f"nightly job: {evaluated} days evaluated, {spent / evaluated * 1000:.0f} ms a day; "
            f"findings in the month: {Finding.objects.filter(day__gte=start, day__lte=end).count()}"
        )
    assert reports.rollup_covers(scope)
    _timed("month from the nightly rollup", args.runs, lambda: reports.from_rollup(scope), 100)


if __name__ == "__main__":
    main()
