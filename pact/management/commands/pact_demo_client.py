"""`manage.py pact_demo_client`: the PACT partner client of the local demo (docs/pact.md).

It reads the footprints of the demo enterprise (`manage.py seed_demo`) and has an events
endpoint, so a footprint request sent with it is accepted and answered: by default the answer goes
to `manage.py pact_demo_receiver` on this machine, which prints it."""

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Organisation
from pact.services import partner_client_create

DEMO_ENTERPRISE_USCC = "91110000600037341L"
DEMO_CLIENT_NAME = "Local demo partner"
DEMO_RECEIVER_PORT = 8444
DEMO_EVENTS_URL = f"http://127.0.0.1:{DEMO_RECEIVER_PORT}/3/events"


class Command(BaseCommand):
    help = (
        "Create the local demo's PACT client: it reads the demo enterprise's footprints and "
        "its footprint requests are answered to a local events endpoint."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--events-url",
            default=DEMO_EVENTS_URL,
            help=f"Where answers to its requests go (default {DEMO_EVENTS_URL}, "
            "manage.py pact_demo_receiver)",
        )

    def handle(self, *args, **options) -> None:
        enterprise = Organisation.objects.filter(uscc=DEMO_ENTERPRISE_USCC).first()
        if enterprise is None:
            raise CommandError("No demo enterprise: run manage.py seed_demo first.")
        client, secret = partner_client_create(
            name=DEMO_CLIENT_NAME,
            data_owners=[enterprise],
            outbound_events_url=options["events_url"],
        )
        self.stdout.write(f"client_id: {client.client_id}")
        self.stdout.write(f"client_secret: {secret}")
        self.stdout.write(f"events_url: {client.outbound_events_url}")
        self.stdout.write("Keep the secret now: only its hash is stored.")
