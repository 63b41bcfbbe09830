from django.core.management.base import BaseCommand

from portal.audit.anchoring import write_anchor


class Command(BaseCommand):
    help = "Sign the audit chain's head and row count now and write them to the anchor storage."

    def handle(self, *args, **options):
        anchor = write_anchor()
        self.stdout.write(
            self.style.SUCCESS(
                f"Anchor {anchor.name} written: {anchor.rows} rows, head seq={anchor.seq} {anchor.head_hash}."
            )
        )
