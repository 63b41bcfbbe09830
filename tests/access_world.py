"""One world for the access matrix (tests/test_access_matrix.py): firm A with an object of
every kind a URL can name, firm B with its own principal and token, and a person in each
staff role. Built once per module through the services, inside a transaction that the
module rolls back at the end."""

import datetime
import hashlib
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import TestCase, override_settings
from django.utils import timezone

from aml import screening
from aml.importing import import_list
from licensing import scenarios
from licensing.models import (
    Activity,
    ApplicationKind,
    ApplicationStatus,
    BeneficialOwner,
    Call,
    Document,
    DocumentType,
    FirmRole,
    ForeignLicence,
    InformationRequest,
    Invitation,
    KeyIndividual,
)
from licensing.services import firm_admin
from portal.accounts.roles import StaffRole
from portal.api.services import api_token_create
from portal.deadlines.web import feed_token
from portal.notifications.services import notify
from tests.conftest import give_mfa
from tests.factories import FirmFactory, MembershipFactory, UserFactory

SAMPLES = Path(__file__).resolve().parent.parent / "aml" / "fixtures" / "samples"

FIRM_ROLES = ("principal", "submitter", "contributor")
STAFF_ROLES = {
    "officer": StaffRole.CASE_OFFICER,
    "approver": StaffRole.APPROVER,
    "aml_officer": StaffRole.AML_OFFICER,
    "supervisor": StaffRole.SUPERVISOR,
    "administrator": StaffRole.ADMINISTRATOR,
}


class World:
    """Attributes: the people (by caller name), firm A's objects, and `kwargs`: a value for
    every URL parameter name, pointing at firm A's objects."""

    def person(self, caller: str):
        return getattr(self, caller)


def _staff(caller: str, role: StaffRole):
    user = UserFactory(email=f"{caller}@regulator.example", full_name=f"{role.value} (matrix)")
    user.groups.add(Group.objects.get(name=role.value))
    if role == StaffRole.ADMINISTRATOR:
        user.is_staff = user.is_superuser = True
        user.save()
    return give_mfa(user)


def _png() -> bytes:
    from tests.test_uploads import png_bytes

    return png_bytes()


def _pdf() -> bytes:
    from tests.test_uploads import pdf_bytes

    return pdf_bytes("matrix")


def build_world() -> World:
    w = World()
    w.firm = FirmFactory(legal_name="Matrix Owner Exchange Ltd")
    w.other_firm = FirmFactory(legal_name="Matrix Other Exchange Ltd")
    w.principal = MembershipFactory(firm=w.firm, role=FirmRole.PRINCIPAL).user
    w.submitter = MembershipFactory(firm=w.firm, role=FirmRole.SUBMITTER).user
    contributor_membership = MembershipFactory(firm=w.firm, role=FirmRole.CONTRIBUTOR)
    w.contributor = contributor_membership.user
    w.outsider = MembershipFactory(firm=w.other_firm, role=FirmRole.PRINCIPAL).user
    w.nobody = UserFactory(email="nobody@matrix.example", full_name="Signed in, of no firm")
    for caller, role in STAFF_ROLES.items():
        setattr(w, caller, _staff(caller, role))
    people = {"submitter": w.principal, "officer": w.officer, "approver": w.approver}
    activities = list(Activity.objects.filter(code__in=["exchange", "custody"]))

    # A NOC draft with people and a document (made before the firm's NOC is granted).
    w.draft = scenarios.new_application(w.firm, ApplicationKind.NOC, actor=w.principal)
    # A granted NOC: a certificate, a public register entry, an AML registration to verify.
    w.noc = scenarios.grant_noc(w.firm, activities=activities, **people)
    w.registration = scenarios.register_aml(
        w.firm, submitter=w.principal, aml_officer=w.aml_officer, goaml_org_id="GOAML-MATRIX"
    )
    if not w.registration.registered_services.exists():
        w.registration.registered_services.set([a for a in activities if a.aml_registrable])
    # A licence application asked for information.
    w.case = scenarios.new_application(w.firm, ApplicationKind.LICENCE, actor=w.principal)
    scenarios.drive_application(
        w.case, ApplicationStatus.INFORMATION_REQUESTED, activities=activities, **people
    )
    w.ir = InformationRequest.objects.get(application=w.case)
    w.person_row = KeyIndividual.objects.create(
        application=w.draft,
        role="ceo",
        full_name="Ayesha Khan",
        identity_type="cnic",
        cnic="35201-1234567-1",
        nationality="PK",
        date_of_birth=datetime.date(1980, 3, 27),
        is_employee=True,
    )
    w.owner = BeneficialOwner.objects.create(
        application=w.draft, kind="entity", name="Holding Ltd", country="AE", ownership_percent=60
    )
    from licensing.services.documents import document_upload

    w.document = document_upload(
        actor=w.principal,
        application_id=w.draft.pk,
        doc_type="business_plan",
        uploaded_file=SimpleUploadedFile("plan.pdf", _pdf()),
    )
    content = _png()
    w.case_document = Document.objects.create(
        firm=w.firm,
        application=w.case,
        doc_type=DocumentType.OWNERSHIP_CHART,
        original_name="chart.png",
        file=ContentFile(content, name="chart.png"),
        content_type="image/png",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=w.principal,
    )
    w.foreign = ForeignLicence.objects.create(
        firm=w.firm, regulator="VARA", jurisdiction="AE", licence_number="VL/1", activity="Exchange"
    )
    w.invitation = firm_admin.invitation_create(
        actor=w.principal,
        firm_id=w.firm.pk,
        email="invitee@matrix.example",
        role=FirmRole.CONTRIBUTOR,
        build_link=lambda token: f"/invitations/{token}/",
    )
    w.token, w.key = api_token_create(actor=w.principal, firm_id=w.firm.pk, name="Firm A system")
    _, w.other_key = api_token_create(actor=w.outsider, firm_id=w.other_firm.pk, name="Firm B system")
    w.notification = notify(w.principal, subject="Matrix", body="A notification for firm A's principal.")
    w.call = Call.objects.create(
        title="Matrix call",
        description="Open call for the access matrix.",
        kind=ApplicationKind.LICENCE,
        opens_at=timezone.now() - datetime.timedelta(days=1),
        closes_at=timezone.now() + datetime.timedelta(days=30),
    )
    from tests.test_agreement_pages import record

    w.agreement = record(w.approver)
    import_list(actor=None, fmt="un-xml", path=SAMPLES / "un_sample.xml")
    suspect = KeyIndividual.objects.create(
        application=w.case,
        role="cfo",
        full_name="Mohd Tariq Zarkheli",
        identity_type="passport",
        passport_number="P7654321",
        passport_country="GB",
        nationality="PK",
        date_of_birth=datetime.date(1971, 3, 14),
    )
    w.alert = screening.screen_subject(suspect)[0]
    w.colleague_membership = contributor_membership
    from licensing.services.change_requests import firm_change_request_create

    w.change_request = firm_change_request_create(
        actor=w.principal,
        firm_id=w.firm.pk,
        changes={"registered_address": "1 Matrix Road, Islamabad"},
        reason="The office moved.",
    )
    w.firm.refresh_from_db()

    w.kwargs = {
        # Web URL parameters, by the segment before them (see OBJECT_OF in the matrix).
        "application": w.draft.pk,
        "case": w.case.pk,
        "document": w.document.pk,
        "case_document": w.case_document.pk,
        "firm": w.firm.pk,
        "licence": w.foreign.pk,
        "membership": w.colleague_membership.pk,
        "invitation": w.invitation.pk,
        "invitation_token": w.invitation.token,
        "api_token": w.token.pk,
        "notification": w.notification.pk,
        "call": w.call.pk,
        "reference": w.firm.reference_number,
        "agreement": w.agreement.pk,
        "registration": w.registration.pk,
        "alert": w.alert.pk,
        "change_request": w.change_request.pk,
        "person": w.person_row.pk,
        "owner": w.owner.pk,
        "ir": w.ir.pk,
        "ics": feed_token(w.principal),
    }
    assert Invitation.objects.filter(pk=w.invitation.pk).exists()
    return w


def finish_world(w: World) -> World:
    """After the on-commit callbacks ran: the certificate that granting the NOC issued."""
    from licensing.certificates.models import Certificate

    w.certificate = Certificate.objects.filter(firm=w.firm).first()
    assert w.certificate is not None, "granting the NOC issues a certificate (on commit)"
    w.kwargs["certificate"] = w.certificate.code
    return w


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Firm A's objects and everybody, made once; rolled back when the module ends."""
    root = tmp_path_factory.mktemp("access")
    settings = override_settings(
        MEDIA_ROOT=str(root / "media"),
        PORTAL_SIGNING_KEY_PATH=str(root / "signing.pem"),
        PORTAL_SIGNING_KEY_AUTOCREATE=True,
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    )
    with django_db_blocker.unblock(), settings:
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            with TestCase.captureOnCommitCallbacks(execute=True):
                w = build_world()
            yield finish_world(w)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
