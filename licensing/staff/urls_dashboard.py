"""Staff workspace URLs: the dashboard and the register of decisions as CSV."""

from django.urls import path

from licensing.staff.views import dashboard

urlpatterns = [
    path("dashboard/", dashboard.dashboard, name="staff_dashboard"),
    path("decisions.csv", dashboard.decisions_csv, name="staff_decisions_csv"),
]
