"""DOMAIN.md's defaults for every kind of deadline ("Deadlines the regulator tracks").

Migration deadlines.0002 creates them; after every `migrate` (and a test database flush)
any kind left without a rule gets its default again. Administrators change the rules in the
admin; rules that exist are never overwritten from here.
"""

DEFAULT = [90, 30, 7, 1, 0]

# kind, amount, unit, offsets, audience, staff role reminded, role escalated to,
# pausable, escalate, lapse, statutory, notes
RULES = [
    (
        "acknowledge_submission",
        2,
        "business_days",
        DEFAULT,
        "staff",
        "Case officer",
        "Approver",
        False,
        True,
        False,
        False,
        "Met at once by the automatic receipt; stays open only if the receipt could not be sent.",
    ),
    (
        "decide_noc_application",
        60,
        "calendar_days",
        DEFAULT,
        "staff",
        "Case officer",
        "Approver",
        True,
        True,
        False,
        False,
        "From submission; the clock stops while an information request is open.",
    ),
    (
        "answer_information_request",
        14,
        "calendar_days",
        DEFAULT,
        "firm",
        "",
        "Approver",
        False,
        True,
        False,
        True,
        "The due date is set per request (default PORTAL_INFORMATION_REQUEST_DAYS). Tick 'lapse' "
        "to lapse the application when a request goes unanswered.",
    ),
    (
        "register_aml",
        60,
        "calendar_days",
        DEFAULT,
        "firm",
        "",
        "AML officer",
        True,
        True,
        False,
        True,
        "From the NOC; the clock stops while the AML officer verifies a filed registration.",
    ),
    (
        "noc_validity",
        6,
        "months",
        DEFAULT,
        "firm",
        "",
        "Approver",
        False,
        True,
        True,
        True,
        "The NOC's own expiry date is the due date; submitting the licence application meets it. "
        "When missed, the NOC lapses.",
    ),
    (
        "decide_licence_application",
        90,
        "calendar_days",
        DEFAULT,
        "staff",
        "Case officer",
        "Approver",
        True,
        True,
        False,
        False,
        "From submission; the clock stops while an information request is open.",
    ),
    (
        "licence_renewal",
        12,
        "months",
        [60, 30, 7, 1, 0],
        "firm",
        "",
        "Approver",
        False,
        True,
        False,
        True,
        "The licence's expiry date is the due date; the renewal window opens 60 days before it. "
        "When missed, the licence expires.",
    ),
    (
        "appeal_window",
        30,
        "calendar_days",
        DEFAULT,
        "firm",
        "",
        "",
        False,
        False,
        False,
        True,
        "Not opened yet: appeals are planned.",
    ),
    (
        "definitive_agreement",
        6,
        "months",
        DEFAULT,
        "staff",
        "Approver",
        "Approver",
        False,
        True,
        True,
        False,
        "From the signing of an MoU or letter of intent; the agreement lapses when missed.",
    ),
]


def ensure_rules(DeadlineRule) -> int:  # noqa: N803 - a model class, real or historical
    """Create the rule of every kind that has none; existing rules are left as they are."""
    created = 0
    for (
        kind,
        amount,
        unit,
        offsets,
        audience,
        role,
        escalation_role,
        pausable,
        escalate,
        lapse,
        statutory,
        notes,
    ) in RULES:
        _rule, new = DeadlineRule.objects.get_or_create(
            kind=kind,
            defaults={
                "amount": amount,
                "unit": unit,
                "reminder_offsets": offsets,
                "audience": audience,
                "staff_role": role,
                "escalation_role": escalation_role,
                "pausable": pausable,
                "escalate": escalate,
                "lapse": lapse,
                "statutory": statutory,
                "description": notes,
            },
        )
        created += new
    return created
