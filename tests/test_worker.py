"""Reminders through a real Celery worker and Redis, against PostgreSQL.

The worker is a subprocess (`celery -A portal worker --pool solo`, tests/processes.py) on the
test database; it writes e-mails as files, which these tests count across processes. Skipped
locally without REDIS_URL or PostgreSQL; CI (REQUIRE_SERVICES=1) fails instead.
"""

import datetime
import threading

import pytest
from django.db import connection

from licensing.services.agreements import agreement_record
from portal.dates import local_today
from portal.deadlines.models import Reminder, ReminderStatus
from portal.deadlines.sweep import sweep
from portal.notifications.models import EmailStatus, Notification
from tests.processes import broker_is_drained, emails_sent, wait_for

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def due_mou(approver):
    """An MoU whose window closes in five days: one reminder (7 days before) is due now."""
    return agreement_record(
        actor=approver,
        title="MoU on tokenised T-bills",
        scope="Advisory on tokenising T-bills.",
        counterparty_name="Fictional Exchange Ltd",
        signed_on=local_today() - datetime.timedelta(days=170),
        window_months=None,
        owner_id=approver.pk,
    )


def test_a_reminder_is_delivered_by_a_worker_through_redis_and_concurrent_sweeps_send_it_once(
    redis_client, workers, tmp_path, due_mou
):
    barrier = threading.Barrier(2)
    reports = []

    def one_sweep():
        barrier.wait(timeout=10)
        try:
            reports.append(sweep())
        finally:
            connection.close()

    threads = [threading.Thread(target=one_sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(len(r.reminder_ids) for r in reports) == 1  # two sweeps at once: claimed once
    assert sweep().reminder_ids == []  # and a repeated sweep claims nothing

    workers()
    wait_for(lambda: emails_sent(tmp_path) == 1, what="the reminder e-mail")
    wait_for(lambda: broker_is_drained(redis_client), what="the queue to drain")
    assert emails_sent(tmp_path) == 1
    reminder = Reminder.objects.get(deadline__agreement=due_mou)
    assert reminder.status == ReminderStatus.SENT
    assert Notification.objects.get(reminder=reminder).email_status == EmailStatus.SENT


def test_a_worker_killed_mid_send_still_ends_with_exactly_one_email(
    redis_client, workers, tmp_path, due_mou, settings
):
    gate = tmp_path / "gate"
    gate.mkdir()
    first = workers(gate=gate)
    report = sweep()
    assert len(report.reminder_ids) == 1, report
    wait_for(lambda: (gate / "started").exists(), what="the worker to start sending")
    first.kill()  # SIGKILL, in the middle of the e-mail task
    assert emails_sent(tmp_path) == 0
    note = Notification.objects.get(reminder__deadline__agreement=due_mou)
    assert note.email_status == EmailStatus.SENDING  # claimed, and nothing recorded after

    (gate / "open").touch()
    # The broker gives the unacknowledged task to the new worker, which finds the claim of a
    # sender that is gone (its lock went with its connection) and, after the reconcile window,
    # takes it as never handed to the mail server.
    workers(gate=gate, extra_env={"PORTAL_EMAIL_RECONCILE_AFTER_SECONDS": "1"})
    settings.PORTAL_REQUEUE_AFTER_SECONDS = 0
    sweep()  # and the sweep queues the pending e-mail again from the database: twice is harmless
    wait_for(lambda: emails_sent(tmp_path) >= 1, what="the e-mail after the restart")
    wait_for(lambda: broker_is_drained(redis_client), what="every copy of the task to run", timeout=90)
    assert emails_sent(tmp_path) == 1
    note.refresh_from_db()
    assert note.email_status == EmailStatus.SENT


def test_after_redis_is_flushed_the_next_sweep_rebuilds_what_is_due_from_the_database(
    redis_client, workers, tmp_path, due_mou, settings
):
    report = sweep()  # queued, but no worker is running
    assert len(report.reminder_ids) == 1 and redis_client.llen("celery") == 1
    redis_client.flushdb()  # Redis restarted without persistence: the queue is gone
    workers()
    settings.PORTAL_REQUEUE_AFTER_SECONDS = 0
    rebuilt = sweep()
    assert rebuilt.requeued_reminders == report.reminder_ids and rebuilt.reminder_ids == []
    wait_for(lambda: emails_sent(tmp_path) == 1, what="the reminder e-mail")
    wait_for(lambda: broker_is_drained(redis_client), what="the queue to drain")
    assert emails_sent(tmp_path) == 1


def test_an_undeliverable_email_is_marked_failed_after_the_default_retries_with_its_reminder(
    redis_client, workers, tmp_path, due_mou, settings
):
    assert settings.PORTAL_TASK_MAX_RETRIES == 5  # the default, above Celery's own limit of 3
    workers(
        extra_env={
            "EMAIL_BACKEND": "tests.mail_backends.FailingBackend",  # the mail server refuses
            "PORTAL_TASK_RETRY_BACKOFF_SECONDS": "0",  # retry at once, not after a minute
        }
    )
    report = sweep()
    assert len(report.reminder_ids) == 1
    emails = Notification.objects.filter(reminder__deadline__agreement=due_mou)
    wait_for(
        lambda: emails.filter(email_status=EmailStatus.FAILED).exists(), what="the e-mail to be marked failed"
    )
    wait_for(lambda: broker_is_drained(redis_client), what="the queue to drain")
    failed = emails.get()
    assert failed.email_attempts == 6  # the first try and five retries
    assert "refused" in failed.email_last_error
    assert list(Notification.objects.email_failed()) == [failed]  # the admin's "failed" filter
    reminder = Reminder.objects.get(pk=report.reminder_ids[0])
    assert reminder.status == ReminderStatus.FAILED and "refused" in reminder.last_error


def test_a_database_connection_killed_between_send_and_record_still_sends_exactly_one_email(
    redis_client, workers, tmp_path, due_mou
):
    workers(
        extra_env={
            # The mail server takes the message, then PostgreSQL drops the sender's connection.
            "EMAIL_BACKEND": "tests.mail_backends.ConnectionKillingFileBackend",
            "PORTAL_TEST_KILL_DB_MARKER": str(tmp_path / "killed"),
            "PORTAL_TASK_RETRY_BACKOFF_SECONDS": "0",
        }
    )
    assert len(sweep().reminder_ids) == 1
    emails = Notification.objects.filter(reminder__deadline__agreement=due_mou)
    wait_for(lambda: emails.filter(email_status=EmailStatus.SENT).exists(), what="the e-mail to be recorded")
    wait_for(lambda: broker_is_drained(redis_client), what="the queue to drain")
    assert (tmp_path / "killed").exists()  # the connection was killed after the send
    assert emails_sent(tmp_path) == 1  # the retry knew the mail server had it
    assert emails.get().email_attempts == 1
