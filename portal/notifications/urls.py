"""The notification inbox and preferences."""

from django.urls import path

from portal.notifications import web

urlpatterns = [
    path("notifications/", web.notifications, name="notifications"),
    path("notifications/<int:pk>/read/", web.notification_read, name="notification_read"),
    path("notifications/read-all/", web.notifications_read_all, name="notifications_read_all"),
    path("notifications/preferences/", web.notification_preferences, name="notification_preferences"),
]
