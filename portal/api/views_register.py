"""Public, read-only: the register and certificate checks. No credentials are read."""

import json

from django.http import Http404, HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.pagination import CursorPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from licensing.certificates.models import Certificate
from licensing.certificates.services import normalise_code, signed_data_ok
from licensing.certificates.status import current_status, firm_status
from licensing.models import FirmStage
from licensing.register import json_page, queries

from .base import PublicViewSet
from .serializers_register import (
    CertificateStatusSerializer,
    RegisterEntrySerializer,
    RegisterFirmSummarySerializer,
    RegisterQuerySerializer,
)


class _SummaryRows:
    """A queryset stand-in for CursorPagination: ordering and filtering go to the queryset,
    slicing returns register rows, not model instances.

    The whole register (`whole=True`: no search or filter) on PostgreSQL comes as JSON rows
    built by the database (json_page.summary_json_page); CursorPagination only ever orders it
    by name (either way) and filters it on the cursor's name, which are followed here.
    Anything else: dictionaries' sources from queries.summary_page()."""

    def __init__(self, queryset, *, whole=False, reverse=False, position=None):
        self.queryset = queryset
        self.whole = whole
        self.reverse = reverse
        self.position = position

    def order_by(self, *fields):
        return _SummaryRows(
            self.queryset.order_by(*fields),
            whole=self.whole,
            reverse=fields[0].startswith("-"),
            position=self.position,
        )

    def filter(self, *args, **kwargs):
        position = self.position
        whole = self.whole and not args and set(kwargs) <= {"legal_name__gt", "legal_name__lt"}
        if whole:
            ((lookup, position),) = kwargs.items()
            whole = lookup == ("legal_name__lt" if self.reverse else "legal_name__gt")
        return _SummaryRows(
            self.queryset.filter(*args, **kwargs), whole=whole, reverse=self.reverse, position=position
        )

    def __getitem__(self, window):
        offset = window.start or 0
        limit = window.stop - offset
        if self.whole and json_page.available():
            return json_page.summary_json_page(
                reverse=self.reverse, position=self.position, offset=offset, limit=limit
            )
        return queries.summary_page(self.queryset, offset=offset, limit=limit)


class RegisterPagination(CursorPagination):
    """Cursor pages in name order (index `register_firm_name`): no COUNT over the register on
    every request, stable pages while firms are added, and the same cost on page 200 as on
    page 1. The register's size is in the downloads (CSV, JSON)."""

    ordering = ("legal_name", "pk")
    page_size = queries.PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = queries.MAX_PAGE_SIZE

    def paginate_queryset(self, queryset, request, view=None, *, whole=False):
        return super().paginate_queryset(_SummaryRows(queryset, whole=whole), request, view)

    def get_json_response(self, rows: list[json_page.JsonRow]) -> HttpResponse:
        """The page as get_paginated_response() shapes it, joining rows that are JSON already."""
        body = '{"next":%s,"previous":%s,"results":[%s]}' % (  # noqa: UP031 - JSON text, not a message
            json.dumps(self.get_next_link()),
            json.dumps(self.get_previous_link()),
            ",".join(row.json for row in rows),
        )
        return HttpResponse(body, content_type="application/json")


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
        whole = not any(request.query_params.get(name) for name in ("q", "stage", "activity"))
        if not whole:
            params = RegisterQuerySerializer(data=request.query_params)
            params.is_valid(raise_exception=True)
            queryset = queries.search(queryset, **{k: v or "" for k, v in params.validated_data.items()})
        page = self.paginator.paginate_queryset(queryset, request, view=self, whole=whole)
        if page and isinstance(page[0], json_page.JsonRow):
            if isinstance(request.accepted_renderer, JSONRenderer):
                return self.paginator.get_json_response(page)
            return self.get_paginated_response([json.loads(row.json) for row in page])
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
        operating = firm_status(certificate)
        return Response(
            CertificateStatusSerializer(
                {
                    "code": certificate.code,
                    "number": certificate.number,
                    "kind": certificate.kind,
                    "status": status.code,
                    "status_label": status.label,
                    "explanation": status.explanation,
                    "operating_status": operating.code,
                    "operating_status_label": operating.label,
                    "operating_status_reason": operating.reason,
                    "signature_valid": signed_data_ok(certificate),
                    "key_id": certificate.key_id,
                    "signature": certificate.signature,
                    "payload": certificate.payload,
                }
            ).data
        )
