"""The footprint engine's models leave the certification app's state for the footprint app's.

State only: the footprint app's migration 0001 took the tables over as they are. After the
dashboard facts backfill (audits 0005), which reads the recomputations through this app's
state.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("audits", "0005_dashboard_facts"),
        ("certification", "0007_product_families"),
        ("footprint", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name="datasetversion",
                    name="created_by",
                ),
                migrations.RemoveField(
                    model_name="datasetversion",
                    name="dataset",
                ),
                migrations.RemoveField(
                    model_name="datasetversion",
                    name="published_by",
                ),
                migrations.RemoveField(
                    model_name="emissionfactor",
                    name="version",
                ),
                migrations.RemoveField(
                    model_name="inventoryline",
                    name="factor",
                ),
                migrations.DeleteModel(
                    name="GlobalWarmingPotential",
                ),
                migrations.RemoveField(
                    model_name="inventoryline",
                    name="custom_factor_evidence",
                ),
                migrations.RemoveField(
                    model_name="inventoryline",
                    name="dossier_version",
                ),
                migrations.RemoveField(
                    model_name="recomputation",
                    name="computed_by",
                ),
                migrations.RemoveField(
                    model_name="recomputation",
                    name="dossier_version",
                ),
                migrations.DeleteModel(
                    name="EmissionFactorDataset",
                ),
                migrations.DeleteModel(
                    name="DatasetVersion",
                ),
                migrations.DeleteModel(
                    name="EmissionFactor",
                ),
                migrations.DeleteModel(
                    name="InventoryLine",
                ),
                migrations.DeleteModel(
                    name="Recomputation",
                ),
            ],
        ),
    ]
