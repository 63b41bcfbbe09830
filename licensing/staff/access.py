"""Who may use the staff workspace, and how views fetch a case.

- anonymous → the sign-in page;
- a signed-in person who is not regulator staff → 403;
- staff without a second factor → led to set one up (portal.accounts.mfa middleware);
- read-only supervisors may look at everything and change nothing: every state-changing
  view also needs the action's permission, else 403.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from licensing.models import Application


def staff_required(view):
    """GET and POST alike: only regulator staff."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_regulator_staff:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def staff_permission_required(*perms):
    """Staff with at least one of `perms` (e.g. "licensing.review_application")."""

    def decorator(view):
        @staff_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not any(request.user.has_perm(p) for p in perms):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def case_for_staff(request, pk) -> Application:
    """An application for the staff workspace (404 when it does not exist)."""
    return get_object_or_404(Application.objects.with_people(), pk=pk)
