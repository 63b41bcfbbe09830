from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from portal.health import healthz

admin.site.site_header = _("Licensing and AML registry — administration")
admin.site.site_title = _("Portal administration")
admin.site.index_title = _("Administration")

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("licensing.web.urls")),
]
