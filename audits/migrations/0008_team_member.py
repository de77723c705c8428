"""The evaluation team moves from certification to audits: the table stays
`certification_teammember`, only Django's state and the content type move."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def move_content_type(apps, schema_editor, source="certification", target="audits"):
    content_type = apps.get_model("contenttypes", "ContentType")
    if content_type.objects.filter(app_label=target, model="teammember").exists():
        return
    content_type.objects.filter(app_label=source, model="teammember").update(app_label=target)


def move_content_type_back(apps, schema_editor):
    move_content_type(apps, schema_editor, source="audits", target="certification")


class Migration(migrations.Migration):
    dependencies = [
        ("audits", "0007_audit_chain"),
        ("certification", "0007_product_families"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="TeamMember",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("is_lead", models.BooleanField(default=False, verbose_name="team lead")),
                        (
                            "declaration",
                            models.CharField(
                                choices=[
                                    ("pending", "Not yet declared"),
                                    ("no_conflict", "No conflict of interest"),
                                    ("conflict", "Conflict of interest declared"),
                                ],
                                default="pending",
                                max_length=16,
                            ),
                        ),
                        ("declaration_note", models.TextField(blank=True)),
                        ("declared_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "application",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="team",
                                to="certification.application",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="team_memberships",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "certification_teammember",
                        "ordering": ["-is_lead", "pk"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("application", "user"), name="unique_team_member"
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
