"""`manage.py pact_client_create NAME`: a PACT partner client; prints its id and secret once."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import Organisation
from pact.services import partner_client_create


class Command(BaseCommand):
    help = (
        "Create a PACT partner client and print its client id and secret. The secret is "
        "stored hashed and cannot be shown again."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("name")
        parser.add_argument("--organisation", help="USCC or id of the partner's organisation")
        parser.add_argument(
            "--data-owner",
            action="append",
            default=[],
            dest="data_owners",
            metavar="USCC",
            help="An enterprise that shares its footprints with this client (repeat for several)",
        )
        parser.add_argument(
            "--events-url",
            default="",
            help="The partner's Action Events endpoint, for answers to its "
            "footprint requests (https://…/2/events or …/3/events)",
        )
        parser.add_argument(
            "--events-token",
            default="",
            help="Bearer token the partner issued us for its events endpoint",
        )

    def handle(self, *args, **options) -> None:
        organisation = _organisation(options["organisation"]) if options["organisation"] else None
        owners = [_organisation(code) for code in options["data_owners"]]
        try:
            client, secret = partner_client_create(
                name=options["name"],
                organisation=organisation,
                data_owners=owners,
                outbound_events_url=options["events_url"],
                outbound_bearer_token=options["events_token"],
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        self.stdout.write(f"client_id: {client.client_id}")
        self.stdout.write(f"client_secret: {secret}")
        self.stdout.write("Keep the secret now: only its hash is stored.")


def _organisation(key: str) -> Organisation:
    organisation = Organisation.objects.filter(uscc=key.upper()).first()
    if organisation is None and key.isdigit():
        organisation = Organisation.objects.filter(pk=int(key)).first()
    if organisation is None:
        raise CommandError(f"No organisation has the USCC or id {key!r}.")
    return organisation
