"""Scheduled jobs run in a real Celery worker: on Redis, and on the embedded default without it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from accounts.audit import audit_log, verify_chain
from accounts.models import AuditEvent

ROOT = Path(__file__).resolve().parent.parent
CELERY = str(Path(sys.executable).with_name("celery"))

pytestmark = pytest.mark.django_db(transaction=True)


def job_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    db = connection.settings_dict
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("CONFIDE_", "CELERY_", "REDIS_"))
    }
    env.update(
        {
            "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "CONFIDE_DATA_DIR": str(tmp_path / "data"),
            "CONFIDE_AUDIT_ANCHOR_DIR": str(settings.AUDIT_ANCHOR_DIR),
            "CONFIDE_AUDIT_KEYS": ",".join(
                f"{k}:{v.decode()}" for k, v in settings.AUDIT_HMAC_KEYS.items()
            ),
            "CONFIDE_FIELD_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
            **extra,
        }
    )
    return env


def start_worker(env: dict[str, str], *extra: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            CELERY,
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
            "--without-mingle",
            "--without-gossip",
            "-l",
            "INFO",
            *extra,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


@pytest.fixture
def stop() -> Iterator[list[subprocess.Popen[bytes]]]:
    workers: list[subprocess.Popen[bytes]] = []
    yield workers
    for worker in workers:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()


def wait_for(condition, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.5)
    return False


def test_a_worker_on_redis_runs_the_verification_job(tmp_path: Path, redis_url: str, stop) -> None:
    for n in range(3):
        audit_log(action="test.event", actor=None, detail={"n": n})
    broker = redis_url.rsplit("/", 1)[0] + "/14"
    import redis

    redis.Redis.from_url(broker).flushdb()
    env = job_env(tmp_path, REDIS_URL=broker)
    stop.append(start_worker(env))
    send = "from accounts.tasks import verify_audit_chain; verify_audit_chain.delay()"
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", send],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=60,
    )
    assert wait_for(lambda: AuditEvent.objects.filter(action="audit.verified").exists()), stop[
        0
    ].stderr
    event = AuditEvent.objects.get(action="audit.verified")
    assert event.outcome == "success"
    assert event.detail["checked"] == 3
    assert verify_chain().intact  # the worker's event extends the same chain


def test_without_redis_the_embedded_beat_runs_scheduled_jobs(tmp_path: Path, stop) -> None:
    audit_log(action="test.event", actor=None)
    env = job_env(tmp_path, CONFIDE_AUDIT_ANCHOR_SECONDS="2")
    stop.append(start_worker(env, "--beat"))
    anchors = Path(settings.AUDIT_ANCHOR_DIR) / "anchors.jsonl"
    assert wait_for(anchors.exists), "beat never ran the anchoring job"
    line = json.loads(anchors.read_text().splitlines()[0])
    assert line["seq"] == 1
    assert (tmp_path / "data" / "celery" / "queue").is_dir()  # the file-system broker's queue
