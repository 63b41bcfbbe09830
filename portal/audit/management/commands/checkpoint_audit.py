from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from portal.audit.checkpoints import write_checkpoint


class Command(BaseCommand):
    help = (
        "Sign the audit chain's row count and head now and publish the checkpoint (database feed, "
        "checkpoint storage, log). Beat does it every five minutes."
    )

    def handle(self, *args, **options):
        try:
            checkpoint = write_checkpoint(force=True)
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Checkpoint {checkpoint.number} written: {checkpoint.rows} rows, "
                f"head seq={checkpoint.last_seq} {checkpoint.head_hash}."
            )
        )
