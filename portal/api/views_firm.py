"""The firm's own data, for its people (session) and its API tokens.

Every object is fetched through `request.firm` (the token's firm, or the firm the signed-in
member acts for), so another firm's ids answer 404. Every change calls the service function
the web UI calls.
"""

from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from licensing.models import Activity, Application, Document, InformationRequest
from licensing.models.applications import InformationRequestStatus
from licensing.sections import FORM, ApplicationFacts, get_section, sections_for
from licensing.services import firm_admin
from licensing.services.application_people import application_services_save
from licensing.services.applications import (
    application_create,
    application_save_section,
    application_submit,
    application_withdraw,
    information_request_answer,
)
from licensing.services.documents import document_upload
from portal.deadlines.models import Audience, Deadline
from portal.errors import RuleBroken, TransitionNotPossible
from portal.notifications.models import Notification

from .base import FirmViewSet
from .serializers_firm import (
    AnswerSerializer,
    ApplicationCreateSerializer,
    ApplicationSerializer,
    DeadlineSerializer,
    DocumentSerializer,
    DocumentUploadSerializer,
    FirmProfileSerializer,
    InformationRequestSerializer,
    NotificationSerializer,
    SectionStateSerializer,
    SectionWriteSerializer,
    SubmitSerializer,
    WithdrawSerializer,
)

TAG = "firm"


@extend_schema_view(
    retrieve=extend_schema(summary="The firm's profile", tags=[TAG]),
    partial_update=extend_schema(summary="Change the firm's profile", tags=[TAG]),
)
class FirmProfileViewSet(FirmViewSet):
    serializer_class = FirmProfileSerializer
    pagination_class = None

    def retrieve(self, request):
        return Response(self.get_serializer(request.firm).data)

    def partial_update(self, request):
        serializer = self.get_serializer(request.firm, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = {k: v for k, v in serializer.validated_data.items() if k in firm_admin.PROFILE_FIELDS}
        firm = firm_admin.firm_update_profile(actor=request.user, firm_id=request.firm.pk, **changes)
        firm.refresh_from_db()
        return Response(self.get_serializer(firm).data)


def section_state(app, section) -> dict:
    return {
        "key": section.key,
        "title": str(section.title),
        "status": section.status(app),
        "page": section.page,
        "data": section.data(app),
    }


@extend_schema_view(
    list=extend_schema(summary="The firm's applications", tags=[TAG]),
    retrieve=extend_schema(summary="One application", tags=[TAG]),
    create=extend_schema(
        summary="Start a draft application",
        request=ApplicationCreateSerializer,
        responses={201: ApplicationSerializer},
        tags=[TAG],
    ),
)
class FirmApplicationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, FirmViewSet):
    serializer_class = ApplicationSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request.firm
            return Application.objects.none()
        return (
            Application.objects.filter(firm=self.request.firm)
            .prefetch_related(Prefetch("activities", queryset=Activity.objects.only("id", "code")))
            .order_by("-created_at", "-pk")
        )

    def _application(self, pk) -> Application:
        return get_object_or_404(self.get_queryset(), pk=pk)

    def retrieve(self, request, pk=None):
        return Response(ApplicationSerializer(self._application(pk)).data)

    def create(self, request):
        body = ApplicationCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        app = application_create(
            actor=request.user,
            firm_id=request.firm.pk,
            kind=body.validated_data["kind"],
            call_id=body.validated_data.get("call"),
        )
        return Response(ApplicationSerializer(self._application(app.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Submit the application (signs the declaration)", request=SubmitSerializer, tags=[TAG]
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        app = self._application(pk)
        body = SubmitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        application_submit(
            actor=request.user, application_id=app.pk, declaration=body.validated_data["declaration"]
        )
        return Response(ApplicationSerializer(self._application(app.pk)).data)

    @extend_schema(summary="Withdraw the application", request=WithdrawSerializer, tags=[TAG])
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        app = self._application(pk)
        body = WithdrawSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        application_withdraw(
            actor=request.user, application_id=app.pk, reason=body.validated_data.get("reason", "")
        )
        return Response(ApplicationSerializer(self._application(app.pk)).data)

    @extend_schema(
        summary="The application's sections", responses=SectionStateSerializer(many=True), tags=[TAG]
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def sections(self, request, pk=None):
        app = self._application(pk)
        return Response([section_state(app, s) for s in sections_for(app.kind)])

    @extend_schema(
        summary="Answer a section (form sections only)",
        request=SectionWriteSerializer,
        responses=SectionStateSerializer,
        tags=[TAG],
    )
    @action(detail=True, methods=["put"], url_path=r"sections/(?P<key>[a-z_]+)")
    def section(self, request, pk=None, key=None):
        app = self._application(pk)
        section = get_section(app.kind, key)
        if section is None:
            raise Http404
        if section.page != FORM:
            raise RuleBroken(_("This section is answered on its own pages, not with this endpoint."))
        body = SectionWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        completed = body.validated_data["completed"]
        form = section.form(
            app, ApplicationFacts(app), data=body.validated_data["data"], completing=completed
        )
        if not form.is_valid():
            errors = {
                name: [e["message"] for e in found] for name, found in form.errors.get_json_data().items()
            }
            raise ValidationError({"data": errors})
        data = form.to_data()
        if section.key == "services":
            application_services_save(
                actor=request.user,
                application_id=app.pk,
                data=data,
                activity_codes=data.get("activities") or [],
                completed=completed,
            )
        else:
            application_save_section(
                actor=request.user, application_id=app.pk, section=section.key, data=data, completed=completed
            )
        return Response(section_state(self._application(app.pk), section))

    @extend_schema(
        methods=["GET"],
        summary="The application's documents",
        responses=DocumentSerializer(many=True),
        tags=[TAG],
    )
    @extend_schema(
        methods=["POST"],
        summary="Upload a document (or a new version of one)",
        request={"multipart/form-data": DocumentUploadSerializer},
        responses={201: DocumentSerializer},
        tags=[TAG],
    )
    @action(
        detail=True,
        methods=["get", "post"],
        parser_classes=[MultiPartParser, FormParser],
        pagination_class=None,
    )
    def documents(self, request, pk=None):
        app = self._application(pk)
        if request.method == "GET":
            docs = list(Document.objects.filter(application=app).order_by("doc_type", "-version", "-pk"))
            superseded = {d.supersedes_id for d in docs if d.supersedes_id}
            return Response(DocumentSerializer(docs, many=True, context={"superseded_ids": superseded}).data)
        body = DocumentUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        document = document_upload(
            actor=request.user,
            application_id=app.pk,
            doc_type=body.validated_data["doc_type"],
            uploaded_file=body.validated_data["file"],
            information_request_id=body.validated_data.get("information_request"),
            replaces_id=body.validated_data.get("replaces"),
        )
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="The firm's information requests", tags=[TAG]),
    retrieve=extend_schema(summary="One information request", tags=[TAG]),
)
class FirmInformationRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, FirmViewSet):
    serializer_class = InformationRequestSerializer
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return InformationRequest.objects.none()
        return (
            InformationRequest.objects.filter(application__firm=self.request.firm)
            .select_related("application")
            .order_by("-created_at", "-pk")
        )

    @extend_schema(summary="Answer an open information request", request=AnswerSerializer, tags=[TAG])
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        ir = self.get_object()
        body = AnswerSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if ir.status != InformationRequestStatus.OPEN:
            raise TransitionNotPossible(
                _("This information request is now “%(status)s”: it cannot be answered.")
                % {"status": ir.get_status_display()}
            )
        information_request_answer(
            actor=request.user, application_id=ir.application_id, response=body.validated_data["response"]
        )
        return Response(InformationRequestSerializer(self.get_queryset().get(pk=ir.pk)).data)


@extend_schema_view(list=extend_schema(summary="The firm's deadlines (those it must meet)", tags=[TAG]))
class FirmDeadlineViewSet(mixins.ListModelMixin, FirmViewSet):
    serializer_class = DeadlineSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Deadline.objects.none()
        return Deadline.objects.filter(firm=self.request.firm, rule__audience=Audience.FIRM).order_by(
            "due_on", "pk"
        )


@extend_schema_view(
    list=extend_schema(
        summary="Your notifications about this firm's deadlines",
        description="Messages to the signed-in person (for a token: its creator) about this firm's "
        "deadlines.",
        tags=[TAG],
    )
)
class FirmNotificationViewSet(mixins.ListModelMixin, FirmViewSet):
    serializer_class = NotificationSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return Notification.objects.filter(
            user=self.request.user, reminder__deadline__firm=self.request.firm
        ).order_by("-created_at", "-pk")
