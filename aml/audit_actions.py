"""Who may see the audit actions the AML app records (see portal.audit.visibility).

The firm sees its own AML registration's steps; screening (lists, alerts, matches) is the
regulator's alone: a firm must never learn that one of its people matched a list entry.
"""

from django.utils.translation import gettext_lazy as _

from portal.audit.visibility import Visibility, declare_many

AML = "aml"


def declare_aml_actions() -> None:
    declare_many(
        Visibility.FIRM,
        {
            "amlregistration.save": _("saved the AML registration"),
            "amlregistration.remove_evidence": _("removed evidence from the AML registration"),
            "amlregistration.submit": _("filed the AML registration"),
            "amlregistration.register": _("confirmed the AML registration"),
            "amlregistration.return_for_remedy": _("returned the AML registration for remedial action"),
        },
        declared_by=AML,
    )
    declare_many(
        Visibility.INTERNAL,
        {
            "sanctionslist.import": None,
            "screening.alerts_raised": None,
            "screening.confirmed": None,
            "screeningalert.clear": None,
            "screeningalert.confirm": None,
        },
        declared_by=AML,
    )
