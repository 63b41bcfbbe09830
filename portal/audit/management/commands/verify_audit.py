from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from portal.audit.chain import verify_chain
from portal.audit.checkpoints import load_outside_copy, verify_checkpoints


class Command(BaseCommand):
    help = (
        "Verify the audit trail's hash chain, then its signed checkpoints (database, checkpoint "
        "files and, with --checkpoints, an outside copy) and the table against them. Exits non-zero "
        "naming each problem: a broken row, a missing, unsigned, forged or out-of-order checkpoint, "
        "rows deleted or rewritten since a checkpoint."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--checkpoints",
            metavar="FILE_OR_URL",
            help="An outside copy of the checkpoints: a file exported from /transparency/audit-checkpoints "
            "(or the log lines of the checkpoint logger), or the feed's URL.",
        )
        parser.add_argument(
            "--max-age-minutes",
            type=int,
            default=None,
            help="Fail when rows older than this are covered by no checkpoint (default: "
            "PORTAL_AUDIT_CHECKPOINT_MAX_AGE_MINUTES; 0: do not check, e.g. for a restored backup).",
        )

    def handle(self, *args, checkpoints=None, max_age_minutes=None, **options):
        report = verify_chain()
        if not report.ok:
            raise CommandError(
                f"Audit chain BROKEN at row seq={report.bad_seq} (id={report.bad_id}): "
                f"{report.problem}. {report.rows_checked} rows before it are intact."
            )
        try:
            outside = load_outside_copy(checkpoints) if checkpoints else None
            checked = verify_checkpoints(report, outside=outside, max_age_minutes=max_age_minutes)
        except (OSError, ValueError, ImproperlyConfigured) as exc:
            raise CommandError(f"Cannot check the audit checkpoints: {exc}") from exc
        if not checked.ok:
            raise CommandError(
                "Audit trail does NOT match its checkpoints:\n"
                + "\n".join(f"- {problem}" for problem in checked.problems)
                + f"\n(the hash chain itself links up: {report.rows_checked} rows)"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit chain intact: {report.rows_checked} rows, head {report.head_hash}; "
                + "; ".join(checked.notes)
                + "."
            )
        )
