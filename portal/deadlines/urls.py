"""Deadline pages outside the staff workspace: the firm's deadlines and calendar feeds.
(The staff list is mounted under /staff/ by licensing.staff.urls_agreements.)"""

from django.urls import path

from portal.deadlines import web

urlpatterns = [
    path("deadlines/", web.firm_deadlines, name="firm_deadlines"),
    path("deadlines/calendar/", web.deadlines_calendar, name="deadlines_calendar"),
    path("deadlines/calendar/<str:token>.ics", web.deadlines_ics, name="deadlines_ics"),
]
