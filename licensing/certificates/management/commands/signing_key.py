"""The certificate signing keys: `manage.py signing_key show|new|export-public`.

show           the current key (PORTAL_SIGNING_KEY_PATH) and the retired ones
               (PORTAL_SIGNING_PREVIOUS_KEYS), by key id.
new PATH       make a new Ed25519 private key at PATH (mode 0600, never over a file).
export-public  write a public key as PEM: the current one, or --key-id ID; to --out FILE or
               standard output. Retired keys are kept as such files.

Rotation, step by step, is in docs/DEPLOY.md ("Key rotation").
"""

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from licensing.certificates import signing
from licensing.certificates.models import Certificate


class Command(BaseCommand):
    help = "Show, make or export the certificate signing keys."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("show", help="The current and the retired keys, by key id.")
        new = actions.add_parser("new", help="Make a new private key at PATH (never overwrites).")
        new.add_argument("path")
        export = actions.add_parser("export-public", help="Write a public key (PEM).")
        export.add_argument("--key-id", help="Which key (default: the current one).")
        export.add_argument("--out", help="A file to write (default: standard output); never overwritten.")

    def handle(self, *args, action, **options):
        try:
            getattr(self, "_" + action.replace("-", "_"))(**options)
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc

    def _show(self, **options):
        current = signing.key_id()
        counts = dict(self._certificate_counts())
        self.stdout.write(f"Current key: {current} ({settings.PORTAL_SIGNING_KEY_PATH})")
        self.stdout.write(f"  certificates signed with it: {counts.get(current, 0)}")
        previous = signing.previous_public_keys()
        if not previous:
            self.stdout.write("Retired keys: none (PORTAL_SIGNING_PREVIOUS_KEYS is empty)")
        for key_id in previous:
            self.stdout.write(f"Retired key: {key_id}  certificates signed with it: {counts.get(key_id, 0)}")
        unknown = sorted(set(counts) - set(signing.known_public_keys()))
        for key_id in unknown:
            self.stdout.write(
                self.style.ERROR(
                    f"Unknown key: {key_id} signed {counts[key_id]} certificate(s) but is neither current "
                    "nor retired: they no longer verify. Add its public key to PORTAL_SIGNING_PREVIOUS_KEYS."
                )
            )

    def _certificate_counts(self):
        from django.db.models import Count

        return Certificate.objects.values_list("key_id").annotate(n=Count("pk")).order_by()

    def _new(self, *, path, **options):
        try:
            key = signing.create_key(Path(path))
        except (FileExistsError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"New signing key {signing.key_id(key)} written to {path}."))
        self.stdout.write(
            "To start signing with it: export the current public key (export-public --out), add that "
            "file to PORTAL_SIGNING_PREVIOUS_KEYS, point PORTAL_SIGNING_KEY_PATH here, restart the web "
            "and worker processes."
        )

    def _export_public(self, *, key_id=None, out=None, **options):
        key = signing.public_key_for(key_id) if key_id else signing.public_key()
        if key is None:
            known = ", ".join(signing.known_public_keys())
            raise CommandError(f"No key has the id {key_id!r}; known keys: {known}.")
        pem = signing.public_key_pem(key)
        if not out:
            self.stdout.write(pem.decode("ascii"), ending="")
            return
        try:
            with open(out, "xb") as handle:
                handle.write(pem)
        except OSError as exc:
            raise CommandError(f"Cannot write {out}: {exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"Public key {signing.key_id(key)} written to {out}."))
