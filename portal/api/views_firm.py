"""The firm's own data, for its people (session) and its API tokens.

Every object is fetched through `request.firm` (the token's firm, or the firm the signed-in
member acts for), so another firm's ids answer 404. Every change calls the service function
the web UI calls.
"""

import datetime
from decimal import Decimal

from django import forms
from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from licensing import activity as firm_activity
from licensing.models import (
    Activity,
    Application,
    BeneficialOwner,
    Document,
    Firm,
    FirmChangeRequest,
    ForeignLicence,
    InformationRequest,
    KeyIndividual,
)
from licensing.models.applications import InformationRequestStatus
from licensing.models.firms import IDENTITY_FIELDS
from licensing.permissions import MANAGE_PROFILE, SUBMIT, WITHDRAW
from licensing.sections import (
    DOCUMENTS,
    KEY_INDIVIDUALS,
    OWNERS,
    ApplicationFacts,
    get_section,
    sections_for,
)
from licensing.services import change_requests, firm_admin
from licensing.services.application_people import (
    application_services_save,
    beneficial_owner_remove,
    beneficial_owner_save,
    key_individual_remove,
    key_individual_save,
    people_section_save,
)
from licensing.services.applications import (
    application_create,
    application_save_section,
    application_submit,
    application_withdraw,
    information_request_answer,
)
from licensing.services.documents import document_upload, documents_section_complete
from licensing.web.forms_firm import ForeignLicenceForm, IdentityChangeForm
from licensing.web.forms_people import BeneficialOwnerForm, KeyIndividualForm
from portal.audit.models import AuditEvent
from portal.deadlines.models import Audience, Deadline
from portal.errors import RuleBroken, TransitionNotPossible
from portal.notifications.models import Notification

from .action_permissions import ActionPermission
from .base import FirmViewSet
from .parsers import StrictJSONParser
from .serializers_firm import (
    AnswerSerializer,
    ApplicationCreateSerializer,
    ApplicationSerializer,
    BeneficialOwnerSerializer,
    BeneficialOwnerWriteSerializer,
    DeadlineSerializer,
    DocumentSerializer,
    DocumentUploadSerializer,
    FirmActivitySerializer,
    FirmChangeRequestCreateSerializer,
    FirmChangeRequestSerializer,
    FirmProfileSerializer,
    ForeignLicenceSerializer,
    InformationRequestSerializer,
    KeyIndividualSerializer,
    KeyIndividualWriteSerializer,
    NotificationSerializer,
    SectionStateSerializer,
    SectionWriteSerializer,
    SubmitSerializer,
    WithdrawSerializer,
)

TAG = "firm"


@extend_schema_view(
    retrieve=extend_schema(summary="The firm's profile", tags=[TAG]),
    partial_update=extend_schema(
        summary="Change the firm's profile",
        description="Principals only (403 otherwise). Once the firm has submitted an application, "
        "identity fields (legal name, trading names, LEI, country and company numbers, NTN, "
        "registered address) are refused with 422 naming them: ask for the change with "
        "POST /api/v1/firm/change-requests/. Contact details stay editable.",
        tags=[TAG],
    ),
)
class FirmProfileViewSet(FirmViewSet):
    """The firm's profile. Only a principal changes it; from the firm's first submission on,
    the identity fields are refused (422 naming them): they change through
    /api/v1/firm/change-requests/."""

    permission_classes = [*FirmViewSet.permission_classes, ActionPermission]
    action_capabilities = {"partial_update": MANAGE_PROFILE}
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


MAX_ID = 2**62


def _row_id(value) -> int:
    """A row id from the path; 404 for one no database row can have."""
    if not (isinstance(value, str) and value.isdigit() and value.isascii()) or int(value) > MAX_ID:
        raise Http404
    return int(value)


def _form_data(form_class, body, current=None) -> dict:
    """A JSON object as a Django form's data: only the form's fields (anything else, e.g. id,
    application, status, is ignored: nothing can be mass-assigned), over `current` (PATCH).
    Scalars become the strings a browser would send; lists only where the form takes a list."""
    if not isinstance(body, dict):
        raise ValidationError({"non_field_errors": [_("Send a JSON object.")]})
    fields = form_class.base_fields
    data = dict(current or {})
    errors = {}
    for name, value in body.items():
        field = fields.get(name)
        if field is None:
            continue
        if isinstance(value, list) and isinstance(
            field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField
        ):
            if not all(isinstance(v, str) for v in value):
                errors[name] = [_("Give a list of codes.")]
                continue
        elif isinstance(value, list | dict):
            errors[name] = [_("Give a single value.")]
            continue
        elif value is None:
            value = ""
        elif isinstance(value, bool) and not isinstance(field, forms.BooleanField):
            # A date, a number or a text is not true or false (a form field would choke on it).
            errors[name] = [_("Give a value of this field's type, not true or false.")]
            continue
        elif not isinstance(value, bool | str):
            value = str(value)
        data[name] = value
    if errors:
        raise ValidationError(errors)
    return data


def _form_values(row, fields) -> dict:
    """A saved row's values as form data (the starting point of a PATCH)."""
    values = {}
    for name in fields:
        value = getattr(row, name)
        if isinstance(value, datetime.date):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = str(value)
        values[name] = "" if value is None else value
    return values


def _form_errors(form) -> dict:
    """A Django form's errors with the web form's messages: field name → messages."""
    return {name: [e["message"] for e in found] for name, found in form.errors.get_json_data().items()}


@extend_schema_view(
    list=extend_schema(summary="Licences the firm holds from other regulators", tags=[TAG]),
    create=extend_schema(
        summary="Add a licence held elsewhere",
        description="Checked as the firm profile's web form checks it (400), then by the service "
        "(422, e.g. the same licence listed twice). The NOC application's "
        "`licences_elsewhere` section confirms this list.",
        tags=[TAG],
    ),
    destroy=extend_schema(summary="Remove a licence held elsewhere", tags=[TAG]),
)
class FirmForeignLicenceViewSet(mixins.ListModelMixin, FirmViewSet):
    serializer_class = ForeignLicenceSerializer
    parser_classes = [StrictJSONParser]
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ForeignLicence.objects.none()
        return ForeignLicence.objects.filter(firm=self.request.firm).order_by("pk")

    def create(self, request):
        form = ForeignLicenceForm(data=_form_data(ForeignLicenceForm, request.data))
        if not form.is_valid():
            raise ValidationError(_form_errors(form))
        licence = firm_admin.foreign_licence_add(
            actor=request.user,
            firm_id=request.firm.pk,
            **{f: form.cleaned_data[f] for f in form._meta.fields},
        )
        return Response(ForeignLicenceSerializer(licence).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, pk=None):
        licence = get_object_or_404(self.get_queryset(), pk=_row_id(pk))
        firm_admin.foreign_licence_remove(actor=request.user, firm_id=request.firm.pk, licence_id=licence.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


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
    permission_classes = [*FirmViewSet.permission_classes, ActionPermission]
    action_capabilities = {"submit": SUBMIT, "withdraw": WITHDRAW}

    def problem_codes(self, action, method):
        codes = super().problem_codes(action, method)
        if action == "documents" and method == "POST":
            codes = codes | {413, 503}  # too large to read; the virus scanner gave no verdict
        return codes

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
        methods=["PUT"],
        summary="Save a section, or mark it complete",
        description="Form sections (`page` = `form`): the answers in `data`, checked exactly as the web "
        "form checks them (400 with its messages). PUT replaces the saved answers; PATCH changes "
        "only the answers given. `key_individuals` and `ownership`: marks the section complete "
        "(422 while its rules are not met) or in progress. `documents`: `completed: true` once "
        "every required document is uploaded (422 otherwise).",
        request=SectionWriteSerializer,
        responses=SectionStateSerializer,
        tags=[TAG],
    )
    @extend_schema(
        methods=["PATCH"],
        summary="Change some answers of a section",
        description="As PUT, but the answers given in `data` are merged into the saved answers.",
        request=SectionWriteSerializer,
        responses=SectionStateSerializer,
        tags=[TAG],
    )
    @action(
        detail=True,
        methods=["put", "patch"],
        url_path=r"sections/(?P<key>[a-z_]+)",
        parser_classes=[StrictJSONParser],
    )
    def section(self, request, pk=None, key=None):
        app = self._application(pk)
        section = get_section(app.kind, key)
        if section is None:
            raise Http404
        body = SectionWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        completed = body.validated_data["completed"]
        answers = body.validated_data.get("data") or {}
        if section.page in (KEY_INDIVIDUALS, OWNERS):
            declared = answers.get("none_above_threshold", False)
            if not isinstance(declared, bool):
                raise ValidationError({"data": {"none_above_threshold": [_("Give true or false.")]}})
            people_section_save(
                actor=request.user,
                application_id=app.pk,
                section=section.key,
                completed=completed,
                none_above_threshold=declared,
            )
        elif section.page == DOCUMENTS:
            if not completed:
                raise RuleBroken(
                    _(
                        "Upload documents with POST …/documents/; this endpoint only marks the "
                        "documents section complete (completed: true)."
                    )
                )
            documents_section_complete(actor=request.user, application_id=app.pk)
        else:
            self._save_form_section(request, app, section, answers, completed)
        return Response(section_state(self._application(app.pk), section))

    def _save_form_section(self, request, app, section, answers, completed):
        current = section.data(app) if request.method == "PATCH" else None
        try:
            data = _form_data(section.form_class, answers, current)
        except ValidationError as error:
            raise ValidationError({"data": error.detail}) from None
        form = section.form(app, ApplicationFacts(app), data=data, completing=completed)
        if not form.is_valid():
            raise ValidationError({"data": _form_errors(form)})
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

    # --- Key individuals and beneficial owners: rows under the application, saved by the
    # services the web pages call, validated by the web pages' forms.

    def _people_section(self, app, key):
        if get_section(app.kind, key) is None:  # e.g. ownership on a licence application
            raise Http404

    def _rows(self, request, pk, *, key, model, serializer, form_class, save):
        app = self._application(pk)
        self._people_section(app, key)
        if request.method == "GET":
            rows = model.objects.filter(application=app).order_by("pk")
            return Response(serializer(rows, many=True).data)
        form = form_class(data=_form_data(form_class, request.data))
        if not form.is_valid():
            raise ValidationError(_form_errors(form))
        row = save(actor=request.user, application_id=app.pk, data=form.cleaned_data)
        return Response(serializer(row).data, status=status.HTTP_201_CREATED)

    def _row(self, request, pk, row_id, *, key, model, serializer, form_class, save, remove, id_kwarg):
        app = self._application(pk)
        self._people_section(app, key)
        row = get_object_or_404(model.objects.filter(application=app), pk=_row_id(row_id))
        if request.method == "GET":
            return Response(serializer(row).data)
        if request.method == "DELETE":
            remove(actor=request.user, application_id=app.pk, **{id_kwarg: row.pk})
            return Response(status=status.HTTP_204_NO_CONTENT)
        fields = form_class._meta.fields
        current = _form_values(row, fields) if request.method == "PATCH" else None
        form = form_class(data=_form_data(form_class, request.data, current), instance=row)
        if not form.is_valid():
            raise ValidationError(_form_errors(form))
        saved = save(actor=request.user, application_id=app.pk, data=form.cleaned_data, **{id_kwarg: row.pk})
        return Response(serializer(saved).data)

    @extend_schema(
        methods=["GET"],
        summary="The application's key individuals",
        responses=KeyIndividualSerializer(many=True),
        tags=[TAG],
    )
    @extend_schema(
        methods=["POST"],
        summary="Add a key individual",
        description="Checked as the web form checks it (400, its messages), then by the service "
        "(422: one person per required role, the MLRO an employee and not the Compliance Officer).",
        request=KeyIndividualWriteSerializer,
        responses={201: KeyIndividualSerializer},
        tags=[TAG],
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="key-individuals",
        parser_classes=[StrictJSONParser],
        pagination_class=None,
    )
    def key_individuals(self, request, pk=None):
        return self._rows(request, pk, **self._KEY_PEOPLE_ROWS)

    @extend_schema(
        methods=["GET"],
        summary="One key individual",
        responses=KeyIndividualSerializer,
        parameters=[OpenApiParameter("person_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        tags=[TAG],
    )
    @extend_schema(
        methods=["PUT", "PATCH"],
        summary="Change a key individual (PUT: every field; PATCH: the fields given)",
        request=KeyIndividualWriteSerializer,
        responses=KeyIndividualSerializer,
        parameters=[OpenApiParameter("person_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        tags=[TAG],
    )
    @extend_schema(
        methods=["DELETE"],
        summary="Remove a key individual",
        request=None,
        responses={204: None},
        parameters=[OpenApiParameter("person_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        tags=[TAG],
    )
    @action(
        detail=True,
        methods=["get", "put", "patch", "delete"],
        url_path=r"key-individuals/(?P<person_id>[^/.]+)",
        parser_classes=[StrictJSONParser],
        pagination_class=None,
    )
    def key_individual(self, request, pk=None, person_id=None):
        return self._row(
            request,
            pk,
            person_id,
            **self._KEY_PEOPLE_ROWS,
            remove=key_individual_remove,
            id_kwarg="key_individual_id",
        )

    @extend_schema(
        methods=["GET"],
        summary="The application's beneficial owners",
        responses=BeneficialOwnerSerializer(many=True),
        tags=[TAG],
    )
    @extend_schema(
        methods=["POST"],
        summary="Add a beneficial owner (more than 10 %)",
        description="Checked as the web form checks it (400, its messages), then by the service "
        "(422: the owners listed may hold at most 100 % together).",
        request=BeneficialOwnerWriteSerializer,
        responses={201: BeneficialOwnerSerializer},
        tags=[TAG],
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="beneficial-owners",
        parser_classes=[StrictJSONParser],
        pagination_class=None,
    )
    def beneficial_owners(self, request, pk=None):
        return self._rows(request, pk, **self._OWNER_ROWS)

    @extend_schema(
        methods=["GET"],
        summary="One beneficial owner",
        responses=BeneficialOwnerSerializer,
        parameters=[OpenApiParameter("owner_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        tags=[TAG],
    )
    @extend_schema(
        methods=["PUT", "PATCH"],
        summary="Change a beneficial owner (PUT: every field; PATCH: the fields given)",
        request=BeneficialOwnerWriteSerializer,
        responses=BeneficialOwnerSerializer,
        parameters=[OpenApiParameter("owner_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        tags=[TAG],
    )
    @extend_schema(
        methods=["DELETE"],
        summary="Remove a beneficial owner",
        request=None,
        responses={204: None},
        parameters=[OpenApiParameter("owner_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        tags=[TAG],
    )
    @action(
        detail=True,
        methods=["get", "put", "patch", "delete"],
        url_path=r"beneficial-owners/(?P<owner_id>[^/.]+)",
        parser_classes=[StrictJSONParser],
        pagination_class=None,
    )
    def beneficial_owner(self, request, pk=None, owner_id=None):
        return self._row(
            request, pk, owner_id, **self._OWNER_ROWS, remove=beneficial_owner_remove, id_kwarg="owner_id"
        )

    _KEY_PEOPLE_ROWS = {
        "key": "key_individuals",
        "model": KeyIndividual,
        "serializer": KeyIndividualSerializer,
        "form_class": KeyIndividualForm,
        "save": key_individual_save,
    }
    _OWNER_ROWS = {
        "key": "ownership",
        "model": BeneficialOwner,
        "serializer": BeneficialOwnerSerializer,
        "form_class": BeneficialOwnerForm,
        "save": beneficial_owner_save,
    }

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
    parser_classes = [StrictJSONParser, FormParser, MultiPartParser]

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


@extend_schema_view(
    list=extend_schema(
        summary="The firm's activity: who did what on its record, newest first",
        description="The firm's activity page as data: only the actions declared visible to the "
        "firm; the regulator's internal steps (notes, recommendations, assignments, screening) "
        "are never listed.",
        tags=[TAG],
    )
)
class FirmActivityViewSet(mixins.ListModelMixin, FirmViewSet):
    serializer_class = FirmActivitySerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AuditEvent.objects.none()
        return firm_activity.firm_activity(self.request.firm)

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        firm_activity.describe_for_firm(page, request.firm)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


@extend_schema_view(
    list=extend_schema(summary="The firm's requests to change its identity", tags=[TAG]),
    retrieve=extend_schema(summary="One identity change request", tags=[TAG]),
    create=extend_schema(
        summary="Ask the regulator to change the firm's identity",
        description="Principals only. Checked as the web form checks it (400), then by the service "
        "(422: nothing would change, a name another firm uses, a request already pending). The "
        "register changes once a case officer approves.",
        request=FirmChangeRequestCreateSerializer,
        responses={201: FirmChangeRequestSerializer},
        tags=[TAG],
    ),
)
class FirmChangeRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, FirmViewSet):
    permission_classes = [*FirmViewSet.permission_classes, ActionPermission]
    action_capabilities = {"create": MANAGE_PROFILE, "withdraw": MANAGE_PROFILE}
    serializer_class = FirmChangeRequestSerializer
    parser_classes = [StrictJSONParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return FirmChangeRequest.objects.none()
        return FirmChangeRequest.objects.filter(firm=self.request.firm).order_by("-created_at", "-pk")

    def get_object(self):
        return get_object_or_404(self.get_queryset(), pk=_row_id(self.kwargs["pk"]))

    def create(self, request):
        body = FirmChangeRequestCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        changes = body.validated_data["changes"]
        unknown = sorted(set(changes) - set(IDENTITY_FIELDS))
        if unknown:
            raise ValidationError({name: [_("Not part of the firm's identity.")] for name in unknown})
        firm = Firm.objects.get(pk=request.firm.pk)
        form = IdentityChangeForm(
            data=_form_data(
                IdentityChangeForm,
                {**changes, "reason": body.validated_data["reason"]},
                current=_identity_values(firm),
            ),
            instance=firm,
        )
        if not form.is_valid():
            raise ValidationError(_form_errors(form))
        created = change_requests.firm_change_request_create(
            actor=request.user,
            firm_id=request.firm.pk,
            changes={name: form.cleaned_data[name] for name in changes},
            reason=form.cleaned_data["reason"],
        )
        return Response(FirmChangeRequestSerializer(created).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Withdraw a pending identity change request", request=None, tags=[TAG])
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        row = self.get_object()
        change_requests.firm_change_request_withdraw(
            actor=request.user, firm_id=request.firm.pk, request_id=row.pk
        )
        return Response(FirmChangeRequestSerializer(self.get_queryset().get(pk=row.pk)).data)


def _identity_values(firm) -> dict:
    values = _form_values(firm, [f for f in IDENTITY_FIELDS if f != "trading_names"])
    values["trading_names"] = "\n".join(firm.trading_names or [])
    return values
