"""Load the emission factor library and the GWP table from the shipped reference data
(certification/reference; idempotent)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from certification.footprint.services import factor_library_load


class Command(BaseCommand):
    help = (
        "Load emission factor datasets (each as its published version 1, once) and the "
        "GWP100 sets from certification/reference."
    )

    def add_arguments(self, parser):
        reference = settings.REFERENCE_DIR
        parser.add_argument("--factors", type=Path, default=reference / "emission_factors.csv")
        parser.add_argument("--gwp", type=Path, default=reference / "gwp.csv")

    def handle(self, *args, factors: Path, gwp: Path, **options):
        for path in (factors, gwp):
            if not path.exists():
                raise CommandError(f"Not found: {path}")
        summary = factor_library_load(factors_csv=factors, gwp_csv=gwp)
        if options["verbosity"] < 1:
            return
        self.stdout.write(
            f"emission factor datasets: {summary.datasets_created} loaded "
            f"({summary.factors_created} factors), {summary.datasets_unchanged} already present; "
            f"GWP values: {summary.gwp_values}"
        )
