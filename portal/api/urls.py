"""/api/v1/ (the API), /api/schema/ (OpenAPI 3), /api/docs/ (Swagger UI, served locally)."""

from django.conf import settings
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from . import views_firm, views_register, views_staff
from .errors import api_not_found

router = SimpleRouter()
router.register("register", views_register.RegisterViewSet, basename="api-register")
router.register("certificates", views_register.CertificateViewSet, basename="api-certificate")
router.register("firm/applications", views_firm.FirmApplicationViewSet, basename="api-firm-application")
router.register(
    "firm/information-requests",
    views_firm.FirmInformationRequestViewSet,
    basename="api-firm-information-request",
)
router.register(
    "firm/foreign-licences", views_firm.FirmForeignLicenceViewSet, basename="api-firm-foreign-licence"
)
router.register(
    "firm/change-requests", views_firm.FirmChangeRequestViewSet, basename="api-firm-change-request"
)
router.register("firm/activity", views_firm.FirmActivityViewSet, basename="api-firm-activity")
router.register("firm/deadlines", views_firm.FirmDeadlineViewSet, basename="api-firm-deadline")
router.register("firm/notifications", views_firm.FirmNotificationViewSet, basename="api-firm-notification")
router.register("queues", views_staff.QueueViewSet, basename="api-staff-queue")
router.register("applications", views_staff.CaseViewSet, basename="api-staff-case")
router.register("firms", views_staff.FirmSupervisionViewSet, basename="api-staff-firm")
router.register(
    "firm-change-requests",
    views_staff.FirmChangeRequestStaffViewSet,
    basename="api-staff-firm-change-request",
)
router.register(
    "aml-registrations", views_staff.AmlRegistrationViewSet, basename="api-staff-aml-registration"
)

firm_profile = views_firm.FirmProfileViewSet.as_view({"get": "retrieve", "patch": "partial_update"})

urlpatterns = [
    path("api/v1/firm/", firm_profile, name="api-firm-profile"),
    path("api/v1/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    # The split view serves its start-up script from ?script, not inline: it runs under the CSP.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api_schema", template_name="api/swagger_ui.html"),
        name="api_docs",
    ),
]
if settings.PORTAL_BENCH_URLS:
    from .bench import bare_register

    urlpatterns.append(path("api/bench/bare-register/", bare_register, name="api_bench_bare_register"))
# Anything else under /api/ is a problem document too, never an HTML page.
urlpatterns.append(re_path(r"^api/", api_not_found))
