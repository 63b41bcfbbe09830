"""The role an API action needs, checked before its body is read.

A caller without the role gets 403 whatever they send: validating first would answer 400
and invite them to fix a body they may never send. The service functions check the same
rights again (they are the one code path); this only puts the refusal first.

A view declares, per action name:
- `action_perms`: Django permissions, any one of which the staff member needs;
- `action_capabilities`: the firm capability (licensing.permissions) the caller needs in
  `request.firm` (a firm token acts as its principal, who has every capability).
"""

from rest_framework import permissions
from rest_framework.exceptions import PermissionDenied

from licensing.permissions import can_for_firm, can_with_perm


class ActionPermission(permissions.BasePermission):
    def has_permission(self, request, view):
        action = getattr(view, "action", None)
        perms = getattr(view, "action_perms", {}).get(action)
        if perms:
            answers = [can_with_perm(request.user, perm) for perm in perms]
            if not any(allowed for allowed, _reason in answers):
                raise PermissionDenied(answers[0][1])  # the reason, translated
        capability = getattr(view, "action_capabilities", {}).get(action)
        if capability:
            allowed, reason = can_for_firm(request.user, getattr(request, "firm", None), capability)
            if not allowed:
                raise PermissionDenied(reason)
        return True
