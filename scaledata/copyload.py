"""Bulk loading with PostgreSQL COPY, and putting a table's indexes and constraints aside while it
loads.

Rows are streamed to ``COPY ... FROM STDIN`` as they are generated, so the Python process makes
rows on one core while PostgreSQL stores them on the other. Columns come from the model's
concrete fields, so a column added or dropped by a migration is noticed rather than mis-filled.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.db import connection, models

NULL = "\\N"
_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def text(value: str) -> str:
    """A string as a COPY text-format field."""
    return value.translate(_ESCAPES)


def bytea(value: bytes) -> str:
    return "\\\\x" + value.hex()


def field_value(value: Any) -> str:
    """Any Python value a model attribute holds, as a COPY text-format field."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return text(value)
    if isinstance(value, bytes | memoryview | bytearray):
        return bytea(bytes(value))
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, dict | list):
        return text(_JSON.encode(value))
    raise TypeError(f"cannot COPY a {type(value).__name__}")


def columns(model: type[models.Model], *, with_auto: bool = True) -> list[models.Field[Any, Any]]:
    """The model's concrete fields in table order; without auto-increment keys if asked."""
    fields = list(model._meta.concrete_fields)
    if not with_auto:
        fields = [f for f in fields if not isinstance(f, models.AutoField)]
    return fields


class _Stream:
    """A file-like object that psycopg2's ``copy_expert`` reads, filled from an iterator of
    lines."""

    def __init__(self, lines: Iterable[str]) -> None:
        self._lines: Iterator[str] = iter(lines)
        self._buffer = ""
        self.rows = 0

    def read(self, size: int = -1) -> str:
        parts = [self._buffer]
        length = len(self._buffer)
        for line in self._lines:
            parts.append(line)
            length += len(line)
            self.rows += 1
            if size >= 0 and length >= size:
                break
        data = "".join(parts)
        if size < 0 or len(data) <= size:
            self._buffer = ""
            return data
        self._buffer = data[size:]
        return data[:size]

    def readline(self, size: int = -1) -> str:  # pragma: no cover - psycopg2 uses read()
        return self.read(size)


def copy_rows(table: str, names: Sequence[str], lines: Iterable[str]) -> int:
    """COPY tab-separated ``lines`` (each ending in a newline) into ``table``; returns the rows."""
    stream = _Stream(lines)
    quoted = ", ".join(connection.ops.quote_name(n) for n in names)
    sql = f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN"
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(sql, stream, size=1 << 20)
    return stream.rows


def copy_instances(model: type[models.Model], objects: Iterable[models.Model]) -> int:
    """COPY unsaved model instances (every concrete field, primary key included)."""
    fields = columns(model)
    attnames = [f.attname for f in fields]

    def lines() -> Iterator[str]:
        for obj in objects:
            yield "\t".join(field_value(getattr(obj, a)) for a in attnames) + "\n"

    return copy_rows(model._meta.db_table, [f.column for f in fields], lines())


def reset_sequence(model: type[models.Model]) -> None:
    """After COPY with explicit ids, move the id sequence past them."""
    table = model._meta.db_table
    pk = model._meta.pk
    assert pk is not None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, pk.column])
        (sequence,) = cursor.fetchone() or (None,)
        if sequence:
            cursor.execute(
                f"SELECT setval(%s, COALESCE((SELECT MAX({connection.ops.quote_name(pk.column)}) "  # noqa: S608 - quoted names
                f"FROM {connection.ops.quote_name(table)}), 0) + 1, false)",
                [sequence],
            )


# --- Indexes and constraints, put aside while loading ----------------------------------------


@dataclass(frozen=True)
class Schema:
    """What a set of tables' indexes and constraints are, to drop before loading and recreate
    exactly afterwards."""

    indexes: tuple[tuple[str, str], ...]  # (name, CREATE INDEX ...) not backing a constraint
    keys: tuple[tuple[str, str, str], ...]  # (table, name, definition): primary keys and unique
    foreign: tuple[tuple[str, str, str], ...]  # (table, name, definition) to or from the tables

    def sql_snapshot(self) -> set[str]:
        return (
            {d for _, d in self.indexes}
            | {f"{t}.{n}:{d}" for t, n, d in self.keys}
            | {f"{t}.{n}:{d}" for t, n, d in self.foreign}
        )


def read_schema(tables: Sequence[str]) -> Schema:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.relname, pg_get_indexdef(i.oid)
            FROM pg_index x
            JOIN pg_class i ON i.oid = x.indexrelid
            JOIN pg_class t ON t.oid = x.indrelid
            WHERE t.relname = ANY(%s) AND t.relnamespace = 'public'::regnamespace
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)
            ORDER BY i.relname
            """,
            [list(tables)],
        )
        indexes = tuple((name, definition) for name, definition in cursor.fetchall())
        cursor.execute(
            """
            SELECT t.relname, c.conname, pg_get_constraintdef(c.oid)
            FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
            WHERE t.relname = ANY(%s) AND c.contype IN ('p', 'u')
              AND t.relnamespace = 'public'::regnamespace
            ORDER BY t.relname, c.conname
            """,
            [list(tables)],
        )
        keys = tuple((t, n, d) for t, n, d in cursor.fetchall())
        cursor.execute(
            """
            SELECT t.relname, c.conname, pg_get_constraintdef(c.oid)
            FROM pg_constraint c
            JOIN pg_class t ON t.oid = c.conrelid
            JOIN pg_class r ON r.oid = c.confrelid
            WHERE c.contype = 'f' AND (t.relname = ANY(%s) OR r.relname = ANY(%s))
              AND t.relnamespace = 'public'::regnamespace
              AND c.conparentid = 0
            ORDER BY t.relname, c.conname
            """,
            [list(tables), list(tables)],
        )
        foreign = tuple((t, n, d) for t, n, d in cursor.fetchall())
    return Schema(indexes=indexes, keys=keys, foreign=foreign)


def drop(schema: Schema) -> None:
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table, name, _ in schema.foreign:
            cursor.execute(f"ALTER TABLE {q(table)} DROP CONSTRAINT {q(name)}")
        for table, name, _ in schema.keys:
            cursor.execute(f"ALTER TABLE {q(table)} DROP CONSTRAINT {q(name)}")
        for name, _ in schema.indexes:
            cursor.execute(f"DROP INDEX {q(name)}")


def restore(schema: Schema, progress: Callable[[str], None]) -> None:
    """Recreate what :func:`drop` removed, with the same names and definitions: keys and indexes
    first (each built in one sort), then the foreign keys (each validated in one join)."""
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        # Inside a caller's transaction (tests), rows loaded into other tables still have their
        # deferred foreign-key checks queued, and PostgreSQL will not alter a table until they
        # have run: run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table, name, definition in schema.keys:
            progress(f"building {name}")
            cursor.execute(f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(name)} {definition}")
        for name, definition in schema.indexes:
            progress(f"building {name}")
            # A partitioned table's index reads back as "ON ONLY", which would make it on the
            # parent alone, invalid until each partition's is attached: build them all at once.
            cursor.execute(definition.replace(" ON ONLY ", " ON ", 1))
        for table, name, definition in schema.foreign:
            progress(f"checking {name}")
            cursor.execute(f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(name)} {definition}")
