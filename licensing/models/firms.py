"""Regulated firms, the people who act for them, and the firm's authorisation stage."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from django_fsm import GET_STATE, FSMField, FSMModelMixin, transition

from licensing.models.scoping import FirmScopedQuerySet
from licensing.permissions import (
    SURRENDER,
    firm_or_perm_guard,
    perm_guard,
    system_guard,
)
from licensing.validators import validate_lei, validate_ntn
from portal.countries import PortalCountries


class FirmStage(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    NOC_HOLDER = "noc_holder", _("NOC holder")
    AML_REGISTERED = "aml_registered", _("AML-registered")
    LICENSED = "licensed", _("Licensed")
    SUSPENDED = "suspended", _("Suspended")
    NOC_LAPSED = "noc_lapsed", _("NOC lapsed")
    REFUSED = "refused", _("Refused")
    REVOKED = "revoked", _("Revoked")
    SURRENDERED = "surrendered", _("Surrendered")
    EXPIRED = "expired", _("Licence expired")


# Stages in which the firm may not carry on regulated activity at all.
NOT_PERMITTED_TO_OPERATE = frozenset(
    {
        FirmStage.APPLICANT,
        FirmStage.NOC_HOLDER,
        FirmStage.SUSPENDED,
        FirmStage.NOC_LAPSED,
        FirmStage.REFUSED,
        FirmStage.REVOKED,
        FirmStage.SURRENDERED,
        FirmStage.EXPIRED,
    }
)


# End states: the firm's story is over, and its names are free for another firm to use.
END_STAGES = frozenset({FirmStage.NOC_LAPSED, FirmStage.REFUSED, FirmStage.REVOKED, FirmStage.SURRENDERED})

# The details the public register shows to identify a firm. Once the firm has submitted an
# application they change only through a change request the regulator approves
# (licensing.services.change_requests); before that, its principal edits them directly.
IDENTITY_FIELDS = (
    "legal_name",
    "trading_names",
    "lei",
    "incorporation_country",
    "incorporation_number",
    "local_company_number",
    "ntn",
    "registered_address",
)
# How the firm is reached: its principal edits these at any time.
CONTACT_FIELDS = ("website", "contact_email", "contact_phone")


def name_key(name: str) -> str:
    """A name as compared for uniqueness: case-insensitive, whitespace normalised."""
    return " ".join(str(name or "").split()).casefold()


def _stage_before_refusal(firm, *args, **kwargs):
    change = firm.stage_changes.filter(to_stage=FirmStage.REFUSED).order_by("-effective_at", "-pk").first()
    return change.from_stage if change else FirmStage.APPLICANT


class FirmQuerySet(FirmScopedQuerySet):
    firm_path = ""

    def at_stage(self, *stages):
        return self.filter(stage__in=stages)


class Firm(FSMModelMixin, models.Model):
    legal_name = models.CharField(_("legal name"), max_length=300)
    trading_names = models.JSONField(_("trading names"), default=list, blank=True)
    reference_number = models.CharField(
        _("regulator reference number"),
        max_length=40,
        unique=True,
        null=True,
        blank=True,
        editable=False,
        help_text=_("Assigned when the firm first submits an application."),
    )
    lei = models.CharField(
        _("LEI"), max_length=20, unique=True, null=True, blank=True, validators=[validate_lei]
    )
    incorporation_country = CountryField(_("country of incorporation"), countries=PortalCountries)
    incorporation_number = models.CharField(_("incorporation number"), max_length=100, blank=True)
    local_company_number = models.CharField(_("local company number (SECP)"), max_length=50, blank=True)
    ntn = models.CharField(_("NTN"), max_length=9, blank=True, validators=[validate_ntn])
    registered_address = models.TextField(_("registered address"), blank=True)
    website = models.URLField(_("website"), blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)

    stage = FSMField(
        _("authorisation stage"),
        max_length=30,
        choices=FirmStage.choices,
        default=FirmStage.APPLICANT,
        protected=True,
        db_index=True,
    )
    stage_changed_at = models.DateTimeField(_("stage effective since"), default=timezone.now)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last updated"), auto_now=True)

    objects = FirmQuerySet.as_manager()

    class Meta:
        verbose_name = _("firm")
        verbose_name_plural = _("firms")
        ordering = ["legal_name"]
        constraints = [
            # Backstop of the service's check (licensing.services.firm_admin.name_problems):
            # no two firms outside an end state share a legal name, whatever its case.
            models.UniqueConstraint(
                Lower("legal_name"),
                condition=~Q(stage__in=sorted(END_STAGES)),
                name="firm_legal_name_unique_while_active",
                violation_error_message=_("Another firm on the register already has this legal name."),
            )
        ]

    def __str__(self):
        return self.legal_name

    @property
    def audit_firm(self):
        return self

    @property
    def identity_is_locked(self) -> bool:
        """True from the firm's first submission on: its identity then changes only through
        a change request the regulator approves."""
        if self.reference_number or self.stage != FirmStage.APPLICANT:
            return True
        return self.applications.exclude(status="draft").exists()

    @property
    def may_operate(self) -> bool:
        """Today, by licensing.operating (a licence past its expiry date counts as expired)."""
        from licensing.operating import firm_operating_status

        return firm_operating_status(self).permitted

    # --- The authorisation stage machine. Transitions change state only; the service
    # functions in licensing.services lock, save, audit and notify.

    @transition(
        field=stage,
        source=FirmStage.APPLICANT,
        target=FirmStage.NOC_HOLDER,
        permission=perm_guard("licensing.decide_application"),
    )
    def grant_noc(self):
        pass

    @transition(
        field=stage,
        source=FirmStage.NOC_HOLDER,
        target=FirmStage.AML_REGISTERED,
        permission=perm_guard("aml.verify_amlregistration"),
    )
    def register_aml(self):
        pass

    @transition(
        field=stage,
        source=FirmStage.AML_REGISTERED,
        target=FirmStage.LICENSED,
        permission=perm_guard("licensing.decide_application"),
    )
    def grant_licence(self):
        pass

    @transition(
        field=stage,
        source=[FirmStage.APPLICANT, FirmStage.NOC_HOLDER, FirmStage.AML_REGISTERED],
        target=FirmStage.REFUSED,
        permission=perm_guard("licensing.decide_application"),
    )
    def refuse(self):
        pass

    @transition(
        field=stage,
        source=[FirmStage.NOC_HOLDER, FirmStage.AML_REGISTERED],
        target=FirmStage.NOC_LAPSED,
        permission=system_guard,
    )
    def lapse_noc(self):
        pass

    @transition(
        field=stage,
        source=FirmStage.LICENSED,
        target=FirmStage.SUSPENDED,
        permission=perm_guard("licensing.supervise_firm"),
    )
    def suspend(self):
        pass

    @transition(
        field=stage,
        source=FirmStage.SUSPENDED,
        target=FirmStage.LICENSED,
        permission=perm_guard("licensing.supervise_firm"),
    )
    def lift_suspension(self):
        pass

    @transition(
        field=stage,
        source=[FirmStage.LICENSED, FirmStage.SUSPENDED],
        target=FirmStage.REVOKED,
        permission=perm_guard("licensing.supervise_firm"),
    )
    def revoke(self):
        pass

    # Reversals of a decision put the firm back where the decision found it.
    @transition(
        field=stage,
        source=FirmStage.NOC_HOLDER,
        target=FirmStage.APPLICANT,
        permission=perm_guard("licensing.decide_application"),
    )
    def reverse_noc(self):
        pass

    @transition(
        field=stage,
        source=[FirmStage.LICENSED, FirmStage.SUSPENDED],
        target=FirmStage.AML_REGISTERED,
        permission=perm_guard("licensing.decide_application"),
    )
    def reverse_licence(self):
        pass

    @transition(
        field=stage,
        source=FirmStage.REFUSED,
        target=GET_STATE(
            _stage_before_refusal,
            states=[FirmStage.APPLICANT, FirmStage.NOC_HOLDER, FirmStage.AML_REGISTERED],
        ),
        permission=perm_guard("licensing.decide_application"),
    )
    def reverse_refusal(self):
        pass

    @transition(
        field=stage,
        source=[FirmStage.LICENSED, FirmStage.SUSPENDED],
        target=FirmStage.SURRENDERED,
        permission=firm_or_perm_guard(SURRENDER, "licensing.supervise_firm"),
    )
    def surrender(self):
        pass

    # The licence's last day has passed and it was not renewed: taken by the deadline sweep
    # (the licence-renewal deadline's overdue milestone) through firm_expire_licence.
    @transition(
        field=stage,
        source=[FirmStage.LICENSED, FirmStage.SUSPENDED],
        target=FirmStage.EXPIRED,
        permission=system_guard,
    )
    def expire_licence(self):
        pass


class FirmStageChange(models.Model):
    """The public history of a firm's stage: what the register shows, with effective dates."""

    firm = models.ForeignKey(Firm, on_delete=models.PROTECT, related_name="stage_changes")
    from_stage = models.CharField(max_length=30, choices=FirmStage.choices)
    to_stage = models.CharField(max_length=30, choices=FirmStage.choices)
    effective_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(blank=True)

    class Meta:
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        ordering = ["-effective_at", "-pk"]

    def __str__(self):
        return f"{self.firm}: {self.from_stage} → {self.to_stage}"

    @property
    def audit_firm(self):
        return self.firm


class FirmRole(models.TextChoices):
    PRINCIPAL = "principal", _("Principal")
    SUBMITTER = "submitter", _("Submitter")
    CONTRIBUTOR = "contributor", _("Contributor")


class FirmMembership(models.Model):
    firm = models.ForeignKey(Firm, on_delete=models.PROTECT, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=FirmRole.choices)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("firm membership")
        verbose_name_plural = _("firm memberships")
        constraints = [models.UniqueConstraint(fields=["firm", "user"], name="membership_firm_user")]

    def __str__(self):
        return f"{self.user} — {self.firm} ({self.get_role_display()})"

    @property
    def audit_firm(self):
        return self.firm


class ForeignLicence(models.Model):
    """A licence or registration the firm holds from another regulator."""

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="foreign_licences")
    regulator = models.CharField(_("regulator"), max_length=200)
    jurisdiction = CountryField(_("jurisdiction"), countries=PortalCountries)
    licence_number = models.CharField(_("licence or registration number"), max_length=100)
    activity = models.CharField(_("activity licensed"), max_length=200)

    class Meta:
        verbose_name = _("licence held elsewhere")
        verbose_name_plural = _("licences held elsewhere")
        ordering = ["jurisdiction", "regulator"]

    def __str__(self):
        return f"{self.regulator} ({self.jurisdiction}) {self.licence_number}"

    @property
    def audit_firm(self):
        return self.firm


class InvitationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())


class Invitation(models.Model):
    """A principal invites a colleague by email; only the token's hash is stored."""

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email"))
    role = models.CharField(_("role"), max_length=20, choices=FirmRole.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.email} → {self.firm} ({self.get_role_display()})"

    @property
    def audit_firm(self):
        return self.firm
