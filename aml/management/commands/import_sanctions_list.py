"""`manage.py import_sanctions_list --format un-xml|csv [--list CODE] PATH`

Imports a sanctions list file as a new version of the list (see aml.importing). A malformed
file is refused with the line or element that is wrong, the previous version stays in
force, and the command exits with status 1.
"""

from django.core.management.base import BaseCommand, CommandError

from aml.importing import DEFAULT_LIST, import_list
from aml.models import ListFormat
from portal.errors import DomainError


class Command(BaseCommand):
    help = "Import a sanctions list: the UN Consolidated List (un-xml) or a national list (csv)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="The list file.")
        parser.add_argument(
            "--format",
            dest="fmt",
            required=True,
            choices=[f.value for f in ListFormat],
            help="un-xml: the UN Security Council Consolidated List; csv: a national list.",
        )
        parser.add_argument(
            "--list",
            dest="list_code",
            default="",
            help='The list to import into (default: "un" for un-xml, "national" for csv).',
        )

    def handle(self, *args, path, fmt, list_code, **options):
        try:
            version = import_list(actor=None, fmt=fmt, list_code=list_code or DEFAULT_LIST[fmt], path=path)
        except FileNotFoundError as error:
            raise CommandError(f"No such file: {error.filename}") from error
        except DomainError as error:
            raise CommandError(error.detail) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {version.source_name} into “{version.sanctions_list.name}”: "
                f"{version.entries} entries ({version.added} added, {version.removed} removed, "
                f"{version.changed} changed)."
            )
        )
