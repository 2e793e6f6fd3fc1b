"""Roles as groups, the audit chain's head row, the database's refusal to change audit rows,
and a first confidentiality policy for staff to acknowledge (organisations publish their own)."""

from django.db import migrations

ROLES = ["practitioner", "admin_staff", "manager", "data_team", "ig_lead", "caldicott_guardian"]

POLICY_TEXT = """I will keep confidential all information about clients, their families and carers, and staff, that I see or hear in my work, during my employment and after it ends. Confidentiality continues after a client's death.

I will open a client's record only when my work needs it, and I understand that every record I open, search or print is recorded and reviewed by the data team. If I must open a record outside my caseload I will give the true reason.

I will share information only as the confidentiality policy allows: with the client's consent, or where the law or a risk of serious harm requires it, after checking who is asking, and always the minimum necessary. When in doubt I will ask my manager or the Caldicott Guardian before sharing.

I will not tell my password or security codes to anyone, write them down, or let anyone use Confide as me. I will lock or sign out of Confide whenever I leave my screen.

I will declare any personal connection to a client so that my manager can decide whether I may see their record.

I will report at once any actual or suspected breach of confidentiality, including near misses, so that it can be contained.

I acknowledge receipt of this confidentiality policy and confirm that I have read and understood it. I understand that I am responsible for complying with it."""

PG_FORWARD = """
CREATE OR REPLACE FUNCTION confide_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER accounts_auditevent_append_only
    BEFORE UPDATE OR DELETE ON accounts_auditevent
    FOR EACH ROW EXECUTE FUNCTION confide_audit_append_only();
"""
PG_REVERSE = """
DROP TRIGGER IF EXISTS accounts_auditevent_append_only ON accounts_auditevent;
DROP FUNCTION IF EXISTS confide_audit_append_only();
"""
SQLITE_FORWARD = [
    """CREATE TRIGGER accounts_auditevent_no_update BEFORE UPDATE ON accounts_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only: UPDATE refused'); END;""",
    """CREATE TRIGGER accounts_auditevent_no_delete BEFORE DELETE ON accounts_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only: DELETE refused'); END;""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS accounts_auditevent_no_update;",
    "DROP TRIGGER IF EXISTS accounts_auditevent_no_delete;",
]


def protect_audit(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)
    else:
        raise RuntimeError(f"No append-only protection for the {vendor} database")


def unprotect_audit(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_REVERSE, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_REVERSE:
            schema_editor.execute(statement)


def create_roles_head_policy(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)
    AuditChainHead = apps.get_model("accounts", "AuditChainHead")
    AuditChainHead.objects.get_or_create(pk=1, defaults={"seq": 0, "hash": "0" * 64})
    ConfidentialityPolicy = apps.get_model("accounts", "ConfidentialityPolicy")
    from django.utils import timezone

    ConfidentialityPolicy.objects.get_or_create(
        version="1",
        defaults={
            "title": "Confidentiality declaration",
            "text": POLICY_TEXT,
            "published_at": timezone.now(),
        },
    )


def remove_roles_head_policy(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()
    apps.get_model("accounts", "AuditChainHead").objects.filter(pk=1).delete()
    policy = apps.get_model("accounts", "ConfidentialityPolicy")
    policy.objects.filter(version="1", acknowledgements__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunPython(create_roles_head_policy, remove_roles_head_policy),
        migrations.RunPython(protect_audit, unprotect_audit),
    ]
