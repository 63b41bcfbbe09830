"""Reminders state the days really left, counted when they go out in the reader's time zone,
not the milestone's nominal number (issue 15, item 2): in the in-app text and the e-mail, in
English and Urdu."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from licensing.services.agreements import agreement_record
from portal.businessdays.calendar import at_local_time
from portal.deadlines.actions import process_reminder
from portal.deadlines.models import Deadline, Reminder
from portal.deadlines.recipients import days_left, time_zone_for
from portal.deadlines.sweep import sweep
from portal.notifications.models import Notification
from portal.notifications.services import deliver_email
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
D = datetime.date
KARACHI = ZoneInfo("Asia/Karachi")


@pytest.fixture
def owners(approver, approver2):
    urdu = approver2
    urdu.preferred_language = "ur"
    urdu.save(update_fields=["preferred_language"])
    return approver, urdu


def record_mou(owners):
    english, urdu = owners
    return agreement_record(
        actor=english,
        title="MoU on tokenised T-bills",
        scope="Advisory on tokenising T-bills.",
        counterparty_name="Fictional Exchange Ltd",
        signed_on=D(2026, 8, 28),
        window_months=6,
        owner_id=english.pk,
        co_owner_ids=[urdu.pk],
    )


def send_due_reminders(now) -> list[Reminder]:
    ids = sweep(now=now).reminder_ids
    for pk in ids:
        process_reminder(pk, now=now)
    return list(Reminder.objects.filter(pk__in=ids))


def texts(reminder, user, mailoutbox):
    note = Notification.objects.get(reminder=reminder, user=user)
    assert deliver_email(note.pk) == "sent"
    email = mailoutbox[-1]
    assert email.to == [user.email]
    return note.body, email.body


def test_the_seed_mou_reminded_late_says_82_days_left_not_90(clock, owners, mailoutbox):
    english, urdu = owners
    clock.set(at_local_time(D(2026, 8, 28), 12))
    mou = record_mou(owners)
    assert mou.definitive_due_on == D(2027, 2, 28)
    Deadline.objects.filter(agreement=mou).update(next_action_at=at_local_time(D(2026, 11, 30), 9))
    now = clock.set(at_local_time(D(2026, 12, 8), 10))  # the sweep was down since 30 November
    [reminder] = send_due_reminders(now)
    assert reminder.milestone == "d-90"
    in_app, email = texts(reminder, english, mailoutbox)
    for text in (in_app, email):
        assert "82 days left" in text and "90 days left" not in text
    in_app, email = texts(reminder, urdu, mailoutbox)
    for text in (in_app, email):
        assert "82 دن باقی ہیں" in text and "90" not in text


def test_an_mou_recorded_three_days_before_its_due_date_says_three_days_left(clock, owners, mailoutbox):
    english, urdu = owners
    now = clock.set(at_local_time(D(2027, 2, 25), 11))  # recorded late: the 7-day reminder is past
    record_mou(owners)
    [reminder] = send_due_reminders(now)
    assert reminder.milestone == "d-7"
    in_app, email = texts(reminder, english, mailoutbox)
    assert "3 days left" in in_app and "3 days left" in email and "7 days" not in in_app
    in_app, email = texts(reminder, urdu, mailoutbox)
    assert "3 دن باقی ہیں" in in_app and "3 دن باقی ہیں" in email


def test_one_day_left_is_singular_in_both_languages(clock, owners):
    english, urdu = owners
    now = clock.set(at_local_time(D(2027, 2, 27), 9) + datetime.timedelta(minutes=5))
    record_mou(owners)
    [reminder] = send_due_reminders(now)
    assert "1 day left" in Notification.objects.get(reminder=reminder, user=english).body
    assert "1 دن باقی ہے" in Notification.objects.get(reminder=reminder, user=urdu).body


def test_a_reminder_processed_after_the_due_date_says_it_has_passed_not_a_number(clock, owners):
    english, _urdu = owners
    clock.set(at_local_time(D(2027, 2, 28), 9) + datetime.timedelta(minutes=1))
    record_mou(owners)
    [pk] = sweep(now=at_local_time(D(2027, 2, 28), 9) + datetime.timedelta(minutes=1)).reminder_ids
    late = at_local_time(D(2027, 3, 1), 0) + datetime.timedelta(minutes=30)  # the worker was down
    process_reminder(pk, now=late)
    body = Notification.objects.get(reminder_id=pk, user=english).body
    assert "the due date has passed" in body and "due today" not in body


def test_days_left_are_counted_in_the_readers_time_zone():
    moment = datetime.datetime(2027, 2, 27, 20, 0, tzinfo=datetime.UTC)  # 01:00 on 28 Feb in Karachi
    assert days_left(D(2027, 2, 28), moment, KARACHI) == 0
    assert days_left(D(2027, 2, 28), moment, ZoneInfo("UTC")) == 1
    assert days_left(D(2027, 2, 28), moment, ZoneInfo("America/New_York")) == 1


def test_everyone_is_counted_in_the_regulators_zone_as_people_have_none_of_their_own(settings):
    assert time_zone_for(UserFactory()) == KARACHI
    settings.TIME_ZONE = "Asia/Dubai"
    assert time_zone_for(UserFactory()) == ZoneInfo("Asia/Dubai")
