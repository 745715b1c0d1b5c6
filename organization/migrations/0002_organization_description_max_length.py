"""Bound Organization.description to 10,000 characters (a varchar on PostgreSQL).

Descriptions written before the bound are cut to it first: PostgreSQL refuses to
narrow a column that holds longer values, and no client can send them any more.
"""

from django.db import migrations, models
from django.db.models.functions import Length, Substr

DESCRIPTION_MAX_LENGTH = 10_000


def cut_long_descriptions(apps, schema_editor):
    Organization = apps.get_model("organization", "Organization")
    Organization.objects.annotate(description_length=Length("description")).filter(
        description_length__gt=DESCRIPTION_MAX_LENGTH
    ).update(description=Substr("description", 1, DESCRIPTION_MAX_LENGTH))


class Migration(migrations.Migration):
    dependencies = [
        ("organization", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(cut_long_descriptions, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="organization",
            name="description",
            field=models.CharField(blank=True, max_length=DESCRIPTION_MAX_LENGTH),
        ),
    ]
