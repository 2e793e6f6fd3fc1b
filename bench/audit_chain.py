"""Audit-trail throughput: events written per second (each under the chain-head lock, one
transaction each) and chain verification rate. Prints figures; not a pass/fail test.

    DATABASE_URL=postgres://confide_test:confide_test@127.0.0.1:5432/confide_bench \
        .venv/bin/python bench/audit_chain.py [EVENTS]

Run it against a scratch database: it writes to the audit trail, which cannot be cleaned up.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from accounts.audit import audit_log, verify_chain  # noqa: E402


def main() -> None:
    events = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    for n in range(events):
        with transaction.atomic():
            audit_log(
                action="bench.event", actor=None, object_type="bench", object_id=n, detail={"n": n}
            )
    wrote = time.perf_counter() - start
    start = time.perf_counter()
    report = verify_chain()
    checked = time.perf_counter() - start
    print(f"database: {connection.vendor}")
    write_rate = events / wrote
    verify_rate = report.checked / checked
    print(f"audit writes: {events} in {wrote:.2f} s = {write_rate:,.0f} events/s")
    print(f"chain verification: {report.checked} in {checked:.2f} s = {verify_rate:,.0f} events/s")
    print(f"chain intact: {report.intact}")


if __name__ == "__main__":
    main()
