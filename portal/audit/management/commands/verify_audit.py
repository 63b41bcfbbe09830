from django.core.management.base import BaseCommand, CommandError

from portal.audit.anchoring import check_against_latest_anchor
from portal.audit.chain import verify_chain


class Command(BaseCommand):
    help = (
        "Verify the audit trail's hash chain, then compare it with the latest signed anchor. "
        "Exits non-zero naming the first bad row, rows deleted since the anchor, or a bad anchor."
    )

    def handle(self, *args, **options):
        report = verify_chain()
        if not report.ok:
            raise CommandError(
                f"Audit chain BROKEN at row seq={report.bad_seq} (id={report.bad_id}): "
                f"{report.problem}. {report.rows_checked} rows before it are intact."
            )
        anchored = check_against_latest_anchor()
        if not anchored.ok:
            raise CommandError(f"Audit chain does not match its anchor: {anchored.message}.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit chain intact: {report.rows_checked} rows, head {report.head_hash}; "
                f"{anchored.message}."
            )
        )
