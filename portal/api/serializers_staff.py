"""Shapes of the regulator's casework. Everything here is read-only output or an action's
input; no endpoint writes a model from a request body."""

from rest_framework import serializers

from aml.models import AmlRegistration
from licensing.models import (
    Application,
    Decision,
    Document,
    Firm,
    InformationRequest,
    KeyIndividual,
    Recommendation,
)
from licensing.models.applications import RecommendationOutcome
from portal.api.serializers_firm import CountryCodeField


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="get_full_name")


class FirmBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Firm
        fields = ["id", "legal_name", "reference_number", "stage"]
        read_only_fields = fields


class QueueSerializer(serializers.Serializer):
    slug = serializers.CharField()
    label = serializers.CharField()
    description = serializers.CharField()


class CaseRowSerializer(serializers.ModelSerializer):
    firm = FirmBriefSerializer(read_only=True)
    assigned_officer = PersonSerializer(read_only=True, allow_null=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Application
        fields = [
            "id",
            "reference",
            "kind",
            "status",
            "status_label",
            "firm",
            "assigned_officer",
            "submitted_at",
            "status_changed_at",
            "firm_changed_at",
        ]
        read_only_fields = fields


class PaginatedCaseRowSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = CaseRowSerializer(many=True)


class KeyIndividualStaffSerializer(serializers.ModelSerializer):
    nationality = CountryCodeField(read_only=True)

    class Meta:
        model = KeyIndividual
        fields = ["id", "role", "full_name", "nationality", "is_employee"]
        read_only_fields = fields


class InformationRequestStaffSerializer(serializers.ModelSerializer):
    class Meta:
        model = InformationRequest
        fields = ["id", "items", "due_on", "status", "response", "responded_at", "created_at"]
        read_only_fields = fields


class RecommendationSerializer(serializers.ModelSerializer):
    officer = PersonSerializer(read_only=True)

    class Meta:
        model = Recommendation
        fields = ["id", "officer", "outcome", "reasons", "proposed_conditions", "is_current", "created_at"]
        read_only_fields = fields


class DecisionSerializer(serializers.ModelSerializer):
    approver = PersonSerializer(read_only=True)

    class Meta:
        model = Decision
        fields = ["id", "approver", "outcome", "reasons", "created_at"]
        read_only_fields = fields


class DocumentBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Document
        fields = ["id", "doc_type", "original_name", "size", "version", "uploaded_at"]
        read_only_fields = fields


class CaseDetailSerializer(CaseRowSerializer):
    activities = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    sections = serializers.JSONField(read_only=True)
    key_individuals = KeyIndividualStaffSerializer(many=True, read_only=True)
    information_requests = InformationRequestStaffSerializer(many=True, read_only=True)
    recommendations = RecommendationSerializer(many=True, read_only=True)
    decisions = DecisionSerializer(many=True, read_only=True)
    documents = DocumentBriefSerializer(many=True, read_only=True)

    class Meta(CaseRowSerializer.Meta):
        fields = [
            *CaseRowSerializer.Meta.fields,
            "activities",
            "sections",
            "decided_at",
            "key_individuals",
            "information_requests",
            "recommendations",
            "decisions",
            "documents",
        ]
        read_only_fields = fields


class ExpectedStatusSerializer(serializers.Serializer):
    expected_status = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=30,
        help_text="The status you saw; if the case changed meanwhile the answer is 409.",
    )


class InformationRequestCreateSerializer(ExpectedStatusSerializer):
    items = serializers.ListField(child=serializers.CharField(max_length=2000), min_length=1, max_length=50)
    due_on = serializers.DateField(required=False)


class RecommendSerializer(ExpectedStatusSerializer):
    outcome = serializers.ChoiceField(choices=RecommendationOutcome.choices)
    reasons = serializers.CharField(max_length=20000)
    proposed_conditions = serializers.CharField(required=False, allow_blank=True, max_length=20000)


class DecideSerializer(ExpectedStatusSerializer):
    reasons = serializers.CharField(max_length=20000)


class ApproveSerializer(DecideSerializer):
    conditions = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    validity_months = serializers.IntegerField(required=False, min_value=1, max_value=120)
    permitted_activities = serializers.ListField(
        child=serializers.SlugField(max_length=50),
        required=False,
        help_text="Activity codes (a licence only). Default: the activities applied for.",
    )


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=20000)


class ChangeApprovalSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=5000, help_text="A note the firm reads (optional)."
    )


class OptionalReasonSerializer(ExpectedStatusSerializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=20000)


class AmlRegisterSerializer(OptionalReasonSerializer):
    services = serializers.ListField(
        child=serializers.SlugField(max_length=50),
        required=False,
        help_text="Codes of the AML-registrable activities the firm may offer once registered.",
    )


class ReturnSerializer(OptionalReasonSerializer):
    remedial_actions = serializers.ListField(
        child=serializers.CharField(max_length=2000), min_length=1, max_length=50
    )


class AmlRegistrationSerializer(serializers.ModelSerializer):
    class Meta:
        model = AmlRegistration
        fields = ["id", "firm", "status", "goaml_org_id", "remedial_actions", "submitted_at", "verified_at"]
        read_only_fields = fields
