"""The Django admin: every page loads, state is never written directly, transitions go
through the service functions, and a refused transition changes nothing."""

import datetime
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aml.models import AmlStatus
from aml.services import aml_registration_submit
from licensing import scenarios
from licensing.models import (
    Agreement,
    AgreementStatus,
    Application,
    ApplicationKind,
    ApplicationStatus,
    Decision,
    Firm,
    FirmStage,
    InformationRequest,
    Licence,
)
from licensing.models.authorisations import LicenceStatus
from portal.accounts.roles import StaffRole
from portal.audit.models import AuditEvent
from portal.dates import local_today
from tests.factories import FirmFactory, MembershipFactory

pytestmark = pytest.mark.django_db

REGISTERED = """accounts.user auth.group licensing.firm licensing.activity licensing.application
    licensing.informationrequest licensing.recommendation licensing.decision licensing.noc
    licensing.licence licensing.counter licensing.call licensing.document licensing.invitation
    licensing.agreement licensing.firmchangerequest
    aml.amlregistration aml.sanctionslist aml.listversion aml.listentry aml.screeningalert
    audit.auditevent""".split()
ADDABLE = {
    "accounts.user",
    "auth.group",
    "licensing.firm",
    "licensing.activity",
    "licensing.call",
    "licensing.agreement",
}
NEVER_DELETED = """licensing.firm licensing.application licensing.decision licensing.noc licensing.licence
    licensing.firmchangerequest
    aml.amlregistration aml.listversion aml.listentry aml.screeningalert audit.auditevent""".split()
SUSPENDED = "Owner Exchange Ltd: “Suspend” done; authorisation stage is now “Suspended”."


def admin_url(label: str, view: str, object_id=None, **kwargs) -> str:
    if object_id is not None:
        kwargs["object_id"] = object_id
    return reverse(f"admin:{label.replace('.', '_')}_{view}", kwargs=kwargs)


def transition_url(obj, name: str) -> str:
    return admin_url(obj._meta.label_lower, "transition", obj.pk, name=name)


def change_page(client, obj) -> str:
    return client.get(admin_url(obj._meta.label_lower, "change", obj.pk)).content.decode()


def last_seq() -> int:
    event = AuditEvent.objects.first()
    return event.seq if event else 0


def actions_since(seq: int) -> list[str]:
    return list(AuditEvent.objects.filter(seq__gt=seq).order_by("seq").values_list("action", flat=True))


def messages_of(response) -> list[str]:
    return [str(m.message) for m in get_messages(response.wsgi_request)]


def action_names(response) -> list[str]:
    action_form = response.context["action_form"]
    return [name for name, _label in action_form.fields["action"].choices if name] if action_form else []


def change_form_data(response) -> dict:
    """What a browser would post back from a change page, untouched."""
    data = {}

    def add(form):
        for name in form.fields:
            value = form[name].value()
            if value is True:
                data[form.add_prefix(name)] = "on"
            elif value is not None and value is not False:
                data[form.add_prefix(name)] = value

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        add(inline.formset.management_form)
        for form in inline.formset.forms:
            add(form)
    return data


@pytest.fixture
def staff_client(client, administrator):
    client.force_login(administrator)
    return client


@pytest.fixture
def licensed_firm(firm, submitter, officer, approver, aml_officer, activities):
    scenarios.grant_noc(firm, submitter=submitter, officer=officer, approver=approver, activities=activities)
    scenarios.register_aml(firm, submitter=submitter, aml_officer=aml_officer, goaml_org_id="GOAML-1")
    app = scenarios.new_application(firm, ApplicationKind.LICENCE, actor=submitter)
    scenarios.drive_application(
        app, ApplicationStatus.APPROVED, submitter=submitter, officer=officer, approver=approver
    )
    firm.refresh_from_db()
    assert firm.stage == FirmStage.LICENSED
    return firm


@pytest.fixture
def demo(licensed_firm, other_firm, outsider, officer, administrator, settings, tmp_path):
    """Every kind of record: a licensed firm, another firm asked for information, a call,
    an uploaded document, an invitation and an MoU."""
    import datetime
    import hashlib

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from licensing.models import Call, Document, Invitation

    settings.MEDIA_ROOT = tmp_path
    app = scenarios.new_application(other_firm, ApplicationKind.NOC, actor=outsider)
    scenarios.drive_application(
        app, ApplicationStatus.INFORMATION_REQUESTED, submitter=outsider, officer=officer
    )
    now = timezone.now()
    Call.objects.create(
        title="Exchange Call 2026",
        description="Global exchanges",
        opens_at=now,
        closes_at=now + datetime.timedelta(days=30),
        eligible_jurisdictions=["AE"],
    )
    content = b"%PDF-1.4 demo %%EOF"
    Document.objects.create(
        firm=other_firm,
        application=app,
        doc_type="business_plan",
        original_name="plan.pdf",
        file=ContentFile(content, name="plan.pdf"),
        content_type="application/pdf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=outsider,
    )
    from licensing.services.agreements import agreement_record

    agreement_record(
        actor=administrator,
        title="MoU on tokenised bonds",
        scope="Advisory on tokenising sovereign bonds.",
        counterparty_firm_id=licensed_firm.pk,
        signed_on=now.date() - datetime.timedelta(days=3),
        owner_id=officer.pk,
    )
    Invitation.objects.create(
        firm=other_firm,
        email="new@exchange.example",
        role="contributor",
        token_hash="0" * 64,
        invited_by=outsider,
        expires_at=now + datetime.timedelta(days=7),
    )
    from aml.demo import add_demo_person, seed_screening_demo

    add_demo_person(licensed_firm.applications.first())
    seed_screening_demo(licensed_firm)  # the sample sanctions lists, and one screening alert
    from licensing.services.change_requests import firm_change_request_create

    principal = MembershipFactory(firm=licensed_firm, role="principal").user
    firm_change_request_create(  # an identity change awaiting a case officer
        actor=principal,
        firm_id=licensed_firm.pk,
        changes={"registered_address": "1 Exchange Square, Islamabad"},
        reason="The office moved.",
    )
    return licensed_firm


def application_at(status, *, firm, submitter, officer=None, approver=None) -> Application:
    app = scenarios.new_application(firm, ApplicationKind.NOC, actor=submitter)
    return scenarios.drive_application(app, status, submitter=submitter, officer=officer, approver=approver)


# --- Every page loads.


def test_the_admin_registers_exactly_these_models():
    ours = {"accounts", "auth", "licensing", "aml", "audit"}
    registered = {m._meta.label_lower for m in admin.site._registry if m._meta.app_label in ours}
    assert registered == set(REGISTERED)


@pytest.mark.parametrize("label", REGISTERED)
def test_changelist_search_change_and_add_pages_load(label, demo, staff_client):
    model = apps.get_model(label)
    assert staff_client.get(admin_url(label, "changelist")).status_code == 200
    assert staff_client.get(admin_url(label, "changelist"), {"q": "Exchange"}).status_code == 200
    obj = model._default_manager.first()
    assert obj is not None, f"the demo data has no {label}"
    assert staff_client.get(admin_url(label, "change", obj.pk)).status_code == 200
    expected = 200 if label in ADDABLE else 403
    assert staff_client.get(admin_url(label, "add")).status_code == expected


@pytest.mark.parametrize("label", NEVER_DELETED)
def test_kept_records_cannot_be_deleted_singly_or_in_bulk(label, demo, staff_client):
    obj = apps.get_model(label)._default_manager.first()
    response = staff_client.get(admin_url(label, "changelist"))
    assert "delete_selected" not in action_names(response)
    assert staff_client.get(admin_url(label, "delete", obj.pk)).status_code == 403
    assert staff_client.post(admin_url(label, "delete", obj.pk), {"post": "yes"}).status_code == 403
    assert apps.get_model(label)._default_manager.filter(pk=obj.pk).exists()


@pytest.mark.parametrize("label", ["licensing.application", "licensing.firm"])
def test_changelist_queries_do_not_grow_with_rows(
    label, staff_client, officer, django_assert_max_num_queries
):
    def add_rows(n):
        for firm in FirmFactory.create_batch(n):
            Application.objects.create(firm=firm, kind=ApplicationKind.NOC, assigned_officer=officer)

    url = admin_url(label, "changelist")
    add_rows(1)
    with CaptureQueriesContext(connection) as one_row:
        assert staff_client.get(url).status_code == 200
    add_rows(19)
    with django_assert_max_num_queries(len(one_row.captured_queries)):
        response = staff_client.get(url)
    assert response.context["cl"].result_count == 20


# --- State fields are never written through a form.


def test_firm_stage_cannot_be_set_through_the_add_or_change_form(staff_client, firm, principal):
    url = admin_url("licensing.firm", "change", firm.pk)
    data = change_form_data(staff_client.get(url))
    data.update(
        {
            "website": "https://renamed.example",
            "legal_name": "Renamed Ltd",  # identity: read-only in the admin, ignored
            "stage": FirmStage.LICENSED,
            "reference_number": "X-1",
        }
    )
    before = last_seq()
    assert staff_client.post(url, data).status_code == 302
    firm.refresh_from_db()
    assert (firm.website, firm.stage, firm.reference_number) == (
        "https://renamed.example",
        FirmStage.APPLICANT,
        None,
    )
    assert firm.legal_name == "Owner Exchange Ltd"
    assert firm.memberships.get().user == principal
    # The edit is in the tamper-evident trail; no state transition was taken.
    assert actions_since(before) == ["firm.admin_change"]
    assert AuditEvent.objects.get(seq=before + 1).details["fields"] == ["website"]

    url = admin_url("licensing.firm", "add")
    data = change_form_data(staff_client.get(url))
    data.update({"legal_name": "New Ltd", "incorporation_country": "AE", "stage": FirmStage.LICENSED})
    assert staff_client.post(url, data).status_code == 302
    assert Firm.objects.get(legal_name="New Ltd").stage == FirmStage.APPLICANT

    app = application_at(ApplicationStatus.SUBMITTED, firm=firm, submitter=principal)
    url = admin_url("licensing.application", "change", app.pk)
    assert staff_client.post(url, {"status": ApplicationStatus.APPROVED}).status_code == 403
    assert Application.objects.get(pk=app.pk).status == ApplicationStatus.SUBMITTED


def test_a_firms_trading_names_are_shown_as_names_never_as_json(staff_client, firm):
    Firm.objects.filter(pk=firm.pk).update(trading_names=["Alpha Pay", "Beta Coins"])
    response = staff_client.get(admin_url("licensing.firm", "change", firm.pk))
    page = response.content.decode()
    assert "Alpha Pay<br>Beta Coins" in page
    assert "[&quot;" not in page
    assert "trading_names" not in response.context["adminform"].form.fields  # identity: by request


def test_an_administrator_adding_a_firm_types_trading_names_one_per_line(staff_client):
    from licensing.admin.forms import FirmAdminForm

    response = staff_client.get(admin_url("licensing.firm", "add"))
    widget = str(response.context["adminform"].form["trading_names"])
    assert widget.startswith("<textarea")
    field = FirmAdminForm.base_fields["trading_names"]
    assert field.clean("Alpha Pay\n  Gamma   Exchange \n\nAlpha Pay\n") == ["Alpha Pay", "Gamma Exchange"]
    with pytest.raises(ValidationError) as refused:
        field.clean("Alpha Pay\n" + "x" * 301)
    assert refused.value.messages == ["Each trading name must be at most 300 characters."]


# --- Transitions an administrator may take.


def test_administrator_suspends_a_licensed_firm_through_the_button(
    staff_client, licensed_firm, administrator
):
    page = change_page(staff_client, licensed_firm)
    assert all(transition_url(licensed_firm, name) in page for name in ("suspend", "revoke", "surrender"))
    assert transition_url(licensed_firm, "lift_suspension") not in page
    url, reason = transition_url(licensed_firm, "suspend"), "Inspection found client money shortfalls."
    assert 'name="reason"' in staff_client.get(url).content.decode()
    before = last_seq()
    no_reason = staff_client.post(url, {"reason": "  "})
    assert no_reason.context["form"].errors["reason"] == ["This field is required."]
    assert Firm.objects.get(pk=licensed_firm.pk).stage == FirmStage.LICENSED

    response = staff_client.post(url, {"reason": reason})

    assert response.url == admin_url("licensing.firm", "change", licensed_firm.pk)
    assert Firm.objects.get(pk=licensed_firm.pk).stage == FirmStage.SUSPENDED
    assert actions_since(before) == ["firm.suspend"]
    event = AuditEvent.objects.first()
    assert (event.actor, event.to_state, event.reason) == (administrator, "suspended", reason)
    assert Licence.objects.get(firm=licensed_firm).status == LicenceStatus.SUSPENDED
    assert messages_of(response) == [SUSPENDED]


def test_administrator_starts_review_and_requests_information(staff_client, firm, submitter, administrator):
    app = application_at(ApplicationStatus.SUBMITTED, firm=firm, submitter=submitter)
    before = last_seq()

    response = staff_client.post(transition_url(app, "start_review"))

    app.refresh_from_db()
    assert (app.status, app.assigned_officer) == (ApplicationStatus.UNDER_REVIEW, administrator)
    assert actions_since(before) == ["application.start_review"]
    assert "is now “Under review”" in messages_of(response)[0]

    # A service error is shown next to the field and the input is kept; nothing changes.
    url, items = transition_url(app, "request_information"), "Audited accounts\n\n  Board minutes  "
    response = staff_client.post(url, {"items": items, "due_on": local_today()})
    assert (response.status_code, messages_of(response)[-1]) == (422, "The due date must be in the future.")
    assert "Board minutes" in response.content.decode()
    assert "Choose a date after today." in response.content.decode()
    assert not InformationRequest.objects.exists()
    assert actions_since(before) == ["application.start_review"]

    due = local_today() + datetime.timedelta(days=10)
    assert staff_client.post(url, {"items": items, "due_on": due.isoformat()}).status_code == 302
    assert Application.objects.get(pk=app.pk).status == ApplicationStatus.INFORMATION_REQUESTED
    request = InformationRequest.objects.get(application=app)
    assert (request.items, request.due_on) == (["Audited accounts", "Board minutes"], due)


def test_administrator_returns_an_aml_registration_with_remedial_actions(
    staff_client, firm, submitter, officer, approver
):
    scenarios.grant_noc(firm, submitter=submitter, officer=officer, approver=approver)
    registration = aml_registration_submit(
        actor=submitter, firm_id=firm.pk, goaml_org_id="GOAML-7", goaml_registered_on=local_today()
    )
    before = last_seq()
    data = {"remedial_actions": "Name an MLRO resident in Pakistan"}

    response = staff_client.post(transition_url(registration, "return"), data)

    registration.refresh_from_db()
    assert registration.status == AmlStatus.RETURNED
    assert registration.remedial_actions == [data["remedial_actions"]]
    assert "is now “Returned for remedial action”" in messages_of(response)[0]
    assert actions_since(before) == ["amlregistration.return_for_remedy"]
    assert AuditEvent.objects.first().reason == "Name an MLRO resident in Pakistan"


def test_staff_officer_sees_which_actions_their_role_allows(client, officer, firm, submitter):
    officer.is_staff = True
    officer.save()
    client.force_login(officer)
    app = application_at(ApplicationStatus.SUBMITTED, firm=firm, submitter=submitter)
    page = change_page(client, app)
    assert f'href="{transition_url(app, "start_review")}"' in page
    assert 'disabled aria-describedby="why-withdraw"' in page

    response = client.post(transition_url(app, "start_review"))

    app.refresh_from_db()
    assert (response.status_code, app.status, app.assigned_officer) == (302, "under_review", officer)
    assert f'href="{transition_url(app, "recommend")}"' in change_page(client, app)


# --- Transitions that are refused change nothing.


NOW, FIRM_ONLY = (
    "“{}” is not possible: this application is now “{}”.",
    "Only people of this firm can do this.",
)
REFUSALS = [  # (status, transition, form data, HTTP status, message)
    ("draft", "decide", {"outcome": "grant", "reasons": "Fine."}, 409, NOW.format("Approve", "Draft")),
    ("draft", "start_review", {}, 409, NOW.format("Start review", "Draft")),
    (
        "submitted",
        "recommend",
        {"outcome": "grant", "reasons": "Ok."},
        409,
        NOW.format("Recommend", "Submitted"),
    ),
    ("submitted", "withdraw", {"reason": "Asked by phone."}, 403, FIRM_ONLY),
    ("information_requested", "answer_information_request", {"response": "Here."}, 403, FIRM_ONLY),
]


@pytest.mark.parametrize(("status", "name", "data", "code", "message"), REFUSALS)
def test_refused_transition_says_why_and_changes_nothing(
    status, name, data, code, message, staff_client, firm, submitter, officer
):
    app = application_at(status, firm=firm, submitter=submitter, officer=officer)
    assert f'href="{transition_url(app, name)}"' not in change_page(staff_client, app)
    before = last_seq()

    response = staff_client.post(transition_url(app, name), data)

    assert (response.status_code, messages_of(response)) == (code, [message])
    assert Application.objects.get(pk=app.pk).status == status
    assert actions_since(before) == []


def test_administrator_who_recommended_cannot_decide(staff_client, firm, submitter, officer):
    app = application_at(ApplicationStatus.UNDER_REVIEW, firm=firm, submitter=submitter, officer=officer)
    staff_client.post(transition_url(app, "recommend"), {"outcome": "grant", "reasons": "Meets all."})
    assert Application.objects.get(pk=app.pk).status == ApplicationStatus.AWAITING_DECISION
    four_eyes = "You recommended this decision; another approver must take it (four-eyes rule)."
    page = change_page(staff_client, app)
    assert 'disabled aria-describedby="why-decide"' in page and four_eyes in page
    before = last_seq()

    response = staff_client.post(transition_url(app, "decide"), {"outcome": "grant", "reasons": "Me too."})

    assert (response.status_code, messages_of(response)[-1]) == (403, four_eyes)
    assert "Me too." in response.content.decode()
    assert Application.objects.get(pk=app.pk).status == ApplicationStatus.AWAITING_DECISION
    assert not Decision.objects.exists()
    assert actions_since(before) == []


def test_decisions_are_never_bulk_actions_only_buttons_on_each_firms_page(
    staff_client, licensed_firm, other_firm
):
    """One reason for many licensed firms is not a decision: suspend, lift, revoke and surrender
    are taken one firm at a time, from its change page."""
    changelist = admin_url("licensing.firm", "changelist")
    offered = action_names(staff_client.get(changelist))
    assert [name for name in offered if name.startswith("transition_")] == []
    before = last_seq()

    response = staff_client.post(
        changelist, {"action": "transition_suspend", "_selected_action": [licensed_firm.pk, other_firm.pk]}
    )
    direct = staff_client.post(
        admin_url("licensing.firm", "bulk_transition", name="suspend") + f"?ids={licensed_firm.pk}",
        {"reason": "Sector-wide inspection."},
    )

    assert response.status_code == 200 and direct.status_code == 404
    assert Firm.objects.get(pk=licensed_firm.pk).stage == FirmStage.LICENSED
    assert actions_since(before) == []
    assert 'href="' + transition_url(licensed_firm, "suspend") in change_page(staff_client, licensed_firm)


def test_a_bulk_action_takes_each_transition_and_reports_each_refusal(staff_client, administrator, approver):
    from licensing.services import agreements as agreement_services

    administrator.groups.add(Group.objects.get(name=StaffRole.APPROVER.value))  # may manage agreements
    signed = local_today() - datetime.timedelta(days=10)
    kept, ended = (
        agreement_services.agreement_record(
            actor=administrator,
            title=title,
            scope="Advisory on tokenising sovereign bonds.",
            counterparty_name="Fictional Global Exchange Ltd",
            value=Decimal("1000000"),
            currency="USD",
            signed_on=signed,
            owner_id=administrator.pk,
        )
        for title in ("MoU one", "MoU two")
    )
    agreement_services.agreement_terminate(actor=administrator, agreement_id=ended.pk, reason="Withdrew.")
    changelist = admin_url("licensing.agreement", "changelist")
    assert "transition_terminate" in action_names(staff_client.get(changelist))

    response = staff_client.post(
        admin_url("licensing.agreement", "changelist"),
        {"action": "transition_terminate", "_selected_action": [kept.pk, ended.pk]},
    )
    bulk_url = response.url
    assert bulk_url.startswith(admin_url("licensing.agreement", "bulk_transition", name="terminate"))
    rows = staff_client.get(bulk_url).context["rows"]
    assert sorted((row["object"].pk, row["allowed"]) for row in rows) == [(kept.pk, True), (ended.pk, False)]
    before = last_seq()

    response = staff_client.post(bulk_url, {"reason": "The programme ended."})

    assert response.url == admin_url("licensing.agreement", "changelist")
    assert len(messages_of(response)) == 2
    assert Agreement.objects.get(pk=kept.pk).status == AgreementStatus.TERMINATED
    assert actions_since(before) == ["agreement.terminate"]


def test_transitions_change_state_only_by_a_csrf_protected_post(administrator, licensed_firm, staff_client):
    client = Client(enforce_csrf_checks=True)
    client.force_login(administrator)
    url = transition_url(licensed_firm, "suspend")
    assert client.post(url, {"reason": "No token."}).status_code == 403
    assert staff_client.put(url, {"reason": "Wrong verb."}).status_code == 405
    assert staff_client.get(transition_url(licensed_firm, "explode")).status_code == 404
    assert Firm.objects.get(pk=licensed_firm.pk).stage == FirmStage.LICENSED


# --- The audit trail, filters, users, and who may enter.


def test_audit_admin_shows_the_chain_and_refuses_every_change(staff_client, supervisor, demo):
    event = AuditEvent.objects.first()
    page = change_page(staff_client, event)
    assert event.hash in page and event.prev_hash in page
    assert staff_client.get(admin_url("audit.auditevent", "add")).status_code == 403
    for view in ("change", "delete"):
        url = admin_url("audit.auditevent", view, event.pk)
        assert staff_client.post(url, {"reason": "x", "post": "yes"}).status_code == 403
    changelist = admin_url("audit.auditevent", "changelist")
    response = staff_client.get(changelist, {"action": "firm.grant_noc"})
    assert [e.action for e in response.context["cl"].result_list] == ["firm.grant_noc"]
    assert action_names(response) == []
    assert AuditEvent.objects.get(pk=event.pk).reason == event.reason

    supervisor.is_staff = True
    supervisor.save()
    staff_client.force_login(supervisor)
    assert staff_client.get(changelist).status_code == 200
    supervisor.groups.clear()
    assert staff_client.get(changelist).status_code == 403


def test_overdue_filter_finds_open_requests_past_their_due_date(staff_client, demo):
    request = InformationRequest.objects.get()

    def overdue(label):
        response = staff_client.get(admin_url(label, "changelist"), {"overdue": "yes"})
        return list(response.context["cl"].result_list)

    assert overdue("licensing.informationrequest") == overdue("licensing.application") == []
    InformationRequest.objects.filter(pk=request.pk).update(due_on=local_today() - datetime.timedelta(days=1))
    assert overdue("licensing.informationrequest") == [request]
    assert overdue("licensing.application") == [request.application]


def test_administrator_adds_a_user_by_email(staff_client, django_user_model):
    secret = "a-long-enough-passphrase"
    data = {"email": "New.Officer@Regulator.example", "full_name": "New Officer", "usable_password": "true"}
    response = staff_client.post(
        admin_url("accounts.user", "add"), {**data, "password1": secret, "password2": secret}
    )
    assert response.status_code == 302
    user = django_user_model.objects.get(email="new.officer@regulator.example")
    assert (user.full_name, user.is_staff, user.check_password(secret)) == ("New Officer", False, True)
    password_page = reverse("admin:auth_user_password_change", kwargs={"id": user.pk})
    assert staff_client.get(password_page).status_code == 200


@pytest.mark.parametrize("who", ["firm_user", "officer_without_staff_flag"])
def test_people_who_are_not_staff_cannot_enter_the_admin(who, client, firm, officer):
    user = MembershipFactory(firm=firm).user if who == "firm_user" else officer
    client.force_login(user)
    for url in (reverse("admin:index"), admin_url("licensing.application", "changelist")):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))
