from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse


class AccountAdapter(DefaultAccountAdapter):
    """Staff land in their workspace, firm users on their dashboard."""

    def get_login_redirect_url(self, request):
        user = request.user
        if user.is_authenticated and user.is_regulator_staff and not user.memberships.exists():
            if user.is_staff:
                return reverse("admin:index")
        return super().get_login_redirect_url(request)
