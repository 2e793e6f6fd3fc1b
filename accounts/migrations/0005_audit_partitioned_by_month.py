"""The audit trail, built for eight years: ``seq`` becomes the key, and on PostgreSQL the table is
rebuilt partitioned by month on ``occurred_at`` (see accounts.partitions), its rows copied across
in order, with the same indexes, triggers and revoked rights as before. SQLite keeps one plain
table; Django remakes it to change the key, which drops its triggers, so they are made again."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from accounts import partitions

INDEXES = (
    'CREATE INDEX "audit_by_object" ON "accounts_auditevent" ("object_type", "object_id", "seq" DESC)',
    'CREATE INDEX "audit_by_actor" ON "accounts_auditevent" ("actor_id", "occurred_at" DESC)',
    'CREATE INDEX "audit_by_action" ON "accounts_auditevent" ("action", "occurred_at" DESC)',
    'CREATE INDEX "audit_by_time" ON "accounts_auditevent" ("occurred_at")',
)
PG_REBUILD_BEFORE_ROWS = (
    'ALTER TABLE "accounts_auditevent" RENAME TO "accounts_auditevent_unpartitioned"',
    'CREATE TABLE "accounts_auditevent" (LIKE "accounts_auditevent_unpartitioned" '
    "INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY RANGE (occurred_at)",
    'ALTER TABLE "accounts_auditevent" ADD CONSTRAINT "accounts_auditevent_pkey" '
    "PRIMARY KEY (seq, occurred_at)",
    'ALTER TABLE "accounts_auditevent" ADD CONSTRAINT "accounts_auditevent_actor_id_fk" '
    'FOREIGN KEY ("actor_id") REFERENCES "accounts_user" ("id") DEFERRABLE INITIALLY DEFERRED',
)
PG_REBUILD_AFTER_ROWS = (
    'DROP TABLE "accounts_auditevent_unpartitioned"',
    *INDEXES,
    "CREATE TRIGGER accounts_auditevent_append_only BEFORE UPDATE OR DELETE ON "
    "accounts_auditevent FOR EACH ROW EXECUTE FUNCTION confide_audit_append_only()",
    "CREATE TRIGGER accounts_auditevent_no_truncate BEFORE TRUNCATE ON accounts_auditevent "
    "FOR EACH STATEMENT EXECUTE FUNCTION confide_audit_append_only()",
    "REVOKE UPDATE, DELETE, TRUNCATE ON accounts_auditevent FROM PUBLIC, CURRENT_USER",
)
SQLITE_TRIGGERS = (
    """CREATE TRIGGER IF NOT EXISTS accounts_auditevent_no_update BEFORE UPDATE
       ON accounts_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only: UPDATE refused'); END;""",
    """CREATE TRIGGER IF NOT EXISTS accounts_auditevent_no_delete BEFORE DELETE
       ON accounts_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only: DELETE refused'); END;""",
)


def partition(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "sqlite":
        for statement in SQLITE_TRIGGERS:
            schema_editor.execute(statement, params=None)
        return
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        # Deferred foreign-key checks still pending in this transaction would stop the indexes
        # being made on the new partitions; run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for statement in PG_REBUILD_BEFORE_ROWS:
            cursor.execute(statement)
        cursor.execute('SELECT min(occurred_at) FROM "accounts_auditevent_unpartitioned"')
        (earliest,) = cursor.fetchone()
        partitions.create_default(cursor)
    now = django.utils.timezone.now()
    partitions.ensure(earliest or now, partitions.add_months(now.date(), 12), using=connection)
    with connection.cursor() as cursor:
        cursor.execute(
            'INSERT INTO "accounts_auditevent" SELECT * FROM "accounts_auditevent_unpartitioned" '
            "ORDER BY seq"
        )
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for statement in PG_REBUILD_AFTER_ROWS:
            cursor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_notifications"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="auditevent",
            name="id",
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="seq",
            field=models.PositiveBigIntegerField(editable=False, primary_key=True, serialize=False),
        ),
        migrations.RunPython(partition, elidable=False),
        migrations.CreateModel(
            name="AuditArchive",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("partition", models.CharField(max_length=63, unique=True)),
                ("month", models.DateField()),
                ("events", models.PositiveBigIntegerField()),
                ("first_seq", models.PositiveBigIntegerField(blank=True, null=True)),
                (
                    "last_seq",
                    models.PositiveBigIntegerField(
                        help_text="The chain's last event up to and including this month."
                    ),
                ),
                ("last_hash", models.CharField(max_length=64)),
                ("detached_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "detached_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "archived audit month",
                "ordering": ["month"],
            },
        ),
    ]
