"""The deadline engine in the admin: policy and holidays edited (and audited), deadlines,
reminders and notifications shown, failed deliveries sent again."""

import datetime

import pytest
from django.urls import reverse

from licensing.services.agreements import agreement_record
from portal.audit.models import AuditEvent
from portal.businessdays.models import Holiday
from portal.dates import local_today
from portal.deadlines.actions import process_reminder
from portal.deadlines.models import DeadlineKind, DeadlineRule, Reminder, ReminderStatus
from portal.deadlines.sweep import sweep
from portal.notifications.models import EmailStatus, Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, administrator):
    client.force_login(administrator)
    return client


@pytest.fixture
def reminded(administrator, officer):
    mou = agreement_record(
        actor=administrator,
        title="MoU",
        scope="Scope",
        counterparty_name="Fictional Ltd",
        signed_on=local_today() - datetime.timedelta(days=100),
        owner_id=officer.pk,
    )
    [pk] = sweep().reminder_ids
    process_reminder(pk)
    return Reminder.objects.get(pk=pk), mou


@pytest.mark.parametrize(
    "label",
    ["deadlines.deadlinerule", "deadlines.deadline", "deadlines.reminder", "notifications.notification"],
)
def test_changelists_and_change_pages_load(label, staff_client, reminded):
    from django.apps import apps

    url = reverse(f"admin:{label.replace('.', '_')}_changelist")
    assert staff_client.get(url).status_code == 200
    obj = apps.get_model(label)._default_manager.first()
    assert (
        staff_client.get(reverse(f"admin:{label.replace('.', '_')}_change", args=[obj.pk])).status_code == 200
    )


def test_an_administrator_changes_a_rules_reminder_days_and_it_is_audited(staff_client):
    rule = DeadlineRule.objects.get(kind=DeadlineKind.ANSWER_INFORMATION_REQUEST)
    url = reverse("admin:deadlines_deadlinerule_change", args=[rule.pk])
    page = staff_client.get(url)
    assert "90, 30, 7, 1, 0" in page.content.decode()
    data = {
        "amount": 21,
        "unit": "calendar_days",
        "reminder_offsets": "7, 2, 0",
        "audience": "firm",
        "staff_role": "",
        "escalation_role": "Approver",
        "escalate": "on",
        "lapse": "on",
        "statutory": "on",
        "is_active": "on",
        "description": "Longer answers",
    }
    assert staff_client.post(url, data).status_code == 302
    rule.refresh_from_db()
    assert (rule.amount, rule.reminder_offsets, rule.lapse) == (21, [7, 2, 0], True)
    assert AuditEvent.objects.filter(action="deadlinerule.admin_change").exists()
    data["reminder_offsets"] = "7, 7"
    assert staff_client.post(url, data).status_code == 200  # each number of days once
    data["reminder_offsets"] = "7, 0"
    rule_aml = DeadlineRule.objects.get(kind=DeadlineKind.REGISTER_AML)
    bad = staff_client.post(reverse("admin:deadlines_deadlinerule_change", args=[rule_aml.pk]), data)
    assert bad.status_code == 200  # nothing lapses when an AML registration is late


def test_holidays_are_added_and_cancelled_in_the_admin(staff_client):
    url = reverse("admin:businessdays_holiday_add")
    response = staff_client.post(
        url, {"date": "2026-03-24", "name": "Eid al-Fitr (third day)", "note": "Notification 1/2026"}
    )
    assert response.status_code == 302
    assert Holiday.objects.get(date=datetime.date(2026, 3, 24)).is_working_day is False
    assert (
        "Eid al-Fitr" in staff_client.get(reverse("admin:businessdays_holiday_changelist")).content.decode()
    )


def test_failed_reminders_and_emails_are_listed_and_sent_again(staff_client, reminded):
    reminder, _mou = reminded
    Reminder.objects.filter(pk=reminder.pk).update(status=ReminderStatus.FAILED, last_error="SMTP down")
    Notification.objects.update(email_status=EmailStatus.FAILED, email_last_error="SMTP down")
    listing = staff_client.get(reverse("admin:deadlines_reminder_changelist"), {"status__exact": "failed"})
    assert "SMTP down" in listing.content.decode()
    staff_client.post(
        reverse("admin:deadlines_reminder_changelist"),
        {"action": "send_again", "_selected_action": [reminder.pk]},
    )
    assert Reminder.objects.get(pk=reminder.pk).status == ReminderStatus.PENDING
    staff_client.post(
        reverse("admin:notifications_notification_changelist"),
        {
            "action": "email_again",
            "_selected_action": list(Notification.objects.values_list("pk", flat=True)),
        },
    )
    assert set(Notification.objects.values_list("email_status", flat=True)) == {EmailStatus.PENDING}
    assert AuditEvent.objects.filter(action="reminder.send_again").count() == 1


def test_case_officers_see_deadlines_but_cannot_change_policy(client, officer, reminded):
    client.force_login(officer)
    officer.is_staff = True
    officer.save(update_fields=["is_staff"])
    assert client.get(reverse("admin:deadlines_deadline_changelist")).status_code == 200
    rule = DeadlineRule.objects.first()
    response = client.post(reverse("admin:deadlines_deadlinerule_change", args=[rule.pk]), {"amount": 1})
    assert response.status_code == 403
