"""AML registration with the national AML system (goAML), filed by a NOC holder."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from licensing.models import Firm, FirmStage
from licensing.models.scoping import FirmScopedQuerySet
from licensing.permissions import EDIT, firm_guard, perm_guard
from portal.transitions import condition


class AmlStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    SUBMITTED = "submitted", _("Submitted")
    REGISTERED = "registered", _("Registered")
    RETURNED = "returned", _("Returned for remedial action")


class AmlRegistrationQuerySet(FirmScopedQuerySet):
    pass


@condition(_("Only a firm holding a NOC can file an AML registration."))
def firm_holds_noc(reg):
    return reg.firm.stage == FirmStage.NOC_HOLDER


@condition(_("The goAML organisation ID and registration date are required."))
def goaml_details_given(reg):
    return bool(reg.goaml_org_id) and reg.goaml_registered_on is not None


class AmlRegistration(FSMModelMixin, models.Model):
    firm = models.OneToOneField(Firm, on_delete=models.PROTECT, related_name="aml_registration")
    status = FSMField(
        _("status"),
        max_length=20,
        choices=AmlStatus.choices,
        default=AmlStatus.NOT_STARTED,
        protected=True,
        db_index=True,
    )
    status_changed_at = models.DateTimeField(default=timezone.now)
    goaml_org_id = models.CharField(_("goAML organisation ID"), max_length=50, blank=True)
    goaml_registered_on = models.DateField(_("goAML registration date"), null=True, blank=True)
    mlro_name = models.CharField(_("MLRO name"), max_length=200, blank=True)
    mlro_email = models.EmailField(_("MLRO email"), blank=True)
    compliance_officer_name = models.CharField(_("Compliance Officer name"), max_length=200, blank=True)
    compliance_officer_email = models.EmailField(_("Compliance Officer email"), blank=True)
    mlro_is_employee = models.BooleanField(_("the MLRO is an employee"), default=False)
    compliance_officer_is_employee = models.BooleanField(
        _("the Compliance Officer is an employee"), default=False
    )
    aml_policy_summary = models.TextField(_("AML/CFT policy"), blank=True)
    risk_assessment = models.TextField(_("enterprise-wide risk assessment"), blank=True)
    cdd_arrangements = models.TextField(_("customer due diligence arrangements"), blank=True)
    monitoring_tools = models.TextField(
        _("transaction-monitoring arrangements"), blank=True, help_text=_("Name the tools used.")
    )
    record_keeping = models.TextField(_("record-keeping statement"), blank=True)
    evidence_documents = models.ManyToManyField(
        "licensing.Document", verbose_name=_("evidence documents"), blank=True, related_name="+"
    )
    registered_services = models.ManyToManyField(
        "licensing.Activity",
        verbose_name=_("AML-registered services"),
        blank=True,
        related_name="aml_registrations",
        help_text=_("What the firm may offer once registered, before a full licence."),
    )
    remedial_actions = models.JSONField(_("remedial actions"), default=list, blank=True, editable=False)
    submitted_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(_("last verified"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    objects = AmlRegistrationQuerySet.as_manager()

    class Meta:
        verbose_name = _("AML registration")
        verbose_name_plural = _("AML registrations")
        ordering = ["firm__legal_name"]
        permissions = [("verify_amlregistration", "Can verify AML registrations (AML officer)")]

    def __str__(self):
        return _("AML registration of %(firm)s") % {"firm": self.firm}

    @property
    def audit_firm(self):
        return self.firm

    @transition(
        field=status,
        source=[AmlStatus.NOT_STARTED, AmlStatus.RETURNED],
        target=AmlStatus.SUBMITTED,
        conditions=[firm_holds_noc, goaml_details_given],
        permission=firm_guard(EDIT),
    )
    def submit(self):
        pass

    @transition(
        field=status,
        source=AmlStatus.SUBMITTED,
        target=AmlStatus.REGISTERED,
        conditions=[firm_holds_noc],
        permission=perm_guard("aml.verify_amlregistration"),
    )
    def register(self):
        pass

    @transition(
        field=status,
        source=AmlStatus.SUBMITTED,
        target=AmlStatus.RETURNED,
        permission=perm_guard("aml.verify_amlregistration"),
    )
    def return_for_remedy(self):
        pass


# --- Sanctions and watch lists, and screening -------------------------------------------


class ListFormat(models.TextChoices):
    UN_XML = "un-xml", _("UN Security Council Consolidated List (XML)")
    CSV = "csv", _("National list (CSV)")


class SanctionsList(models.Model):
    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    source_format = models.CharField(_("format"), max_length=10, choices=ListFormat.choices)
    is_active = models.BooleanField(_("screened against"), default=True)

    class Meta:
        verbose_name = _("sanctions list")
        verbose_name_plural = _("sanctions lists")
        ordering = ["name"]

    def __str__(self):
        return self.name


class ListVersion(models.Model):
    """One import of a list: what came in, and how it changed the list."""

    sanctions_list = models.ForeignKey(SanctionsList, on_delete=models.PROTECT, related_name="versions")
    imported_at = models.DateTimeField(_("imported"), auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    source_name = models.CharField(_("source file"), max_length=255)
    sha256 = models.CharField(max_length=64)
    entries = models.PositiveIntegerField(_("entries"), default=0)
    added = models.PositiveIntegerField(_("added"), default=0)
    removed = models.PositiveIntegerField(_("removed"), default=0)
    changed = models.PositiveIntegerField(_("changed"), default=0)

    class Meta:
        verbose_name = _("list version")
        verbose_name_plural = _("list versions")
        ordering = ["-imported_at", "-pk"]

    def __str__(self):
        return f"{self.sanctions_list} @ {self.imported_at:%Y-%m-%d %H:%M}"


class EntryKind(models.TextChoices):
    PERSON = "person", _("Individual")
    ENTITY = "entity", _("Entity")


class ListEntry(models.Model):
    """A listed person or entity. Rows are kept when removed from the list (removed_in)."""

    sanctions_list = models.ForeignKey(SanctionsList, on_delete=models.PROTECT, related_name="entries")
    reference = models.CharField(_("list reference"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=EntryKind.choices)
    name = models.CharField(_("name"), max_length=300)
    aliases = models.JSONField(_("aliases"), default=list, blank=True)
    dates_of_birth = models.JSONField(
        _("dates of birth"), default=list, blank=True, help_text=_("ISO dates or years.")
    )
    nationalities = models.JSONField(_("nationalities"), default=list, blank=True)
    details = models.JSONField(_("other details"), default=dict, blank=True)
    content_hash = models.CharField(max_length=64, help_text=_("Changes when the entry changes."))
    added_in = models.ForeignKey(ListVersion, on_delete=models.PROTECT, related_name="+")
    changed_in = models.ForeignKey(ListVersion, on_delete=models.PROTECT, related_name="+")
    removed_in = models.ForeignKey(
        ListVersion, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    match_keys = models.JSONField(
        default=list, blank=True, help_text=_("Normalised name keys used to find candidates fast.")
    )

    class Meta:
        verbose_name = _("list entry")
        verbose_name_plural = _("list entries")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["sanctions_list", "reference"], name="entry_list_reference")
        ]

    def __str__(self):
        return f"{self.name} ({self.reference})"


class AlertStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLEARED = "cleared", _("Cleared (false positive)")
    CONFIRMED = "confirmed", _("Confirmed match")


class ScreeningAlert(models.Model):
    """A potential match of a key individual or beneficial owner against a list entry, or
    (without an entry) a name that could not be screened at all.

    Keyed by (subject, entry, subject_fingerprint, entry_hash): a cleared alert is not
    raised again for the same person and entry unless either changes."""

    firm = models.ForeignKey(Firm, on_delete=models.PROTECT, related_name="screening_alerts")
    # SET_NULL: a firm may remove a person from its draft; the alert stays, with the
    # screened name (subject_name) and firm kept as a snapshot.
    key_individual = models.ForeignKey(
        "licensing.KeyIndividual", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    beneficial_owner = models.ForeignKey(
        "licensing.BeneficialOwner", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    subject_name = models.CharField(_("screened name"), max_length=300)
    subject_fingerprint = models.CharField(max_length=64)
    # Empty: the name could not be screened (nothing left to compare in any script); an
    # officer checks it by hand. Never a silent skip (aml.screening).
    entry = models.ForeignKey(
        ListEntry, on_delete=models.PROTECT, related_name="alerts", null=True, blank=True
    )
    entry_hash = models.CharField(max_length=64)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2)
    reasons = models.JSONField(_("why it matched"), default=list)
    status = models.CharField(
        _("status"), max_length=10, choices=AlertStatus.choices, default=AlertStatus.OPEN, editable=False
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("screening alert")
        verbose_name_plural = _("screening alerts")
        ordering = ["-created_at"]
        permissions = [("decide_screeningalert", "Can clear or confirm screening alerts")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(key_individual__isnull=False, beneficial_owner__isnull=False),
                name="alert_has_at_most_one_subject",
            ),
            models.UniqueConstraint(
                fields=["key_individual", "beneficial_owner", "entry", "subject_fingerprint", "entry_hash"],
                name="alert_once_per_subject_and_entry_version",
                nulls_distinct=False,
            ),
        ]
        indexes = [models.Index(fields=["status", "firm"], name="alert_status_firm")]

    def __str__(self):
        if self.entry_id is None:
            unscreened = _("Name could not be screened")
            return f"{self.subject_name} ~ {unscreened}"
        return f"{self.subject_name} ~ {self.entry} ({self.score})"

    @property
    def audit_firm(self):
        return self.firm
