"""Public, read-only: the register and certificate checks. No credentials are read."""

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from licensing.certificates.models import Certificate
from licensing.certificates.services import normalise_code, signed_data_ok
from licensing.certificates.status import current_status
from licensing.models import FirmStage
from licensing.register import queries

from .base import PublicViewSet
from .serializers_register import (
    CertificateStatusSerializer,
    RegisterEntrySerializer,
    RegisterFirmSummarySerializer,
    RegisterQuerySerializer,
)


class _SummaryRows:
    """A queryset stand-in for CursorPagination: ordering and filtering go to the queryset,
    slicing returns register rows (queries.summary_page), not model instances."""

    def __init__(self, queryset):
        self.queryset = queryset

    def order_by(self, *fields):
        return _SummaryRows(self.queryset.order_by(*fields))

    def filter(self, *args, **kwargs):
        return _SummaryRows(self.queryset.filter(*args, **kwargs))

    def __getitem__(self, window):
        return queries.summary_page(
            self.queryset, offset=window.start or 0, limit=window.stop - (window.start or 0)
        )


class RegisterPagination(CursorPagination):
    """Cursor pages in name order (index `register_firm_name`): no COUNT over the register on
    every request, stable pages while firms are added, and the same cost on page 200 as on
    page 1. The register's size is in the downloads (CSV, JSON)."""

    ordering = ("legal_name", "pk")
    page_size = queries.PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = queries.MAX_PAGE_SIZE

    def paginate_queryset(self, queryset, request, view=None):
        return super().paginate_queryset(_SummaryRows(queryset), request, view)


@extend_schema_view(
    list=extend_schema(
        summary="Search the public register",
        parameters=[
            OpenApiParameter(
                "q", str, description="Part of a name or trading name, a reference number, or an LEI."
            ),
            OpenApiParameter("stage", str, enum=FirmStage.values, description="Only firms at this stage."),
            OpenApiParameter(
                "activity", str, description="Only firms that may offer this activity (its code)."
            ),
        ],
        tags=["public register"],
    ),
    retrieve=extend_schema(summary="One firm's register entry", tags=["public register"]),
)
class RegisterViewSet(PublicViewSet):
    pagination_class = RegisterPagination
    lookup_field = "reference_number"
    lookup_value_regex = "[^/]+"
    serializer_class = RegisterFirmSummarySerializer

    def get_queryset(self):
        return queries.public_firms()

    def list(self, request):
        queryset = self.get_queryset()
        if any(request.query_params.get(name) for name in ("q", "stage", "activity")):
            params = RegisterQuerySerializer(data=request.query_params)
            params.is_valid(raise_exception=True)
            queryset = queries.search(queryset, **{k: v or "" for k, v in params.validated_data.items()})
        page = self.paginate_queryset(queryset)
        # The rows are the documented shape already (RegisterFirmSummarySerializer passes them
        # through unchanged): they go to the renderer as they are.
        return self.get_paginated_response(queries.public_summaries(page))

    @extend_schema(responses=RegisterEntrySerializer)
    def retrieve(self, request, reference_number=None):
        firm = queries.get_public_firm(reference_number)
        if firm is None:
            raise Http404
        return Response(RegisterEntrySerializer(queries.public_entry(firm)).data)


@extend_schema_view(
    retrieve=extend_schema(summary="A certificate's current status and signed data", tags=["certificates"])
)
class CertificateViewSet(PublicViewSet):
    lookup_field = "code"
    lookup_value_regex = "[^/]+"
    serializer_class = CertificateStatusSerializer
    pagination_class = None

    def get_queryset(self):
        return Certificate.objects.with_subject()

    def retrieve(self, request, code=None):
        certificate = self.get_queryset().filter(code=normalise_code(code)).first()
        if certificate is None:
            raise Http404
        status = current_status(certificate)
        return Response(
            CertificateStatusSerializer(
                {
                    "code": certificate.code,
                    "number": certificate.number,
                    "kind": certificate.kind,
                    "status": status.code,
                    "status_label": status.label,
                    "explanation": status.explanation,
                    "signature_valid": signed_data_ok(certificate),
                    "key_id": certificate.key_id,
                    "signature": certificate.signature,
                    "payload": certificate.payload,
                }
            ).data
        )
