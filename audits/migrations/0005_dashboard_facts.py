"""The dashboard's counts (`DashboardCount`, `ApplicationFacts`), backfilled from the rows."""

import django.db.models.deletion
from django.db import migrations, models


def backfill(apps, schema_editor):
    from audits.dashboard.facts import dashboard_facts_rebuild

    dashboard_facts_rebuild(apps)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_api_keys'),
        ('audits', '0004_complaints_appeals'),
        ('certification', '0004_certificate_life'),
        ('labels', '0004_dashboard_indexes'),
    ]

    operations = [
        migrations.CreateModel(
            name='ApplicationFacts',
            fields=[
                ('application', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='+', serialize=False, to='certification.application')),
                ('month', models.DateField()),
                ('cells', models.JSONField(default=list)),
                ('body', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.organisation')),
            ],
        ),
        migrations.CreateModel(
            name='DashboardCount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('month', models.DateField()),
                ('figure', models.CharField(max_length=16)),
                ('key', models.CharField(max_length=32)),
                ('days', models.IntegerField(default=0)),
                ('total', models.IntegerField(default=0)),
                ('body', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.organisation')),
            ],
            options={
                'indexes': [models.Index(fields=['figure', 'month'], name='dashboard_count_figure')],
                'constraints': [models.UniqueConstraint(fields=('month', 'body', 'figure', 'key', 'days'), name='dashboard_count_cell')],
            },
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
