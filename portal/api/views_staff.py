"""The regulator's casework over the API: queues, case detail, and each transition as an
explicit POST that calls the same service function as the staff web UI (so the same
permission, four-eyes and state rules apply, and a stale action answers 409)."""

from django.db.models import Prefetch
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from aml.models import AmlRegistration
from aml.services import aml_registration_register, aml_registration_return
from licensing.models import Activity, Application, Decision, Firm, FirmChangeRequest, Recommendation
from licensing.models.applications import DecisionOutcome
from licensing.models.change_requests import DECIDE_CHANGE_PERMISSION
from licensing.services import change_requests
from licensing.services.applications import (
    application_decide,
    application_recommend,
    application_start_review,
    information_request_create,
)
from licensing.services.firms import firm_lift_suspension, firm_revoke, firm_suspend
from licensing.staff import queries as staff_queries
from portal.accounts.reauth import require_recent_authentication_api

from .action_permissions import ActionPermission
from .base import Pagination, StaffViewSet
from .serializers_firm import FirmChangeRequestSerializer
from .serializers_staff import (
    AmlRegisterSerializer,
    AmlRegistrationSerializer,
    ApproveSerializer,
    CaseDetailSerializer,
    CaseRowSerializer,
    ChangeApprovalSerializer,
    DecideSerializer,
    ExpectedStatusSerializer,
    FirmBriefSerializer,
    InformationRequestCreateSerializer,
    PaginatedCaseRowSerializer,
    QueueSerializer,
    ReasonSerializer,
    RecommendSerializer,
    ReturnSerializer,
)

TAG = "staff"
# The permissions the case actions' transitions need (licensing.models.applications).
REVIEW = "licensing.review_application"
DECIDE = "licensing.decide_application"
QUEUE_SLUGS = [q.slug for q in staff_queries.QUEUES]


@extend_schema_view(
    list=extend_schema(
        summary="The work queues you can see", responses=QueueSerializer(many=True), tags=[TAG]
    ),
    retrieve=extend_schema(
        summary="The cases in one queue",
        parameters=[OpenApiParameter("slug", str, OpenApiParameter.PATH, enum=QUEUE_SLUGS)],
        responses=PaginatedCaseRowSerializer,
        tags=[TAG],
    ),
)
class QueueViewSet(StaffViewSet):
    lookup_field = "slug"
    lookup_value_regex = "[^/]+"
    serializer_class = CaseRowSerializer
    pagination_class = None  # the list of queues is short; a queue's cases are paginated below

    def list(self, request):
        queues = staff_queries.queues_for(request.user)
        rows = [
            {"slug": q.slug, "label": str(q.label), "description": staff_queries.queue_description(q)}
            for q in queues
        ]
        return Response(QueueSerializer(rows, many=True).data)

    def retrieve(self, request, slug=None):
        if slug not in {q.slug for q in staff_queries.queues_for(request.user)}:
            raise Http404
        queryset = staff_queries.queue(slug, request.user).order_by("submitted_at", "pk")
        paginator = Pagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(CaseRowSerializer(page, many=True).data)


def _case_queryset():
    return (
        Application.objects.exclude(status="draft")
        .select_related("firm", "assigned_officer")
        .prefetch_related(
            Prefetch("activities", queryset=Activity.objects.only("id", "code")),
            "key_individuals",
            "information_requests",
            Prefetch("recommendations", queryset=Recommendation.objects.select_related("officer")),
            Prefetch("decisions", queryset=Decision.objects.select_related("approver")),
            "documents",
        )
    )


def _expected(body) -> str | None:
    return body.validated_data.get("expected_status") or None


@extend_schema_view(retrieve=extend_schema(summary="A case: the application and its review", tags=[TAG]))
class CaseViewSet(StaffViewSet):
    """Applications as cases (drafts are the firm's own and are never shown here)."""

    permission_classes = [*StaffViewSet.permission_classes, ActionPermission]
    action_perms = {
        "start_review": [REVIEW],
        "request_information": [REVIEW],
        "recommend": [REVIEW],
        "approve": [DECIDE],
        "refuse": [DECIDE],
        "send_back": [DECIDE],
    }

    serializer_class = CaseDetailSerializer
    pagination_class = None

    def get_queryset(self):
        return _case_queryset()

    def retrieve(self, request, pk=None):
        return Response(CaseDetailSerializer(self.get_object()).data)

    def _case_id(self, pk) -> int:
        return get_object_or_404(Application.objects.exclude(status="draft").only("pk"), pk=pk).pk

    def _done(self, case_id):
        return Response(CaseDetailSerializer(_case_queryset().get(pk=case_id)).data)

    @extend_schema(
        summary="Start the review (assigns the case to you)", request=ExpectedStatusSerializer, tags=[TAG]
    )
    @action(detail=True, methods=["post"], url_path="start-review")
    def start_review(self, request, pk=None):
        case_id = self._case_id(pk)
        body = ExpectedStatusSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        application_start_review(actor=request.user, application_id=case_id, expected_status=_expected(body))
        return self._done(case_id)

    @extend_schema(
        summary="Ask the firm for information", request=InformationRequestCreateSerializer, tags=[TAG]
    )
    @action(detail=True, methods=["post"], url_path="request-information")
    def request_information(self, request, pk=None):
        case_id = self._case_id(pk)
        body = InformationRequestCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        information_request_create(
            actor=request.user,
            application_id=case_id,
            items=body.validated_data["items"],
            due_on=body.validated_data.get("due_on"),
            expected_status=_expected(body),
        )
        return self._done(case_id)

    @extend_schema(summary="Recommend a decision", request=RecommendSerializer, tags=[TAG])
    @action(detail=True, methods=["post"])
    def recommend(self, request, pk=None):
        case_id = self._case_id(pk)
        body = RecommendSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        application_recommend(
            actor=request.user,
            application_id=case_id,
            outcome=body.validated_data["outcome"],
            reasons=body.validated_data["reasons"],
            proposed_conditions=body.validated_data.get("proposed_conditions", ""),
            expected_status=_expected(body),
        )
        return self._done(case_id)

    @extend_schema(
        summary="Grant (approver; not the recommending officer)", request=ApproveSerializer, tags=[TAG]
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        case_id = self._case_id(pk)
        require_recent_authentication_api(request)
        body = ApproveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        activity_ids = None
        if "permitted_activities" in data:
            codes = set(data["permitted_activities"])
            activity_ids = list(Activity.objects.filter(code__in=codes).values_list("pk", flat=True))
            if len(activity_ids) != len(codes):
                raise ValidationError({"permitted_activities": ["Unknown activity code."]})
        application_decide(
            actor=request.user,
            application_id=case_id,
            outcome=DecisionOutcome.GRANT,
            reasons=data["reasons"],
            conditions=data.get("conditions"),
            validity_months=data.get("validity_months"),
            permitted_activity_ids=activity_ids,
            expected_status=_expected(body),
        )
        return self._done(case_id)

    @extend_schema(
        summary="Refuse (approver; not the recommending officer)", request=DecideSerializer, tags=[TAG]
    )
    @action(detail=True, methods=["post"])
    def refuse(self, request, pk=None):
        return self._decide(request, pk, DecisionOutcome.REFUSE)

    @extend_schema(summary="Send back to the officer (approver)", request=DecideSerializer, tags=[TAG])
    @action(detail=True, methods=["post"], url_path="send-back")
    def send_back(self, request, pk=None):
        return self._decide(request, pk, DecisionOutcome.SEND_BACK)

    def _decide(self, request, pk, outcome):
        case_id = self._case_id(pk)
        require_recent_authentication_api(request)
        body = DecideSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        application_decide(
            actor=request.user,
            application_id=case_id,
            outcome=outcome,
            reasons=body.validated_data["reasons"],
            expected_status=_expected(body),
        )
        return self._done(case_id)


class FirmSupervisionViewSet(StaffViewSet):
    """Supervisory actions on a firm (approvers: the `supervise_firm` permission)."""

    permission_classes = [*StaffViewSet.permission_classes, ActionPermission]
    action_perms = {name: ["licensing.supervise_firm"] for name in ("suspend", "lift_suspension", "revoke")}

    serializer_class = FirmBriefSerializer
    pagination_class = None

    def get_queryset(self):
        return Firm.objects.all()

    def _act(self, request, pk, service):
        firm = self.get_object()
        require_recent_authentication_api(request)
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        service(actor=request.user, firm_id=firm.pk, reason=body.validated_data["reason"])
        return Response(FirmBriefSerializer(Firm.objects.get(pk=firm.pk)).data)

    @extend_schema(summary="Suspend a licensed firm", request=ReasonSerializer, tags=[TAG])
    @action(detail=True, methods=["post"])
    def suspend(self, request, pk=None):
        return self._act(request, pk, firm_suspend)

    @extend_schema(summary="Lift a suspension", request=ReasonSerializer, tags=[TAG])
    @action(detail=True, methods=["post"], url_path="lift-suspension")
    def lift_suspension(self, request, pk=None):
        return self._act(request, pk, firm_lift_suspension)

    @extend_schema(summary="Revoke a firm's licence", request=ReasonSerializer, tags=[TAG])
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        return self._act(request, pk, firm_revoke)


class AmlRegistrationViewSet(StaffViewSet):
    """The AML officer's decisions on a firm's goAML registration."""

    permission_classes = [*StaffViewSet.permission_classes, ActionPermission]
    action_perms = {name: ["aml.verify_amlregistration"] for name in ("register", "return_for_remedy")}

    serializer_class = AmlRegistrationSerializer
    pagination_class = None

    def get_queryset(self):
        return AmlRegistration.objects.all()

    @extend_schema(summary="Confirm the AML registration", request=AmlRegisterSerializer, tags=[TAG])
    @action(detail=True, methods=["post"])
    def register(self, request, pk=None):
        registration = self.get_object()
        body = AmlRegisterSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        codes = set(body.validated_data.get("services", []))
        service_ids = list(Activity.objects.filter(code__in=codes).values_list("pk", flat=True))
        if len(service_ids) != len(codes):
            raise ValidationError({"services": ["Unknown activity code."]})
        aml_registration_register(
            actor=request.user,
            registration_id=registration.pk,
            reason=body.validated_data.get("reason", ""),
            service_ids=service_ids,
            expected_status=_expected(body),
        )
        return Response(AmlRegistrationSerializer(AmlRegistration.objects.get(pk=registration.pk)).data)

    @extend_schema(
        summary="Return the registration for remedial action", request=ReturnSerializer, tags=[TAG]
    )
    @action(detail=True, methods=["post"], url_path="return")
    def return_for_remedy(self, request, pk=None):
        registration = self.get_object()
        body = ReturnSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        aml_registration_return(
            actor=request.user,
            registration_id=registration.pk,
            remedial_actions=body.validated_data["remedial_actions"],
            reason=body.validated_data.get("reason", ""),
            expected_status=_expected(body),
        )
        return Response(AmlRegistrationSerializer(AmlRegistration.objects.get(pk=registration.pk)).data)


@extend_schema_view(
    list=extend_schema(
        summary="Firms' identity change requests, newest first",
        operation_id="staff_firm_change_requests_list",
        tags=[TAG],
    ),
    retrieve=extend_schema(
        summary="One identity change request",
        operation_id="staff_firm_change_requests_retrieve",
        tags=[TAG],
    ),
)
class FirmChangeRequestStaffViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, StaffViewSet):
    """Case officers approve or refuse a firm's request to change its identity on the register."""

    permission_classes = [*StaffViewSet.permission_classes, ActionPermission]
    action_perms = {name: [DECIDE_CHANGE_PERMISSION] for name in ("approve", "refuse")}
    serializer_class = FirmChangeRequestSerializer

    def get_queryset(self):
        return FirmChangeRequest.objects.order_by("-created_at", "-pk")

    @extend_schema(
        summary="Approve: the firm's identity changes now", request=ChangeApprovalSerializer, tags=[TAG]
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        row = self.get_object()
        body = ChangeApprovalSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        change_requests.firm_change_request_approve(
            actor=request.user, request_id=row.pk, reason=body.validated_data.get("reason", "")
        )
        return Response(FirmChangeRequestSerializer(FirmChangeRequest.objects.get(pk=row.pk)).data)

    @extend_schema(summary="Refuse, with the reason the firm reads", request=ReasonSerializer, tags=[TAG])
    @action(detail=True, methods=["post"])
    def refuse(self, request, pk=None):
        row = self.get_object()
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        change_requests.firm_change_request_refuse(
            actor=request.user, request_id=row.pk, reason=body.validated_data["reason"]
        )
        return Response(FirmChangeRequestSerializer(FirmChangeRequest.objects.get(pk=row.pk)).data)
