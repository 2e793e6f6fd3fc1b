from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0007_client_data_key_split"),
    ]

    operations = [
        migrations.AddField(
            model_name="client",
            name="referral_source",
            field=models.CharField(
                blank=True,
                choices=[
                    ("self", "Self-referral"),
                    ("gp", "GP"),
                    ("nhs_other", "Another NHS service"),
                    ("local_authority", "Local authority or social care"),
                    ("criminal_justice", "Police, probation or criminal justice"),
                    ("housing", "Housing provider"),
                    ("voluntary", "Voluntary or community sector"),
                    ("family_friend", "Family or friend"),
                    ("other", "Other"),
                ],
                default="",
                help_text=(
                    "Who referred, as a category; blank on records made before it was asked."
                ),
                max_length=20,
            ),
        ),
    ]
