"""The sweep on a real Celery worker and beat schedule, on Redis and on the embedded default:
records past their date are flagged exactly once, a held record is not, and killing the worker
mid-sweep and starting it again flags nothing twice and misses nothing."""

from __future__ import annotations

import importlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.apps import apps as django_apps
from django.utils import timezone

from accounts.models import AuditEvent
from records.models import Client, ClientStatus
from retention.models import DisposalReview, LegalHold, SweepRun
from tests.factories import TeamFactory, UserFactory, make_client
from tests.test_jobs import CELERY, ROOT, job_env, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

DUE = 40


@pytest.fixture
def workers() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for worker in started:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=15)


def start(env: dict[str, str], workers: list[subprocess.Popen[bytes]]) -> subprocess.Popen[bytes]:
    """A worker with its embedded beat, in a process group of its own, so that killing it
    kills the beat process too, as a crash of the machine would."""
    worker = subprocess.Popen(
        [CELERY, "-A", "config", "worker", "--beat", "--pool", "solo", "--without-mingle"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(env["CONFIDE_DATA_DIR"] + "-worker.log", "ab"),  # noqa: SIM115
        start_new_session=True,
    )
    workers.append(worker)
    return worker


def _records() -> tuple[set[int], Client, Client]:
    migration = importlib.import_module("retention.migrations.0002_default_retention_classes")
    migration.create(django_apps, None)  # the transactional test's flush removed the classes
    team = TeamFactory.create()
    lead = UserFactory.create(roles=["ig_lead"])
    long_ago = timezone.localdate() - timedelta(days=365 * 9)
    due: set[int] = set()
    for _ in range(DUE):
        client = make_client(team)
        client.closed_on, client.status = long_ago, ClientStatus.CLOSED
        client.save()
        due.add(client.pk)
    held = make_client(team)
    held.closed_on, held.status = long_ago, ClientStatus.CLOSED
    held.save()
    hold = LegalHold(client=held, reason=LegalHold.Reason.LEGAL_PROCEEDINGS, placed_by=lead)
    hold.review_on, hold.detail = timezone.localdate() + timedelta(days=90), ""
    hold.save()
    recent = make_client(team)
    recent.closed_on, recent.status = timezone.localdate(), ClientStatus.CLOSED
    recent.save()
    return due, held, recent


@pytest.mark.parametrize("broker", ["redis", "embedded"])
def test_the_scheduled_sweep_flags_each_due_record_once_even_when_killed_mid_run(
    tmp_path: Path, broker: str, redis_url: str, workers: list[subprocess.Popen[bytes]]
) -> None:
    due, held, recent = _records()
    extra = {
        "CONFIDE_RETENTION_SWEEP_CRON": "* * * * *",  # beat: every minute
        "CONFIDE_RETENTION_REMINDER_CRON": "0 0 1 1 *",
        "CONFIDE_RETENTION_BATCH_SIZE": "2",
        "CONFIDE_RETENTION_BATCH_PAUSE_MS": "300",
        "CONFIDE_RETENTION_STALE_SECONDS": "2",
    }
    if broker == "redis":
        url = redis_url.rsplit("/", 1)[0] + "/13"
        redis.Redis.from_url(url).flushdb()
        extra["REDIS_URL"] = url
    env = job_env(tmp_path, **extra)

    first = start(env, workers)
    assert wait_for(lambda: DisposalReview.objects.count() >= 6, 150), "beat never swept"
    os.killpg(first.pid, signal.SIGKILL)  # mid-sweep: worker and beat die at once
    first.wait(timeout=15)
    part = DisposalReview.objects.count()
    assert 0 < part < DUE, "the sweep was not killed part-way"
    killed = SweepRun.objects.get(job="sweep")
    assert killed.status == "running"

    # The restarted worker takes the killed run over the next time the sweep is sent: by beat
    # the next minute, or at once, as here, by the IG lead's "Run the sweep now".
    start(env, workers)
    send = "from retention.tasks import sweep; sweep.delay()"
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", send],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=60,
    )
    assert wait_for(
        lambda: SweepRun.objects.filter(job="sweep", status="finished").exists(), 150
    ), "the killed run was never resumed"

    run = SweepRun.objects.get(pk=killed.pk)
    assert run.status == "finished"
    assert run.resumed >= 1
    assert run.flagged == DUE
    reviews = list(DisposalReview.objects.values_list("client_id", flat=True))
    assert sorted(reviews) == sorted(due)  # each due record once; not the held or the recent
    assert held.pk not in reviews
    assert recent.pk not in reviews
    flagged = AuditEvent.objects.filter(action="retention.flagged")
    assert sorted(int(e.object_id) for e in flagged) == sorted(due)  # no event twice either
