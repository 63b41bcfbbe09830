"""The licensing story end to end, through the service layer."""

import pytest

from aml.models import AmlStatus
from licensing import scenarios
from licensing.models import ApplicationKind, ApplicationStatus, FirmStage, Licence, Noc
from licensing.services.firms import firm_suspend
from portal.audit.chain import verify_chain
from portal.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_firm_walks_from_application_to_licence(firm, submitter, officer, approver, aml_officer, activities):
    noc_app = scenarios.grant_noc(
        firm, submitter=submitter, officer=officer, approver=approver, activities=activities
    )
    firm.refresh_from_db()
    assert noc_app.status == ApplicationStatus.APPROVED
    assert firm.stage == FirmStage.NOC_HOLDER
    assert firm.reference_number
    noc = Noc.objects.get(firm=firm)
    assert noc.number.startswith("NOC/")
    assert noc.expires_on > noc.issued_on

    registration = scenarios.register_aml(
        firm, submitter=submitter, aml_officer=aml_officer, goaml_org_id="GOAML-1"
    )
    firm.refresh_from_db()
    assert registration.status == AmlStatus.REGISTERED
    assert firm.stage == FirmStage.AML_REGISTERED

    licence_app = scenarios.new_application(firm, ApplicationKind.LICENCE, actor=submitter)
    scenarios.drive_application(
        licence_app,
        ApplicationStatus.APPROVED,
        submitter=submitter,
        officer=officer,
        approver=approver,
        activities=activities,
    )
    firm.refresh_from_db()
    assert firm.stage == FirmStage.LICENSED
    licence = Licence.objects.get(firm=firm)
    assert set(licence.permitted_activities.all()) == set(activities)
    assert firm.stage_changes.count() == 3

    firm_suspend(actor=approver, firm_id=firm.pk, reason="Inspection findings")
    firm.refresh_from_db()
    assert firm.stage == FirmStage.SUSPENDED
    assert verify_chain().ok
    assert AuditEvent.objects.filter(firm=firm).count() > 10
