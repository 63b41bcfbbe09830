"""`manage.py demo_totp <email>`: the current two-factor code of a demo staff account.

For a laptop demo only: it refuses when DEBUG is off, for addresses that are not one of
seed_demo's staff accounts, and for accounts whose authenticator is not the demo one (for
example after the person set up their own), so it can never reveal a real person's code.
The code goes to stdout alone (`code=$(python manage.py demo_totp ...)`); how long it stays
valid goes to stderr. A code signs in once: for a second sign-in, wait for the next one.
"""

import time

from allauth.mfa import app_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from licensing.management.commands.seed_demo import DEMO_TOTP_SECRET, STAFF
from portal.accounts.models import User


def current_code(secret: str, *, now: float | None = None) -> tuple[str, int]:
    """(code, seconds it stays valid) for a base32 TOTP secret."""
    now = time.time() if now is None else now
    period = app_settings.TOTP_PERIOD
    counter = int(now) // period
    return format_hotp_value(hotp_value(secret, counter)), period - int(now) % period


class Command(BaseCommand):
    help = "DEBUG only: print the current TOTP code of a demo staff account made by seed_demo."

    def add_arguments(self, parser):
        parser.add_argument("email", help="A demo staff e-mail address, e.g. officer1@regulator.example.")

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Refusing: DEBUG is off. demo_totp is for the demo on a laptop only.")
        email = options["email"].strip().lower()
        demo_staff = [spec.email for spec in STAFF]
        if email not in demo_staff:
            raise CommandError(f"{email} is not one of the demo staff accounts: {', '.join(demo_staff)}.")
        user = User.objects.filter(email=email).first()
        if user is None:
            raise CommandError(f"{email} does not exist yet: run `python manage.py seed_demo` first.")
        authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
        if authenticator is None or decrypt(authenticator.data["secret"]) != DEMO_TOTP_SECRET:
            raise CommandError(
                f"{email} does not use the demo authenticator (none, or one its owner set up), "
                "so its code cannot be shown."
            )
        code, seconds = current_code(DEMO_TOTP_SECRET)
        self.stdout.write(code)
        self.stderr.write(f"Valid for {seconds} more seconds; each code signs in once.")
