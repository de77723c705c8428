"""Load the emission factor library and the GWP table from the shipped reference data
(certification/reference; idempotent), and additional factor datasets, one file each.

Additional datasets are the files given with ``--dataset``, or else every ``*.csv`` and
``*.xlsx`` of ``certification/reference/factor_datasets/`` (its README.md gives the format).
A file loaded before changes nothing; a changed file becomes the dataset's next version.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from certification.errors import WorkflowError
from footprint.importer import ImportErrors
from footprint.services import factor_dataset_load, factor_library_load

DATASET_DIRECTORY = "factor_datasets"
DATASET_SUFFIXES = {".csv", ".xlsx"}


def dataset_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(path for path in directory.iterdir() if path.suffix.lower() in DATASET_SUFFIXES)


class Command(BaseCommand):
    help = (
        "Load emission factor datasets (each as its published version 1, once) and the "
        "GWP100 sets from certification/reference, then additional dataset files (each as its "
        "dataset's next version, when changed)."
    )

    def add_arguments(self, parser):
        reference = settings.REFERENCE_DIR
        parser.add_argument("--factors", type=Path, default=reference / "emission_factors.csv")
        parser.add_argument("--gwp", type=Path, default=reference / "gwp.csv")
        parser.add_argument(
            "--dataset",
            type=Path,
            action="append",
            dest="datasets",
            help=f"An additional dataset file (repeatable); default: every file of "
            f"{DATASET_DIRECTORY}/ in the reference directory.",
        )
        parser.add_argument(
            "--draft",
            action="store_true",
            help="Leave each new version of an additional dataset as a draft, for the "
            "library's editors to check and publish in the portal.",
        )

    def handle(self, *args, factors: Path, gwp: Path, datasets, draft: bool, **options):
        if datasets is None:
            datasets = dataset_files(settings.REFERENCE_DIR / DATASET_DIRECTORY)
        for path in (factors, gwp, *datasets):
            if not path.exists():
                raise CommandError(f"Not found: {path}")
        # All or nothing: a bad dataset file leaves the library as it was.
        with transaction.atomic():
            summary = factor_library_load(factors_csv=factors, gwp_csv=gwp)
            outcomes = [self._load(path, publish=not draft) for path in datasets]
        if options["verbosity"] < 1:
            return
        self.stdout.write(
            f"emission factor datasets: {summary.datasets_created} loaded "
            f"({summary.factors_created} factors), {summary.datasets_unchanged} already present; "
            f"GWP values: {summary.gwp_values}"
        )
        for path, outcome in zip(datasets, outcomes, strict=True):
            if outcome.created:
                state = "published" if outcome.published else "left as a draft"
                self.stdout.write(
                    f"{path.name}: {outcome.dataset} version {outcome.number} {state} "
                    f"({outcome.factors} factors)"
                )
            else:
                self.stdout.write(
                    f"{path.name}: {outcome.dataset} unchanged, version {outcome.number} holds "
                    "these factors"
                )

    def _load(self, path: Path, publish: bool):
        try:
            return factor_dataset_load(
                content=path.read_bytes(), file_name=path.name, publish=publish
            )
        except ImportErrors as error:
            problems = "\n".join(f"  {issue}" for issue in error.errors)
            raise CommandError(f"{path}: nothing was loaded\n{problems}") from error
        except WorkflowError as error:
            raise CommandError(f"{path}: {error.message}") from error
