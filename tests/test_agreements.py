"""MoUs and letters of intent: recorded by staff, their six-month window tracked end to end,
every transition audited and refused from every state outside its sources."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from licensing.models import Agreement, AgreementStatus
from licensing.services import agreements as services
from portal.accounts.roles import StaffRole
from portal.audit.models import AuditEvent
from portal.businessdays.calendar import at_local_time
from portal.dates import local_today
from portal.deadlines.actions import process_reminder
from portal.deadlines.models import Deadline, DeadlineKind, DeadlineStatus, Reminder
from portal.deadlines.sweep import sweep
from portal.errors import NotPermitted, RuleBroken, TransitionNotPossible
from portal.notifications.models import Notification, NotificationKind
from portal.transitions import take

pytestmark = pytest.mark.django_db
ONE_DAY = datetime.timedelta(days=1)


def record(actor, *, signed_on=None, **extra):
    kwargs = {
        "actor": actor,
        "title": "MoU on tokenising state assets",
        "scope": "Advisory on tokenising up to USD 2 bn of sovereign bonds, T-bills and commodity reserves.",
        "counterparty_name": "Fictional Global Exchange Ltd",
        "value": Decimal("2000000000"),
        "currency": "USD",
        "signed_on": signed_on or local_today() - datetime.timedelta(days=10),
        "owner_id": actor.pk,
    }
    return services.agreement_record(**{**kwargs, **extra})


@pytest.fixture
def owner(approver, officer):
    approver.manager = None
    officer.manager = approver
    officer.save(update_fields=["manager"])
    officer.groups.add(Group.objects.get(name=StaffRole.APPROVER.value))  # may manage agreements
    return officer


def test_recording_an_mou_audits_it_and_opens_its_six_month_window(owner):
    mou = record(owner, signed_on=datetime.date(2025, 8, 31))
    assert mou.status == AgreementStatus.OPEN
    assert mou.definitive_due_on == datetime.date(2026, 2, 28)  # 31 August + 6 months
    event = AuditEvent.objects.get(action="agreement.record")
    assert event.object_id == str(mou.pk) and event.actor == owner
    window = Deadline.objects.get(agreement=mou)
    assert (window.kind, window.due_on, window.responsible) == (
        DeadlineKind.DEFINITIVE_AGREEMENT,
        datetime.date(2026, 2, 28),
        owner,
    )


def test_the_window_end_to_end_reminders_on_the_right_days_then_it_lapses_the_day_after(owner, approver):
    """Signed 31 August 2025: due 28 February 2026; reminders 90, 30, 7 and 1 days before and
    on the day, at the reminder hour; lapsed on 1 March. The sweep runs every day at 10:00."""
    mou = record(owner, signed_on=datetime.date(2025, 8, 31))
    sent = {}
    day = mou.signed_on
    while day <= datetime.date(2026, 3, 3):
        now = at_local_time(day, 10)
        for pk in sweep(now=now).reminder_ids:
            process_reminder(pk, now=now)
            sent[Reminder.objects.get(pk=pk).milestone] = day
        day += ONE_DAY
    assert sent == {
        "d-90": datetime.date(2025, 11, 30),
        "d-30": datetime.date(2026, 1, 29),
        "d-7": datetime.date(2026, 2, 21),
        "d-1": datetime.date(2026, 2, 27),
        "d-0": datetime.date(2026, 2, 28),
        "overdue": datetime.date(2026, 3, 1),
    }
    mou.refresh_from_db()
    assert mou.status == AgreementStatus.LAPSED
    assert AuditEvent.objects.filter(action="agreement.lapse", actor=None).count() == 1
    assert Deadline.objects.get(agreement=mou).status == DeadlineStatus.MISSED
    assert Notification.objects.filter(user=owner, kind=NotificationKind.REMINDER).count() == 5
    assert Notification.objects.filter(user=approver, kind=NotificationKind.ESCALATION).count() == 1


def test_an_extension_moves_the_window_and_keeps_the_history(owner):
    mou = record(owner)
    new_date = mou.definitive_due_on + datetime.timedelta(days=45)
    services.agreement_extend(actor=owner, agreement_id=mou.pk, new_due_on=new_date, reason="Parties agreed")
    mou.refresh_from_db()
    assert mou.status == AgreementStatus.EXTENDED and mou.definitive_due_on == new_date
    assert mou.extensions.get().reason == "Parties agreed"
    window = Deadline.objects.get(agreement=mou)
    assert window.due_on == new_date and window.original_due_on == new_date - datetime.timedelta(days=45)
    with pytest.raises(RuleBroken):
        services.agreement_extend(actor=owner, agreement_id=mou.pk, new_due_on=new_date, reason="Again")


def test_signing_the_definitive_agreement_meets_the_window(owner):
    mou = record(owner)
    services.agreement_sign_definitive(actor=owner, agreement_id=mou.pk, signed_on=local_today())
    assert Agreement.objects.get(pk=mou.pk).status == AgreementStatus.DEFINITIVE_SIGNED
    assert Deadline.objects.get(agreement=mou).status == DeadlineStatus.MET


def test_terminating_needs_a_reason_and_cancels_the_window(owner):
    mou = record(owner)
    with pytest.raises(RuleBroken):
        services.agreement_terminate(actor=owner, agreement_id=mou.pk, reason=" ")
    services.agreement_terminate(actor=owner, agreement_id=mou.pk, reason="The counterparty withdrew.")
    assert Deadline.objects.get(agreement=mou).status == DeadlineStatus.CANCELLED


def test_case_officers_and_firm_users_cannot_record_or_move_agreements(owner, officer2, principal):
    for person in (officer2, principal):
        with pytest.raises(NotPermitted):
            record(person)
    mou = record(owner)
    with pytest.raises(NotPermitted):
        services.agreement_terminate(actor=officer2, agreement_id=mou.pk, reason="No")
    with pytest.raises(NotPermitted):  # lapsing is the system's action, nobody else's
        take(Agreement.objects.get(pk=mou.pk), "lapse", actor=owner)


def test_an_mou_needs_a_counterparty_a_past_signing_date_and_staff_owners(owner, principal):
    with pytest.raises(RuleBroken) as missing:
        record(owner, counterparty_name="", signed_on=local_today() + ONE_DAY, owner_id=principal.pk)
    assert set(missing.value.field_errors) == {"counterparty_name", "signed_on", "owner_id"}


ACTIONS = {
    "extend": lambda owner, pk: services.agreement_extend(
        actor=owner,
        agreement_id=pk,
        new_due_on=local_today() + datetime.timedelta(days=400),
        reason="More time",
    ),
    "sign_definitive": lambda owner, pk: services.agreement_sign_definitive(
        actor=owner, agreement_id=pk, signed_on=local_today()
    ),
    "terminate": lambda owner, pk: services.agreement_terminate(actor=owner, agreement_id=pk, reason="Ended"),
    "lapse": lambda owner, pk: services.agreement_lapse(agreement_id=pk, reason="Window passed"),
}
REACH = {
    AgreementStatus.OPEN: [],
    AgreementStatus.EXTENDED: ["extend"],
    AgreementStatus.DEFINITIVE_SIGNED: ["sign_definitive"],
    AgreementStatus.TERMINATED: ["terminate"],
    AgreementStatus.LAPSED: ["lapse"],
}
SOURCES = {name: {AgreementStatus.OPEN, AgreementStatus.EXTENDED} for name in ACTIONS}


@pytest.mark.parametrize(
    ("action", "state"),
    [(a, s) for a in ACTIONS for s in AgreementStatus.values if s not in SOURCES[a]],
)
def test_every_transition_is_refused_from_every_state_outside_its_sources(action, state, owner):
    mou = record(owner)
    for step in REACH[state]:
        ACTIONS[step](owner, mou.pk)
    assert Agreement.objects.get(pk=mou.pk).status == state
    before = AuditEvent.objects.count()
    with pytest.raises(TransitionNotPossible):
        ACTIONS[action](owner, mou.pk)
    assert AuditEvent.objects.count() == before


# --- The admin.


def test_staff_record_an_mou_in_the_admin_and_extend_it_with_the_transition_button(
    client, administrator, owner
):
    client.force_login(administrator)
    response = client.post(
        reverse("admin:licensing_agreement_add"),
        {
            "kind": "mou",
            "title": "Letter of intent on custody",
            "scope": "Custody of tokenised T-bills.",
            "counterparty_name": "Fictional Custodian Ltd",
            "value": "150000000",
            "currency": "PKR",
            "signed_on": (local_today() - ONE_DAY).isoformat(),
            "owner": owner.pk,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    mou = Agreement.objects.get(title="Letter of intent on custody")
    assert Deadline.objects.filter(agreement=mou, status=DeadlineStatus.OPEN).exists()
    assert AuditEvent.objects.filter(action="agreement.record", object_id=str(mou.pk)).exists()
    page = client.get(reverse("admin:licensing_agreement_change", args=[mou.pk])).content.decode()
    assert "Extend the window" in page
    url = reverse("admin:licensing_agreement_transition", kwargs={"object_id": mou.pk, "name": "extend"})
    new_date = mou.definitive_due_on + datetime.timedelta(days=30)
    response = client.post(url, {"new_due_on": new_date.isoformat(), "reason": "Cabinet approval pending"})
    assert response.status_code == 302
    assert Agreement.objects.get(pk=mou.pk).definitive_due_on == new_date


def test_the_admin_add_form_shows_the_services_rules_next_to_the_fields(client, administrator, owner):
    client.force_login(administrator)
    response = client.post(
        reverse("admin:licensing_agreement_add"),
        {"kind": "mou", "title": "T", "scope": "S", "signed_on": "2999-01-01", "owner": owner.pk},
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "signed_on" in errors and "counterparty_name" in errors
    assert not Agreement.objects.exists()
