"""Typed readers for the environment.

Every setting the product reads comes through these helpers, so that a bad value stops start-up
with a message naming the variable instead of surfacing later as a confusing error. A secret may
be given directly (``NAME``) or as the path of a file that holds it (``NAME_FILE``), the form that
Docker and systemd secrets use.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return None
    return value.strip()


def env_str(name: str, default: str) -> str:
    value = _raw(name)
    return default if value is None else value


def env_optional_str(name: str) -> str | None:
    return _raw(name)


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false (1/0, yes/no, on/off), not {value!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = _raw(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_int_list(
    name: str, default: list[int], *, minimum: int, maximum: int, example: str
) -> list[int]:
    """Distinct whole numbers, comma-separated, each from ``minimum`` to ``maximum``; largest
    first."""
    value = _raw(name)
    if value is None:
        return sorted(set(default), reverse=True)
    message = (
        f"{name} must be whole numbers from {minimum} to {maximum}, separated by commas "
        f"(e.g. {example}), not {value!r}"
    )
    try:
        numbers = {int(item.strip()) for item in value.split(",") if item.strip()}
    except ValueError:
        raise ImproperlyConfigured(message) from None
    if not numbers or min(numbers) < minimum or max(numbers) > maximum:
        raise ImproperlyConfigured(message)
    return sorted(numbers, reverse=True)


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = env_str(name, default)
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value


def env_crontab(name: str, default: str) -> crontab:
    """A schedule as a crontab line of five fields: minute, hour, day of month, month, weekday."""
    line = env_str(name, default)
    fields = line.split()
    if len(fields) != 5:
        raise ImproperlyConfigured(f"{name} must be a crontab line of five fields, not {line!r}")
    minute, hour, day_of_month, month_of_year, day_of_week = fields
    try:
        return crontab(
            minute=minute,
            hour=hour,
            day_of_month=day_of_month,
            month_of_year=month_of_year,
            day_of_week=day_of_week,
        )
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} is not a valid crontab line: {error}") from None


def env_secret(name: str) -> str | None:
    """Read a secret from ``NAME`` or from the file named by ``NAME_FILE``."""
    direct = _raw(name)
    path = _raw(f"{name}_FILE")
    if direct is not None and path is not None:
        raise ImproperlyConfigured(f"Set {name} or {name}_FILE, not both")
    if path is not None:
        try:
            content = Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE: cannot read {path}: {exc}") from None
        if not content:
            raise ImproperlyConfigured(f"{name}_FILE: {path} is empty")
        return content
    return direct


def local_secret(folder: Path, name: str, generate: Callable[[], str]) -> str:
    """A secret kept in the local data folder, created on first use.

    Only the embedded default (development and evaluation) uses this; production settings refuse
    to start without secrets given in the environment.
    """
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(generate(), encoding="utf-8")
    return path.read_text(encoding="utf-8").strip()
