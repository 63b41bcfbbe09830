"""Who may do what. Each question returns (allowed, reason) so a page can say why an
action is missing; the `*_guard` callables adapt them for django-fsm's `permission=`.
"""

from django.utils.translation import gettext as _

# Firm-side capabilities by membership role.
EDIT = "edit"
SUBMIT = "submit"
WITHDRAW = "withdraw"
MANAGE_MEMBERS = "manage_members"
ANSWER = "answer"
SURRENDER = "surrender"
# The firm's own record: its contact details, and proposing changes to its identity.
MANAGE_PROFILE = "manage_profile"

FIRM_ROLE_CAPABILITIES = {
    "principal": {EDIT, SUBMIT, WITHDRAW, MANAGE_MEMBERS, ANSWER, SURRENDER, MANAGE_PROFILE},
    "submitter": {EDIT, SUBMIT, WITHDRAW, ANSWER},
    "contributor": {EDIT, ANSWER},
}


def firm_role(user, firm) -> str | None:
    """The user's active role in the firm, or None."""
    if user is None or not user.is_authenticated or not user.is_active or firm is None:
        return None
    cache = getattr(user, "_firm_role_cache", None)
    if cache is None:
        cache = user._firm_role_cache = {}
    if firm.pk not in cache:
        from licensing.models import FirmMembership

        cache[firm.pk] = (
            FirmMembership.objects.filter(user=user, firm_id=firm.pk, is_active=True)
            .values_list("role", flat=True)
            .first()
        )
    return cache[firm.pk]


def can_for_firm(user, firm, capability: str) -> tuple[bool, str]:
    role = firm_role(user, firm)
    if role is None:
        return False, _("Only people of this firm can do this.")
    if capability not in FIRM_ROLE_CAPABILITIES.get(role, set()):
        needed = sorted(r for r, caps in FIRM_ROLE_CAPABILITIES.items() if capability in caps)
        return False, _("Your role (%(role)s) cannot do this; it needs: %(needed)s.") % {
            "role": role,
            "needed": ", ".join(needed),
        }
    return True, ""


def can_with_perm(user, perm: str) -> tuple[bool, str]:
    if user is None:
        return False, _("A person must do this, not the system.")
    if not user.is_authenticated or not user.is_active:
        return False, _("Sign in first.")
    if not user.has_perm(perm):
        return False, _("Your staff role does not include this action.")
    return True, ""


def can_as_system(user) -> tuple[bool, str]:
    if user is not None:
        return False, _("Only the scheduled system jobs do this.")
    return True, ""


def can_decide(user, application) -> tuple[bool, str]:
    """Approver rights plus four-eyes: not the person who recommended."""
    allowed, reason = can_with_perm(user, "licensing.decide_application")
    if not allowed:
        return allowed, reason
    recommendation = application.current_recommendation
    if recommendation is not None and recommendation.officer_id == user.pk:
        return False, _("You recommended this decision; another approver must take it (four-eyes rule).")
    return True, ""


# django-fsm permission callables: guard(instance, user) -> bool, each carrying
# `guard.why(instance, user) -> (allowed, reason)` for the service layer and the UI.
def _guard(name, why):
    def guard(instance, user):
        return why(instance, user)[0]

    guard.__name__ = name
    guard.why = why
    return guard


def firm_guard(capability):
    return _guard(
        f"firm_{capability}", lambda instance, user: can_for_firm(user, instance.audit_firm, capability)
    )


def perm_guard(perm):
    return _guard(f"perm_{perm}", lambda instance, user: can_with_perm(user, perm))


system_guard = _guard("system", lambda instance, user: can_as_system(user))

decide_guard = _guard("decide", lambda instance, user: can_decide(user, instance))


def firm_or_perm_guard(capability, perm):
    def why(instance, user):
        firm_answer = can_for_firm(user, instance.audit_firm, capability)
        return firm_answer if firm_answer[0] else can_with_perm(user, perm)

    return _guard(f"firm_{capability}_or_{perm}", why)
