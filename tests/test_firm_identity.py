"""The firm's identity on the register: who may change it, and how.

Before its first submission the firm's principal edits the whole profile. From then on the
identity (legal name, trading names, LEI, company numbers, registered address) changes only
through a change request a case officer approves; contact details stay editable by the
principal only. Legal and trading names are unique among firms not in an end state.
"""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from rest_framework.test import APIClient

from licensing.models import FirmChangeRequest, FirmStage
from licensing.models.change_requests import ChangeRequestStatus
from licensing.models.firms import IDENTITY_FIELDS
from licensing.services import change_requests, firm_admin
from portal.audit.models import AuditEvent
from portal.errors import NotFound, NotPermitted, RuleBroken, TransitionNotPossible
from portal.notifications.models import Notification
from tests.factories import FirmFactory, MembershipFactory

pytestmark = pytest.mark.django_db

NEW_NAME = "Renamed Exchange Ltd"


@pytest.fixture
def applied(make_app, firm):
    """The firm has submitted its first application (and so is on the register)."""
    make_app("submitted")
    firm.refresh_from_db()
    assert firm.identity_is_locked and firm.reference_number
    return firm


def api(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def ask(principal, firm, **changes):
    return change_requests.firm_change_request_create(
        actor=principal,
        firm_id=firm.pk,
        changes=changes or {"legal_name": NEW_NAME},
        reason="The company changed its name on 1 March.",
    )


# --- who may edit the profile -----------------------------------------------------------


@pytest.mark.parametrize("role", ["contributor", "submitter"])
def test_contributors_and_submitters_cannot_edit_the_profile_on_the_web(role, request, client, firm):
    user = request.getfixturevalue(role)
    client.force_login(user)
    response = client.post(
        reverse("firm_profile_edit"), {"legal_name": "Hijacked Ltd", "lei": ""}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("firm_profile")
    assert "cannot do this; it needs: principal" in response.content.decode()
    firm.refresh_from_db()
    assert firm.legal_name == "Owner Exchange Ltd" and firm.lei


@pytest.mark.parametrize("role", ["contributor", "submitter"])
def test_contributors_and_submitters_cannot_edit_the_profile_through_the_api(role, request, firm):
    user = request.getfixturevalue(role)
    response = api(user).patch("/api/v1/firm/", {"legal_name": "Hijacked Ltd", "lei": None}, format="json")
    assert response.status_code == 403
    assert "principal" in response.json()["detail"]
    firm.refresh_from_db()
    assert firm.legal_name == "Owner Exchange Ltd" and firm.lei


@pytest.mark.parametrize("role", ["contributor", "submitter"])
def test_the_service_refuses_contributors_and_submitters(role, request, firm):
    with pytest.raises(NotPermitted):
        firm_admin.firm_update_profile(
            actor=request.getfixturevalue(role), firm_id=firm.pk, contact_phone="+92 300 0000000"
        )


def test_before_its_first_submission_the_principal_edits_the_identity_directly(firm, principal):
    assert not firm.identity_is_locked
    response = api(principal).patch("/api/v1/firm/", {"legal_name": NEW_NAME}, format="json")
    assert response.status_code == 200
    firm.refresh_from_db()
    assert firm.legal_name == NEW_NAME


# --- after the first submission ---------------------------------------------------------


def test_after_submission_the_api_refuses_identity_fields_with_a_422_naming_them(applied, principal):
    response = api(principal).patch(
        "/api/v1/firm/", {"legal_name": NEW_NAME, "lei": None, "website": "https://x.example"}, format="json"
    )
    assert response.status_code == 422
    problem = response.json()
    assert set(problem["errors"]) == {"legal_name", "lei"}
    assert "legal name" in problem["detail"] and "LEI" in problem["detail"]
    assert "/api/v1/firm/change-requests/" in problem["detail"]
    applied.refresh_from_db()
    assert applied.legal_name == "Owner Exchange Ltd" and applied.lei
    assert applied.website != "https://x.example"  # nothing half-done


def test_after_submission_the_principal_still_changes_contact_details(applied, principal):
    response = api(principal).patch("/api/v1/firm/", {"contact_phone": "+92 51 1234567"}, format="json")
    assert response.status_code == 200
    assert response.json()["contact_phone"] == "+92 51 1234567"


def test_after_submission_the_web_form_shows_identity_but_saves_only_contact_details(
    client, applied, principal
):
    client.force_login(principal)
    page = client.get(reverse("firm_profile_edit")).content.decode()
    assert 'name="legal_name"' in page and "disabled" in page
    assert reverse("firm_change_request_new") in page
    response = client.post(
        reverse("firm_profile_edit"),
        {"legal_name": "Hijacked Ltd", "contact_email": "desk@owner.example", "incorporation_country": "PK"},
    )
    assert response.status_code == 302
    applied.refresh_from_db()
    assert applied.legal_name == "Owner Exchange Ltd"
    assert applied.contact_email == "desk@owner.example"


def test_the_service_refuses_identity_changes_after_submission(applied, principal):
    with pytest.raises(RuleBroken) as error:
        firm_admin.firm_update_profile(actor=principal, firm_id=applied.pk, trading_names=["Other"])
    assert set(error.value.field_errors) == {"trading_names"}


# --- change requests --------------------------------------------------------------------


def test_a_principal_asks_for_a_change_on_the_web_and_nothing_changes_yet(client, applied, principal):
    client.force_login(principal)
    form = client.get(reverse("firm_change_request_new")).content.decode()
    assert "Owner Exchange Ltd" in form
    data = {name: getattr(applied, name) or "" for name in IDENTITY_FIELDS}
    data.update(
        legal_name=NEW_NAME,
        trading_names="\n".join(applied.trading_names),
        reason="Renamed by special resolution.",
    )
    response = client.post(reverse("firm_change_request_new"), data)
    assert response.status_code == 302
    request_row = FirmChangeRequest.objects.get(firm=applied)
    assert request_row.status == ChangeRequestStatus.PENDING
    assert request_row.changes == {"legal_name": ["Owner Exchange Ltd", NEW_NAME]}
    applied.refresh_from_db()
    assert applied.legal_name == "Owner Exchange Ltd"
    listing = client.get(reverse("firm_change_requests")).content.decode()
    assert NEW_NAME in listing and "Awaiting the regulator" in listing


def test_a_principal_asks_for_a_change_through_the_api(applied, principal):
    client = api(principal)
    response = client.post(
        "/api/v1/firm/change-requests/",
        {"changes": {"legal_name": NEW_NAME, "lei": applied.lei}, "reason": "Renamed."},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending"
    assert body["changes"] == {"legal_name": ["Owner Exchange Ltd", NEW_NAME]}
    assert [r["id"] for r in client.get("/api/v1/firm/change-requests/").json()["results"]] == [body["id"]]


def test_an_api_change_request_with_a_bad_lei_is_a_400_and_asks_for_nothing(applied, principal):
    response = api(principal).post(
        "/api/v1/firm/change-requests/",
        {"changes": {"lei": "NOT-AN-LEI"}, "reason": "New LEI."},
        format="json",
    )
    assert response.status_code == 400
    assert "lei" in response.json()["errors"]
    assert not FirmChangeRequest.objects.exists()


@pytest.mark.parametrize("role", ["contributor", "submitter"])
def test_only_a_principal_asks_for_a_change(role, request, applied):
    user = request.getfixturevalue(role)
    response = api(user).post(
        "/api/v1/firm/change-requests/", {"changes": {"legal_name": NEW_NAME}, "reason": "x"}, format="json"
    )
    assert response.status_code == 403
    with pytest.raises(NotPermitted):
        ask(user, applied)
    assert not FirmChangeRequest.objects.exists()


def test_a_change_request_needs_a_reason_a_change_and_no_other_pending_request(applied, principal):
    with pytest.raises(RuleBroken):
        change_requests.firm_change_request_create(
            actor=principal, firm_id=applied.pk, changes={"legal_name": NEW_NAME}, reason=" "
        )
    with pytest.raises(RuleBroken):
        ask(principal, applied, legal_name="Owner Exchange Ltd")  # nothing would change
    ask(principal, applied)
    with pytest.raises(RuleBroken):
        ask(principal, applied, legal_name="Another Name Ltd")


def test_a_case_officer_approves_and_the_register_shows_formerly(client, applied, principal, officer):
    row = ask(principal, applied)
    client.force_login(officer)
    response = client.post(
        reverse("staff_firm_change", args=[row.pk]), {"decision": "approve", "reason": "Certificate seen."}
    )
    assert response.status_code == 302
    applied.refresh_from_db()
    assert applied.legal_name == NEW_NAME
    row.refresh_from_db()
    assert (row.status, row.decided_by, row.decision_reason) == ("approved", officer, "Certificate seen.")
    register = client.get(reverse("register_firm", args=[applied.reference_number])).content.decode()
    assert NEW_NAME in register
    assert "formerly <bdi>Owner Exchange Ltd</bdi>" in register
    entry = APIClient().get(f"/api/v1/register/{applied.reference_number}/").json()
    assert [n["legal_name"] for n in entry["former_names"]] == ["Owner Exchange Ltd"]
    event = AuditEvent.objects.filter(action="firmchangerequest.approve").get()
    assert event.firm_id == applied.pk and event.actor == officer
    assert event.details["changed"] == {"legal_name": ["Owner Exchange Ltd", NEW_NAME]}


def test_the_firm_is_notified_of_the_outcome(applied, principal, officer):
    ask(principal, applied)
    row = FirmChangeRequest.objects.get()
    change_requests.firm_change_request_refuse(
        actor=officer, request_id=row.pk, reason="The certificate of change of name is missing."
    )
    note = Notification.objects.get(user=principal)
    assert "refused" in note.subject
    assert "The certificate of change of name is missing." in note.body
    assert note.link == reverse("firm_change_requests")
    applied.refresh_from_db()
    assert applied.legal_name == "Owner Exchange Ltd"

    row = ask(principal, applied)
    change_requests.firm_change_request_approve(actor=officer, request_id=row.pk)
    assert "approved" in Notification.objects.filter(user=principal).order_by("-pk").first().subject


def test_refusing_needs_a_reason(applied, principal, officer):
    row = ask(principal, applied)
    with pytest.raises(RuleBroken):
        change_requests.firm_change_request_refuse(actor=officer, request_id=row.pk, reason="  ")
    client = api(officer)
    response = client.post(f"/api/v1/firm-change-requests/{row.pk}/refuse/", {}, format="json")
    assert response.status_code == 400
    row.refresh_from_db()
    assert row.status == ChangeRequestStatus.PENDING


@pytest.mark.parametrize("role", ["aml_officer", "supervisor"])
def test_staff_without_the_case_officer_role_cannot_decide(role, request, client, applied, principal):
    user = request.getfixturevalue(role)
    row = ask(principal, applied)
    with pytest.raises(NotPermitted):
        change_requests.firm_change_request_approve(actor=user, request_id=row.pk)
    client.force_login(user)
    assert client.get(reverse("staff_firm_change", args=[row.pk])).status_code == 200
    assert (
        client.post(reverse("staff_firm_change", args=[row.pk]), {"decision": "approve"}).status_code == 403
    )
    assert (
        api(user).post(f"/api/v1/firm-change-requests/{row.pk}/approve/", {}, format="json").status_code
        == 403
    )
    row.refresh_from_db()
    assert row.status == ChangeRequestStatus.PENDING


def test_a_firm_member_cannot_decide_its_own_request(applied, principal):
    row = ask(principal, applied)
    with pytest.raises(NotPermitted):
        change_requests.firm_change_request_approve(actor=principal, request_id=row.pk)


def test_the_staff_api_approves(applied, principal, officer):
    row = ask(principal, applied)
    response = api(officer).post(f"/api/v1/firm-change-requests/{row.pk}/approve/", {}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "approved"


def test_another_firm_sees_none_of_it(client, applied, principal, outsider):
    row = ask(principal, applied)
    other = api(outsider)
    assert other.get(f"/api/v1/firm/change-requests/{row.pk}/").status_code == 404
    assert other.post(f"/api/v1/firm/change-requests/{row.pk}/withdraw/").status_code == 404
    assert other.get("/api/v1/firm/change-requests/").json()["results"] == []
    client.force_login(outsider)
    assert client.post(reverse("firm_change_request_withdraw", args=[row.pk])).status_code == 404
    with pytest.raises(NotFound):
        change_requests.firm_change_request_withdraw(
            actor=outsider, firm_id=outsider.memberships.get().firm_id, request_id=row.pk
        )
    row.refresh_from_db()
    assert row.status == ChangeRequestStatus.PENDING


def test_the_principal_withdraws_a_pending_request(client, applied, principal, contributor):
    row = ask(principal, applied)
    client.force_login(contributor)
    client.post(reverse("firm_change_request_withdraw", args=[row.pk]))
    row.refresh_from_db()
    assert row.status == ChangeRequestStatus.PENDING
    client.force_login(principal)
    client.post(reverse("firm_change_request_withdraw", args=[row.pk]))
    row.refresh_from_db()
    assert row.status == ChangeRequestStatus.WITHDRAWN


def test_the_admin_decides_through_the_same_service(client, applied, principal, administrator):
    row = ask(principal, applied)
    client.force_login(administrator)
    url = reverse(
        "admin:licensing_firmchangerequest_transition", kwargs={"object_id": row.pk, "name": "refuse"}
    )
    response = client.post(url, {"reason": "Not evidenced."})
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.status, row.decision_reason) == ("refused", "Not evidenced.")
    assert Notification.objects.filter(user=principal).exists()


def test_the_admin_cannot_edit_a_firms_identity(client, applied, administrator):
    client.force_login(administrator)
    page = client.get(reverse("admin:licensing_firm_change", args=[applied.pk])).content.decode()
    assert 'name="legal_name"' not in page
    assert 'name="contact_email"' in page


# --- names unique among firms not in an end state ---------------------------------------


@pytest.fixture
def licensed_name(db):
    return FirmFactory(
        legal_name="Binance Pakistan Ltd", trading_names=["Binance PK"], stage=FirmStage.LICENSED
    )


@pytest.mark.parametrize(
    "name", ["Binance Pakistan Ltd", "binance  PAKISTAN ltd", "Binance PK", " binance pk "]
)
def test_a_firm_cannot_take_another_firms_name(name, licensed_name, principal, firm):
    with pytest.raises(RuleBroken) as error:
        firm_admin.firm_update_profile(actor=principal, firm_id=firm.pk, legal_name=name)
    assert "already the name of another firm" in error.value.detail
    with pytest.raises(RuleBroken) as error:
        firm_admin.firm_update_profile(actor=principal, firm_id=firm.pk, trading_names=[name])
    assert "trading_names" in error.value.field_errors


def test_a_suspended_firm_cannot_take_a_licensed_firms_names_by_request(
    licensed_name, applied, principal, officer
):
    applied.__class__.objects.filter(pk=applied.pk).update(stage=FirmStage.SUSPENDED)
    with pytest.raises(RuleBroken):
        ask(principal, applied, legal_name="Binance Pakistan Ltd")
    with pytest.raises(RuleBroken):
        ask(principal, applied, trading_names=["BINANCE PK"])


def test_the_name_is_checked_again_when_the_change_is_approved(applied, principal, officer):
    row = ask(principal, applied)
    FirmFactory(legal_name=NEW_NAME.upper())
    with pytest.raises(RuleBroken):
        change_requests.firm_change_request_approve(actor=officer, request_id=row.pk)
    row.refresh_from_db()
    assert row.status == ChangeRequestStatus.PENDING


def test_registering_a_firm_with_a_name_in_use_is_refused_with_a_form_error(client, licensed_name, db):
    user = MembershipFactory(firm=FirmFactory(), role="principal").user
    client.force_login(user)
    response = client.post(
        reverse("firm_register"), {"legal_name": "BINANCE pakistan LTD", "incorporation_country": "KY"}
    )
    assert response.status_code == 200
    assert "already the name of another firm" in response.content.decode()


def test_names_of_firms_in_an_end_state_are_free(principal, firm):
    FirmFactory(legal_name="Gone Exchange Ltd", stage=FirmStage.REVOKED)
    firm_admin.firm_update_profile(actor=principal, firm_id=firm.pk, legal_name="Gone Exchange Ltd")
    firm.refresh_from_db()
    assert firm.legal_name == "Gone Exchange Ltd"


def test_the_database_refuses_two_active_firms_with_one_legal_name(firm):
    with pytest.raises(IntegrityError), transaction.atomic():
        FirmFactory(legal_name=firm.legal_name.upper())
    FirmFactory(legal_name=firm.legal_name, stage=FirmStage.SURRENDERED)


@pytest.mark.parametrize("state", ["approved", "refused", "withdrawn"])
@pytest.mark.parametrize("action", ["approve", "refuse", "withdraw"])
def test_a_decided_or_withdrawn_request_cannot_be_decided_or_withdrawn_again(
    action, state, applied, principal, officer
):
    row = ask(principal, applied)
    FirmChangeRequest.objects.filter(pk=row.pk).update(status=state)
    with pytest.raises(TransitionNotPossible):
        if action == "withdraw":
            change_requests.firm_change_request_withdraw(
                actor=principal, firm_id=applied.pk, request_id=row.pk
            )
        else:
            getattr(change_requests, f"firm_change_request_{action}")(
                actor=officer, request_id=row.pk, reason="Checked."
            )
    applied.refresh_from_db()
    assert applied.legal_name == "Owner Exchange Ltd"


def test_a_refusal_is_not_reversed_while_another_firm_uses_the_refused_firms_name(make_app, approver2, firm):
    from licensing.models import ApplicationStatus
    from licensing.staff.case_services import application_reverse_decision

    app = make_app(ApplicationStatus.REFUSED)
    FirmFactory(legal_name="OWNER EXCHANGE LTD")  # free to take while the firm was refused
    with pytest.raises(RuleBroken) as error:
        application_reverse_decision(actor=approver2, application_id=app.pk, reason="Wrong file considered.")
    assert "cannot be reversed" in error.value.detail
    firm.refresh_from_db()
    assert firm.stage == FirmStage.REFUSED
