"""Settings come from the environment, fail loudly, and harden production."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_secret

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CONFIDE_", "DJANGO_", "DATABASE_", "CELERY_"))
    }
    base.pop("REDIS_URL", None)
    base.update({"CONFIDE_DATA_DIR": str(tmp_path / "data"), **env})
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "CONFIDE_ENVIRONMENT": "production",
    "DJANGO_SECRET_KEY": "x" * 20 + "-production-secret-key-for-the-check-0123456789",
    "DJANGO_ALLOWED_HOSTS": "confide.example.org",
    "CONFIDE_FIELD_KEY": Fernet.generate_key().decode(),
    "CONFIDE_AUDIT_KEY": "a" * 44,
    "CONFIDE_MASTER_KEY": base64.b64encode(b"m" * 32).decode(),
    "CONFIDE_BLIND_INDEX_KEY": "b" * 44,
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/test",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


def test_production_settings_pass_the_deployment_check_with_no_warnings(tmp_path: Path) -> None:
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION, tmp_path=tmp_path
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_its_secrets(tmp_path: Path) -> None:
    env = {k: v for k, v in PRODUCTION.items() if k != "CONFIDE_FIELD_KEY"}
    result = run_manage("check", env=env, tmp_path=tmp_path)
    assert result.returncode != 0
    assert (
        "CONFIDE_FIELD_KEY (or CONFIDE_FIELD_KEY_FILE) must be set in production" in result.stderr
    )


def test_bad_values_stop_start_up_with_a_clear_message(tmp_path: Path) -> None:
    result = run_manage("check", env={"CONFIDE_IDLE_TIMEOUT_MINUTES": "soon"}, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "CONFIDE_IDLE_TIMEOUT_MINUTES must be a whole number, not 'soon'" in result.stderr


def test_a_site_url_that_is_not_an_address_stops_start_up(tmp_path: Path) -> None:
    result = run_manage("check", env={"CONFIDE_SITE_URL": "confide.example.org"}, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "CONFIDE_SITE_URL must be the site's address" in result.stderr


def test_debug_is_refused_in_production(tmp_path: Path) -> None:
    result = run_manage("check", env={**PRODUCTION, "DJANGO_DEBUG": "true"}, tmp_path=tmp_path)
    assert "DJANGO_DEBUG must be off in production" in result.stderr


def test_embedded_default_runs_on_sqlite_with_the_audit_trail_protected(tmp_path: Path) -> None:
    """With no configuration: SQLite in the data folder, migrations apply, and the audit table
    refuses changes there too."""
    assert run_manage("migrate", "-v0", env={}, tmp_path=tmp_path).returncode == 0
    database = tmp_path / "data" / "confide.sqlite3"
    assert database.exists()
    script = (
        "from accounts.audit import audit_log, verify_chain\n"
        "from accounts.models import AuditEvent\n"
        "audit_log(action='test.sqlite', actor=None)\n"
        "assert verify_chain().intact\n"
        "try:\n"
        "    AuditEvent.objects.update(reason='x')\n"
        "except Exception as exc:\n"
        "    print('refused:', exc)\n"
    )
    result = run_manage("shell", "-c", script, env={}, tmp_path=tmp_path)
    assert "refused: audit events are append-only: UPDATE refused" in result.stdout, result.stderr
    assert (tmp_path / "data" / "secrets" / "confide_audit_key").exists()


def test_the_demo_organisation_is_refused_in_production(tmp_path: Path) -> None:
    result = run_manage("demo_organisation", env=PRODUCTION, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "refused under production settings" in result.stderr


def test_secret_can_come_from_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "key"
    secret.write_text("from-a-file\n")
    monkeypatch.setenv("SOME_KEY_FILE", str(secret))
    assert env_secret("SOME_KEY") == "from-a-file"
    monkeypatch.setenv("SOME_KEY", "direct")
    with pytest.raises(ImproperlyConfigured, match="not both"):
        env_secret("SOME_KEY")


def test_typed_readers_reject_nonsense(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLAG", "perhaps")
    with pytest.raises(ImproperlyConfigured, match="FLAG must be true or false"):
        env_bool("FLAG", False)
    monkeypatch.setenv("COUNT", "-3")
    with pytest.raises(ImproperlyConfigured, match="COUNT must be at least 0"):
        env_int("COUNT", 1, minimum=0)


def test_every_environment_variable_the_settings_read_is_documented() -> None:
    import re

    source = (ROOT / "config" / "settings.py").read_text()
    names = set(re.findall(r'env_\w+\(\s*"([A-Z][A-Z0-9_]+)"', source))
    names |= set(re.findall(r'_secret\(\s*"([A-Z][A-Z0-9_]+)"', source))
    readme = (ROOT / "README.md").read_text()
    assert len(names) > 30
    assert sorted(n for n in names if f"`{n}`" not in readme) == []
