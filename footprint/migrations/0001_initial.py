"""The footprint engine's models, until now the certification app's, taken over as they are.

State only: the tables keep their ``certification_*`` names and their rows, their triggers
(certification migration 0003) stay, and certification migration 0008 drops the models from
the certification app's state. The content types move with them, so permissions and admin
history stay attached.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

MODELS = (
    "datasetversion",
    "emissionfactor",
    "emissionfactordataset",
    "globalwarmingpotential",
    "inventoryline",
    "recomputation",
)


def _content_types_relabel(apps, old: str, new: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    taken = set(
        ContentType.objects.filter(app_label=new, model__in=MODELS).values_list("model", flat=True)
    )
    ContentType.objects.filter(app_label=old, model__in=set(MODELS) - taken).update(app_label=new)


def content_types_move(apps, schema_editor):
    _content_types_relabel(apps, "certification", "footprint")


def content_types_return(apps, schema_editor):
    _content_types_relabel(apps, "footprint", "certification")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('certification', '0007_product_families'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='EmissionFactorDataset',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('code', models.CharField(max_length=64, unique=True, verbose_name='code')),
                        ('name', models.CharField(max_length=200, verbose_name='name')),
                        ('publisher', models.CharField(max_length=200, verbose_name='publisher')),
                        ('licence_note', models.TextField(blank=True, verbose_name='licence note')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                    ],
                    options={
                        'db_table': 'certification_emissionfactordataset',
                        'ordering': ['code'],
                    },
                ),
                migrations.CreateModel(
                    name='DatasetVersion',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('number', models.PositiveIntegerField(verbose_name='version')),
                        ('status', models.CharField(choices=[('draft', 'Draft'), ('published', 'Published')], default='draft', max_length=16, verbose_name='status')),
                        ('change_note', models.TextField(blank=True, verbose_name='what changed')),
                        ('source_digest', models.CharField(blank=True, help_text='SHA-256 of the factors of the dataset file this version was loaded from; a file loaded again unchanged makes no new version.', max_length=64, verbose_name='digest of the loaded file')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('published_at', models.DateTimeField(blank=True, null=True, verbose_name='published at')),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('published_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('dataset', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='versions', to='footprint.emissionfactordataset')),
                    ],
                    options={
                        'db_table': 'certification_datasetversion',
                        'ordering': ['dataset', '-number'],
                    },
                ),
                migrations.CreateModel(
                    name='EmissionFactor',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('code', models.CharField(help_text='Dataset, data year and kind, such as CN-ELEC-CO2:2022:national_average.', max_length=120, verbose_name='code')),
                        ('name', models.CharField(max_length=300, verbose_name='name')),
                        ('region', models.CharField(blank=True, max_length=64, verbose_name='region')),
                        ('data_year', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='data year')),
                        ('publication_date', models.CharField(blank=True, help_text='As published: YYYY, YYYY-MM or YYYY-MM-DD.', max_length=10, verbose_name='publication date')),
                        ('publisher', models.CharField(max_length=200, verbose_name='publisher')),
                        ('source', models.CharField(max_length=500, verbose_name='source')),
                        ('licence_note', models.TextField(blank=True, verbose_name='licence note')),
                        ('factor_kind', models.CharField(max_length=64, verbose_name='kind')),
                        ('value', models.DecimalField(decimal_places=12, max_digits=30, verbose_name='value')),
                        ('unit', models.CharField(help_text='Such as kgCO2e/kWh.', max_length=32, verbose_name='unit')),
                        ('gas', models.CharField(max_length=8, verbose_name='gas')),
                        ('gwp_set', models.CharField(blank=True, help_text='The set the publisher used to reach CO2e, when it says.', max_length=8, verbose_name='GWP set of a CO2e factor')),
                        ('version', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='factors', to='footprint.datasetversion')),
                    ],
                    options={
                        'db_table': 'certification_emissionfactor',
                        'ordering': ['code'],
                    },
                ),
                migrations.CreateModel(
                    name='GlobalWarmingPotential',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('gwp_set', models.CharField(max_length=8, verbose_name='GWP set')),
                        ('gas', models.CharField(max_length=8, verbose_name='gas')),
                        ('value', models.DecimalField(decimal_places=4, max_digits=12, verbose_name='GWP100')),
                        ('note', models.CharField(blank=True, max_length=300, verbose_name='note')),
                    ],
                    options={
                        'db_table': 'certification_globalwarmingpotential',
                        'ordering': ['gwp_set', 'gas'],
                        'constraints': [models.UniqueConstraint(fields=('gwp_set', 'gas'), name='unique_gwp_per_set')],
                    },
                ),
                migrations.CreateModel(
                    name='InventoryLine',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('position', models.PositiveIntegerField(verbose_name='position')),
                        ('stage', models.CharField(choices=[('raw_material', 'Raw material acquisition'), ('production', 'Production'), ('distribution', 'Distribution'), ('use', 'Use'), ('end_of_life', 'End of life')], max_length=32, verbose_name='life-cycle stage')),
                        ('name', models.CharField(max_length=300, verbose_name='process or flow')),
                        ('amount', models.DecimalField(decimal_places=12, max_digits=30, verbose_name='amount')),
                        ('unit', models.CharField(max_length=32, verbose_name='unit')),
                        ('custom_factor_value', models.DecimalField(blank=True, decimal_places=12, max_digits=30, null=True, verbose_name='enterprise-specific factor')),
                        ('custom_factor_unit', models.CharField(blank=True, max_length=32, verbose_name='unit of the enterprise-specific factor')),
                        ('custom_factor_source', models.CharField(blank=True, help_text="Such as the supplier's EPD or report, its number and year.", max_length=500, verbose_name='source of the enterprise-specific factor')),
                        ('direct_gas', models.CharField(blank=True, choices=[('CO2', 'CO2'), ('CH4', 'CH4'), ('N2O', 'N2O')], help_text="For a line that is a mass of CO2, CH4 or N2O emitted: no factor, the dossier's GWP set converts it.", max_length=8, verbose_name='gas emitted')),
                        ('justification', models.TextField(blank=True, help_text='Source of the data and why this factor applies; required for an enterprise-specific factor.', verbose_name='justification')),
                        ('net_calorific_value', models.DecimalField(blank=True, decimal_places=12, max_digits=30, null=True, verbose_name='net calorific value')),
                        ('net_calorific_value_unit', models.CharField(blank=True, max_length=32, verbose_name='net calorific value unit')),
                        ('is_primary', models.BooleanField(default=False, verbose_name='primary data')),
                        ('is_biogenic', models.BooleanField(default=False, verbose_name='biogenic')),
                        ('dq_technological', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='technological')),
                        ('dq_temporal', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='temporal')),
                        ('dq_geographical', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='geographical')),
                        ('dq_completeness', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='completeness')),
                        ('dq_reliability', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='reliability')),
                        ('uncertainty_gsd', models.DecimalField(blank=True, decimal_places=6, max_digits=12, null=True, verbose_name='geometric standard deviation')),
                        ('uncertainty_relative_std', models.DecimalField(blank=True, decimal_places=6, max_digits=12, null=True, verbose_name='relative standard deviation')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('custom_factor_evidence', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.RESTRICT, related_name='+', to='certification.evidencefile', verbose_name='evidence for the enterprise-specific factor')),
                        ('dossier_version', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='inventory_lines', to='certification.dossierversion')),
                        ('factor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='inventory_lines', to='footprint.emissionfactor', verbose_name='emission factor')),
                    ],
                    options={
                        'db_table': 'certification_inventoryline',
                        'ordering': ['dossier_version', 'position'],
                    },
                ),
                migrations.CreateModel(
                    name='Recomputation',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('computed_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('gwp_set', models.CharField(choices=[('AR5', 'IPCC AR5 GWP100'), ('AR6', 'IPCC AR6 GWP100')], max_length=8, verbose_name='GWP set')),
                        ('total', models.DecimalField(decimal_places=12, max_digits=30, verbose_name='recomputed total')),
                        ('by_stage', models.JSONField(default=dict, verbose_name='recomputed per stage')),
                        ('fossil', models.DecimalField(decimal_places=12, max_digits=30, verbose_name='fossil')),
                        ('biogenic', models.DecimalField(decimal_places=12, max_digits=30, verbose_name='biogenic')),
                        ('primary_data_share', models.DecimalField(blank=True, decimal_places=12, max_digits=13, null=True, verbose_name='primary data share')),
                        ('declared_total', models.DecimalField(blank=True, decimal_places=12, max_digits=30, null=True, verbose_name='declared total')),
                        ('declared_by_stage', models.JSONField(default=dict, verbose_name='declared per stage')),
                        ('deviation', models.DecimalField(blank=True, decimal_places=12, help_text='|declared − recomputed| / |declared|; empty when nothing was declared or the declared figure is zero.', max_digits=30, null=True, verbose_name='deviation')),
                        ('stage_deviations', models.JSONField(default=dict, verbose_name='deviation per stage')),
                        ('material', models.BooleanField(default=False, verbose_name='material deviation')),
                        ('material_stages', models.JSONField(default=list, verbose_name='stages with a material deviation')),
                        ('materiality', models.DecimalField(decimal_places=12, max_digits=13, verbose_name='materiality threshold')),
                        ('uncertainty_mean', models.DecimalField(blank=True, decimal_places=12, max_digits=30, null=True, verbose_name='mean')),
                        ('uncertainty_median', models.DecimalField(blank=True, decimal_places=12, max_digits=30, null=True, verbose_name='median')),
                        ('uncertainty_p2_5', models.DecimalField(blank=True, decimal_places=12, max_digits=30, null=True, verbose_name='2.5th percentile')),
                        ('uncertainty_p97_5', models.DecimalField(blank=True, decimal_places=12, max_digits=30, null=True, verbose_name='97.5th percentile')),
                        ('uncertainty_draws', models.PositiveIntegerField(blank=True, null=True, verbose_name='draws')),
                        ('uncertainty_seed', models.BigIntegerField(blank=True, null=True, verbose_name='seed')),
                        ('lines_count', models.PositiveIntegerField(verbose_name='inventory lines')),
                        ('computed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('dossier_version', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='recomputation', to='certification.dossierversion')),
                    ],
                    options={
                        'db_table': 'certification_recomputation',
                        'ordering': ['-computed_at'],
                    },
                ),
                migrations.AddIndex(
                    model_name='emissionfactor',
                    index=models.Index(fields=['code'], name='emission_factor_code_idx'),
                ),
                migrations.AddConstraint(
                    model_name='emissionfactor',
                    constraint=models.UniqueConstraint(fields=('version', 'code'), name='unique_factor_code'),
                ),
                migrations.AddConstraint(
                    model_name='datasetversion',
                    constraint=models.UniqueConstraint(fields=('dataset', 'number'), name='unique_dataset_version_number'),
                ),
                migrations.AddConstraint(
                    model_name='datasetversion',
                    constraint=models.UniqueConstraint(condition=models.Q(('status', 'draft')), fields=('dataset',), name='one_draft_per_dataset'),
                ),
                migrations.AddConstraint(
                    model_name='datasetversion',
                    constraint=models.CheckConstraint(condition=models.Q(('status', 'draft'), ('published_at__isnull', False), _connector='OR'), name='published_version_has_date'),
                ),
                migrations.AddConstraint(
                    model_name='inventoryline',
                    constraint=models.UniqueConstraint(fields=('dossier_version', 'position'), name='unique_inventory_position'),
                ),
                migrations.AddConstraint(
                    model_name='inventoryline',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('custom_factor_source', ''), ('custom_factor_unit', ''), ('custom_factor_value__isnull', True), ('direct_gas', ''), ('factor__isnull', False)), models.Q(('custom_factor_value__isnull', False), ('direct_gas', ''), ('factor__isnull', True), models.Q(('custom_factor_unit', ''), _negated=True), models.Q(('justification', ''), _negated=True)), models.Q(('custom_factor_source', ''), ('custom_factor_unit', ''), ('custom_factor_value__isnull', True), ('direct_gas__in', ['CO2', 'CH4', 'N2O']), ('factor__isnull', True)), _connector='OR'), name='inventory_one_factor_custom_justified_or_gas'),
                ),
                migrations.AddConstraint(
                    model_name='inventoryline',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('net_calorific_value__isnull', True), ('net_calorific_value_unit', '')), models.Q(('net_calorific_value__gt', 0), models.Q(('net_calorific_value_unit', ''), _negated=True)), _connector='OR'), name='inventory_calorific_value_with_unit'),
                ),
                migrations.AddConstraint(
                    model_name='inventoryline',
                    constraint=models.CheckConstraint(condition=models.Q(('uncertainty_gsd__isnull', True), ('uncertainty_gsd__gte', 1), _connector='OR'), name='inventory_gsd_at_least_one'),
                ),
                migrations.AddConstraint(
                    model_name='inventoryline',
                    constraint=models.CheckConstraint(condition=models.Q(('uncertainty_relative_std__isnull', True), ('uncertainty_relative_std__gte', 0), _connector='OR'), name='inventory_relative_std_not_negative'),
                ),
                migrations.AddConstraint(
                    model_name='inventoryline',
                    constraint=models.CheckConstraint(condition=models.Q(('uncertainty_gsd__isnull', True), ('uncertainty_relative_std__isnull', True), _connector='OR'), name='inventory_one_uncertainty'),
                ),
                migrations.AddConstraint(
                    model_name='inventoryline',
                    constraint=models.CheckConstraint(condition=models.Q(('dq_technological__isnull', True), ('dq_technological__in', (1, 2, 3)), _connector='OR'), name='inventory_dq_technological_1_to_3'),
                ),
                migrations.AddConstraint(
                    model_name='inventoryline',
                    constraint=models.CheckConstraint(condition=models.Q(('dq_temporal__isnull', True), ('dq_temporal__in', (1, 2, 3)), _connector='OR'), name='inventory_dq_temporal_1_to_3'),
                ),
                migrations.AddConstraint(
                    model_name='inventoryline',
                    constraint=models.CheckConstraint(condition=models.Q(('dq_geographical__isnull', True), ('dq_geographical__in', (1, 2, 3)), _connector='OR'), name='inventory_dq_geographical_1_to_3'),
                ),
                migrations.AddConstraint(
                    model_name='inventoryline',
                    constraint=models.CheckConstraint(condition=models.Q(('dq_completeness__isnull', True), ('dq_completeness__in', (1, 2, 3)), _connector='OR'), name='inventory_dq_completeness_1_to_3'),
                ),
                migrations.AddConstraint(
                    model_name='inventoryline',
                    constraint=models.CheckConstraint(condition=models.Q(('dq_reliability__isnull', True), ('dq_reliability__in', (1, 2, 3)), _connector='OR'), name='inventory_dq_reliability_1_to_3'),
                ),
            ],
        ),
        migrations.RunPython(content_types_move, content_types_return),
    ]
