"""Verify a label credential file or a label serial; exit 0 only when it is VALID."""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from labels.models import Label
from labels.verification import verify


class Command(BaseCommand):
    help = "Verify a label: a credential JSON file or a label serial. Exit 0 only when VALID."

    def add_arguments(self, parser):
        parser.add_argument("target", help="path to a credential JSON file, or a label serial")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args, target: str, **options):
        path = Path(target)
        if path.is_file():
            credential = path.read_bytes()
        else:
            label = Label.objects.filter(serial=target.upper()).first()
            if label is None:
                raise CommandError(f"{target}: no such file and no label with this serial")
            credential = label.credential
        result = verify(credential)
        if options["json"]:
            self.stdout.write(_dumps(result.to_dict()))
        else:
            for check in result.checks:
                mark = "ok  " if check.ok else "FAIL"
                self.stdout.write(f"{mark} {check.name}: {check.detail}")
            self.stdout.write(str(result.reason))
        if not result.valid:
            sys.exit(1)


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)
