"""Who may see the audit actions the licensing app records (see portal.audit.visibility).

The firm sees its own changes and the steps of its case the regulator tells it about; the
regulator's internal work on a case (notes, recommendations, sending back, who holds the
case) and its own records (agreements, calls) stay internal. Stage changes are public: the
register shows them.
"""

from django.utils.translation import gettext_lazy as _

from portal.audit.visibility import Visibility, declare_many

LICENSING = "licensing"


def declare_licensing_actions() -> None:
    # The firm's authorisation stage: the public register shows every change.
    declare_many(
        Visibility.PUBLIC,
        {
            "firm.grant_noc": _("granted a NOC to the firm"),
            "firm.register_aml": _("confirmed the firm's AML registration"),
            "firm.grant_licence": _("granted a licence to the firm"),
            "firm.refuse": _("refused the firm"),
            "firm.lapse_noc": _("recorded that the firm's NOC lapsed"),
            "firm.suspend": _("suspended the firm"),
            "firm.lift_suspension": _("lifted the firm's suspension"),
            "firm.revoke": _("revoked the firm's licence"),
            "firm.surrender": _("surrendered the firm's licence"),
            "firm.expire_licence": _("recorded that the firm's licence expired"),
            "firm.reverse_noc": _("reversed the decision to grant the firm a NOC"),
            "firm.reverse_licence": _("reversed the decision to grant the firm a licence"),
            "firm.reverse_refusal": _("reversed the refusal of the firm"),
        },
        declared_by=LICENSING,
    )
    # The firm's record and its people: the firm's own doing, or a correction it must know of.
    declare_many(
        Visibility.FIRM,
        {
            "firm.register": _("registered the firm"),
            "firm.create": _("created the firm"),
            "firm.admin_create": _("created the firm"),
            "firm.update_profile": _("changed the firm's profile"),
            "firm.admin_change": _("corrected the firm's record"),
            "foreign_licence.add": _("added a licence held elsewhere"),
            "foreign_licence.remove": _("removed a licence held elsewhere"),
            "invitation.create": _("invited a person"),
            "invitation.revoke": _("revoked an invitation"),
            "invitation.accept": _("accepted an invitation"),
            "membership.change_role": _("changed a person's role"),
            "membership.remove": _("removed a person from the firm"),
            "firmmembership.create": _("added a person to the firm"),
            "firmchangerequest.create": _("asked to change the firm's identity"),
            "firmchangerequest.withdraw": _("withdrew a request to change the firm's identity"),
            "firmchangerequest.approve": _("approved a change to the firm's identity"),
            "firmchangerequest.refuse": _("refused a change to the firm's identity"),
        },
        declared_by=LICENSING,
    )
    # Applications: what the firm did, and what the regulator tells the firm.
    declare_many(
        Visibility.FIRM,
        {
            "application.create": _("started an application"),
            "application.save_section": _("saved a section of an application"),
            "application.submit": _("submitted an application"),
            "application.withdraw": _("withdrew an application"),
            "application.answer_information_request": _("answered an information request"),
            "application.start_review": _("started reviewing an application"),
            "application.request_information": _("asked for more information"),
            "application.close_information_request": _("closed an information request"),
            "application.approve": _("approved an application"),
            "application.refuse": _("refused an application"),
            "application.lapse": _("recorded that an application lapsed"),
            "application.reverse_decision": _("reversed the decision on an application"),
            "information_request.extend": _("extended the time to answer an information request"),
            "firm_message.send": _("sent a message to the firm"),
            "certificate.issue": _("issued a certificate"),
            "document.upload": _("uploaded a document"),
            "key_individual.create": _("added a key individual"),
            "key_individual.update": _("changed a key individual"),
            "key_individual.remove": _("removed a key individual"),
            "beneficial_owner.create": _("added a beneficial owner"),
            "beneficial_owner.update": _("changed a beneficial owner"),
            "beneficial_owner.remove": _("removed a beneficial owner"),
        },
        declared_by=LICENSING,
    )
    # The regulator's internal work on a case.
    declare_many(
        Visibility.INTERNAL,
        {
            "case_note.add": _("added an internal note"),
            "application.recommend": _("completed the review of an application"),
            "application.send_back": _("returned an application for further review"),
            "application.assign": None,
            "application.reassign": None,
            "application.unassign": None,
        },
        declared_by=LICENSING,
    )
    # The regulator's own records: MoUs and letters of intent, calls for applications.
    declare_many(
        Visibility.INTERNAL,
        {
            "agreement.record": _("recorded an agreement"),
            "agreement.admin_create": None,
            "agreement.admin_change": None,
            "agreement.extend": None,
            "agreement.sign_definitive": None,
            "agreement.lapse": None,
            "agreement.terminate": None,
            "call.admin_create": None,
            "call.admin_change": None,
        },
        declared_by=LICENSING,
    )
