"""Ending a data-sharing agreement keeps it (cases cite it) and records when, by whom and why.
Agreements ended in Django admin before this keep those fields empty."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("disclosures", "0003_subject_access_and_rights"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="datasharingagreement",
            name="end_reason",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.AddField(
            model_name="datasharingagreement",
            name="ended_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="datasharingagreement",
            name="ended_by",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
    ]
