"""A listing's effects beyond the gates run once it is in force; the ones made so far ran as
they were created."""

from django.db import migrations, models
from django.db.models import F


def applied_at_creation(apps, schema_editor):
    apps.get_model("audits", "BlacklistEntry").objects.update(effects_applied_at=F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("audits", "0009_oversight_app"),
    ]

    operations = [
        migrations.AddField(
            model_name="blacklistentry",
            name="effects_applied_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(applied_at_creation, migrations.RunPython.noop),
    ]
