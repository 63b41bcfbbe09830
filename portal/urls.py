from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

from portal.health import healthz

admin.site.site_header = "Licensing and AML registry — administration"
admin.site.site_title = "Portal administration"
admin.site.index_title = "Administration"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False), name="home"),
]
