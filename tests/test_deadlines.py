"""The deadline engine through the real service functions: clocks open, pause, resume and
close with the transitions; the sweep claims each milestone once; missed deadlines escalate
and lapse where the rule says so."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from licensing import scenarios
from licensing.models import Application, ApplicationKind, ApplicationStatus, FirmStage
from licensing.services.applications import application_withdraw
from portal.businessdays.calendar import at_local_time, current_calendar, end_of, local_date
from portal.dates import add_months, local_today
from portal.deadlines.actions import process_reminder
from portal.deadlines.models import (
    Deadline,
    DeadlineKind,
    DeadlinePause,
    DeadlineRule,
    DeadlineStatus,
    Reminder,
)
from portal.deadlines.sweep import sweep
from portal.notifications.models import Notification, NotificationKind
from tests.states import application_in

pytestmark = pytest.mark.django_db
K = DeadlineKind


def deadline(kind, **subject) -> Deadline:
    return Deadline.objects.get(kind=kind, **subject)


def run(now):
    """One sweep at `now`, and every claimed milestone processed as the worker would."""
    report = sweep(now=now)
    return [
        (Reminder.objects.get(pk=pk).milestone, process_reminder(pk, now=now)) for pk in report.reminder_ids
    ]


@pytest.fixture
def people(firm, submitter, officer, approver):
    # Outside a real commit the automatic receipt never goes out, so its clock would stay open
    # and add reminders to every test; it has its own test.
    DeadlineRule.objects.filter(kind=K.ACKNOWLEDGE_SUBMISSION).update(is_active=False)
    officer.manager = approver
    officer.save(update_fields=["manager"])
    return {"firm": firm, "submitter": submitter, "officer": officer, "approver": approver}


def test_submitting_opens_the_acknowledgement_and_decision_clocks(
    people, django_capture_on_commit_callbacks, mailoutbox
):
    DeadlineRule.objects.filter(kind=K.ACKNOWLEDGE_SUBMISSION).update(is_active=True)
    with django_capture_on_commit_callbacks(execute=True):
        app = application_in(ApplicationStatus.SUBMITTED, **people)
    ack = deadline(K.ACKNOWLEDGE_SUBMISSION, application=app)
    assert ack.status == DeadlineStatus.MET  # the automatic receipt went out
    assert len(mailoutbox) == 1
    decide = deadline(K.DECIDE_NOC_APPLICATION, application=app)
    assert decide.status == DeadlineStatus.OPEN and decide.firm == app.firm
    assert decide.due_on == local_date(app.submitted_at) + datetime.timedelta(days=60)
    assert decide.due_at == end_of(decide.due_on)
    assert ack.due_on == current_calendar().add_business_days(local_date(app.submitted_at), 2)


def test_starting_review_makes_the_officer_responsible(people):
    app = application_in(ApplicationStatus.UNDER_REVIEW, **people)
    assert deadline(K.DECIDE_NOC_APPLICATION, application=app).responsible == people["officer"]


def test_an_information_request_stops_the_clock_and_the_answer_adds_the_paused_days(people):
    app = application_in(ApplicationStatus.INFORMATION_REQUESTED, **people)
    decide = deadline(K.DECIDE_NOC_APPLICATION, application=app)
    assert decide.status == DeadlineStatus.PAUSED
    assert decide.next_action_at is None
    answer = deadline(K.ANSWER_INFORMATION_REQUEST, application=app)
    request = app.information_requests.get()
    assert answer.information_request == request and answer.due_on == request.due_on
    assert answer.responsible == people["officer"]
    # The request was raised ten days ago.
    ten_days_ago = timezone.now() - datetime.timedelta(days=10)
    Deadline.objects.filter(pk=decide.pk).update(paused_at=ten_days_ago)
    DeadlinePause.objects.filter(deadline=decide).update(paused_at=ten_days_ago)

    scenarios.answer_information_request(app, actor=people["submitter"])

    decide.refresh_from_db()
    assert decide.status == DeadlineStatus.OPEN
    assert decide.paused_days == 10
    assert decide.due_on == decide.original_due_on + datetime.timedelta(days=10)
    assert decide.next_action_at is not None
    assert decide.pauses.get().days == 10
    assert deadline(K.ANSWER_INFORMATION_REQUEST, application=app).status == DeadlineStatus.MET


def test_a_noc_opens_aml_registration_and_validity_clocks_that_later_steps_close(
    people, aml_officer, activities
):
    firm = people["firm"]
    scenarios.grant_noc(
        firm, submitter=people["submitter"], officer=people["officer"], approver=people["approver"]
    )
    noc = firm.nocs.get()
    decide = Deadline.objects.get(kind=K.DECIDE_NOC_APPLICATION, firm=firm)
    assert decide.status == DeadlineStatus.MET
    aml = deadline(K.REGISTER_AML, firm=firm)
    assert aml.due_on == local_today() + datetime.timedelta(days=60)
    validity = deadline(K.NOC_VALIDITY, firm=firm)
    assert validity.due_on == noc.expires_on == add_months(noc.issued_on, 6)

    scenarios.register_aml(firm, submitter=people["submitter"], aml_officer=aml_officer, goaml_org_id="G-1")
    aml.refresh_from_db()
    assert aml.status == DeadlineStatus.MET and aml.pauses.count() == 1

    licence_app = scenarios.new_application(firm, ApplicationKind.LICENCE, actor=people["submitter"])
    scenarios.drive_application(
        licence_app,
        ApplicationStatus.APPROVED,
        submitter=people["submitter"],
        officer=people["officer"],
        approver=people["approver"],
    )
    validity.refresh_from_db()
    assert validity.status == DeadlineStatus.MET  # filed in time: the NOC will not lapse
    assert deadline(K.DECIDE_LICENCE_APPLICATION, firm=firm).status == DeadlineStatus.MET
    renewal = deadline(K.LICENCE_RENEWAL, firm=firm)
    assert renewal.due_on == firm.licences.get().expires_on and renewal.status == DeadlineStatus.OPEN


def test_withdrawing_cancels_the_applications_clocks(people):
    app = application_in(ApplicationStatus.INFORMATION_REQUESTED, **people)
    application_withdraw(actor=people["submitter"], application_id=app.pk, reason="Changed plans")
    assert set(Deadline.objects.filter(application=app).values_list("status", flat=True)) == {
        DeadlineStatus.CANCELLED
    }


def test_rules_are_policy_in_the_database(people):
    DeadlineRule.objects.filter(kind=K.DECIDE_NOC_APPLICATION).update(amount=30)
    app = application_in(ApplicationStatus.SUBMITTED, **people)
    decide = deadline(K.DECIDE_NOC_APPLICATION, application=app)
    assert decide.due_on == local_date(app.submitted_at) + datetime.timedelta(days=30)
    assert not Deadline.objects.filter(kind=K.ACKNOWLEDGE_SUBMISSION).exists()  # switched off


def test_every_kind_has_a_rule_seeded_with_the_domain_defaults():
    rules = {r.kind: r for r in DeadlineRule.objects.all()}
    assert set(rules) == set(DeadlineKind.values)
    assert (rules[K.DECIDE_NOC_APPLICATION].amount, rules[K.DECIDE_NOC_APPLICATION].unit) == (
        60,
        "calendar_days",
    )
    assert rules[K.DECIDE_NOC_APPLICATION].pausable and rules[K.DECIDE_LICENCE_APPLICATION].amount == 90
    assert (rules[K.ACKNOWLEDGE_SUBMISSION].amount, rules[K.ACKNOWLEDGE_SUBMISSION].unit) == (
        2,
        "business_days",
    )
    assert (rules[K.NOC_VALIDITY].amount, rules[K.NOC_VALIDITY].unit, rules[K.NOC_VALIDITY].lapse) == (
        6,
        "months",
        True,
    )
    assert rules[K.DEFINITIVE_AGREEMENT].reminder_offsets == [90, 30, 7, 1, 0]
    assert rules[K.ANSWER_INFORMATION_REQUEST].lapse is False  # "policy may lapse": off by default
    assert rules[K.REGISTER_AML].escalation_role == "AML officer"


# --- The sweep.


def test_a_reminder_goes_to_the_firm_on_its_day_and_a_repeated_sweep_sends_nothing(people):
    app = application_in(ApplicationStatus.INFORMATION_REQUESTED, **people)
    answer = deadline(K.ANSWER_INFORMATION_REQUEST, application=app)
    day = answer.due_on - datetime.timedelta(days=7)
    assert run(at_local_time(day, 8)) == []  # before the reminder hour
    done = run(at_local_time(day, 10))
    assert [milestone for milestone, _outcome in done] == ["d-7"]
    assert run(at_local_time(day, 10)) == []
    assert run(at_local_time(day, 11)) == []
    notes = Notification.objects.filter(kind=NotificationKind.REMINDER)
    assert [n.user for n in notes] == [people["submitter"]]
    assert "7 days left" in notes.get().body


def test_a_sweep_that_was_down_sends_only_the_latest_reminder(people):
    app = application_in(ApplicationStatus.INFORMATION_REQUESTED, **people)
    answer = deadline(K.ANSWER_INFORMATION_REQUEST, application=app)
    done = run(at_local_time(answer.due_on, 12))
    assert [milestone for milestone, _ in done] == ["d-0"]


def test_a_missed_information_request_escalates_to_the_officers_manager(people):
    app = application_in(ApplicationStatus.INFORMATION_REQUESTED, **people)
    answer = deadline(K.ANSWER_INFORMATION_REQUEST, application=app)
    done = run(end_of(answer.due_on) + datetime.timedelta(hours=1))
    assert [milestone for milestone, _ in done] == ["overdue"]
    answer.refresh_from_db()
    assert answer.status == DeadlineStatus.MISSED
    escalated = set(
        Notification.objects.filter(kind=NotificationKind.ESCALATION).values_list("user", flat=True)
    )
    assert escalated == {people["officer"].pk, people["approver"].pk}
    assert Notification.objects.get(kind=NotificationKind.MISSED).user == people["submitter"]
    assert (
        Application.objects.get(pk=app.pk).status == ApplicationStatus.INFORMATION_REQUESTED
    )  # policy: no lapse


def test_where_policy_says_so_an_unanswered_request_lapses_the_application(people):
    DeadlineRule.objects.filter(kind=K.ANSWER_INFORMATION_REQUEST).update(lapse=True)
    app = application_in(ApplicationStatus.INFORMATION_REQUESTED, **people)
    answer = deadline(K.ANSWER_INFORMATION_REQUEST, application=app)
    [(milestone, outcome)] = run(end_of(answer.due_on) + datetime.timedelta(minutes=5))
    assert "lapsed" in outcome
    app.refresh_from_db()
    assert app.status == ApplicationStatus.LAPSED
    assert deadline(K.ANSWER_INFORMATION_REQUEST, application=app).status == DeadlineStatus.MISSED
    assert deadline(K.DECIDE_NOC_APPLICATION, application=app).status == DeadlineStatus.CANCELLED


def test_a_noc_past_its_validity_lapses_through_firm_lapse_noc(people):
    firm = people["firm"]
    scenarios.grant_noc(
        firm, submitter=people["submitter"], officer=people["officer"], approver=people["approver"]
    )
    validity = deadline(K.NOC_VALIDITY, firm=firm)
    run(end_of(validity.due_on) + datetime.timedelta(hours=2))
    firm.refresh_from_db()
    assert firm.stage == FirmStage.NOC_LAPSED
    assert firm.nocs.get().status == "lapsed"
    assert deadline(K.NOC_VALIDITY, firm=firm).status == DeadlineStatus.MISSED
    assert deadline(K.REGISTER_AML, firm=firm).status == DeadlineStatus.MISSED  # due months earlier


def test_a_deadline_met_after_its_claim_sends_nothing(people):
    app = application_in(ApplicationStatus.INFORMATION_REQUESTED, **people)
    answer = deadline(K.ANSWER_INFORMATION_REQUEST, application=app)
    now = at_local_time(answer.due_on, 10)
    report = sweep(now=now)
    scenarios.answer_information_request(app, actor=people["submitter"])  # before the worker ran
    assert "Not sent" in process_reminder(report.reminder_ids[0], now=now)
    assert not Notification.objects.exists()


def test_processing_a_reminder_twice_notifies_once(people):
    app = application_in(ApplicationStatus.INFORMATION_REQUESTED, **people)
    answer = deadline(K.ANSWER_INFORMATION_REQUEST, application=app)
    report = sweep(now=at_local_time(answer.due_on, 10))
    [pk] = report.reminder_ids
    process_reminder(pk)
    assert process_reminder(pk) == "already-sent"
    assert Notification.objects.count() == 1


def test_dry_run_prints_what_would_be_sent_and_lapsed_and_changes_nothing(people):
    firm = people["firm"]
    scenarios.grant_noc(
        firm, submitter=people["submitter"], officer=people["officer"], approver=people["approver"]
    )
    validity = deadline(K.NOC_VALIDITY, firm=firm)
    at = (end_of(validity.due_on) + datetime.timedelta(hours=3)).isoformat()
    out = io.StringIO()
    call_command("sweep_deadlines", "--dry-run", "--at", at, stdout=out)
    text = out.getvalue()
    assert "[overdue]" in text and f"would lapse {firm.legal_name}" in text
    assert not Reminder.objects.exists()
    firm.refresh_from_db()
    assert firm.stage == FirmStage.NOC_HOLDER
    call_command("sweep_deadlines", "--at", at, stdout=io.StringIO())
    assert Reminder.objects.filter(milestone="overdue").count() == 2  # NOC validity, AML registration
