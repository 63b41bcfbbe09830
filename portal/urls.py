from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from portal.accounts.sessions import keep_alive
from portal.health import healthz

admin.site.site_header = _("Licensing and AML registry — administration")
admin.site.site_title = _("Portal administration")
admin.site.index_title = _("Administration")
# The admin signs in through allauth, so its second-factor step applies to the admin too.
admin.site.login = secure_admin_login(admin.site.login)


def favicon(request):
    """Browsers and feed readers ask for /favicon.ico on pages without a <link rel="icon">.

    Resolved per request: the hashed static name exists only once collectstatic has run."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("session/keep-alive/", keep_alive, name="session_keep_alive"),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("staff/screening/", include("aml.urls_alerts")),
    path("staff/", include("licensing.staff.urls")),
    path("", include("licensing.register.urls")),
    path("", include("licensing.certificates.urls")),
    path("", include("portal.audit.urls")),
    path("", include("portal.api.urls")),
    path("", include("portal.api.urls_web")),
    path("", include("aml.web.urls")),
    path("", include("portal.deadlines.urls")),
    path("", include("portal.notifications.urls")),
    path("", include("licensing.web.urls")),
]

# Generic error pages with the request's correlation id (problem documents under /api/).
handler400 = "portal.error_views.bad_request"
handler403 = "portal.error_views.permission_denied"
handler404 = "portal.error_views.page_not_found"
handler500 = "portal.error_views.server_error"
