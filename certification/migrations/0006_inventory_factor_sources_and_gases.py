"""Inventory lines: the source of an enterprise-specific factor, and lines that give a mass of
a greenhouse gas instead of a factor. Factor dataset versions: the digest of the file loaded.

On SQLite, adding a column to certification_datasetversion rebuilds the table, which the
published-version triggers of 0003 would refuse (one of them reads that table): they are
dropped for the rebuild and created again after it.
"""

import importlib

from django.db import migrations, models

immutable = importlib.import_module("certification.migrations.0003_published_factors_immutable")


def _on_sqlite(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for statement in statements:
                schema_editor.execute(statement)

    return run


drop_sqlite_triggers = _on_sqlite(immutable.SQLITE_REVERSE)
create_sqlite_triggers = _on_sqlite(immutable.SQLITE)


class Migration(migrations.Migration):

    dependencies = [
        ('certification', '0005_application_batch'),
    ]

    operations = [
        migrations.RunPython(drop_sqlite_triggers, create_sqlite_triggers),
        migrations.AddField(
            model_name='datasetversion',
            name='source_digest',
            field=models.CharField(blank=True, help_text='SHA-256 of the factors of the dataset file this version was loaded from; a file loaded again unchanged makes no new version.', max_length=64, verbose_name='digest of the loaded file'),
        ),
        migrations.RunPython(create_sqlite_triggers, drop_sqlite_triggers),
        migrations.RemoveConstraint(
            model_name='inventoryline',
            name='inventory_one_factor_custom_justified',
        ),
        migrations.AddField(
            model_name='inventoryline',
            name='custom_factor_source',
            field=models.CharField(blank=True, help_text="Such as the supplier's EPD or report, its number and year.", max_length=500, verbose_name='source of the enterprise-specific factor'),
        ),
        migrations.AddField(
            model_name='inventoryline',
            name='direct_gas',
            field=models.CharField(blank=True, choices=[('CO2', 'CO2'), ('CH4', 'CH4'), ('N2O', 'N2O')], help_text="For a line that is a mass of CO2, CH4 or N2O emitted: no factor, the dossier's GWP set converts it.", max_length=8, verbose_name='gas emitted'),
        ),
        migrations.AddConstraint(
            model_name='inventoryline',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('custom_factor_source', ''), ('custom_factor_unit', ''), ('custom_factor_value__isnull', True), ('direct_gas', ''), ('factor__isnull', False)), models.Q(('custom_factor_value__isnull', False), ('direct_gas', ''), ('factor__isnull', True), models.Q(('custom_factor_unit', ''), _negated=True), models.Q(('justification', ''), _negated=True)), models.Q(('custom_factor_source', ''), ('custom_factor_unit', ''), ('custom_factor_value__isnull', True), ('direct_gas__in', ['CO2', 'CH4', 'N2O']), ('factor__isnull', True)), _connector='OR'), name='inventory_one_factor_custom_justified_or_gas'),
        ),
    ]
