"""Staff workspace URLs: firms' requests to change their identity on the register."""

from django.urls import path

from licensing.staff.views import firm_changes

urlpatterns = [
    path("firm-changes/", firm_changes.staff_firm_changes, name="staff_firm_changes"),
    path("firm-changes/<int:pk>/", firm_changes.staff_firm_change, name="staff_firm_change"),
]
