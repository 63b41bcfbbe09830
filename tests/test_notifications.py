"""notify(): the in-app row now, the e-mail on commit, once; opting out; failures recorded."""

import datetime

import pytest

from portal.celery import app as celery_app
from portal.errors import NotFound
from portal.notifications.models import EmailStatus, Notification
from portal.notifications.services import (
    deliver_email,
    notification_mark_all_read,
    notification_mark_read,
    notify,
    preference_set,
    record_email_failure,
    unread_count,
)
from portal.notifications.tasks import send_notification_email

pytestmark = pytest.mark.django_db
SECOND = datetime.timedelta(seconds=1)


@pytest.fixture
def eager():
    """Run tasks in-process for these unit tests; delivery through a real worker and Redis is
    tested in test_worker.py."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def test_notify_writes_the_inbox_row_and_emails_after_commit(
    officer, django_capture_on_commit_callbacks, mailoutbox, eager
):
    with django_capture_on_commit_callbacks(execute=True):
        note = notify(officer, subject="Reminder: decide by 1 March", body="Two days left.", link="/admin/")
    assert unread_count(officer) == 1
    note.refresh_from_db()
    assert note.email_status == EmailStatus.SENT
    [email] = mailoutbox
    assert email.to == [officer.email] and email.subject == "Reminder: decide by 1 March"
    assert "Two days left." in email.body and "http://127.0.0.1:8000/admin/" in email.body
    html, mimetype = email.alternatives[0]
    assert mimetype == "text/html" and "Two days left." in html
    assert email.extra_headers["Message-ID"].startswith(f"<notification-{note.pk}@")


def test_nothing_is_emailed_for_a_change_that_rolls_back(
    officer, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks() as callbacks:
        notify(officer, subject="s", body="b")
    assert len(callbacks) == 1  # queued for after commit, not sent inside the transaction
    assert mailoutbox == []


def test_delivering_twice_sends_one_email(officer, mailoutbox):
    note = notify(officer, subject="s", body="b")
    assert deliver_email(note.pk) == "sent"
    assert deliver_email(note.pk) == "already-sent"
    assert len(mailoutbox) == 1


def test_in_app_only_applies_to_non_statutory_messages(officer, mailoutbox):
    preference_set(user=officer, reminders="in_app")
    quiet = notify(officer, subject="s", body="b", statutory=False)
    loud = notify(officer, subject="s", body="b", statutory=True)
    assert quiet.email_status == EmailStatus.NOT_WANTED
    assert loud.email_status == EmailStatus.PENDING
    assert unread_count(officer) == 2


def test_an_email_that_keeps_failing_is_retried_then_recorded_as_failed(officer, settings, eager):
    settings.EMAIL_BACKEND = "tests.mail_backends.FailingBackend"
    assert settings.PORTAL_TASK_MAX_RETRIES == 5  # the default, above Celery's own 3
    note = notify(officer, subject="s", body="b")
    send_notification_email.apply(args=[note.pk])
    note.refresh_from_db()
    assert note.email_status == EmailStatus.FAILED
    assert note.email_attempts == 6  # the first try and five retries
    assert "refused" in note.email_last_error
    assert list(Notification.objects.email_failed()) == [note]


def test_the_retry_limit_is_read_from_the_setting_when_the_task_fails(officer, settings, eager):
    settings.EMAIL_BACKEND = "tests.mail_backends.FailingBackend"
    settings.PORTAL_TASK_MAX_RETRIES = 7
    note = notify(officer, subject="s", body="b")
    send_notification_email.apply(args=[note.pk])
    note.refresh_from_db()
    assert (note.email_status, note.email_attempts) == (EmailStatus.FAILED, 8)


def test_while_a_retry_waits_its_backoff_the_sweep_does_not_queue_another_copy(
    officer, django_capture_on_commit_callbacks
):
    from portal.deadlines.sweep import sweep

    note = notify(officer, subject="s", body="b")
    retry_at = note.created_at + 3000 * SECOND
    record_email_failure(note.pk, ConnectionRefusedError("down"), final=False, retry_at=retry_at)
    queued = []
    with django_capture_on_commit_callbacks(execute=True):
        sweep(now=note.created_at + 1000 * SECOND, enqueue_email=queued.append)
    assert queued == []  # the retry runs at 3000 s; the sweep re-queues only 900 s after that
    with django_capture_on_commit_callbacks(execute=True):
        sweep(now=retry_at + 901 * SECOND, enqueue_email=queued.append)
    assert queued == [note.pk]  # the retry never came (the broker lost it): queued again


def test_people_read_only_their_own_notifications(officer, officer2):
    note = notify(officer, subject="s", body="b")
    with pytest.raises(NotFound):
        notification_mark_read(user=officer2, notification_id=note.pk)
    notification_mark_read(user=officer, notification_id=note.pk)
    assert unread_count(officer) == 0
    notify(officer, subject="t", body="c")
    assert notification_mark_all_read(user=officer) == 1
