"""The production container files agree with the code they deploy.

No Docker engine runs here, so these read the Dockerfile, docker-compose.yml and the example
environment files, and check them against the repository: every service is there and runs the
right thing, the modules and files they name exist, the volumes are declared and kept apart, and
the example settings name exactly the variables config/settings.py reads.
"""

from __future__ import annotations

import http.server
import importlib
import importlib.util
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from celery import Celery
from celery.app.utils import find_app
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
APP_SERVICES = ("migrate", "web", "worker", "beat")
LONG_RUNNING = ("postgres", "redis", "web", "worker", "beat")
# Read by the container itself (Dockerfile CMD, bin/healthcheck.py), not by the settings.
CONTAINER_VARIABLES = {"GUNICORN_WORKERS", "HEALTHCHECK_HOST"}
_ASSIGNMENT = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=(.*)$")


# --- Reading the files ---------------------------------------------------------------------------


def _compose() -> dict[str, Any]:
    compose: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text("utf-8"))
    return compose


def _services() -> dict[str, Any]:
    services: dict[str, Any] = _compose()["services"]
    return services


def _command(service: dict[str, Any]) -> str:
    command = service.get("command")
    assert command, "the service names its command"
    return command if isinstance(command, str) else " ".join(command)


def _healthcheck(service: dict[str, Any]) -> str:
    check = service.get("healthcheck") or {}
    assert not check.get("disable"), "the health check is not disabled"
    test = check.get("test")
    assert test, "the service has a health check"
    return test if isinstance(test, str) else " ".join(test)


def _named_mounts(service: dict[str, Any]) -> dict[str, str]:
    """Named volume -> mount point, for the short and the long volume syntax."""
    mounts = {}
    for volume in service.get("volumes", []):
        if isinstance(volume, str):
            source, _, rest = volume.partition(":")
            target = rest.split(":")[0]
        elif volume.get("type") == "volume":
            source, target = volume.get("source", ""), volume["target"]
        else:
            continue
        if source and not source.startswith((".", "/", "~")):
            mounts[source] = target
    return mounts


def _env_file(name: str) -> dict[str, str]:
    """Every NAME=value in an example env file, commented-out optional settings included."""
    found = {}
    for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
        match = _ASSIGNMENT.match(line.strip())
        if match:
            found[match.group(1)] = match.group(2).strip()
    return found


def _active_env(name: str) -> dict[str, str]:
    lines = (ROOT / name).read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def _settings_source() -> str:
    return "".join(
        (ROOT / "config" / file).read_text(encoding="utf-8") for file in ("settings.py", "env.py")
    )


def _dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined and comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        pending += line
        if pending.endswith("\\"):
            pending = pending[:-1] + " "
            continue
        keyword, _, arguments = pending.partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        pending = ""
    return instructions


def _dockerfile_args(keyword: str) -> list[str]:
    return [arguments for found, arguments in _dockerfile() if found == keyword]


# --- The stack -----------------------------------------------------------------------------------


def test_compose_runs_the_whole_production_stack():
    services = _services()

    for name in ("postgres", "redis", *APP_SERVICES):
        assert name in services, f"docker-compose.yml has no {name} service"
    assert services["postgres"]["image"].split(":")[0] == "postgres"
    assert services["redis"]["image"].split(":")[0] == "redis"
    assert "--appendonly yes" in _command(services["redis"])
    for name in LONG_RUNNING:
        assert services[name]["restart"] == "unless-stopped", f"{name} comes back after a reboot"


def test_app_services_share_one_image_built_from_the_dockerfile():
    services = _services()
    images = set()

    for name in APP_SERVICES:
        service = services[name]
        build = service.get("build")
        assert build, f"{name} builds the app image"
        context = build if isinstance(build, str) else build.get("context", ".")
        dockerfile = (
            "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
        )
        assert (ROOT / context).resolve() == ROOT
        assert (ROOT / context / dockerfile).resolve() == ROOT / "Dockerfile"
        assert service["env_file"] == ".env.production"
        images.add(service.get("image"))

    assert len(images) == 1, f"the app services run one image, not {images}"
    assert None not in images


def test_long_running_services_have_health_checks():
    services = _services()

    assert "pg_isready" in _healthcheck(services["postgres"])
    assert "redis-cli ping" in _healthcheck(services["redis"])
    assert "/app/bin/healthcheck.py" in _healthcheck(services["web"])
    assert "inspect ping" in _healthcheck(services["worker"])
    assert "celery@$$HOSTNAME" in _healthcheck(services["worker"])
    # Beat answers `inspect ping` only with remote control on (Celery 5.7's BeatPidbox).
    assert "inspect ping" in _healthcheck(services["beat"])
    assert "celerybeat@$$HOSTNAME" in _healthcheck(services["beat"])
    assert "--enable-remote-control" in _command(services["beat"])
    assert hasattr(importlib.import_module("celery.beat"), "BeatPidbox")


def test_web_serves_the_django_wsgi_app_with_gunicorn():
    web = _services()["web"]
    command = _command(web)

    assert re.search(r"\bgunicorn config\.wsgi:application\b", command)
    assert "--bind 0.0.0.0:8000" in command
    assert importlib.util.find_spec("config.wsgi") is not None
    assert callable(importlib.import_module("config.wsgi").application)
    # Plain HTTP only on the host's loopback, for the TLS proxy there.
    assert web["ports"] == ["127.0.0.1:8000:8000"]


def test_health_checks_reach_the_health_endpoint():
    from django.urls import resolve

    from accounts.views import healthz

    assert resolve("/healthz").func is healthz
    assert _healthcheck_module().URL == "http://127.0.0.1:8000/healthz"


def test_worker_and_beat_run_the_config_celery_app():
    services = _services()

    assert re.search(r"^celery -A config worker\b", _command(services["worker"]))
    assert re.search(r"^celery -A config beat\b", _command(services["beat"]))
    module = importlib.import_module("config.celery")
    assert isinstance(module.app, Celery)
    # What `celery -A config` itself finds.
    assert find_app("config") is module.app


def test_migrations_run_once_before_the_app_starts():
    services = _services()
    migrate = services["migrate"]

    assert re.search(r"\bpython manage\.py migrate --noinput\b", _command(migrate))
    assert migrate["restart"] == "no", "a one-shot service is not restarted after it succeeds"
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("web", "worker", "beat"):
        depends_on = services[name]["depends_on"]
        assert depends_on["migrate"]["condition"] == "service_completed_successfully", name
        assert depends_on["redis"]["condition"] == "service_healthy", name
        assert depends_on["postgres"]["condition"] == "service_healthy", name


# --- Volumes -------------------------------------------------------------------------------------


def test_every_named_volume_is_declared():
    compose = _compose()
    declared = set(compose.get("volumes") or {})
    used = {volume for service in compose["services"].values() for volume in _named_mounts(service)}

    assert {"postgres-data", "redis-data", "confide-data", "audit-anchors"} <= used
    assert used <= declared, f"undeclared volumes: {sorted(used - declared)}"


def test_audit_anchors_live_on_their_own_volume():
    services = _services()
    database_volumes = set(_named_mounts(services["postgres"]))

    assert _named_mounts(services["postgres"]).get("postgres-data") == "/var/lib/postgresql/data"
    for name in ("web", "worker", "beat"):
        service = services[name]
        anchor_dir = service["environment"]["CONFIDE_AUDIT_ANCHOR_DIR"]
        mounted = {target: volume for volume, target in _named_mounts(service).items()}
        assert mounted.get(anchor_dir) == "audit-anchors", f"{name}: anchors on their volume"
        assert not database_volumes & set(mounted.values()), f"{name} mounts the database volume"
    assert "audit-anchors" not in database_volumes


def test_the_keystore_is_on_its_own_volume_that_web_and_worker_share():
    services = _services()
    database_volumes = set(_named_mounts(services["postgres"]))

    for name in ("web", "worker"):
        service = services[name]
        keystore_dir = service["environment"]["CONFIDE_KEYSTORE_DIR"]
        mounted = {target: volume for volume, target in _named_mounts(service).items()}
        assert mounted.get(keystore_dir) == "keystore", f"{name}: key shares on their volume"
    assert "keystore" not in database_volumes
    assert "keystore" in (_compose().get("volumes") or {})
    # The image makes the mount point, private to the app's user, for a fresh volume to inherit.
    assert any("-m 0700 /keystore" in run for run in _dockerfile_args("RUN"))


def test_data_dir_and_beat_schedule_are_on_the_data_volume():
    services = _services()

    for name in APP_SERVICES:
        service = services[name]
        data_dir = service["environment"]["CONFIDE_DATA_DIR"]
        assert _named_mounts(service).get("confide-data") == data_dir, name
    beat = services["beat"]
    schedule = re.search(r"--schedule (\S+)", _command(beat))
    assert schedule, "beat keeps its schedule file on a volume"
    data_dir = beat["environment"]["CONFIDE_DATA_DIR"]
    assert schedule.group(1).startswith(data_dir.rstrip("/") + "/")


# --- The example environment ---------------------------------------------------------------------


def test_env_example_names_only_variables_the_settings_read():
    source = _settings_source()
    unknown = []

    for name in _env_file(".env.production.example"):
        if name in CONTAINER_VARIABLES:
            continue
        base = name.removesuffix("_FILE")
        if base != name:  # NAME_FILE: NAME must be read as a secret
            if not re.search(rf'(?:_secret|env_secret)\(\s*"{base}"', source):
                unknown.append(name)
        elif f'"{name}"' not in source:
            unknown.append(name)

    assert not unknown, f".env.production.example names variables no setting reads: {unknown}"


def test_env_example_documents_every_variable_the_settings_read():
    read = set(re.findall(r'(?:env_\w+|_secret)\(\s*"([A-Z][A-Z0-9_]*)"', _settings_source()))
    documented = set(_env_file(".env.production.example"))
    set_by_compose = set(_services()["web"]["environment"])
    set_by_image = {
        name
        for arguments in _dockerfile_args("ENV")
        for name in re.findall(r"\b([A-Z][A-Z0-9_]*)=", arguments)
    }

    assert read, "the settings' environment reads were found"
    missing = read - documented - set_by_compose - set_by_image
    assert not missing, f"undocumented in .env.production.example: {sorted(missing)}"
    for name in CONTAINER_VARIABLES:
        assert name in documented
        assert name in (ROOT / "Dockerfile").read_text(encoding="utf-8") + (
            ROOT / "bin" / "healthcheck.py"
        ).read_text(encoding="utf-8")


def test_env_example_configures_production_against_the_compose_services():
    app = _active_env(".env.production.example")
    database = _active_env(".env.postgres.example")

    assert app["CONFIDE_ENVIRONMENT"] == "production"
    for required in (
        "DJANGO_SECRET_KEY",
        "DJANGO_ALLOWED_HOSTS",
        "CONFIDE_FIELD_KEY",
        "CONFIDE_MASTER_KEY",
        "CONFIDE_BLIND_INDEX_KEY",
    ):
        assert app[required], required
    assert app["CONFIDE_AUDIT_KEY"]
    assert app["CONFIDE_BEHIND_TLS_PROXY"] == "true"
    assert app["CONFIDE_TRUSTED_PROXY_COUNT"].isdigit()
    assert app["DATABASE_URL"] == (
        f"postgres://{database['POSTGRES_USER']}:{database['POSTGRES_PASSWORD']}"
        f"@postgres:5432/{database['POSTGRES_DB']}"
    )
    assert re.fullmatch(r"redis://redis:6379/\d+", app["REDIS_URL"])
    assert _services()["postgres"]["env_file"] == ".env.postgres"


# --- The image -----------------------------------------------------------------------------------


def test_dockerfile_builds_the_assets_and_the_app_from_files_in_the_repo():
    stages = _dockerfile_args("FROM")
    assert [stage.split()[0] for stage in stages] == [
        "node:20-bookworm-slim",
        "python:3.11-slim-bookworm",
    ]
    runs = " && ".join(_dockerfile_args("RUN"))
    assert "npm ci" in runs
    assert "npm run build" in runs
    assert "pip install --no-cache-dir --require-hashes -r requirements.lock" in runs
    # With production settings, so WhiteNoise's manifest (staticfiles.json) is written.
    assert re.search(r"CONFIDE_ENVIRONMENT=production .*manage\.py collectstatic --noinput", runs)

    for required in ("package.json", "package-lock.json", "manage.py", "config/wsgi.py"):
        assert (ROOT / required).is_file(), required
    for arguments in _dockerfile_args("COPY"):
        if arguments.startswith("--from="):
            continue
        for source in arguments.split()[:-1]:
            if source != "requirements.lock":  # see test_runtime_lock_file_pins_hashes
                assert (ROOT / source).exists(), f"the Dockerfile copies a missing {source}"


def test_image_runs_gunicorn_as_an_unprivileged_user_with_a_health_check():
    (cmd,) = _dockerfile_args("CMD")
    (user,) = _dockerfile_args("USER")
    (healthcheck,) = _dockerfile_args("HEALTHCHECK")

    assert re.search(r"\bexec gunicorn config\.wsgi:application --bind 0\.0\.0\.0:8000\b", cmd)
    assert "--access-logfile -" in cmd
    assert _dockerfile_args("EXPOSE") == ["8000"]
    assert user.split(":")[0] not in {"root", "0"}
    assert "/app/bin/healthcheck.py" in healthcheck
    assert (ROOT / "bin" / "healthcheck.py").is_file()


def test_runtime_lock_file_pins_hashes():
    lock = ROOT / "requirements.lock"
    assert lock.is_file(), "requirements.lock (pip-compile --generate-hashes) is missing"
    text = lock.read_text(encoding="utf-8")

    assert "--hash=sha256:" in text
    celery = re.search(r"^celery(?:\[[^\]]*\])?==(\S+)", text, re.MULTILINE)
    assert celery, "requirements.lock pins celery"
    # docker-compose.yml's beat uses --enable-remote-control, new in Celery 5.7.
    assert Version(celery.group(1)) >= Version("5.7")


def test_build_context_leaves_out_local_state_and_secrets():
    ignored = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }

    for entry in (".git", ".venv", "node_modules", "build", "data", "staticfiles"):
        assert entry in ignored, entry
    assert {"test-artifacts", "**/__pycache__", ".env.*"} <= ignored
    for needed in ("package.json", "package-lock.json", "static", "bin", "requirements.lock"):
        assert needed not in ignored, f"the build needs {needed}"


# --- The health probe ----------------------------------------------------------------------------


def _healthcheck_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("healthcheck", ROOT / "bin" / "healthcheck.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("environ", "host"),
    [
        ({"DJANGO_ALLOWED_HOSTS": "confide.example.org, www.example.org"}, "confide.example.org"),
        ({"DJANGO_ALLOWED_HOSTS": ".example.org"}, "example.org"),
        ({"DJANGO_ALLOWED_HOSTS": "*"}, "localhost"),
        ({}, "localhost"),
        (
            {"DJANGO_ALLOWED_HOSTS": "a.example.org", "HEALTHCHECK_HOST": "b.example.org"},
            "b.example.org",
        ),
    ],
)
def test_health_probe_sends_an_allowed_host(environ, host):
    assert _healthcheck_module().probe_host(environ) == host


@pytest.fixture
def fake_app() -> Iterator[tuple[str, list[tuple[int, bytes]], list[str]]]:
    """A local HTTP server answering with queued (status, body) pairs; records Host headers."""
    answers: list[tuple[int, bytes]] = []
    hosts: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hosts.append(self.headers["Host"])
            status, body = answers.pop(0)
            self.send_response(status)
            if status in {301, 302}:
                self.send_header("Location", "https://elsewhere.example/healthz")
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/healthz", answers, hosts
    finally:
        server.shutdown()
        server.server_close()


def test_health_probe_passes_only_on_a_direct_ok(fake_app):
    url, answers, hosts = fake_app
    check = _healthcheck_module().check

    answers.append((200, b'{"status": "ok"}'))
    assert check(url, host="confide.example.org")
    assert hosts == ["confide.example.org"]

    answers.append((301, b""))  # an HTTPS redirect is never followed
    assert not check(url, host="confide.example.org")
    answers.append((400, b"Bad Request"))  # Host not allowed
    assert not check(url, host="confide.example.org")
    answers.append((200, b'{"status": "starting"}'))
    assert not check(url, host="confide.example.org")
