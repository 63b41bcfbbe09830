"""A licence application starts from the NOC application and the AML registration, as its
hints promise; the approver's grant starts with the applied-for activities ticked; the SECP
company number of the licence application reaches the firm's profile and the register at grant."""

import datetime

import pytest
from django.urls import reverse

from licensing import scenarios
from licensing.models import (
    Application,
    ApplicationKind,
    ApplicationStatus,
    BeneficialOwner,
    FirmStage,
    KeyIndividual,
)
from licensing.sections import get_section
from licensing.services.applications import (
    application_decide,
    application_recommend,
    application_save_section,
    application_start_review,
    application_submit,
)
from licensing.staff.forms_case import DecideForm
from portal.audit.models import AuditEvent
from tests.factories import FirmFactory, MembershipFactory
from tests.public_states import firm_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def registered(officer, approver, aml_officer, activities):
    """A firm with a granted NOC (its key individuals, owners and AML answers given) and an AML
    registration, ready to apply for its licence."""
    firm = FirmFactory(legal_name="Indus Digital Exchange Ltd")
    principal = MembershipFactory(firm=firm).user
    firm_at(
        FirmStage.AML_REGISTERED,
        firm,
        principal=principal,
        officer=officer,
        approver=approver,
        aml_officer=aml_officer,
        activities=activities,
    )
    noc_app = Application.objects.get(firm=firm, kind=ApplicationKind.NOC)
    KeyIndividual.objects.create(
        application=noc_app,
        role="ceo",
        full_name="Ayesha Khan",
        identity_type="cnic",
        cnic="35202-1234567-1",
        nationality="PK",
        date_of_birth=datetime.date(1980, 3, 27),
        email="ayesha@indus.example",
        is_employee=True,
    )
    BeneficialOwner.objects.create(
        application=noc_app, kind="person", name="Bilal Ahmed", country="PK", ownership_percent=40
    )
    noc_app.sections = {
        **noc_app.sections,
        "aml_programme": {
            "status": "completed",
            "data": {
                "policy_summary": "Board-approved policy, reviewed yearly.",
                "record_keeping": "Ten years.",
            },
        },
    }
    noc_app.save(update_fields=["sections"])
    return {"firm": firm, "principal": principal, "noc_app": noc_app}


def start_licence(registered) -> Application:
    return scenarios.new_application(
        registered["firm"], ApplicationKind.LICENCE, actor=registered["principal"]
    )


def test_the_licence_application_starts_with_the_nocs_people_owners_and_activities(registered, activities):
    app = start_licence(registered)
    (person,) = app.key_individuals.all()
    assert (person.full_name, person.role, person.cnic, person.date_of_birth) == (
        "Ayesha Khan",
        "ceo",
        "35202-1234567-1",
        datetime.date(1980, 3, 27),
    )
    (owner,) = app.beneficial_owners.all()
    assert (owner.name, owner.ownership_percent) == ("Bilal Ahmed", 40)
    assert set(app.activities.all()) == set(activities)
    # The NOC application keeps its own rows: copies, not moves.
    assert registered["noc_app"].key_individuals.count() == 1


def test_copied_sections_are_in_progress_for_the_firm_to_confirm(registered):
    app = start_licence(registered)
    assert get_section(ApplicationKind.LICENCE, "key_individuals").status(app) == "in_progress"
    assert get_section(ApplicationKind.LICENCE, "aml_programme").status(app) == "in_progress"
    assert get_section(ApplicationKind.LICENCE, "incorporation").status(app) == "not_started"


def test_the_aml_answers_come_from_the_noc_application_and_the_aml_registration(registered):
    app = start_licence(registered)
    answers = get_section(ApplicationKind.LICENCE, "aml_programme").data(app)
    registration = registered["firm"].aml_registration
    assert answers["policy_summary"] == "Board-approved policy, reviewed yearly."  # the NOC's answer
    assert answers["record_keeping"] == "Ten years."
    assert answers["mlro_name"] == registration.mlro_name == "Demo MLRO"
    assert answers["compliance_officer_name"] == registration.compliance_officer_name
    assert answers["goaml_org_id"] == registration.goaml_org_id
    assert "board_approved_on" not in answers  # a new question: the firm answers it


def test_the_aml_programme_page_shows_the_copied_answers(client, registered):
    app = start_licence(registered)
    client.force_login(registered["principal"])
    page = client.get(reverse("application_section", args=[app.pk, "aml_programme"])).content.decode()
    assert "Demo MLRO" in page and "Board-approved policy, reviewed yearly." in page
    assert registered["firm"].aml_registration.goaml_org_id in page


def test_the_prefill_is_in_the_creation_audit_event(registered):
    app = start_licence(registered)
    event = AuditEvent.objects.get(action="application.create", object_id=str(app.pk))
    details = event.details
    assert details["prefilled_from"] == registered["noc_app"].reference
    assert details["key_individuals"] == 1 and details["beneficial_owners"] == 1
    assert details["sections"] == ["aml_programme", "key_individuals"]


def test_a_noc_application_or_a_firm_without_a_noc_starts_empty(firm, principal):
    app = scenarios.new_application(firm, ApplicationKind.NOC, actor=principal)
    assert not app.key_individuals.exists() and not app.activities.exists() and app.sections == {}


def test_the_approvers_grant_starts_with_the_applied_for_activities_ticked(registered, activities):
    app = start_licence(registered)
    form = DecideForm(obj=app)
    assert set(form.fields["permitted_activities"].initial) == {a.pk for a in activities}


def grant_with_company_number(registered, officer, approver, number: str) -> Application:
    app = start_licence(registered)
    principal = registered["principal"]
    scenarios.complete_sections(app, actor=principal)
    application_save_section(
        actor=principal,
        application_id=app.pk,
        section="incorporation",
        data={
            "local_company_number": number,
            "incorporation_date": "2025-01-15",
            "registered_office": "Lahore",
        },
        completed=True,
    )
    application_submit(actor=principal, application_id=app.pk, declaration=True)
    application_start_review(actor=officer, application_id=app.pk)
    application_recommend(
        actor=officer, application_id=app.pk, outcome="grant", reasons="Complete.", proposed_conditions=""
    )
    application_decide(actor=approver, application_id=app.pk, outcome="grant", reasons="Agreed.")
    return Application.objects.get(pk=app.pk)


def test_the_secp_company_number_reaches_the_profile_and_register_at_grant(
    client, registered, officer, approver
):
    firm = registered["firm"]
    assert firm.local_company_number == ""
    app = grant_with_company_number(registered, officer, approver, "0198765")
    assert app.status == ApplicationStatus.APPROVED
    firm.refresh_from_db()
    assert firm.local_company_number == "0198765"
    event = AuditEvent.objects.filter(action="firm.update_profile", object_id=str(firm.pk)).get()
    assert event.details["changed"] == {"local_company_number": ["", "0198765"]}
    assert event.actor_id == approver.pk
    page = client.get(reverse("register_firm", args=[firm.reference_number])).content.decode()
    assert "0198765" in page


def test_the_company_number_stays_private_until_the_grant(registered, officer):
    app = start_licence(registered)
    principal = registered["principal"]
    scenarios.complete_sections(app, actor=principal)
    application_save_section(
        actor=principal,
        application_id=app.pk,
        section="incorporation",
        data={"local_company_number": "0198765"},
        completed=True,
    )
    application_submit(actor=principal, application_id=app.pk, declaration=True)
    registered["firm"].refresh_from_db()
    assert registered["firm"].local_company_number == ""
