"""The portal's URLs plus two views that fail, for the error-page tests (tests/test_error_pages.py)."""

from django.urls import path
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny

from portal.urls import handler400, handler403, handler404, handler500
from portal.urls import urlpatterns as portal_urlpatterns

SECRET_IN_TRACEBACK = "db-password-in-a-local-variable"


def broken_page(request):
    credentials = SECRET_IN_TRACEBACK  # noqa: F841 - what a debug page would show
    raise RuntimeError("the page broke: " + SECRET_IN_TRACEBACK)


@api_view(["GET"])
@permission_classes([AllowAny])
def broken_api(request):
    raise RuntimeError("the API broke: " + SECRET_IN_TRACEBACK)


urlpatterns = [
    path("test-errors/broken/", broken_page),
    path("api/test-errors/broken/", broken_api),
    *portal_urlpatterns,
]

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
