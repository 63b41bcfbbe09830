"""The firm's activity as its people see it: the audit events of the firm with actions
declared firm-visible (portal.audit.visibility), each described in plain words. The web
page (`/firm/activity/`) and the API (`/api/v1/firm/activity/`) both read it here.

People of the firm are named; the regulator's staff appear as "the regulator", and reasons
and details stay out (a staff reason may be internal even when the step is not).
"""

from django.utils.translation import gettext as _

from aml.models import AmlStatus
from licensing.models import ApplicationStatus, FirmMembership, FirmRole, FirmStage
from portal.audit.models import AuditEvent
from portal.audit.visibility import label_of

# State codes of every machine (and the firm roles), in plain words.
STATE_LABELS = {
    **dict(AmlStatus.choices),
    **dict(FirmRole.choices),
    **dict(FirmStage.choices),
    **dict(ApplicationStatus.choices),
}


def firm_activity(firm):
    """The firm's firm-visible events, newest first."""
    return AuditEvent.objects.visible_to_firm(firm).with_people().order_by("-seq")


def describe_for_firm(events, firm):
    """Set `action_label`, `from_label`, `to_label`, `who` and `application_id` on each event."""
    people = set(FirmMembership.objects.filter(firm=firm).values_list("user_id", flat=True))
    for event in events:
        event.action_label = label_of(event.action)
        event.from_label = str(STATE_LABELS.get(event.from_state, event.from_state))
        event.to_label = str(STATE_LABELS.get(event.to_state, event.to_state))
        if event.actor_id is None:
            event.who = _("The system")
        elif event.actor_id in people:
            event.who = event.actor.get_full_name() if event.actor else event.actor_label
        else:
            event.who = _("The regulator")
        event.application_id = (
            int(event.object_id)
            if event.object_type == "licensing.application" and event.object_id.isdigit()
            else None
        )
    return events
