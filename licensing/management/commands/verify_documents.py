"""Check that every stored file the database names is there: `manage.py verify_documents`.

For each document and certificate PDF, the object must exist in the storage (the local folder
or the S3 bucket); with --hash, each document is read back and its SHA-256 compared with the
one recorded at upload. Exits non-zero naming what is missing or altered. Run it after a
restore (docs/DEPLOY.md, "Restore drill").
"""

import hashlib

from django.core.management.base import BaseCommand, CommandError

from licensing.certificates.models import Certificate
from licensing.models import Document


class Command(BaseCommand):
    help = "Check that every document and certificate file named in the database is in storage."

    def add_arguments(self, parser):
        parser.add_argument(
            "--hash",
            dest="check_hash",
            action="store_true",
            help="Also read each document back and compare its SHA-256.",
        )

    def handle(self, *args, check_hash=False, **options):
        problems = []
        checked = 0
        names_seen = set()
        for document in Document.objects.only("pk", "file", "sha256").order_by("pk").iterator():
            checked += 1
            name = document.file.name
            if name in names_seen and not check_hash:
                continue  # identical content of one firm is stored once
            names_seen.add(name)
            storage = document.file.storage
            if not name or not storage.exists(name):
                problems.append(f"document {document.pk}: file {name or '(none)'} is missing")
                continue
            if check_hash and _sha256(storage, name) != document.sha256:
                problems.append(f"document {document.pk}: file {name} does not match its recorded SHA-256")
        for certificate in Certificate.objects.only("pk", "code", "pdf").order_by("pk").iterator():
            checked += 1
            name = certificate.pdf.name
            if name and not certificate.pdf.storage.exists(name):
                problems.append(f"certificate {certificate.code}: PDF {name} is missing")
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"{len(problems)} of {checked} stored files are missing or altered.")
        self.stdout.write(
            self.style.SUCCESS(
                f"All {checked} stored files are present{' and intact' if check_hash else ''}."
            )
        )


def _sha256(storage, name) -> str:
    digest = hashlib.sha256()
    with storage.open(name, "rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()
