"""The e-mail outbox claims, sends, then records (issue 15, item 4): a database failure
between the send and its record does not send the e-mail twice, and an attempt that finds an
e-mail still being sent reconciles instead of sending blindly (ADR 0006). Through a real worker
and a connection killed by PostgreSQL: tests/test_worker.py."""

import datetime

import pytest
from django.db import OperationalError
from django.utils import timezone

from portal.celery import app as celery_app
from portal.notifications import services
from portal.notifications.models import EmailStatus, Notification
from portal.notifications.services import SendingElsewhere, deliver_email, notify
from portal.notifications.tasks import send_notification_email
from tests.mail_backends import StatusSpyBackend

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager():
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture
def note(officer):
    return notify(officer, subject="Reminder: decide by 1 March", body="Two days left.", statutory=True)


def fail_once(monkeypatch, target, name, error):
    real = getattr(target, name)
    calls = []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise error
        return real(*args, **kwargs)

    monkeypatch.setattr(target, name, flaky)
    return calls


def test_the_row_is_sending_with_its_claim_when_the_mail_server_is_called(note, settings):
    settings.EMAIL_BACKEND = "tests.mail_backends.StatusSpyBackend"
    StatusSpyBackend.seen = []
    assert deliver_email(note.pk) == "sent"
    assert StatusSpyBackend.seen == [(EmailStatus.SENDING, True)]
    note.refresh_from_db()
    assert (note.email_status, note.email_attempts) == (EmailStatus.SENT, 1)


def test_a_database_failure_between_send_and_record_sends_one_email_and_the_retry_records_it(
    note, monkeypatch, mailoutbox, eager
):
    lost = OperationalError("server closed the connection unexpectedly")
    calls = fail_once(monkeypatch, services, "_record_sent", lost)
    assert send_notification_email.apply(args=[note.pk]).get() == "recorded"
    assert len(mailoutbox) == 1  # the retry knew the mail server had it
    assert len(calls) == 2
    note.refresh_from_db()
    assert (note.email_status, note.email_attempts) == (EmailStatus.SENT, 1)


def test_a_send_that_failed_and_could_not_be_recorded_is_sent_by_the_retry(
    note, monkeypatch, mailoutbox, eager, settings
):
    fail_once(monkeypatch, services, "build_email", ConnectionRefusedError("the mail server refused"))
    fail_once(monkeypatch, services, "record_email_failure", OperationalError("the database went away"))
    assert send_notification_email.apply(args=[note.pk]).get() == "sent"
    assert len(mailoutbox) == 1
    note.refresh_from_db()
    assert (note.email_status, note.email_attempts) == (EmailStatus.SENT, 2)


def test_an_attempt_finding_a_recent_claim_leaves_it_to_its_sender(note, mailoutbox, settings):
    Notification.objects.filter(pk=note.pk).update(
        email_status=EmailStatus.SENDING, email_sending_at=timezone.now()
    )
    with pytest.raises(SendingElsewhere) as wait:
        deliver_email(note.pk)
    assert 0 < wait.value.seconds <= settings.PORTAL_EMAIL_RECONCILE_AFTER_SECONDS
    assert mailoutbox == []
    assert Notification.objects.get(pk=note.pk).email_status == EmailStatus.SENDING


def test_an_attempt_told_the_message_was_handed_off_records_it_without_sending(note, mailoutbox):
    Notification.objects.filter(pk=note.pk).update(
        email_status=EmailStatus.SENDING, email_sending_at=timezone.now()
    )
    assert deliver_email(note.pk, handed_off=True) == "recorded"
    assert mailoutbox == []
    assert Notification.objects.get(pk=note.pk).email_status == EmailStatus.SENT


def test_a_claim_left_by_a_sender_that_recorded_nothing_is_sent_again_after_the_window(
    note, mailoutbox, settings
):
    long_ago = timezone.now() - datetime.timedelta(seconds=settings.PORTAL_EMAIL_RECONCILE_AFTER_SECONDS + 1)
    Notification.objects.filter(pk=note.pk).update(
        email_status=EmailStatus.SENDING, email_sending_at=long_ago, email_attempts=1
    )
    assert deliver_email(note.pk) == "sent"
    assert len(mailoutbox) == 1
    assert mailoutbox[0].extra_headers["Message-ID"].startswith(f"<notification-{note.pk}@")  # the same one
    note.refresh_from_db()
    assert (note.email_status, note.email_attempts) == (EmailStatus.SENT, 2)


def test_a_sent_email_is_never_sent_again_whatever_the_retry_says(note, mailoutbox):
    assert deliver_email(note.pk) == "sent"
    assert deliver_email(note.pk, handed_off=False) == "already-sent"
    assert deliver_email(note.pk, handed_off=True) == "already-sent"
    assert len(mailoutbox) == 1


def test_a_handed_off_message_whose_record_fails_again_is_still_known_handed_off(
    note, monkeypatch, mailoutbox
):
    Notification.objects.filter(pk=note.pk).update(
        email_status=EmailStatus.SENDING, email_sending_at=timezone.now()
    )
    fail_once(monkeypatch, services, "_record_sent", OperationalError("the database is still away"))
    with pytest.raises(services.EmailNotRecorded) as carried:
        deliver_email(note.pk, handed_off=True)
    assert carried.value.handed_off is True  # the next retry will still not send it
    assert deliver_email(note.pk, handed_off=True) == "recorded"
    assert mailoutbox == []
