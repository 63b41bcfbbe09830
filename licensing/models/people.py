"""The people and owners behind an application: key individuals and beneficial owners."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from licensing.models.applications import Application
from licensing.validators import validate_cnic
from portal.countries import PortalCountries


class KeyRole(models.TextChoices):
    CEO = "ceo", _("Chief Executive Officer")
    CFO = "cfo", _("Chief Financial Officer")
    COMPLIANCE_OFFICER = "compliance_officer", _("Compliance Officer")
    MLRO = "mlro", _("Money Laundering Reporting Officer (MLRO)")
    DIRECTOR = "director", _("Director")
    OTHER = "other", _("Other key function")


# Every application must name one person for each of these.
REQUIRED_KEY_ROLES = (KeyRole.CEO, KeyRole.CFO, KeyRole.COMPLIANCE_OFFICER, KeyRole.MLRO)


class IdentityType(models.TextChoices):
    CNIC = "cnic", _("CNIC (Pakistani national)")
    PASSPORT = "passport", _("Passport")


class KeyIndividual(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="key_individuals")
    role = models.CharField(_("role"), max_length=30, choices=KeyRole.choices)
    full_name = models.CharField(_("full name"), max_length=200)
    identity_type = models.CharField(_("identity document"), max_length=10, choices=IdentityType.choices)
    cnic = models.CharField(_("CNIC"), max_length=15, blank=True, validators=[validate_cnic])
    passport_number = models.CharField(_("passport number"), max_length=30, blank=True)
    passport_country = CountryField(_("passport issued by"), countries=PortalCountries, blank=True)
    nationality = CountryField(_("nationality"), countries=PortalCountries)
    date_of_birth = models.DateField(_("date of birth"))
    is_employee = models.BooleanField(
        _("employed by the firm"),
        default=True,
        help_text=_("The MLRO must be an employee: the role may not be outsourced."),
    )
    email = models.EmailField(_("email"), blank=True)
    cv = models.ForeignKey(
        "licensing.Document", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("key individual")
        verbose_name_plural = _("key individuals")
        ordering = ["role", "full_name"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role="mlro") | models.Q(is_employee=True),
                name="mlro_is_employee",
                violation_error_message=_("The MLRO must be an employee of the firm."),
            )
        ]

    def __str__(self):
        return f"{self.full_name} ({self.get_role_display()})"

    @property
    def audit_firm(self):
        return self.application.firm


class OwnerKind(models.TextChoices):
    PERSON = "person", _("Natural person")
    ENTITY = "entity", _("Legal entity")


class BeneficialOwner(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="beneficial_owners")
    kind = models.CharField(_("kind"), max_length=10, choices=OwnerKind.choices)
    name = models.CharField(_("name"), max_length=200)
    country = CountryField(_("nationality or country of incorporation"), countries=PortalCountries)
    ownership_percent = models.DecimalField(_("ownership (%)"), max_digits=5, decimal_places=2)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    identity_number = models.CharField(_("CNIC, passport or company number"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("beneficial owner")
        verbose_name_plural = _("beneficial owners")
        ordering = ["-ownership_percent", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ownership_percent__gt=0, ownership_percent__lte=100),
                name="ownership_percent_range",
                violation_error_message=_("Ownership must be more than 0 and at most 100 %."),
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.ownership_percent} %)"

    @property
    def audit_firm(self):
        return self.application.firm
