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
