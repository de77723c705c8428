"""Seed the demo data set and print a login for every role."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from oversight.demo import (
    DEMO_PASSWORD,
    PEOPLE,
    seed_demo,
    seed_family_demo,
    seed_supervision_demo,
    seed_worklist_demo,
)


class Command(BaseCommand):
    help = "Create demo organisations, people for every role and draft applications."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--no-supervision",
            action="store_true",
            help="leave out the four certificates of the supervision demo, the three "
            "applications of the body's open tasks and the product family (benchmarks clone a "
            "single label)",
        )

    def handle(self, *args, **options):
        call_command("load_reference", verbosity=0)
        call_command("load_factors", verbosity=0)
        # Known second-factor secrets only in the embedded default, never in production.
        people = seed_demo(demo_second_factor=settings.EMBEDDED)
        supervision = [] if options["no_supervision"] else seed_supervision_demo(people)
        worklist = [] if options["no_supervision"] else seed_worklist_demo(people)
        family = [] if options["no_supervision"] else seed_family_demo(people)
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD})")
        for username, display_name, _key, role in PEOPLE:
            self.stdout.write(f"  {username:<16} {role:<20} {display_name}")
        if settings.EMBEDDED:
            self.stdout.write(
                "Body staff, the regulator and the platform administrator also give a code: "
                "`manage.py demo_totp USERNAME` prints the current one (or add the secret it "
                "prints to an authenticator app)."
            )
        else:
            self.stdout.write(
                "Body staff, the regulator and the platform administrator set up an "
                "authenticator app at their first sign-in."
            )
        from labels.models import Label
        from labels.statuslists import public_url

        for label in Label.objects.order_by("pk")[:3]:
            address = public_url(f"/labels/{label.serial}/")
            self.stdout.write(f"Demo label {label.serial}: {address}")
        for line in supervision:
            self.stdout.write(f"Demo certificate {line}")
        if supervision:
            self.stdout.write(
                "Run `manage.py supervision_sweep --dry-run` to see what the "
                "supervision rules do today."
            )
        for line in family:
            self.stdout.write(f"Demo product family {line}")
        for line in worklist:
            self.stdout.write(f"Demo application {line}")
        if worklist:
            self.stdout.write(
                "body-admin sees them under “My tasks”, ent-admin its certificates under "
                "“Dashboard”."
            )
