"""The public register's shapes. The data comes ready-made from licensing.register.queries
(the one definition of what is public); these serializers describe it for the schema and
pass it through unchanged."""

from rest_framework import serializers

from aml.models import AmlStatus
from licensing.models import FirmStage
from licensing.models.authorisations import LicenceStatus, NocStatus
from licensing.models.people import KeyRole
from licensing.operating import CODES as OPERATING_CODES
from licensing.register import queries


class PassThroughSerializer(serializers.Serializer):
    """Declared fields document the shape; the dict from queries.py is returned as it is."""

    def to_representation(self, instance):
        return instance


class ActivitySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class RegisterFirmSummarySerializer(PassThroughSerializer):
    reference_number = serializers.CharField(
        help_text="The regulator's reference number: the firm's id here."
    )
    legal_name = serializers.CharField()
    trading_names = serializers.ListField(child=serializers.CharField())
    lei = serializers.CharField(allow_blank=True)
    local_company_number = serializers.CharField(allow_blank=True)
    stage = serializers.ChoiceField(choices=FirmStage.choices)
    stage_label = serializers.CharField()
    stage_effective_at = serializers.DateTimeField()
    operating_status = serializers.ChoiceField(
        choices=list(OPERATING_CODES),
        help_text="Whether the firm may operate today: fully (licensed), only AML-registered services, "
        "not at all, or not at all because its licence has expired (from the day after its expiry "
        "date, in the regulator's time zone).",
    )
    licence_expires_on = serializers.DateField(
        allow_null=True, help_text="When the firm's latest licence expires (or expired); null without one."
    )
    aml_status = serializers.ChoiceField(choices=AmlStatus.choices)
    permitted_activities = ActivitySerializer(many=True)
    last_updated = serializers.DateTimeField()


class DocumentRefSerializer(serializers.Serializer):
    number = serializers.CharField()
    status = serializers.ChoiceField(choices=sorted({*NocStatus.values, *LicenceStatus.values}))
    status_label = serializers.CharField()
    issued_on = serializers.DateField()
    expires_on = serializers.DateField()
    certificate_code = serializers.CharField(allow_null=True, help_text="Check it at /verify/<code>/.")


class KeyIndividualPublicSerializer(serializers.Serializer):
    name = serializers.CharField()
    role = serializers.ChoiceField(choices=KeyRole.choices)
    role_label = serializers.CharField()


class StageChangeSerializer(serializers.Serializer):
    from_stage = serializers.ChoiceField(choices=FirmStage.choices)
    to_stage = serializers.ChoiceField(choices=FirmStage.choices)
    to_stage_label = serializers.CharField()
    effective_at = serializers.DateTimeField()


class EnforcementActionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=sorted(set(queries.ENFORCEMENT_STAGES.values())))
    stage = serializers.ChoiceField(choices=FirmStage.choices)
    label = serializers.CharField()
    effective_at = serializers.DateTimeField()


class BannerSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=[
            queries.OPERATING_AML_SERVICES_ONLY,
            queries.OPERATING_NOT_PERMITTED,
            queries.OPERATING_EXPIRED,
        ]
    )
    title = serializers.CharField()
    text = serializers.CharField()


class FormerNameSerializer(serializers.Serializer):
    legal_name = serializers.CharField()
    until = serializers.DateTimeField(help_text="When the regulator approved the change of name.")


class RegisterEntrySerializer(RegisterFirmSummarySerializer):
    incorporation_country = serializers.CharField(help_text="ISO 3166 two-letter code.")
    incorporation_country_name = serializers.CharField(
        help_text="The country's name, in the reader's language."
    )
    aml_status_label = serializers.CharField()
    conditions = serializers.CharField(allow_blank=True)
    noc = DocumentRefSerializer(allow_null=True)
    licence = DocumentRefSerializer(allow_null=True)
    key_individuals = KeyIndividualPublicSerializer(many=True)
    former_names = FormerNameSerializer(many=True, help_text="Earlier legal names, newest first.")
    stage_history = StageChangeSerializer(many=True)
    enforcement_actions = EnforcementActionSerializer(many=True)
    banner = BannerSerializer(
        allow_null=True, help_text="The warning shown where the firm may not (fully) operate."
    )


class RegisterQuerySerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=200)
    stage = serializers.ChoiceField(choices=FirmStage.choices, required=False, allow_blank=True)
    activity = serializers.SlugField(required=False, allow_blank=True, max_length=50)


class CertificateStatusSerializer(serializers.Serializer):
    code = serializers.CharField()
    number = serializers.CharField()
    kind = serializers.ChoiceField(choices=["noc", "licence"])
    status = serializers.CharField(
        help_text="valid, superseded, noc_lapsed, ended, suspended, revoked, surrendered, expired"
    )
    status_label = serializers.CharField()
    explanation = serializers.CharField()
    operating_status = serializers.ChoiceField(
        choices=list(OPERATING_CODES),
        help_text="Whether the certificate's firm may operate today: the register's operating_status.",
    )
    operating_status_label = serializers.CharField()
    operating_status_reason = serializers.CharField(allow_blank=True)
    signature_valid = serializers.BooleanField()
    key_id = serializers.CharField()
    signature = serializers.CharField()
    payload = serializers.JSONField(
        help_text="The signed data (canonical JSON: sorted keys, no spaces, UTF-8)."
    )
