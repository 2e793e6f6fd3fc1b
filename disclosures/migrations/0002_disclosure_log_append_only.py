"""The disclosure log cannot be edited after release: the database refuses UPDATE and DELETE on
releases and their corrections (a correction is a new row), as it does on the audit trail."""

from django.db import migrations

TABLES = ("disclosures_release", "disclosures_releasecorrection")

PG_FORWARD = """
CREATE OR REPLACE FUNCTION confide_disclosure_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the disclosure log is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
""" + "".join(
    f"""
CREATE TRIGGER {table}_append_only
    BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION confide_disclosure_log_append_only();
CREATE TRIGGER {table}_no_truncate
    BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION confide_disclosure_log_append_only();
"""
    for table in TABLES
)
PG_REVERSE = (
    "".join(
        f"""
DROP TRIGGER IF EXISTS {table}_append_only ON {table};
DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};
"""
        for table in TABLES
    )
    + "DROP FUNCTION IF EXISTS confide_disclosure_log_append_only();"
)

SQLITE_FORWARD = [
    statement
    for table in TABLES
    for statement in (
        f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
            BEGIN SELECT RAISE(ABORT, 'the disclosure log is append-only: UPDATE refused'); END;""",
        f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
            BEGIN SELECT RAISE(ABORT, 'the disclosure log is append-only: DELETE refused'); END;""",
    )
]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS {table}_{op};" for table in TABLES for op in ("no_update", "no_delete")
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)


def reverse(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_REVERSE, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_REVERSE:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("disclosures", "0001_disclosure_cases")]

    operations = [migrations.RunPython(forward, reverse)]
