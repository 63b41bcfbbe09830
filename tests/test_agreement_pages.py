"""Staff pages for MoUs and letters of intent: the list with countdowns and filters, one
agreement's history and deadline, and the actions (approvers act, supervisors only look)."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from licensing.models import AgreementStatus
from licensing.services import agreements as services
from portal.audit.models import AuditEvent
from portal.dates import local_today
from portal.deadlines.models import Deadline, DeadlineStatus

pytestmark = pytest.mark.django_db
TODAY = local_today()


def record(actor, *, signed_on=None, **extra):
    kwargs = {
        "actor": actor,
        "title": "MoU on tokenising state assets",
        "scope": "Advisory on tokenising sovereign bonds.",
        "counterparty_name": "Fictional Global Exchange Ltd",
        "value": Decimal("2000000000"),
        "currency": "USD",
        "signed_on": signed_on or TODAY - datetime.timedelta(days=10),
        "owner_id": actor.pk,
    }
    return services.agreement_record(**{**kwargs, **extra})


def test_list_shows_countdown_counterparty_value_and_owners(client, approver, approver2, officer):
    mou = record(approver, co_owner_ids=[approver2.pk])
    client.force_login(officer)
    page = client.get(reverse("staff_agreements")).content.decode()
    days_left = (mou.definitive_due_on - TODAY).days
    assert f"{days_left} days left" in page
    assert "Fictional Global Exchange Ltd" in page
    assert "USD 2,000,000,000.00" in page
    assert str(approver) in page and str(approver2) in page
    assert reverse("staff_agreement", args=[mou.pk]) in page


def test_list_filters_by_status_and_flags_overdue(client, approver, officer):
    late = record(approver, title="Late MoU", signed_on=TODAY - datetime.timedelta(days=250))
    signed = record(approver, title="Signed MoU")
    services.agreement_sign_definitive(actor=approver, agreement_id=signed.pk, signed_on=TODAY)
    client.force_login(officer)
    response = client.get(reverse("staff_agreements"))
    assert [row["agreement"].pk for row in response.context["rows"]] == [late.pk]
    assert response.context["rows"][0]["overdue"]
    assert "Overdue by" in response.content.decode()
    response = client.get(reverse("staff_agreements"), {"status": AgreementStatus.DEFINITIVE_SIGNED})
    assert [row["agreement"].pk for row in response.context["rows"]] == [signed.pk]
    response = client.get(reverse("staff_agreements"), {"status": "all"})
    assert len(response.context["rows"]) == 2


@pytest.mark.parametrize("rows", [1, 50])
def test_list_query_count_is_flat(client, approver, officer, django_assert_max_num_queries, rows):
    for n in range(rows):
        record(approver, title=f"MoU {n}", co_owner_ids=[officer.pk])
    client.force_login(officer)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("staff_agreements"))
    assert len(response.context["rows"]) == rows


def test_detail_shows_history_deadline_and_no_actions_for_a_supervisor(client, approver, supervisor):
    mou = record(approver)
    services.agreement_extend(
        actor=approver,
        agreement_id=mou.pk,
        new_due_on=mou.definitive_due_on + datetime.timedelta(days=30),
        reason="Parties asked for more time",
    )
    client.force_login(supervisor)
    response = client.get(reverse("staff_agreement", args=[mou.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Parties asked for more time" in page
    assert "agreement.extend" in page and "agreement.record" in page
    assert "Sign the definitive agreement of an MoU" in page  # the deadline
    assert 'name="action"' not in page
    assert response.context["why_not"]


def test_approver_extends_with_confirmation(client, approver):
    mou = record(approver)
    url = reverse("staff_agreement", args=[mou.pk])
    client.force_login(approver)
    new_date = mou.definitive_due_on + datetime.timedelta(days=60)
    data = {"action": "extend", "extend-new_due_on": new_date.isoformat(), "extend-reason": "More time"}
    response = client.post(url, data)  # no confirmation: nothing happens
    assert response.status_code == 200 and "Tick the box to confirm." in response.content.decode()
    mou.refresh_from_db()
    assert mou.status == AgreementStatus.OPEN
    response = client.post(url, {**data, "extend-confirm": "on"}, follow=True)
    mou.refresh_from_db()
    assert mou.status == AgreementStatus.EXTENDED and mou.definitive_due_on == new_date
    assert Deadline.objects.get(agreement=mou).due_on == new_date
    assert "is now “Extended”" in response.content.decode()


def test_an_earlier_date_is_refused_beside_the_field(client, approver):
    mou = record(approver)
    client.force_login(approver)
    response = client.post(
        reverse("staff_agreement", args=[mou.pk]),
        {
            "action": "extend",
            "extend-new_due_on": TODAY.isoformat(),
            "extend-reason": "x",
            "extend-confirm": "on",
        },
    )
    assert response.status_code == 200
    assert "The new date must be after the current one" in response.content.decode()


def test_approver_records_the_definitive_agreement_and_the_window_is_met(client, approver):
    mou = record(approver)
    client.force_login(approver)
    client.post(
        reverse("staff_agreement", args=[mou.pk]),
        {
            "action": "sign_definitive",
            "sign_definitive-signed_on": TODAY.isoformat(),
            "sign_definitive-confirm": "on",
        },
    )
    mou.refresh_from_db()
    assert mou.status == AgreementStatus.DEFINITIVE_SIGNED
    assert Deadline.objects.get(agreement=mou).status == DeadlineStatus.MET


def test_approver_terminates_with_a_reason(client, approver):
    mou = record(approver)
    client.force_login(approver)
    response = client.post(
        reverse("staff_agreement", args=[mou.pk]),
        {"action": "terminate", "terminate-reason": "Counterparty withdrew", "terminate-confirm": "on"},
        follow=True,
    )
    mou.refresh_from_db()
    assert mou.status == AgreementStatus.TERMINATED
    assert Deadline.objects.get(agreement=mou).status == DeadlineStatus.CANCELLED
    assert AuditEvent.objects.filter(action="agreement.terminate", reason="Counterparty withdrew").exists()
    assert 'name="action"' not in response.content.decode()  # nothing more to do


@pytest.mark.parametrize("who", ["supervisor", "officer"])
def test_staff_without_the_permission_cannot_act(client, approver, who, request):
    mou = record(approver)
    client.force_login(request.getfixturevalue(who))
    response = client.post(
        reverse("staff_agreement", args=[mou.pk]),
        {"action": "terminate", "terminate-reason": "No", "terminate-confirm": "on"},
    )
    assert response.status_code == 403
    mou.refresh_from_db()
    assert mou.status == AgreementStatus.OPEN


def test_access_table(client, approver, principal, supervisor, officer):
    mou = record(approver)
    urls = [reverse("staff_agreements"), reverse("staff_agreement", args=[mou.pk])]
    for url in urls:
        assert client.get(url).status_code == 302
    client.force_login(principal)
    for url in urls:
        assert client.get(url).status_code == 403
    for person in (supervisor, officer, approver):
        client.force_login(person)
        for url in urls:
            assert client.get(url).status_code == 200
    assert client.get(reverse("staff_agreement", args=[mou.pk + 999])).status_code == 404
