"""`manage.py sampling_draw --seed S --size N [--by body|category] [--dry-run]` (CONTRACTS §10).

Prints one line per drawn certificate, `<certificate number> <inspector username>`, then
`population <hex SHA-256>`, and nothing else on stdout. Without `--dry-run` the draw and its
re-inspection tasks are recorded in the name of the regulator given by `--as` (default: the
only regulator user there is).
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.roles import Role
from certification.errors import WorkflowError
from oversight.sampling import sampling_draw_compute, sampling_draw_record


class Command(BaseCommand):
    help = "Draw certificates and inspectors at random with a published seed."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--seed", required=True)
        parser.add_argument("--size", required=True, type=int)
        parser.add_argument("--by", choices=["body", "category"], default="")
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument(
            "--as", dest="username", default="", help="the regulator recording the draw"
        )

    def handle(
        self, *args, seed: str, size: int, by: str, dry_run: bool, username: str, **options
    ) -> None:
        try:
            if dry_run:
                draw = sampling_draw_compute(seed=seed, size=size, stratify_by=by)
            else:
                _, draw = sampling_draw_record(
                    actor=self._regulator(username), seed=seed, size=size, stratify_by=by
                )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        except WorkflowError as error:
            raise CommandError(error.message) from error
        for line in draw.lines():
            self.stdout.write(line)

    def _regulator(self, username: str) -> User:
        regulators = User.objects.filter(
            memberships__role=Role.REGULATOR, is_active=True
        ).distinct()
        if username:
            regulators = regulators.filter(username=username)
        found = list(regulators[:2])
        if len(found) != 1:
            raise CommandError("Name the regulator recording the draw with --as USERNAME.")
        return found[0]
