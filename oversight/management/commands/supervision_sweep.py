"""Apply every due certificate rule as of a date (CONTRACTS §10).

Prints one line per status change, `<certificate number> <old status> -> <new status>
<reason>`, and nothing else on stdout; `--dry-run` prints the same lines and changes nothing.
"""

import contextlib
import sys
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from oversight.supervision.sweep import supervision_sweep


class Command(BaseCommand):
    help = "Apply the certificate rules (notices, suspension, withdrawal, expiry) as of a date."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--as-of", help="YYYY-MM-DD (default: today)")
        parser.add_argument(
            "--dry-run", action="store_true", help="print what would change, change nothing"
        )

    def handle(self, *args, as_of: str | None = None, dry_run: bool = False, **options) -> None:
        try:
            day = date.fromisoformat(as_of) if as_of else timezone.localdate()
        except ValueError as error:
            raise CommandError("--as-of takes a date as YYYY-MM-DD.") from error
        # Stdout carries the change lines and nothing else: whatever the sweep's work prints
        # (the embedded default's console e-mail, for one) goes to stderr.
        with contextlib.redirect_stdout(sys.stderr):
            changes = supervision_sweep(as_of=day, dry_run=dry_run)
        for change in changes:
            self.stdout.write(change.line())
