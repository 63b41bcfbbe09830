"""URLs of the applicant portal: the firm, its people, calls for applications."""

from django.urls import path

from licensing.web.views import calls, firm, firm_changes

urlpatterns = [
    path("dashboard/", firm.dashboard, name="dashboard"),
    path("firm/register/", firm.firm_register, name="firm_register"),
    path("firm/switch/", firm.firm_switch, name="firm_switch"),
    path("firm/", firm.firm_profile, name="firm_profile"),
    path("firm/edit/", firm.firm_profile_edit, name="firm_profile_edit"),
    path("firm/changes/", firm_changes.firm_change_requests, name="firm_change_requests"),
    path("firm/changes/new/", firm_changes.firm_change_request_new, name="firm_change_request_new"),
    path(
        "firm/changes/<int:pk>/withdraw/",
        firm_changes.firm_change_request_withdraw,
        name="firm_change_request_withdraw",
    ),
    path("firm/licences/add/", firm.firm_licence_add, name="firm_licence_add"),
    path("firm/licences/<int:pk>/remove/", firm.firm_licence_remove, name="firm_licence_remove"),
    path("firm/people/", firm.firm_people, name="firm_people"),
    path("firm/people/<int:pk>/role/", firm.firm_member_role, name="firm_member_role"),
    path("firm/people/<int:pk>/remove/", firm.firm_member_remove, name="firm_member_remove"),
    path("firm/invitations/<int:pk>/revoke/", firm.firm_invitation_revoke, name="firm_invitation_revoke"),
    path("firm/activity/", firm.firm_activity, name="firm_activity"),
    path("invitations/<str:token>/", firm.invitation_accept, name="invitation_accept"),
    path("calls/<int:pk>/", calls.call_detail, name="call_detail"),
]
