"""Which certificates in force a factor library version would move past the materiality
threshold: one line per certificate it touches, the material ones first."""

from django.core.management.base import BaseCommand, CommandError

from footprint.models import DatasetVersion, DatasetVersionStatus
from oversight.supervision.impact import factor_impact


class Command(BaseCommand):
    help = "Impact of a published emission factor library version on certificates in force."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--library-version",
            type=int,
            dest="library_version",
            help="dataset version id (default: the latest published)",
        )

    def handle(self, *args, library_version: int | None = None, **options) -> None:
        published = DatasetVersion.objects.filter(status=DatasetVersionStatus.PUBLISHED)
        chosen = (
            published.filter(pk=library_version)
            if library_version
            else published.order_by("-published_at", "-pk")
        ).first()
        if chosen is None:
            raise CommandError("No such published factor library version.")
        for impact in factor_impact(version=chosen):
            self.stdout.write(
                f"{impact.certificate.number} {impact.certified} -> {impact.recomputed} "
                f"{impact.deviation_percent} {'MATERIAL' if impact.material else 'within'} "
                f"{','.join(impact.changed_factors)}"
            )
