"""Check a certificate's signature: `manage.py verify_certificate FILE_OR_CODE`.

FILE is a certificate PDF: its attached certificate.json is checked offline, with the
regulator's public key only (`--public-key PEM`; by default the key the certificate names,
among this portal's current and retired keys).
CODE is a verification code: the stored signed data is checked, and the current status is
shown. Exits non-zero when the signature does not match or the data cannot be read.
"""

import os

from django.core.management.base import BaseCommand, CommandError

from licensing.certificates import pdf, signing
from licensing.certificates.models import Certificate
from licensing.certificates.services import normalise_code
from licensing.certificates.status import current_status, firm_status


class Command(BaseCommand):
    help = "Verify a certificate PDF (offline, with the public key) or a verification code."

    def add_arguments(self, parser):
        parser.add_argument("file_or_code")
        parser.add_argument(
            "--public-key",
            help="The regulator's public key (PEM). Default: the key the certificate names, if this "
            "portal has it (current or retired).",
        )

    def handle(self, *args, file_or_code, public_key=None, **options):
        given = self._key(public_key) if public_key else None
        if os.path.exists(file_or_code):
            with open(file_or_code, "rb") as handle:
                content = handle.read()
            try:
                data = pdf.extract(content)
            except ValueError as exc:
                raise CommandError(f"NOT VERIFIED: {exc}") from exc
            payload, signature, key_id = data["payload"], data["signature"], data["key_id"]
            status = None
        else:
            certificate = Certificate.objects.with_subject().filter(code=normalise_code(file_or_code)).first()
            if certificate is None:
                raise CommandError(f"NOT VERIFIED: no certificate has the code {file_or_code!r}.")
            payload, signature, key_id = certificate.payload, certificate.signature, certificate.key_id
            status = current_status(certificate)
            operating = firm_status(certificate)
        if not isinstance(payload, dict):
            raise CommandError("NOT VERIFIED: the signed data is not a JSON object.")
        if given is not None:
            key = given
            if key_id != signing.key_id(key):
                given_id = signing.key_id(key)
                raise CommandError(
                    f"NOT VERIFIED: signed with key {key_id}, but the public key given is {given_id}."
                )
        else:
            key = signing.public_key_for(str(key_id))
            if key is None:
                known = ", ".join(signing.known_public_keys())
                raise CommandError(
                    f"NOT VERIFIED: signed with key {key_id}, which is not one of this portal's keys "
                    f"({known}). Get the regulator's public key of that id and pass --public-key."
                )
        if not signing.verify(payload, signature, key):
            raise CommandError(
                "NOT VERIFIED: the certificate's data does not match its signature (tampered)."
            )
        firm = payload.get("firm") or {}
        self.stdout.write(self.style.SUCCESS("VERIFIED: the signature is the regulator's (Ed25519)."))
        for label, value in (
            ("Title", payload.get("title")),
            ("Number", payload.get("number")),
            ("Firm", firm.get("legal_name")),
            ("Reference", firm.get("reference_number")),
            ("Activities", ", ".join(a.get("name", "") for a in payload.get("activities", [])) or "-"),
            ("Conditions", payload.get("conditions") or "None"),
            ("Issued on", payload.get("issued_on")),
            ("Valid until", payload.get("expires_on")),
            ("Code", payload.get("code")),
        ):
            self.stdout.write(f"{label}: {value}")
        if payload.get("notice"):
            self.stdout.write(payload["notice"])
        if status is not None:
            self.stdout.write(f"Current status: {status.label} ({status.code})")
            self.stdout.write(f"May the firm operate today: {operating.label} ({operating.code})")
        else:
            self.stdout.write("Current status: check it online at /verify/<code>/ (a PDF cannot know).")

    def _key(self, path):
        try:
            with open(path, "rb") as handle:
                return signing.load_public_key(handle.read())
        except (OSError, ValueError) as exc:
            raise CommandError(f"Cannot read the public key {path}: {exc}") from exc
