"""Print a demo login's current second-factor code (the embedded demo only)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.demo import demo_totp_code, demo_totp_has_secret, demo_totp_secret
from accounts.models import User
from config.settings import DEFAULT_SECRET_KEY


class Command(BaseCommand):
    help = "Print the current authenticator code of a demo login (embedded demo only)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")

    def handle(self, *args, username: str, **options) -> None:
        if not settings.EMBEDDED or settings.SECRET_KEY != DEFAULT_SECRET_KEY:
            raise CommandError(
                "demo_totp works only in the embedded demo (DJANGO_DEBUG on, default secret key)."
            )
        user = User.objects.filter(username=username).first()
        if user is None or not demo_totp_has_secret(user):
            raise CommandError(f"{username} has no demo authenticator (run manage.py seed_demo).")
        code, seconds = demo_totp_code(username)
        self.stdout.write(
            f"{code}  (current for {seconds} s more; secret {demo_totp_secret(username)})"
        )
