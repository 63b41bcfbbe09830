"""AML registration: the firm files it (answers, evidence), an AML officer returns it with
remedial actions or registers it with the AML-registered services; through the services and
through the firm's and the staff pages. Also who may reach each page."""

import datetime
import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from aml.models import (
    AmlRegistration,
    AmlStatus,
    EntryKind,
    ListEntry,
    ListFormat,
    ListVersion,
    SanctionsList,
    ScreeningAlert,
)
from aml.services import (
    REQUIRED_ANSWERS,
    aml_evidence_remove,
    aml_evidence_upload,
    aml_registration_register,
    aml_registration_return,
    aml_registration_save,
    aml_registration_submit,
)
from licensing import scenarios
from licensing.models import (
    Activity,
    Application,
    ApplicationKind,
    Document,
    DocumentType,
    FirmStage,
    FirmStageChange,
    KeyIndividual,
    KeyRole,
)
from portal.audit.models import AuditEvent
from portal.dates import local_today
from portal.errors import CaseChanged, NotPermitted, RuleBroken, TransitionNotPossible
from tests.factories import UserFactory
from tests.test_uploads import pdf_bytes, png_bytes

pytestmark = pytest.mark.django_db

# Every answer of a complete filing.
ANSWERS = {
    "goaml_org_id": "GOAML-PK-0042",
    "goaml_registered_on": datetime.date(2026, 1, 5),
    "compliance_officer_name": "Sara Malik",
    "compliance_officer_email": "sara.malik@owner.example",
    "compliance_officer_is_employee": True,
    "mlro_name": "Omar Farooq",
    "mlro_email": "omar.farooq@owner.example",
    "mlro_is_employee": True,
    "aml_policy_summary": "AML/CFT policy approved by the board on 3 March; reviewed yearly.",
    "risk_assessment": "Enterprise-wide assessment of customers, products, channels and countries.",
    "cdd_arrangements": "Identity verified against NADRA for residents; EDD for PEPs and high risk.",
    "monitoring_tools": "Chainalysis KYT for on-chain activity; in-house rules for fiat flows.",
    "record_keeping": "Records kept in Pakistan for seven years after the relationship ends.",
}


def answers(**changes) -> dict:
    values = {**ANSWERS, **changes}
    registered_on = values["goaml_registered_on"]
    if isinstance(registered_on, datetime.date) and registered_on > local_today():  # never in the future
        values["goaml_registered_on"] = local_today()
    return values


def form_data(**changes) -> dict:
    """The firm page's POST data for `answers(**changes)` (checkboxes unticked are left out)."""
    data = {}
    for name, value in answers(**changes).items():
        if value is True:
            data[name] = "on"
        elif value is False or value is None:
            continue
        else:
            data[name] = value.isoformat() if isinstance(value, datetime.date) else value
    return data


def pdf(name="passport-sara-malik.pdf", text="Identity"):
    return SimpleUploadedFile(name, pdf_bytes(text), content_type="application/pdf")


def actions_of(obj) -> list[str]:
    return list(AuditEvent.objects.for_object(obj).order_by("seq").values_list("action", flat=True))


def registration_of(firm) -> AmlRegistration:
    return AmlRegistration.objects.get(firm=firm)


def open_alert(firm, *, name="Omar Farooq") -> ScreeningAlert:
    """An open screening alert against one of the firm's key individuals (test set-up only)."""
    app = Application.objects.filter(firm=firm).first() or Application.objects.create(
        firm=firm, kind=ApplicationKind.NOC
    )
    person = KeyIndividual.objects.create(
        application=app,
        role=KeyRole.DIRECTOR,
        full_name=name,
        identity_type="passport",
        passport_number="P123",
        passport_country="GB",
        nationality="GB",
        date_of_birth=datetime.date(1980, 1, 1),
    )
    sanctions_list, _ = SanctionsList.objects.get_or_create(
        code="un", defaults={"name": "UN consolidated list", "source_format": ListFormat.UN_XML}
    )
    version = ListVersion.objects.create(sanctions_list=sanctions_list, source_name="un.xml", sha256="0" * 64)
    entry = ListEntry.objects.create(
        sanctions_list=sanctions_list,
        reference=f"QDi.{person.pk}",
        kind=EntryKind.PERSON,
        name=f"{name} Listed",
        content_hash="1" * 64,
        added_in=version,
        changed_in=version,
    )
    return ScreeningAlert.objects.create(
        firm=firm,
        key_individual=person,
        subject_name=name,
        subject_fingerprint=hashlib.sha256(name.encode()).hexdigest(),
        entry=entry,
        entry_hash=entry.content_hash,
        score="91.50",
        reasons=["name matches"],
    )


@pytest.fixture
def noc_firm(firm, principal, officer, approver, activities):
    """The owner's firm, holding a NOC granted on an application proposing exchange and custody."""
    scenarios.grant_noc(firm, submitter=principal, officer=officer, approver=approver, activities=activities)
    firm.refresh_from_db()
    assert firm.stage == FirmStage.NOC_HOLDER
    return firm


@pytest.fixture
def filed(noc_firm, principal):
    """A complete registration, submitted, with an identity document among its evidence."""
    aml_evidence_upload(
        actor=principal, firm_id=noc_firm.pk, doc_type=DocumentType.IDENTITY, uploaded_file=pdf()
    )
    return aml_registration_submit(actor=principal, firm_id=noc_firm.pk, **answers())


def firm_client(client, user):
    client.force_login(user)
    return client


# --- The journey through the services --------------------------------------------------------


def test_the_firm_files_is_returned_resubmits_and_is_registered_with_its_services(
    noc_firm, principal, aml_officer, activities
):
    registration = aml_registration_submit(actor=principal, firm_id=noc_firm.pk, **answers())
    assert registration.status == AmlStatus.SUBMITTED
    assert registration.submitted_at is not None

    aml_registration_return(
        actor=aml_officer,
        registration_id=registration.pk,
        remedial_actions=["Name an MLRO resident in Pakistan.", "  ", "Attach the board's approval."],
        expected_status=AmlStatus.SUBMITTED,
    )
    registration.refresh_from_db()
    assert registration.status == AmlStatus.RETURNED
    assert registration.remedial_actions == [
        "Name an MLRO resident in Pakistan.",
        "Attach the board's approval.",
    ]
    assert (registration.verified_by, registration.verified_at is not None) == (aml_officer, True)

    aml_registration_submit(actor=principal, firm_id=noc_firm.pk, **answers(mlro_name="Hina Qureshi"))
    registration.refresh_from_db()
    assert (registration.status, registration.mlro_name) == (AmlStatus.SUBMITTED, "Hina Qureshi")

    aml_registration_register(
        actor=aml_officer,
        registration_id=registration.pk,
        service_ids=[a.pk for a in activities],
        reason="goAML entry checked with the FMU.",
        expected_status=AmlStatus.SUBMITTED,
    )
    registration.refresh_from_db()
    noc_firm.refresh_from_db()
    assert registration.status == AmlStatus.REGISTERED
    assert noc_firm.stage == FirmStage.AML_REGISTERED
    assert set(registration.registered_services.all()) == set(activities)
    change = FirmStageChange.objects.filter(firm=noc_firm).first()
    assert (change.from_stage, change.to_stage, change.actor) == (
        FirmStage.NOC_HOLDER,
        FirmStage.AML_REGISTERED,
        aml_officer,
    )
    assert actions_of(registration) == [
        "amlregistration.submit",
        "amlregistration.return_for_remedy",
        "amlregistration.submit",
        "amlregistration.register",
    ]
    register_event = AuditEvent.objects.get(action="amlregistration.register")
    assert register_event.details["services"] == sorted(a.code for a in activities)
    assert register_event.reason == "goAML entry checked with the FMU."
    assert AuditEvent.objects.get(action="firm.register_aml").firm == noc_firm


def test_a_draft_is_saved_half_done_and_audited_only_when_something_changed(noc_firm, contributor):
    registration = aml_registration_save(actor=contributor, firm_id=noc_firm.pk, goaml_org_id=" GOAML-1 ")
    assert (registration.status, registration.goaml_org_id) == (AmlStatus.NOT_STARTED, "GOAML-1")
    aml_registration_save(actor=contributor, firm_id=noc_firm.pk, goaml_org_id="GOAML-1", mlro_name=None)
    events = AuditEvent.objects.filter(action="amlregistration.save")
    assert [e.details["fields"] for e in events] == [["goaml_org_id"]]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"mlro_name": "sara MALIK"},
            "mlro_name",
            "The MLRO and the Compliance Officer must be different people.",
        ),
        (
            {"mlro_email": "SARA.malik@owner.example"},
            "mlro_email",
            "The MLRO and the Compliance Officer need their own email addresses.",
        ),
        ({"mlro_is_employee": False}, "mlro_is_employee", "the MLRO role may not be outsourced"),
        (
            {"compliance_officer_is_employee": False},
            "compliance_officer_is_employee",
            "The Compliance Officer must be an employee of the firm.",
        ),
        *[({field: ""}, field, str(message)) for field, message in REQUIRED_ANSWERS.items()],
    ],
)
def test_a_filing_breaking_a_rule_is_refused_beside_the_field(noc_firm, principal, changes, field, message):
    values = answers(**changes)
    with pytest.raises(RuleBroken) as refused:
        aml_registration_submit(actor=principal, firm_id=noc_firm.pk, **values)
    assert list(refused.value.field_errors) == [field]
    assert message in refused.value.field_errors[field][0]
    assert not AmlRegistration.objects.exists()  # nothing kept, not even an empty registration
    assert not AuditEvent.objects.filter(action__startswith="amlregistration.").exists()


@pytest.mark.parametrize("service", [aml_registration_save, aml_registration_submit])
def test_a_goaml_date_in_the_future_is_refused_even_in_a_draft(noc_firm, principal, service):
    tomorrow = local_today() + datetime.timedelta(days=1)
    with pytest.raises(RuleBroken) as refused:
        service(actor=principal, firm_id=noc_firm.pk, **{**answers(), "goaml_registered_on": tomorrow})
    assert refused.value.field_errors == {
        "goaml_registered_on": ["The goAML registration date cannot be in the future."]
    }


def test_a_draft_may_leave_answers_empty_and_people_not_yet_confirmed_as_employees(noc_firm, principal):
    registration = aml_registration_save(
        actor=principal, firm_id=noc_firm.pk, **answers(aml_policy_summary="", mlro_is_employee=False)
    )
    assert (registration.aml_policy_summary, registration.mlro_is_employee) == ("", False)


@pytest.mark.parametrize(
    "stage", [FirmStage.APPLICANT, FirmStage.AML_REGISTERED, FirmStage.NOC_LAPSED, FirmStage.REFUSED]
)
def test_only_a_noc_holder_files_or_saves_an_aml_registration(firm, principal, stage):
    type(firm).objects.filter(pk=firm.pk).update(stage=stage)  # test set-up only
    for call in (aml_registration_save, aml_registration_submit):
        with pytest.raises(RuleBroken) as refused:
            call(actor=principal, firm_id=firm.pk, **answers())
        assert "holding a No Objection Certificate (NOC)" in refused.value.detail
    with pytest.raises(RuleBroken):
        aml_evidence_upload(
            actor=principal, firm_id=firm.pk, doc_type=DocumentType.IDENTITY, uploaded_file=pdf()
        )
    assert not Document.objects.exists()


def test_a_filed_registration_cannot_be_changed_until_it_is_returned(filed, principal):
    firm_id = filed.firm_id
    for call in (
        lambda: aml_registration_save(actor=principal, firm_id=firm_id, mlro_name="Someone Else"),
        lambda: aml_registration_submit(actor=principal, firm_id=firm_id, **answers()),
        lambda: aml_evidence_upload(
            actor=principal, firm_id=firm_id, doc_type=DocumentType.OTHER, uploaded_file=pdf("x.pdf")
        ),
        lambda: aml_evidence_remove(
            actor=principal, firm_id=firm_id, document_id=filed.evidence_documents.get().pk
        ),
    ):
        with pytest.raises(TransitionNotPossible, match="waiting for the regulator"):
            call()
    filed.refresh_from_db()
    assert (filed.mlro_name, filed.evidence_documents.count()) == (ANSWERS["mlro_name"], 1)


def test_people_outside_the_firm_cannot_file_for_it(noc_firm, outsider, aml_officer, supervisor):
    for person in (outsider, aml_officer, supervisor):
        with pytest.raises(NotPermitted, match="Only people of this firm"):
            aml_registration_submit(actor=person, firm_id=noc_firm.pk, **answers())
    assert not AmlRegistration.objects.exists()


def test_evidence_is_a_firm_document_outside_any_application(noc_firm, submitter):
    document = aml_evidence_upload(
        actor=submitter, firm_id=noc_firm.pk, doc_type=DocumentType.IDENTITY, uploaded_file=pdf()
    )
    registration = registration_of(noc_firm)
    assert list(registration.evidence_documents.all()) == [document]
    assert (document.firm, document.application, document.version) == (noc_firm, None, 1)
    assert document.original_name == "passport-sara-malik.pdf"
    assert document.sha256 == hashlib.sha256(pdf_bytes("Identity")).hexdigest()
    assert document.file.read() == pdf_bytes("Identity")
    event = AuditEvent.objects.get(action="document.upload")
    assert (event.firm, event.details["aml_registration"]) == (noc_firm, registration.pk)


def test_a_refused_file_or_kind_of_evidence_is_not_stored(noc_firm, submitter):
    program = SimpleUploadedFile("policy.pdf", b"MZ\x90\x00" + b"\x00" * 100)
    with pytest.raises(RuleBroken) as refused:
        aml_evidence_upload(
            actor=submitter, firm_id=noc_firm.pk, doc_type=DocumentType.AML_POLICY, uploaded_file=program
        )
    assert "policy.pdf says it is a PDF" in refused.value.field_errors["file"][0]
    with pytest.raises(RuleBroken) as wrong_kind:
        aml_evidence_upload(
            actor=submitter, firm_id=noc_firm.pk, doc_type=DocumentType.FINANCIALS, uploaded_file=pdf()
        )
    assert list(wrong_kind.value.field_errors) == ["doc_type"]
    assert not Document.objects.exists()


def test_removed_evidence_leaves_the_registration_but_the_file_is_kept(noc_firm, principal):
    document = aml_evidence_upload(
        actor=principal, firm_id=noc_firm.pk, doc_type=DocumentType.IDENTITY, uploaded_file=pdf()
    )
    registration = aml_evidence_remove(actor=principal, firm_id=noc_firm.pk, document_id=document.pk)
    assert not registration.evidence_documents.exists()
    assert Document.objects.filter(pk=document.pk).exists()
    assert actions_of(registration) == ["amlregistration.remove_evidence"]


@pytest.mark.parametrize("role", ["officer", "approver", "supervisor", "principal"])
def test_only_aml_officers_register_or_return(filed, request, role):
    person = request.getfixturevalue(role)
    with pytest.raises(NotPermitted):
        aml_registration_register(actor=person, registration_id=filed.pk)
    with pytest.raises(NotPermitted):
        aml_registration_return(actor=person, registration_id=filed.pk, remedial_actions=["Fix it."])
    filed.refresh_from_db()
    assert filed.status == AmlStatus.SUBMITTED


def test_registered_services_must_be_aml_registrable(filed, aml_officer):
    transfer = Activity.objects.get(code="transfer")
    with pytest.raises(RuleBroken) as refused:
        aml_registration_register(actor=aml_officer, registration_id=filed.pk, service_ids=[transfer.pk])
    assert list(refused.value.field_errors) == ["services"]
    filed.refresh_from_db()
    assert filed.status == AmlStatus.SUBMITTED


def test_a_return_needs_remedial_actions(filed, aml_officer):
    with pytest.raises(RuleBroken) as refused:
        aml_registration_return(actor=aml_officer, registration_id=filed.pk, remedial_actions=[" ", ""])
    assert list(refused.value.field_errors) == ["remedial_actions"]


def test_an_officer_acting_on_a_registration_that_changed_meanwhile_is_told(filed, aml_officer):
    aml_registration_return(actor=aml_officer, registration_id=filed.pk, remedial_actions=["Fix it."])
    with pytest.raises(CaseChanged, match="it is now “Returned for remedial action”"):
        aml_registration_register(
            actor=aml_officer, registration_id=filed.pk, expected_status=AmlStatus.SUBMITTED
        )


# --- The firm's page -------------------------------------------------------------------------

URL = "/aml/registration/"


def test_the_url_names(noc_firm):
    assert reverse("aml_registration") == URL
    assert reverse("staff_aml_registry") == "/staff/aml/"
    assert reverse("staff_aml_registry_csv") == "/staff/aml/registry.csv"
    assert reverse("staff_aml_registration", args=[7]) == "/staff/aml/7/"


def test_an_applicant_firm_is_told_why_it_cannot_file_yet(client, firm, principal):
    firm_client(client, principal)
    page = client.get(URL).content.decode()
    assert "Your firm can file once its NOC is granted." in page
    assert '<form method="post" enctype' not in page

    response = client.post(URL, {**form_data(), "action": "submit"}, follow=True)
    assert "Your firm can file once its NOC is granted." in response.content.decode()
    assert not AmlRegistration.objects.exists()


def test_the_form_starts_with_the_compliance_officer_and_mlro_named_in_the_noc_application(
    client, noc_firm, principal
):
    app = Application.objects.get(firm=noc_firm)
    for role, name, email in (
        (KeyRole.MLRO, "Omar Farooq", "omar@owner.example"),
        (KeyRole.COMPLIANCE_OFFICER, "Sara Malik", "sara@owner.example"),
    ):
        KeyIndividual.objects.create(
            application=app,
            role=role,
            full_name=name,
            email=email,
            identity_type="cnic",
            cnic="35202-7654321-3",
            nationality="PK",
            date_of_birth=datetime.date(1985, 5, 5),
        )
    response = firm_client(client, principal).get(URL)
    form = response.context["form"]
    assert (form["mlro_name"].value(), form["mlro_email"].value()) == ("Omar Farooq", "omar@owner.example")
    assert form["compliance_officer_name"].value() == "Sara Malik"
    assert form["mlro_is_employee"].value() is True


def test_the_firm_files_with_evidence_in_one_go(client, noc_firm, principal):
    firm_client(client, principal)
    data = {**form_data(), "evidence_type": DocumentType.IDENTITY, "evidence_file": pdf(), "action": "submit"}
    response = client.post(URL, data, follow=True)

    registration = registration_of(noc_firm)
    assert registration.status == AmlStatus.SUBMITTED
    assert registration.evidence_documents.get().original_name == "passport-sara-malik.pdf"
    page = response.content.decode()
    assert "Your AML registration was submitted for verification." in page
    assert "The regulator&#x27;s AML officers are verifying your registration." in page
    assert ANSWERS["monitoring_tools"] in page  # the answers, read-only
    assert '<form method="post" enctype' not in page
    assert reverse("document_download", args=[registration.evidence_documents.get().pk]) in page


def test_errors_are_listed_and_shown_beside_their_fields_and_nothing_typed_is_lost(
    client, noc_firm, principal
):
    firm_client(client, principal)
    data = {**form_data(mlro_name="Sara Malik", record_keeping=""), "action": "submit"}
    data.pop("mlro_is_employee")
    response = client.post(URL, data)

    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"mlro_name", "mlro_is_employee", "record_keeping"}
    page = response.content.decode()
    assert 'class="error-summary"' in page
    assert 'href="#id_record_keeping"' in page
    assert ANSWERS["risk_assessment"] in page
    assert not AmlRegistration.objects.exists()  # nothing kept, not even an empty registration


def test_shape_errors_come_from_the_form(client, noc_firm, principal):
    firm_client(client, principal)
    data = {
        **form_data(),
        "mlro_email": "not-an-email",
        "goaml_registered_on": "31/02/2026",
        "action": "save",
    }
    response = client.post(URL, data)
    assert set(response.context["form"].errors) == {"mlro_email", "goaml_registered_on"}
    assert not AmlRegistration.objects.exists()


def test_uploading_saves_the_answers_typed_so_far(client, noc_firm, contributor):
    firm_client(client, contributor)
    data = {
        **form_data(aml_policy_summary="", record_keeping=""),
        "evidence_type": DocumentType.AML_POLICY,
        "evidence_file": SimpleUploadedFile("policy.png", png_bytes()),
        "action": "upload",
    }
    response = client.post(URL, data, follow=True)
    assert "policy.png was uploaded." in response.content.decode()
    registration = registration_of(noc_firm)
    assert (registration.status, registration.goaml_org_id) == (
        AmlStatus.NOT_STARTED,
        ANSWERS["goaml_org_id"],
    )
    assert registration.evidence_documents.get().doc_type == DocumentType.AML_POLICY


def test_uploading_without_a_file_or_a_type_is_explained(client, noc_firm, principal):
    firm_client(client, principal)
    response = client.post(URL, {**form_data(), "action": "upload"})
    assert response.context["form"].errors["evidence_file"] == ["Choose a file to upload."]
    response = client.post(URL, {**form_data(), "evidence_file": pdf(), "action": "save"})
    assert response.context["form"].errors["evidence_type"] == ["Choose what kind of document this is."]


def test_a_refused_file_is_named_beside_the_file_field(client, noc_firm, principal):
    firm_client(client, principal)
    program = SimpleUploadedFile("id.pdf", b"MZ\x90\x00" + b"\x00" * 100)
    data = {
        **form_data(),
        "evidence_type": DocumentType.IDENTITY,
        "evidence_file": program,
        "action": "submit",
    }
    response = client.post(URL, data)
    assert "id.pdf says it is a PDF" in response.context["form"].errors["evidence_file"][0]
    assert not AmlRegistration.objects.exists()  # nothing kept, not even an empty registration


def test_the_remove_button_takes_a_document_off_and_keeps_the_answers(client, noc_firm, principal):
    document = aml_evidence_upload(
        actor=principal, firm_id=noc_firm.pk, doc_type=DocumentType.IDENTITY, uploaded_file=pdf()
    )
    firm_client(client, principal)
    assert f'name="remove" value="{document.pk}"' in client.get(URL).content.decode()
    response = client.post(URL, {**form_data(), "remove": str(document.pk)}, follow=True)
    assert "The document was removed from your registration." in response.content.decode()
    registration = registration_of(noc_firm)
    assert not registration.evidence_documents.exists()
    assert registration.mlro_name == ANSWERS["mlro_name"]


def test_a_returned_registration_shows_the_remedial_actions_and_can_be_filed_again(
    client, filed, principal, aml_officer
):
    aml_registration_return(
        actor=aml_officer,
        registration_id=filed.pk,
        remedial_actions=["Name an MLRO resident in Pakistan.", "Attach the board's approval."],
    )
    firm_client(client, principal)
    page = client.get(URL).content.decode()
    assert "Remedial actions the regulator asks for" in page
    assert "<li>Name an MLRO resident in Pakistan.</li>" in page
    assert "Returned for remedial action" in page
    assert 'value="Omar Farooq"' in page  # the saved answers, ready to change

    client.post(URL, {**form_data(mlro_name="Hina Qureshi"), "action": "submit"})
    filed.refresh_from_db()
    assert (filed.status, filed.mlro_name) == (AmlStatus.SUBMITTED, "Hina Qureshi")
    assert "Remedial actions the regulator asks for" not in client.get(URL).content.decode()


def test_a_registered_firm_sees_its_services(client, filed, principal, aml_officer, activities):
    aml_registration_register(actor=aml_officer, registration_id=filed.pk, service_ids=[activities[0].pk])
    firm_client(client, principal)
    page = client.get(URL).content.decode()
    assert "Your AML registration is confirmed." in page
    assert f"<li>{activities[0].name}</li>" in page
    assert activities[1].name not in page


def test_the_firm_never_sees_screening_results(client, filed, principal):
    alert = open_alert(filed.firm, name="Omar Farooq")
    firm_client(client, principal)
    page = client.get(URL).content.decode()
    assert "screening" not in page.lower()
    assert alert.entry.name not in page
    assert "91.5" not in page


def test_someone_acting_for_no_firm_gets_404(client, aml_officer, noc_firm):
    client.force_login(UserFactory(email="nobody@example.com"))
    assert client.get(URL).status_code == 404
    client.force_login(aml_officer)
    assert client.get(URL).status_code == 404
    assert client.post(URL, {**form_data(), "action": "submit"}).status_code == 404
    assert not AmlRegistration.objects.exists()


# --- The staff pages of one registration -----------------------------------------------------


def staff_url(name, registration):
    return reverse(name, args=[registration.pk])


def test_the_officer_sees_the_filing_evidence_history_and_actions(client, filed, aml_officer):
    client.force_login(aml_officer)
    page = client.get(staff_url("staff_aml_registration", filed)).content.decode()
    for answer in ("GOAML-PK-0042", "Sara Malik", "omar.farooq@owner.example", ANSWERS["cdd_arrangements"]):
        assert answer in page
    document = filed.evidence_documents.get()
    assert reverse("document_download", args=[document.pk]) in page
    assert "uploaded an evidence document" in page
    assert "submitted the registration for verification" in page
    assert staff_url("staff_aml_registration_register", filed) in page
    assert staff_url("staff_aml_registration_return", filed) in page
    assert client.get(reverse("document_download", args=[document.pk])).status_code == 200


@pytest.mark.parametrize("role", ["officer", "supervisor", "approver"])
def test_other_staff_see_the_filing_and_why_they_cannot_act(client, filed, request, role):
    client.force_login(request.getfixturevalue(role))
    page = client.get(staff_url("staff_aml_registration", filed)).content.decode()
    assert "GOAML-PK-0042" in page
    assert "Your staff role does not include this action." in page
    assert staff_url("staff_aml_registration_register", filed) not in page


def test_registering_takes_a_confirmation_step(client, filed, aml_officer, activities):
    client.force_login(aml_officer)
    url = staff_url("staff_aml_registration_register", filed)

    form = client.get(url).context["form"]
    assert sorted(form["services"].value()) == sorted(a.pk for a in activities)  # from the NOC application

    services = [str(activities[0].pk)]
    confirm = client.post(url, {"services": services, "reason": "Checked with the FMU."})
    assert confirm.templates[0].name == "aml/staff/register_confirm.html"
    assert activities[0].name in confirm.content.decode()
    filed.refresh_from_db()
    assert filed.status == AmlStatus.SUBMITTED

    back = client.post(url, {"services": services, "reason": "Checked with the FMU.", "confirmed": "no"})
    assert back.templates[0].name == "aml/staff/register.html"

    done = client.post(url, {"services": services, "reason": "Checked with the FMU.", "confirmed": "yes"})
    assert done.status_code == 302 and done.url == staff_url("staff_aml_registration", filed)
    filed.refresh_from_db()
    filed.firm.refresh_from_db()
    assert filed.status == AmlStatus.REGISTERED
    assert filed.firm.stage == FirmStage.AML_REGISTERED
    assert list(filed.registered_services.all()) == [activities[0]]
    page = client.get(done.url).content.decode()
    assert "is registered with the AML system" in page
    assert activities[0].name in page


def test_registering_needs_at_least_one_registrable_service(client, filed, aml_officer):
    client.force_login(aml_officer)
    url = staff_url("staff_aml_registration_register", filed)
    response = client.post(url, {"confirmed": "yes"})
    assert response.context["form"].errors["services"] == ["Choose at least one service."]
    transfer = Activity.objects.get(code="transfer")
    response = client.post(url, {"services": [transfer.pk], "confirmed": "yes"})
    assert "services" in response.context["form"].errors
    filed.refresh_from_db()
    assert filed.status == AmlStatus.SUBMITTED


def test_returning_lists_remedial_actions_one_per_line(client, filed, aml_officer):
    client.force_login(aml_officer)
    url = staff_url("staff_aml_registration_return", filed)
    empty = client.post(url, {"remedial_actions": " \n "})
    assert empty.context["form"].errors["remedial_actions"] == ["List at least one remedial action."]

    response = client.post(
        url, {"remedial_actions": "Name a resident MLRO.\n\nAttach the policy.\n"}, follow=True
    )
    filed.refresh_from_db()
    assert filed.status == AmlStatus.RETURNED
    assert filed.remedial_actions == ["Name a resident MLRO.", "Attach the policy."]
    assert "with 2 remedial actions" in response.content.decode()
    event = AuditEvent.objects.get(action="amlregistration.return_for_remedy")
    assert (event.actor, event.reason) == (aml_officer, "Name a resident MLRO.; Attach the policy.")


@pytest.mark.parametrize("name", ["staff_aml_registration_register", "staff_aml_registration_return"])
def test_actions_on_a_registration_not_awaiting_verification_say_why(client, filed, aml_officer, name):
    aml_registration_return(actor=aml_officer, registration_id=filed.pk, remedial_actions=["Fix it."])
    client.force_login(aml_officer)
    response = client.post(
        staff_url(name, filed), {"services": [1], "confirmed": "yes", "remedial_actions": "x"}
    )
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "not awaiting verification: it is now “Returned for remedial action”" in page
    filed.refresh_from_db()
    assert filed.status == AmlStatus.RETURNED


# --- Who may reach what ----------------------------------------------------------------------

PEOPLE = ["anonymous", "principal", "outsider", "officer", "supervisor", "aml_officer", "approver"]
LOGIN = "login"

# url name -> expected GET status per person (LOGIN: sent to sign in).
GET_ACCESS = {
    "aml_registration": [LOGIN, 200, 200, 404, 404, 404, 404],
    "staff_aml_registry": [LOGIN, 403, 403, 200, 200, 200, 200],
    "staff_aml_registry_csv": [LOGIN, 403, 403, 200, 200, 200, 200],
    "staff_aml_registration": [LOGIN, 403, 403, 200, 200, 200, 200],
    "staff_aml_registration_register": [LOGIN, 403, 403, 403, 403, 200, 403],
    "staff_aml_registration_return": [LOGIN, 403, 403, 403, 403, 200, 403],
}
POST_ACCESS = {
    "staff_aml_registration_register": [LOGIN, 403, 403, 403, 403, 302, 403],
    "staff_aml_registration_return": [LOGIN, 403, 403, 403, 403, 302, 403],
}


def _url(name, registration):
    if name in ("aml_registration", "staff_aml_registry", "staff_aml_registry_csv"):
        return reverse(name)
    return reverse(name, args=[registration.pk])


def _sign_in(client, request, person):
    if person != "anonymous":
        client.force_login(request.getfixturevalue(person))


def test_every_aml_url_is_in_the_access_table():
    from aml.web.urls import urlpatterns

    assert {p.name for p in urlpatterns} == set(GET_ACCESS)


@pytest.mark.parametrize("person", PEOPLE)
@pytest.mark.parametrize("name", list(GET_ACCESS))
def test_who_may_open_each_aml_page(client, request, filed, name, person):
    _sign_in(client, request, person)
    response = client.get(_url(name, filed))
    expected = GET_ACCESS[name][PEOPLE.index(person)]
    if expected == LOGIN:
        assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    else:
        assert response.status_code == expected
    if person == "outsider" and name == "aml_registration":
        assert filed.firm.legal_name not in response.content.decode()  # their own firm's page


@pytest.mark.parametrize("person", PEOPLE)
@pytest.mark.parametrize("name", list(POST_ACCESS))
def test_only_aml_officers_may_register_or_return(client, request, filed, activities, name, person):
    _sign_in(client, request, person)
    data = {"services": [activities[0].pk], "confirmed": "yes", "remedial_actions": "Fix it."}
    response = client.post(_url(name, filed), data)
    expected = POST_ACCESS[name][PEOPLE.index(person)]
    if expected == LOGIN:
        assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    else:
        assert response.status_code == expected
    filed.refresh_from_db()
    assert (filed.status == AmlStatus.SUBMITTED) == (expected != 302)


def test_screening_alerts_are_shown_only_to_aml_officers_and_approvers(client, filed, request):
    open_alert(filed.firm)
    for person, sees in (
        ("aml_officer", True),
        ("approver", True),
        ("officer", False),
        ("supervisor", False),
    ):
        client.force_login(request.getfixturevalue(person))
        page = client.get(_url("staff_aml_registration", filed)).content.decode()
        assert ("Open screening alerts" in page) is sees, person


def test_unknown_registration_is_404_for_staff(client, aml_officer):
    client.force_login(aml_officer)
    assert client.get(reverse("staff_aml_registration", args=[999999])).status_code == 404
