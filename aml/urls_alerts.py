"""Staff pages for screening alerts, under /staff/screening/."""

from django.urls import path

from aml import web_alerts

urlpatterns = [
    path("alerts/", web_alerts.alert_list, name="staff_screening_alerts"),
    path("alerts/<int:pk>/", web_alerts.alert_detail, name="staff_screening_alert"),
]
