"""PostgreSQL also refuses TRUNCATE on the audit trail (row triggers do not fire for it), and
the role that runs the migrations gives up its own UPDATE, DELETE and TRUNCATE rights on it."""

from django.db import migrations

PG_FORWARD = """
CREATE TRIGGER accounts_auditevent_no_truncate
    BEFORE TRUNCATE ON accounts_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION confide_audit_append_only();
REVOKE UPDATE, DELETE, TRUNCATE ON accounts_auditevent FROM PUBLIC, CURRENT_USER;
"""
PG_REVERSE = """
GRANT UPDATE, DELETE, TRUNCATE ON accounts_auditevent TO CURRENT_USER;
DROP TRIGGER IF EXISTS accounts_auditevent_no_truncate ON accounts_auditevent;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)


def reverse(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_REVERSE, params=None)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_roles_audit_protection_first_policy")]

    operations = [migrations.RunPython(forward, reverse)]
