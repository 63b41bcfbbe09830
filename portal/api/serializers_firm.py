"""Shapes of the firm's own data. State, references, officers and the firm itself are
read-only everywhere: changes go through service functions that take only what they need,
so no field can be mass-assigned."""

from rest_framework import serializers

from licensing.models import (
    Application,
    ApplicationKind,
    Document,
    DocumentType,
    Firm,
    InformationRequest,
)
from licensing.services.firm_admin import PROFILE_FIELDS
from portal.deadlines.models import Deadline
from portal.notifications.models import Notification


class FirmProfileSerializer(serializers.ModelSerializer):
    stage_label = serializers.CharField(source="get_stage_display", read_only=True)
    trading_names = serializers.ListField(child=serializers.CharField(max_length=300), required=False)

    class Meta:
        model = Firm
        fields = [
            "id",
            "reference_number",
            "stage",
            "stage_label",
            "stage_changed_at",
            *PROFILE_FIELDS,
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "reference_number", "stage", "stage_changed_at", "created_at", "updated_at"]
        extra_kwargs = {"lei": {"validators": []}}  # uniqueness is the service's (422), like the web UI

    def validate_trading_names(self, value):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise serializers.ValidationError("Give a list of names.")
        return value


class SectionStateSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=["not_started", "in_progress", "completed"])
    page = serializers.ChoiceField(
        choices=["form", "key_individuals", "owners", "documents"],
        help_text="`form` sections are answered with PUT …/sections/{key}/; the others on their own pages.",
    )
    data = serializers.JSONField()


class ApplicationSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    activities = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    sections = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = [
            "id",
            "kind",
            "reference",
            "status",
            "status_label",
            "status_changed_at",
            "firm",
            "call",
            "activities",
            "sections",
            "created_at",
            "submitted_at",
            "decided_at",
        ]
        read_only_fields = fields

    def get_sections(self, app) -> dict[str, str]:
        """Section key → not_started | in_progress | completed."""
        return {
            key: (value or {}).get("status", "not_started") for key, value in (app.sections or {}).items()
        }


class ApplicationCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ApplicationKind.choices)
    call = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**62)


class SectionWriteSerializer(serializers.Serializer):
    data = serializers.DictField(help_text="The section's answers, field name → value, as on the web form.")
    completed = serializers.BooleanField(
        default=False, help_text="Mark the section complete (every required answer must then be given)."
    )


class SubmitSerializer(serializers.Serializer):
    declaration = serializers.BooleanField(help_text="I confirm the declaration (signed by a submitter).")


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class DocumentSerializer(serializers.ModelSerializer):
    doc_type_label = serializers.CharField(source="get_doc_type_display", read_only=True)
    superseded = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = [
            "id",
            "application",
            "information_request",
            "doc_type",
            "doc_type_label",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "version",
            "supersedes",
            "superseded",
            "uploaded_at",
        ]
        read_only_fields = fields

    def get_superseded(self, doc) -> bool:
        return doc.pk in self.context.get("superseded_ids", set())


class DocumentUploadSerializer(serializers.Serializer):
    doc_type = serializers.ChoiceField(choices=DocumentType.choices)
    file = serializers.FileField()
    information_request = serializers.IntegerField(required=False, min_value=1, max_value=2**62)
    replaces = serializers.IntegerField(required=False, min_value=1, max_value=2**62)


class InformationRequestSerializer(serializers.ModelSerializer):
    application_reference = serializers.CharField(source="application.reference", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = InformationRequest
        fields = [
            "id",
            "application",
            "application_reference",
            "items",
            "due_on",
            "status",
            "status_label",
            "response",
            "responded_at",
            "created_at",
        ]
        read_only_fields = fields


class AnswerSerializer(serializers.Serializer):
    response = serializers.CharField(max_length=20000)


class DeadlineSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Deadline
        fields = [
            "id",
            "kind",
            "kind_label",
            "status",
            "status_label",
            "application",
            "information_request",
            "started_at",
            "due_on",
            "paused_at",
            "closed_at",
        ]
        read_only_fields = fields


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "kind", "subject", "body", "link", "created_at", "read_at"]
        read_only_fields = fields
