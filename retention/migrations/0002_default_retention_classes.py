"""The default retention class (policy 000 §5: 8 years after the case closes) and two others
from the NHS Records Management Code, for organisations to assign or change in admin."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

CLASSES = [
    {
        "name": "Client records: 8 years after the case closes",
        "description": "Confidentiality policy §5: kept for up to 8 years, longer only when "
        "material to legal proceedings or otherwise justified (a legal hold).",
        "trigger": "case_closed",
        "years": 8,
        "years_after_death": None,
        "is_default": True,
    },
    {
        "name": "Mental health and psychology records: 20 years after treatment ends",
        "description": "NHS Records Management Code: 20 years after no further treatment is "
        "considered necessary, or 10 years after death if sooner.",
        "trigger": "case_closed",
        "years": 20,
        "years_after_death": 10,
        "is_default": False,
    },
    {
        "name": "Children's records: until the 25th birthday",
        "description": "NHS Records Management Code: until the 25th birthday (26th if 17 when "
        "treatment ended), or 8 years after death.",
        "trigger": "birthday",
        "years": 25,
        "years_after_death": 8,
        "is_default": False,
    },
]


def create(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    RetentionClass = apps.get_model("retention", "RetentionClass")
    for fields in CLASSES:
        RetentionClass.objects.get_or_create(name=fields["name"], defaults=fields)


class Migration(migrations.Migration):
    dependencies = [("retention", "0001_retention_classes_and_legal_holds")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
