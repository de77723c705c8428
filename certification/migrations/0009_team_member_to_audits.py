"""The evaluation team now lives in audits (audits 0008 keeps the table): state only."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("certification", "0008_footprint_app"),
        ("audits", "0008_team_member"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="TeamMember")],
            database_operations=[],
        ),
    ]
