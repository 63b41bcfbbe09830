"""A certificate issued for a NOC or a licence: its signed data, signature and PDF."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class CertificateKind(models.TextChoices):
    NOC = "noc", _("No Objection Certificate (NOC)")
    LICENCE = "licence", _("Licence")


def certificate_path(instance, filename):
    # Never a public URL: downloads go through a view that checks access.
    return f"certificates/{instance.firm_id}/{instance.code}.pdf"


class CertificateQuerySet(models.QuerySet):
    def with_subject(self):
        return self.select_related("firm", "noc", "licence")


class Certificate(models.Model):
    kind = models.CharField(_("kind"), max_length=10, choices=CertificateKind.choices)
    code = models.CharField(_("verification code"), max_length=16, unique=True)
    firm = models.ForeignKey(
        "licensing.Firm", verbose_name=_("firm"), on_delete=models.PROTECT, related_name="certificates"
    )
    noc = models.OneToOneField(
        "licensing.Noc", on_delete=models.PROTECT, null=True, blank=True, related_name="certificate"
    )
    licence = models.OneToOneField(
        "licensing.Licence", on_delete=models.PROTECT, null=True, blank=True, related_name="certificate"
    )
    number = models.CharField(_("number"), max_length=40)
    payload = models.JSONField(_("signed data"), help_text=_("Signed in canonical JSON form."))
    signature = models.CharField(_("signature (base64)"), max_length=200)
    key_id = models.CharField(_("signing key id"), max_length=32)
    pdf = models.FileField(upload_to=certificate_path, max_length=200, blank=True)
    created_at = models.DateTimeField(_("issued"), auto_now_add=True)

    objects = CertificateQuerySet.as_manager()

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="noc", noc__isnull=False, licence__isnull=True)
                | Q(kind="licence", licence__isnull=False, noc__isnull=True),
                name="certificate_has_one_subject",
            )
        ]

    def __str__(self):
        return f"{self.number} ({self.display_code})"

    @property
    def audit_firm(self):
        return self.firm

    @property
    def subject(self):
        return self.noc if self.kind == CertificateKind.NOC else self.licence

    @property
    def display_code(self) -> str:
        half = len(self.code) // 2
        return f"{self.code[:half]}-{self.code[half:]}"
