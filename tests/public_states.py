"""Firms at every authorisation stage, made through the services (for the register, API and
certificate tests). Certificates are issued after commit, so callers that need them run
inside `django_capture_on_commit_callbacks(execute=True)`."""

import datetime

from licensing import scenarios
from licensing.models import ApplicationKind, ApplicationStatus, Firm, FirmStage
from licensing.services.firms import (
    firm_expire_licence,
    firm_lapse_noc,
    firm_revoke,
    firm_surrender,
    firm_suspend,
)
from portal.dates import local_today


def firm_at(stage: str, firm: Firm, *, principal, officer, approver, aml_officer, activities) -> Firm:
    """Drive `firm` (fresh, with a principal) to `stage`."""
    people = {"submitter": principal, "officer": officer, "approver": approver}
    if stage == FirmStage.APPLICANT:
        app = scenarios.new_application(firm, ApplicationKind.NOC, actor=principal)
        scenarios.drive_application(app, ApplicationStatus.SUBMITTED, activities=activities, **people)
    elif stage == FirmStage.REFUSED:
        app = scenarios.new_application(firm, ApplicationKind.NOC, actor=principal)
        scenarios.drive_application(app, ApplicationStatus.REFUSED, activities=activities, **people)
    else:
        scenarios.grant_noc(firm, activities=activities, **people)
        if stage == FirmStage.NOC_LAPSED:
            firm_lapse_noc(firm_id=firm.pk, reason="NOC validity ended")
        elif stage != FirmStage.NOC_HOLDER:
            registration = scenarios.register_aml(
                firm, submitter=principal, aml_officer=aml_officer, goaml_org_id=f"GOAML-{firm.pk}"
            )
            if not registration.registered_services.exists():
                registration.registered_services.set([a for a in activities if a.aml_registrable])
            if stage != FirmStage.AML_REGISTERED:
                app = scenarios.new_application(firm, ApplicationKind.LICENCE, actor=principal)
                scenarios.drive_application(app, ApplicationStatus.APPROVED, activities=activities, **people)
                if stage == FirmStage.SUSPENDED:
                    firm_suspend(actor=approver, firm_id=firm.pk, reason="Internal note: inspection findings")
                elif stage == FirmStage.REVOKED:
                    firm_revoke(actor=approver, firm_id=firm.pk, reason="Internal note: repeated breaches")
                elif stage == FirmStage.SURRENDERED:
                    firm_surrender(actor=principal, firm_id=firm.pk, reason="Leaving the market")
                elif stage == FirmStage.EXPIRED:  # its last day was yesterday; the sweep records it
                    firm.licences.update(expires_on=local_today() - datetime.timedelta(days=1))
                    firm_expire_licence(firm_id=firm.pk)
    firm.refresh_from_db()
    assert firm.stage == stage, (firm.stage, stage)
    return firm
