"""Two people acting on one case at once: exactly one wins, nothing is half-written.

Real threads on PostgreSQL (row locks are the point; SQLite serialises everything)."""

import pytest
from django.contrib.auth.models import Group

from licensing.models import Application, ApplicationStatus, Decision, Noc
from licensing.services.applications import application_decide, application_submit
from portal.accounts.roles import StaffRole
from portal.audit.chain import verify_chain
from portal.audit.models import AuditEvent
from portal.errors import CaseChanged
from tests.factories import UserFactory
from tests.states import application_in
from tests.threads import run_at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_ten_simultaneous_decisions_on_one_case_exactly_one_succeeds(
    require_postgres, firm, submitter, officer, approver
):
    app = application_in(
        ApplicationStatus.AWAITING_DECISION,
        firm=firm,
        submitter=submitter,
        officer=officer,
        approver=approver,
    )
    approvers = []
    for _ in range(10):
        user = UserFactory()
        user.groups.add(Group.objects.get(name=StaffRole.APPROVER.value))
        approvers.append(user)
    audit_before = AuditEvent.objects.count()

    outcomes = run_at_once(
        [
            (
                lambda a=a, i=i: application_decide(
                    actor=a,
                    application_id=app.pk,
                    outcome="grant" if i % 2 else "refuse",
                    reasons=f"Decision {i}",
                    expected_status=ApplicationStatus.AWAITING_DECISION,
                )
            )
            for i, a in enumerate(approvers)
        ]
    )

    wins = [o for o in outcomes if o[0] == "ok"]
    losses = [o[1] for o in outcomes if o[0] == "error"]
    assert len(wins) == 1
    assert len(losses) == 9
    assert all(isinstance(e, CaseChanged) for e in losses), losses
    assert all("This case changed: it is now" in e.detail for e in losses)
    assert Decision.objects.filter(application=app).count() == 1
    final = Application.objects.get(pk=app.pk).status
    assert final in (ApplicationStatus.APPROVED, ApplicationStatus.REFUSED)
    decided = AuditEvent.objects.filter(action__in=["application.approve", "application.refuse"])
    assert decided.count() == 1
    # The winner wrote its decision (+ the firm's stage change), nothing else was written.
    # A grant also issues its signed certificate after commit (one more event); a refusal not.
    certificate_issued = final == ApplicationStatus.APPROVED
    assert AuditEvent.objects.count() == audit_before + 2 + certificate_issued
    assert AuditEvent.objects.filter(action="certificate.issue").count() == certificate_issued
    assert Noc.objects.filter(application=app).count() == (final == ApplicationStatus.APPROVED)
    assert verify_chain().ok


def test_simultaneous_submissions_get_distinct_reference_numbers(require_postgres, officer, approver):
    from licensing import scenarios
    from licensing.models import ApplicationKind, FirmRole
    from tests.factories import MembershipFactory

    drafts = []
    for _ in range(8):
        member = MembershipFactory(role=FirmRole.SUBMITTER)
        app = scenarios.new_application(member.firm, ApplicationKind.NOC, actor=member.user)
        scenarios.complete_sections(app, actor=member.user)
        drafts.append((member.user, app))

    outcomes = run_at_once(
        [
            (lambda u=u, a=a: application_submit(actor=u, application_id=a.pk, declaration=True))
            for u, a in drafts
        ]
    )

    assert all(kind == "ok" for kind, _ in outcomes), outcomes
    references = list(Application.objects.values_list("reference", flat=True))
    assert len(set(references)) == 8
    firm_refs = [a.firm.reference_number for _, a in drafts for a in [Application.objects.get(pk=a.pk)]]
    assert len(set(firm_refs)) == 8
    assert verify_chain().ok
