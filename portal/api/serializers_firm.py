"""Shapes of the firm's own data. State, references, officers and the firm itself are
read-only everywhere: changes go through service functions that take only what they need,
so no field can be mass-assigned."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from licensing.models import (
    Application,
    ApplicationKind,
    BeneficialOwner,
    Document,
    DocumentType,
    Firm,
    FirmChangeRequest,
    ForeignLicence,
    InformationRequest,
    KeyIndividual,
)
from licensing.models.people import IdentityType, KeyRole, OwnerKind
from licensing.services.firm_admin import PROFILE_FIELDS
from portal.countries import is_country
from portal.deadlines.models import Deadline
from portal.notifications.models import Notification


@extend_schema_field(
    {
        "type": "string",
        "pattern": "^[A-Z]{2}$",
        "description": "An ISO 3166-1 alpha-2 country code, e.g. PK, AE or KY.",
        "example": "PK",
    }
)
class CountryCodeField(serializers.CharField):
    """A country as its ISO 3166-1 alpha-2 code: "ky" is read as KY; a code that is not a
    country (or a name, "Cayman Islands") is refused, naming the field."""

    default_error_messages = {
        "country": _(
            "“%(value)s” is not an ISO 3166 country code: give the two-letter code, e.g. PK, AE or KY."
        )
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 100)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data).strip()
        value = value.upper() if len(value) == 2 else value
        if value and not is_country(value):
            self.fail("country", value=str(data)[:100])
        return value

    def to_representation(self, value):
        return str(value or "")


class FirmProfileSerializer(serializers.ModelSerializer):
    stage_label = serializers.CharField(source="get_stage_display", read_only=True)
    incorporation_country = CountryCodeField(required=False)
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
        help_text="Every section is saved or completed with PUT/PATCH …/sections/{key}/. `form`: "
        "its answers in `data`; `key_individuals`: the rows of …/key-individuals/; `owners`: the "
        "rows of …/beneficial-owners/; `documents`: the uploads of …/documents/.",
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
    data = serializers.DictField(
        required=False,
        default=dict,
        help_text="Form sections: the answers, field name → value, as on the web form (PUT replaces "
        "the saved answers, PATCH changes only the answers given). `ownership`: "
        '`{"none_above_threshold": true}` when nobody holds more than 10 %. Other sections: unused.',
    )
    completed = serializers.BooleanField(
        default=False,
        help_text="Mark the section complete: the web form's “Save and mark as complete” (every "
        "required answer given, the section's rules met). `documents` can only be completed "
        "(once every required document is uploaded).",
    )


class KeyIndividualSerializer(serializers.ModelSerializer):
    role_label = serializers.CharField(source="get_role_display", read_only=True)
    passport_country = CountryCodeField(read_only=True)
    nationality = CountryCodeField(read_only=True)

    class Meta:
        model = KeyIndividual
        fields = [
            "id",
            "application",
            "role",
            "role_label",
            "full_name",
            "identity_type",
            "cnic",
            "passport_number",
            "passport_country",
            "nationality",
            "date_of_birth",
            "is_employee",
            "email",
        ]
        read_only_fields = fields


class KeyIndividualWriteSerializer(serializers.Serializer):
    """What a key individual's body may set: the web form's fields. Validation is the web
    form's (licensing.web.forms_people.KeyIndividualForm) and the service's; other fields
    (id, application, …) are ignored."""

    role = serializers.ChoiceField(choices=KeyRole.choices)
    full_name = serializers.CharField(max_length=200)
    identity_type = serializers.ChoiceField(choices=IdentityType.choices)
    cnic = serializers.CharField(required=False, allow_blank=True, help_text="12345-1234567-1")
    passport_number = serializers.CharField(required=False, allow_blank=True)
    passport_country = CountryCodeField(required=False, allow_blank=True)
    nationality = CountryCodeField()
    date_of_birth = serializers.DateField()
    is_employee = serializers.BooleanField(required=False)
    email = serializers.EmailField()


@extend_schema_field(
    {
        "type": "string",
        "pattern": "^(" + "|".join(OwnerKind.values) + ")$",
        "description": ", ".join(f"`{value}` ({label})" for value, label in OwnerKind.choices),
    }
)
class OwnerKindField(serializers.ChoiceField):
    """The owner's kind: `person` or `entity`. Described by a pattern, not an enum: an enum
    component named after the field would collide with the other `kind`s of the schema."""

    def __init__(self, **kwargs):
        super().__init__(choices=OwnerKind.choices, **kwargs)


class BeneficialOwnerSerializer(serializers.ModelSerializer):
    kind = OwnerKindField(read_only=True)
    country = CountryCodeField(read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = BeneficialOwner
        fields = [
            "id",
            "application",
            "kind",
            "kind_label",
            "name",
            "country",
            "ownership_percent",
            "date_of_birth",
            "identity_number",
        ]
        read_only_fields = fields


class BeneficialOwnerWriteSerializer(serializers.Serializer):
    """What a beneficial owner's body may set: the web form's fields, validated by the web
    form (licensing.web.forms_people.BeneficialOwnerForm) and the service."""

    kind = OwnerKindField()
    name = serializers.CharField(max_length=200)
    country = CountryCodeField()
    ownership_percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, help_text="More than 10, at most 100."
    )
    date_of_birth = serializers.DateField(required=False, allow_null=True, help_text="Natural persons.")
    identity_number = serializers.CharField(max_length=40)


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


class ForeignLicenceSerializer(serializers.ModelSerializer):
    jurisdiction = CountryCodeField()

    class Meta:
        model = ForeignLicence
        fields = ["id", "regulator", "jurisdiction", "licence_number", "activity"]
        read_only_fields = ["id"]


class FirmActivitySerializer(serializers.Serializer):
    """One step on the firm's record, as the firm's activity page shows it: only actions
    declared visible to the firm (portal.audit.visibility); no reasons, no staff names."""

    seq = serializers.IntegerField(help_text="The event's place in the audit trail.")
    created_at = serializers.DateTimeField()
    action = serializers.CharField(help_text="The action's code, e.g. `application.submit`.")
    action_label = serializers.CharField(help_text="The action in plain words.")
    who = serializers.CharField(help_text="A person of the firm, “The regulator” or “The system”.")
    object_repr = serializers.CharField(help_text="What the action was on.")
    application = serializers.IntegerField(source="application_id", allow_null=True)
    from_state = serializers.CharField(allow_blank=True)
    to_state = serializers.CharField(allow_blank=True)
    from_label = serializers.CharField(allow_blank=True)
    to_label = serializers.CharField(allow_blank=True)


class FirmChangeRequestSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    changes = serializers.DictField(
        child=serializers.ListField(),
        help_text="Each field to change: [value before, value proposed] (when approved: as applied).",
    )

    class Meta:
        model = FirmChangeRequest
        fields = [
            "id",
            "firm",
            "kind",
            "status",
            "status_label",
            "changes",
            "reason",
            "created_at",
            "decided_at",
            "decision_reason",
        ]
        read_only_fields = fields


class FirmChangeRequestCreateSerializer(serializers.Serializer):
    changes = serializers.DictField(
        help_text="The identity details to change and their new values, as on the profile: "
        "`legal_name`, `trading_names` (a list), `lei`, `incorporation_country`, "
        "`incorporation_number`, `local_company_number`, `ntn`, `registered_address`."
    )
    reason = serializers.CharField(max_length=5000, help_text="Why the firm's identity changes.")
