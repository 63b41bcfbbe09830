"""Staff workspace URLs: MoUs and letters of intent, and every deadline the regulator tracks."""

from django.urls import path

from licensing.staff.views import agreements
from portal.deadlines import web as deadlines

urlpatterns = [
    path("agreements/", agreements.staff_agreements, name="staff_agreements"),
    path("agreements/<int:pk>/", agreements.staff_agreement, name="staff_agreement"),
    path("deadlines/", deadlines.staff_deadlines, name="staff_deadlines"),
]
