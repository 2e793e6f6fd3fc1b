"""Disposal certificates are permanent: the database refuses UPDATE, DELETE and TRUNCATE on them,
as it does on the audit trail and the disclosure log."""

from django.db import migrations

TABLE = "retention_disposalcertificate"

PG_FORWARD = f"""
CREATE OR REPLACE FUNCTION confide_certificate_permanent() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'disposal certificates are permanent: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {TABLE}_permanent
    BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION confide_certificate_permanent();
CREATE TRIGGER {TABLE}_no_truncate
    BEFORE TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION confide_certificate_permanent();
"""
PG_REVERSE = f"""
DROP TRIGGER IF EXISTS {TABLE}_permanent ON {TABLE};
DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE};
DROP FUNCTION IF EXISTS confide_certificate_permanent();
"""
SQLITE_FORWARD = [
    f"""CREATE TRIGGER {TABLE}_no_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'disposal certificates are permanent: UPDATE refused'); END;""",
    f"""CREATE TRIGGER {TABLE}_no_delete BEFORE DELETE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'disposal certificates are permanent: DELETE refused'); END;""",
]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS {TABLE}_no_update;",
    f"DROP TRIGGER IF EXISTS {TABLE}_no_delete;",
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
    dependencies = [("retention", "0003_sweep_runs_disposal_reviews_certificates")]

    operations = [migrations.RunPython(forward, reverse)]
