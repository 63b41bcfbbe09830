"""A due date that moves (an extension, a paused clock resumed) earns the milestones still ahead
of it, once each; those already behind it are not sent late in a burst (issue 15, item 1).

The clock is moved by `clock` (tests/clock.py: django.utils.timezone.now answers the time the
test sets), and the sweep runs at every milestone as beat would: `run_until` sweeps at each
`next_action_at` and processes what it claimed, as the worker would.
"""

import datetime

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from licensing.models import AgreementStatus, ApplicationStatus
from licensing.services.agreements import agreement_extend, agreement_record
from licensing.services.applications import information_request_answer, information_request_create
from licensing.staff.case_services import information_request_extend
from portal.businessdays.calendar import at_local_time, end_of, local_date
from portal.deadlines import schedule
from portal.deadlines import services as deadlines
from portal.deadlines.actions import process_reminder
from portal.deadlines.models import Deadline, DeadlineKind, DeadlineRule, DeadlineStatus, Reminder
from portal.deadlines.sweep import sweep
from portal.notifications.models import Notification, NotificationKind
from tests.states import application_in

pytestmark = pytest.mark.django_db
K = DeadlineKind
D = datetime.date


@pytest.fixture(autouse=True)
def no_acknowledgement_clock():
    # Outside a real commit the automatic receipt never goes out; its clock would add noise.
    DeadlineRule.objects.filter(kind=K.ACKNOWLEDGE_SUBMISSION).update(is_active=False)


def run_until(clock, end: datetime.datetime) -> list[tuple[int, str, datetime.date, datetime.date]]:
    """Sweep at every milestone up to `end`, processing each claim; returns (deadline id,
    milestone, due date it was for, local day it went out), in order."""
    done = []
    while True:
        cursor = (
            Deadline.objects.filter(status=DeadlineStatus.OPEN, next_action_at__lte=end)
            .order_by("next_action_at")
            .values_list("next_action_at", flat=True)
            .first()
        )
        if cursor is None:
            clock.set(end)
            return done
        now = clock.set(cursor + datetime.timedelta(minutes=1))
        for pk in sweep(now=now).reminder_ids:
            process_reminder(pk, now=now)
            r = Reminder.objects.get(pk=pk)
            done.append((r.deadline_id, r.milestone, r.due_on, local_date(now)))


def sent_for(done, deadline) -> list[tuple[str, datetime.date, datetime.date]]:
    return [(milestone, due_on, day) for pk, milestone, due_on, day in done if pk == deadline.pk]


# --- The examples from the issue.


def test_an_mou_extended_on_its_due_date_is_reminded_of_the_new_date_and_lapses_only_after_it(
    clock, approver
):
    clock.set(at_local_time(D(2026, 8, 28), 12))
    mou = agreement_record(
        actor=approver,
        title="MoU on tokenised T-bills",
        scope="Advisory on tokenising T-bills.",
        counterparty_name="Fictional Exchange Ltd",
        signed_on=D(2026, 8, 28),
        window_months=6,
        owner_id=approver.pk,
    )
    assert mou.definitive_due_on == D(2027, 2, 28)
    window = Deadline.objects.get(agreement=mou)
    first = run_until(clock, at_local_time(D(2027, 2, 28), 12))
    assert [(m, day) for m, _due, day in sent_for(first, window)] == [
        ("d-90", D(2026, 11, 30)),
        ("d-30", D(2027, 1, 29)),
        ("d-7", D(2027, 2, 21)),
        ("d-1", D(2027, 2, 27)),
        ("d-0", D(2027, 2, 28)),
    ]

    clock.set(at_local_time(D(2027, 2, 28), 15))
    agreement_extend(actor=approver, agreement_id=mou.pk, new_due_on=D(2027, 5, 31), reason="Parties agreed.")
    before_new_date = run_until(clock, at_local_time(D(2027, 5, 31), 23))
    assert sent_for(before_new_date, window) == [
        ("d-90", D(2027, 5, 31), D(2027, 3, 2)),
        ("d-30", D(2027, 5, 31), D(2027, 5, 1)),
        ("d-7", D(2027, 5, 31), D(2027, 5, 24)),
        ("d-1", D(2027, 5, 31), D(2027, 5, 30)),
        ("d-0", D(2027, 5, 31), D(2027, 5, 31)),
    ]
    mou.refresh_from_db()
    assert mou.status == AgreementStatus.EXTENDED
    after = run_until(clock, at_local_time(D(2027, 6, 1), 12))
    assert sent_for(after, window) == [("overdue", D(2027, 5, 31), D(2027, 6, 1))]
    mou.refresh_from_db()
    assert mou.status == AgreementStatus.LAPSED
    assert Reminder.objects.filter(deadline=window).count() == 11  # five, five again, overdue


def test_an_information_request_extended_after_its_one_day_reminder_gets_the_new_dates_reminders(
    clock, firm, submitter, officer, approver
):
    clock.set(at_local_time(D(2027, 1, 2), 11))
    app = application_in(
        ApplicationStatus.UNDER_REVIEW, firm=firm, submitter=submitter, officer=officer, approver=approver
    )
    information_request_create(
        actor=officer, application_id=app.pk, items=["Audited accounts"], due_on=D(2027, 1, 18)
    )
    answer = Deadline.objects.get(kind=K.ANSWER_INFORMATION_REQUEST, application=app)
    first = run_until(clock, at_local_time(D(2027, 1, 17), 15))
    assert [(m, day) for m, _due, day in sent_for(first, answer)] == [
        ("d-7", D(2027, 1, 11)),
        ("d-1", D(2027, 1, 17)),
    ]

    information_request_extend(
        actor=officer, application_id=app.pk, due_on=D(2027, 2, 1), reason="The auditors need time."
    )
    second = run_until(clock, at_local_time(D(2027, 2, 1), 12))
    assert sent_for(second, answer) == [
        ("d-7", D(2027, 2, 1), D(2027, 1, 25)),
        ("d-1", D(2027, 2, 1), D(2027, 1, 31)),
        ("d-0", D(2027, 2, 1), D(2027, 2, 1)),
    ]
    told = Notification.objects.filter(kind=NotificationKind.REMINDER, user=submitter)
    assert told.count() == 5


def test_a_decision_clock_resumed_after_a_21_day_pause_sends_its_seven_day_reminder_again(
    clock, firm, submitter, officer, approver
):
    clock.set(at_local_time(D(2027, 3, 1), 11))
    app = application_in(
        ApplicationStatus.UNDER_REVIEW, firm=firm, submitter=submitter, officer=officer, approver=approver
    )
    decide = Deadline.objects.get(kind=K.DECIDE_NOC_APPLICATION, application=app)
    assert decide.due_on == D(2027, 4, 30)
    first = run_until(clock, at_local_time(D(2027, 4, 23), 10))
    assert [(m, day) for m, _due, day in sent_for(first, decide)] == [
        ("d-30", D(2027, 3, 31)),
        ("d-7", D(2027, 4, 23)),
    ]

    information_request_create(actor=officer, application_id=app.pk, items=["Board minutes"])
    clock.set(at_local_time(D(2027, 5, 14), 8))  # answered 21 days later, before the reminder hour
    information_request_answer(actor=submitter, application_id=app.pk, response="Attached.")
    decide.refresh_from_db()
    assert decide.due_on == D(2027, 5, 21) and decide.status == DeadlineStatus.OPEN
    second = run_until(clock, at_local_time(decide.due_on, 12))
    assert [(m, day) for m, _due, day in sent_for(second, decide)] == [
        ("d-7", decide.due_on - datetime.timedelta(days=7)),
        ("d-1", decide.due_on - datetime.timedelta(days=1)),
        ("d-0", decide.due_on),
    ]
    assert "7 days left" in Notification.objects.filter(user=officer, reminder__milestone="d-7").last().body


def test_a_sixty_day_deadline_extended_by_one_day_is_reminded_of_its_new_date(clock, firm):
    start = clock.set(at_local_time(D(2027, 3, 1), 11))
    deadline = deadlines.open_for(K.DECIDE_NOC_APPLICATION, firm=firm, start=start)
    assert deadline.due_on == D(2027, 4, 30)
    first = run_until(clock, at_local_time(D(2027, 4, 30), 15))
    assert [m for m, _due, _day in sent_for(first, deadline)] == ["d-30", "d-7", "d-1", "d-0"]

    deadlines.reschedule(K.DECIDE_NOC_APPLICATION, firm=firm, due_on=D(2027, 5, 1))
    second = run_until(clock, at_local_time(D(2027, 5, 2), 12))
    # The new date's d-30, d-7 and d-1 fell before the change: passed over, not sent in a burst.
    assert sent_for(second, deadline) == [
        ("d-0", D(2027, 5, 1), D(2027, 5, 1)),
        ("overdue", D(2027, 5, 1), D(2027, 5, 2)),
    ]


def test_a_reminder_claimed_before_the_due_date_moved_is_not_sent(clock, firm):
    start = clock.set(at_local_time(D(2027, 3, 1), 11))
    deadlines.open_for(K.DECIDE_NOC_APPLICATION, firm=firm, start=start)
    now = clock.set(at_local_time(D(2027, 4, 29), 10))
    [pk] = sweep(now=now).reminder_ids  # d-1 claimed; the worker has not run yet
    deadlines.reschedule(K.DECIDE_NOC_APPLICATION, firm=firm, due_on=D(2027, 5, 20))
    assert process_reminder(pk, now=now) == "Not sent: the due date moved to 2027-05-20."
    assert not Notification.objects.exists()


def test_an_overdue_claim_for_a_date_since_extended_misses_nothing(clock, firm):
    start = clock.set(at_local_time(D(2027, 3, 1), 11))
    deadlines.open_for(K.DECIDE_NOC_APPLICATION, firm=firm, start=start)
    now = clock.set(end_of(D(2027, 4, 30)) + datetime.timedelta(minutes=1))
    [pk] = sweep(now=now).reminder_ids
    deadlines.reschedule(K.DECIDE_NOC_APPLICATION, firm=firm, due_on=D(2027, 5, 20))
    assert "moved" in process_reminder(pk, now=now)
    assert Deadline.objects.get(firm=firm).status == DeadlineStatus.OPEN


def test_moving_back_to_a_date_already_reminded_of_sends_nothing_twice(clock, firm):
    start = clock.set(at_local_time(D(2027, 3, 1), 11))
    deadlines.open_for(K.DECIDE_NOC_APPLICATION, firm=firm, start=start)
    run_until(clock, at_local_time(D(2027, 4, 2), 12))  # d-30 of 30 April
    clock.set(at_local_time(D(2027, 4, 2), 15))
    deadlines.reschedule(K.DECIDE_NOC_APPLICATION, firm=firm, due_on=D(2027, 5, 30))
    clock.set(at_local_time(D(2027, 4, 3), 15))
    deadlines.reschedule(K.DECIDE_NOC_APPLICATION, firm=firm, due_on=D(2027, 4, 30))
    done = run_until(clock, at_local_time(D(2027, 4, 30), 12))
    assert [(m, due) for _pk, m, due, _day in done] == [("d-7", D(2027, 4, 30)), ("d-1", D(2027, 4, 30))] + [
        ("d-0", D(2027, 4, 30))
    ]


# --- Any sequence of extensions, pauses and resumes.

START = at_local_time(D(2027, 3, 1), 15)
OFFSETS = [90, 30, 7, 1, 0]  # the decision clock's reminders (domain defaults)

events = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=70),  # days after the previous event (clamped)
        st.sampled_from(["extend", "pause", "resume"]),
        st.integers(min_value=1, max_value=120),  # days an extension adds
    ),
    max_size=8,
)


def expected_claims(steps) -> set[tuple[str, datetime.date]]:
    """The reference: while the clock runs with due date D from `since`, every milestone of
    D after `since` and before the clock stops or D changes is claimed, once."""
    due = START.date() + datetime.timedelta(days=60)
    state, since, paused_on, claims = "open", START, None, set()

    def close_period(until):
        for m in schedule.milestones(due, OFFSETS):
            if since < m.at <= until:
                claims.add((m.name, due))

    for at, action, days in steps:
        if action == "extend":
            if state == "open":
                close_period(at)
                since = at
            due = due + datetime.timedelta(days=days)
        elif action == "pause" and state == "open":
            close_period(at)
            state, paused_on = "paused", local_date(at)
        elif action == "resume" and state == "paused":
            due = due + (local_date(at) - paused_on)
            state, since = "open", at
    if state == "open":
        close_period(end_of(due) + datetime.timedelta(hours=1))
    return claims


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=events)
def test_every_due_date_gets_its_milestones_ahead_once_whatever_the_extensions_pauses_and_resumes(plan, firm):
    with transaction.atomic():
        deadline = deadlines.open_for(K.DECIDE_NOC_APPLICATION, firm=firm, start=START)
        assert deadline.reminder_offsets == OFFSETS
        claimed, steps, now = [], [], START

        def sweep_until(moment):
            while True:
                cursor = (
                    Deadline.objects.filter(pk=deadline.pk, status=DeadlineStatus.OPEN)
                    .values_list("next_action_at", flat=True)
                    .first()
                )
                if cursor is None or cursor > moment:
                    return
                claimed.extend(sweep(now=cursor).claimed)

        for gap, action, days in plan:
            current = Deadline.objects.get(pk=deadline.pk)
            # Events happen at 15:00 local, before the current due date ends.
            day = min(local_date(now) + datetime.timedelta(days=gap), current.due_on)
            at = at_local_time(day, 15)
            if at < now:
                continue
            sweep_until(at)
            now = at
            if action == "extend":
                deadlines.reschedule(
                    K.DECIDE_NOC_APPLICATION,
                    firm=firm,
                    due_on=current.due_on + datetime.timedelta(days=days),
                    now=at,
                )
            elif action == "pause":
                deadlines.pause(K.DECIDE_NOC_APPLICATION, firm=firm, now=at)
            else:
                deadlines.resume(K.DECIDE_NOC_APPLICATION, firm=firm, now=at)
            steps.append((at, action, days))
        final = Deadline.objects.get(pk=deadline.pk)
        sweep_until(end_of(final.due_on) + datetime.timedelta(hours=1))

        rows = list(
            Reminder.objects.filter(deadline=deadline).values_list("milestone", "due_on", "scheduled_for")
        )
        assert len(claimed) == len(rows)  # every claim is one row: nothing claimed twice
        assert {(m, due) for m, due, _at in rows} == expected_claims(steps)
        for milestone, due, at in rows:  # each at its own time for its own due date
            assert at == next(m.at for m in schedule.milestones(due, OFFSETS) if m.name == milestone)
        transaction.set_rollback(True)
