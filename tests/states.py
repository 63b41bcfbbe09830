"""Build objects in any state, the way users get them there (through the services)."""

from licensing import scenarios
from licensing.models import Application, ApplicationKind, ApplicationStatus
from licensing.services.applications import application_lapse, application_withdraw


def application_in(status: str, *, firm, submitter, officer, approver) -> Application:
    """A NOC application of `firm` in `status`, with every section completed."""
    app = scenarios.new_application(firm, ApplicationKind.NOC, actor=submitter)
    scenarios.complete_sections(app, actor=submitter)
    if status == ApplicationStatus.WITHDRAWN:
        application_withdraw(actor=submitter, application_id=app.pk, reason="Changed plans")
    elif status == ApplicationStatus.LAPSED:
        scenarios.drive_application(
            app,
            ApplicationStatus.INFORMATION_REQUESTED,
            submitter=submitter,
            officer=officer,
            approver=approver,
        )
        application_lapse(application_id=app.pk, reason="Information request unanswered")
    else:
        scenarios.drive_application(app, status, submitter=submitter, officer=officer, approver=approver)
    app = Application.objects.get(pk=app.pk)
    assert app.status == status
    return app
