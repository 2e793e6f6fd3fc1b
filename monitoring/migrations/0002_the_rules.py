"""The monitoring rules, one per kind, with their documented purpose. Their parameters start
empty (every default applies); the data team's administrator tunes them in Django admin."""

from django.db import migrations

RULES = [
    (
        "outside_allocation",
        "Access outside allocation or team",
        "Someone opened a record on grounds other than being its allocated worker, a member or "
        "manager of the team that holds it, or the administration team's duty: for example the "
        "IG lead's or Caldicott Guardian's duty access, or no reason recorded. Also raised when "
        "an access was given on the grounds of allocation but no allocation of that person to "
        "that record was open at the time. Policy 000 §4.3: access on a strict need-to-know "
        "basis.",
    ),
    (
        "break_glass",
        "Break-the-glass use",
        "Every emergency access, with what was opened under it that day. The finding shows the "
        "reason given and whether the use has been reviewed.",
    ),
    (
        "after_hours",
        "Access outside working hours",
        "Records opened before or after working hours, or on weekends and bank holidays.",
    ),
    (
        "restricted",
        "Access to a restricted record",
        "Records flagged restricted (for example an address never to be disclosed) opened by "
        "anyone but their allocated worker.",
    ),
    (
        "staff_connection",
        "Access to a record the person is connected to",
        "A member of staff opened a record they declared a personal connection to (a "
        "conflict-of-interest declaration linked to it, even where a manager allowed access), "
        "or one whose surname is their own, or at their own home postcode (staff-as-client). "
        "Policy 003 §7.",
    ),
    (
        "volume",
        "Unusual volume",
        "A person opened far more distinct records in a day than their own baseline: the "
        "average of their active days over the weeks before.",
    ),
    (
        "bulk",
        "Bulk viewing",
        "Many distinct records opened within a few minutes.",
    ),
    (
        "denied",
        "Refused attempts",
        "Repeated attempts to open records or pages that Confide refused.",
    ),
]


def create(apps, schema_editor):
    Rule = apps.get_model("monitoring", "Rule")
    for kind, name, description in RULES:
        Rule.objects.get_or_create(kind=kind, defaults={"name": name, "description": description})


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0001_rules_findings_rollups")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
