"""`manage.py sweep_deadlines [--dry-run] [--at ISO-TIME]`: run the deadline sweep now.

The same sweep Celery beat runs every five minutes. With --dry-run it prints what would be
sent, escalated and lapsed, and writes nothing.
"""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from portal.deadlines import sweep


class Command(BaseCommand):
    help = "Find due deadlines and queue their reminders, escalations and lapses (--dry-run: only print)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Print what would happen; change nothing.")
        parser.add_argument(
            "--at",
            help="Pretend it is this time (ISO 8601, e.g. 2026-03-01T10:00+05:00); for rehearsals.",
        )

    def handle(self, *args, **options):
        now = self._moment(options["at"])
        if options["dry_run"]:
            self._print_plan(sweep.plan(now=now))
            return
        report = sweep.sweep(now=now)
        summary = report.summary()
        self.stdout.write(
            self.style.SUCCESS(
                f"Claimed {summary['claimed']} reminders and escalations; queued again "
                f"{summary['requeued_reminders']} reminders and {summary['requeued_emails']} e-mails."
            )
        )

    def _moment(self, text):
        if not text:
            return timezone.now()
        try:
            moment = datetime.datetime.fromisoformat(text)
        except ValueError:
            raise CommandError(f"--at must be an ISO 8601 time, not {text!r}.") from None
        return moment if timezone.is_aware(moment) else timezone.make_aware(moment)

    def _print_plan(self, plan: dict) -> None:
        items = plan["items"]
        self.stdout.write(
            f"Dry run: {len(items)} reminders or escalations would be sent; nothing is changed."
        )
        for item in items:
            deadline = item["deadline"]
            people = ", ".join(user.email for user in item["recipients"]) or "nobody"
            line = f"  [{item['milestone']}] {deadline} → {people}"
            if item["escalate"]:
                line += f"; escalate to {', '.join(user.email for user in item['escalate'])}"
            if item["lapse"]:
                line += f"; would lapse {deadline.subject}"
            self.stdout.write(line)
        self.stdout.write(
            f"Would queue again: {plan['stale_reminders']} pending reminders, "
            f"{plan['stale_emails']} pending e-mails."
        )
