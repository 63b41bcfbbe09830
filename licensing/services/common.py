from django.utils.translation import gettext as _

from portal.errors import RuleBroken


def require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise RuleBroken(_("A reason is required."), field_errors={"reason": [_("Give a reason.")]})
    return reason
