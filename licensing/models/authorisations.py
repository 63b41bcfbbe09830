"""What a decision produces: the NOC and the licence, each with a number and dates."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from licensing.models.applications import Application
from licensing.models.firms import Firm
from licensing.models.reference import Activity


class NocStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUPERSEDED = "superseded", _("Superseded by a licence")
    LAPSED = "lapsed", _("Lapsed")
    ENDED = "ended", _("Ended")


class Noc(models.Model):
    """A No Objection Certificate: preliminary clearance, NOT permission to operate."""

    firm = models.ForeignKey(Firm, on_delete=models.PROTECT, related_name="nocs")
    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="noc")
    number = models.CharField(_("NOC number"), max_length=40, unique=True)
    issued_on = models.DateField(_("issued on"))
    expires_on = models.DateField(_("valid until"))
    conditions = models.TextField(_("conditions"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=NocStatus.choices,
        default=NocStatus.ACTIVE,
        editable=False,
    )

    class Meta:
        verbose_name = _("NOC")
        verbose_name_plural = _("NOCs")
        ordering = ["-issued_on", "-pk"]

    def __str__(self):
        return self.number

    @property
    def audit_firm(self):
        return self.firm


class LicenceStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")
    SURRENDERED = "surrendered", _("Surrendered")
    EXPIRED = "expired", _("Expired")


class Licence(models.Model):
    firm = models.ForeignKey(Firm, on_delete=models.PROTECT, related_name="licences")
    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="licence")
    number = models.CharField(_("licence number"), max_length=40, unique=True)
    issued_on = models.DateField(_("issued on"))
    expires_on = models.DateField(_("expires on"))
    permitted_activities = models.ManyToManyField(
        Activity, verbose_name=_("permitted activities"), related_name="licences"
    )
    conditions = models.TextField(_("conditions"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=LicenceStatus.choices,
        default=LicenceStatus.ACTIVE,
        editable=False,
    )

    class Meta:
        verbose_name = _("licence")
        verbose_name_plural = _("licences")
        ordering = ["-issued_on", "-pk"]

    def __str__(self):
        return self.number

    @property
    def audit_firm(self):
        return self.firm
