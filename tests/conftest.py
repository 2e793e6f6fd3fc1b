"""Shared fixtures. Tests run on the real PostgreSQL and Redis of the machine (bin/test sets
DATABASE_URL and REDIS_URL); in CI a missing service or a skipped test fails the run."""

from __future__ import annotations

import importlib
import os
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from accounts.models import PolicyAcknowledgement, TOTPDevice, User
from accounts.selectors import current_policy
from tests.factories import PASSWORD, UserFactory, enrol

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls made from the
# test body are still synchronous and safe there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if os.environ.get("CI") and reporter is not None and reporter.stats.get("skipped"):
        reporter.write_line(
            "CI: skipped tests count as failures (a service or browser is missing)", red=True
        )
        session.exitstatus = 1


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    # Fast hashing in tests; the real hasher is Django's default PBKDF2.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.AUDIT_ANCHOR_DIR = tmp_path / "anchors"
    settings.ATTACHMENT_DIR = tmp_path / "attachments"
    settings.KEYSTORE_DIR = tmp_path / "keystore"
    from records.policy import forget_cached_permissions

    forget_cached_permissions()  # a transactional test's flush re-creates permissions
    _own_cache_per_worker(settings)
    from django.core.cache import cache

    cache.clear()


def _own_cache_per_worker(settings: Any) -> None:
    """Parallel workers each test against their own database, so each gets its own Redis
    database for the cache too: otherwise one worker's cached policy id (or its cache.clear())
    leaks into the other's tests."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    default = settings.CACHES["default"]
    if not worker.startswith("gw") or not default["BACKEND"].endswith("RedisCache"):
        return
    base, _, own = default["LOCATION"].rpartition("/")
    # Counted from the run's own database, so two checkouts testing side by side on one Redis
    # (each with its own REDIS_URL database) do not share their workers' databases either.
    number = (int(own) if own.isdigit() else 0) + 1 + int(worker.removeprefix("gw"))
    settings.CACHES = {"default": {**default, "LOCATION": f"{base}/{number}"}}


@pytest.fixture(autouse=True, scope="session")
def _real_services(django_db_setup, django_db_blocker):
    if os.environ.get("CI"):
        with django_db_blocker.unblock():
            assert connection.vendor == "postgresql", "CI runs the suite on PostgreSQL"
        assert os.environ.get("REDIS_URL"), "CI runs the suite with Redis"


@pytest.fixture(autouse=True)
def _reference_data(request: pytest.FixtureRequest) -> Iterator[None]:
    """Transactional tests empty every table when they end, data-migration rows included (roles,
    the first policy, the chain head, the retention classes, the monitoring rules). Put them
    back, with the migrations' own idempotent code.

    That flush truncates every table, and PostgreSQL refuses TRUNCATE on the audit trail by
    trigger. The test role is a superuser, so the session skips triggers for the flush (as a
    restore from backup would), and every test that uses the database switches them back on."""
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    transactional = "transactional_db" in names or (
        marker is not None and marker.kwargs.get("transaction")
    )
    if not transactional and marker is None and "db" not in names:
        yield
        return
    request.getfixturevalue("transactional_db" if transactional else "db")
    _set_triggers(on=True)
    if not transactional:
        yield
        return
    from django.apps import apps as django_apps

    migration = importlib.import_module(
        "accounts.migrations.0002_roles_audit_protection_first_policy"
    )
    migration.create_roles_head_policy(django_apps, None)
    classes = importlib.import_module("retention.migrations.0002_default_retention_classes")
    classes.create(django_apps, None)  # the default retention class, which every record has
    rules = importlib.import_module("monitoring.migrations.0002_the_rules")
    rules.create(django_apps, None)  # the access-monitoring rules
    yield
    _set_triggers(on=False)


def _set_triggers(*, on: bool) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET session_replication_role = {'origin' if on else 'replica'}")


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def user(db) -> User:
    return UserFactory.create(username="pat", roles=["practitioner"])


@pytest.fixture
def enrolled_user(user) -> User:
    enrol(user)
    return user


def current_code(user: User) -> str:
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    # A code is accepted once per time step; wait for the next step if this one was used.
    while device.last_t >= int(time.time()) // device.step:
        time.sleep(0.5)
    return device.current_token()


def sign_in_fully(client: Client, user: User, *, acknowledge: bool = True) -> None:
    """Password, second factor and (by default) policy acknowledgement, through the real views."""
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        enrol(user)
    response = client.post("/account/sign-in/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    if device.last_t >= int(time.time()) // device.step:
        # This step's code is spent (signed in moments ago): use a backup code, not a 30 s wait.
        from accounts.services import backup_codes_replace

        code = backup_codes_replace(user=user, count=1)[0]
    else:
        code = device.current_token()
    response = client.post("/account/two-factor/", {"code": code})
    assert response.status_code == 302
    if acknowledge:
        policy = current_policy()
        if policy is not None:
            PolicyAcknowledgement.objects.get_or_create(user=user, policy=policy)


@pytest.fixture
def signed_in(client, enrolled_user) -> Client:
    sign_in_fully(client, enrolled_user)
    return client


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("REDIS_URL") or settings.REDIS_URL or "redis://127.0.0.1:6379/0"
    return url
