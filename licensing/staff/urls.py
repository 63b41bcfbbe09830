"""The regulator staff workspace, under /staff/."""

from django.urls import include, path

urlpatterns = [
    path("", include("licensing.staff.urls_queues")),
    path("", include("licensing.staff.urls_case")),
    path("", include("licensing.staff.urls_dashboard")),
    path("", include("licensing.staff.urls_agreements")),
    path("", include("licensing.staff.urls_firm_changes")),
]
