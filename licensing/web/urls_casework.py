"""URLs of the applicant portal: status, information requests and withdrawal after submission."""

from django.urls import path

from licensing.web.views import casework

urlpatterns = [
    path("applications/<int:pk>/status/", casework.application_status, name="application_status"),
    path("information-requests/", casework.information_requests, name="information_requests"),
    path(
        "applications/<int:pk>/information-requests/<int:ir_pk>/",
        casework.information_request_detail,
        name="information_request_detail",
    ),
    path(
        "applications/<int:pk>/withdraw/",
        casework.application_withdraw_view,
        name="application_withdraw",
    ),
]
