from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import ValidationError
from django.urls import reverse


class AccountAdapter(DefaultAccountAdapter):
    """Staff land in their workspace (the work queues), firm users on their dashboard.
    Administrators too start in the workspace; the header links them to the admin."""

    def get_login_redirect_url(self, request):
        user = request.user
        if user.is_authenticated and user.is_regulator_staff and not user.memberships.exists():
            return reverse("staff_queues")
        return super().get_login_redirect_url(request)

    def pre_authenticate(self, request, **credentials):
        """allauth refuses a sign-in once the failed-sign-in limit is reached (the same
        message whether or not the account exists); the lockout goes into the audit trail."""
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            from portal.accounts.security import record_login_locked

            record_login_locked(request, credentials)
            raise
