"""The applicant portal's URLs, one module per area."""

from django.urls import include, path

from licensing.web.views import public

urlpatterns = [
    path("", public.home, name="home"),
    path("", include("licensing.web.urls_firm")),
    path("", include("licensing.web.urls_application")),
    path("", include("licensing.web.urls_documents")),
    path("", include("licensing.web.urls_casework")),
]
