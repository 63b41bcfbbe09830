"""Uploaded documents. Files live outside any public URL; downloads go through a view
that checks access. Earlier versions are kept: a new upload of the same slot supersedes."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from licensing.models.applications import Application, InformationRequest
from licensing.models.firms import Firm
from licensing.models.scoping import FirmScopedQuerySet


class DocumentType(models.TextChoices):
    INCORPORATION = "incorporation", _("Certificate of incorporation")
    FOREIGN_LICENCE = "foreign_licence", _("Licence held in another jurisdiction")
    AML_POLICY = "aml_policy", _("AML/CFT policy")
    BUSINESS_PLAN = "business_plan", _("Business plan")
    FINANCIALS = "financials", _("Audited financial statements")
    SECURITY_AUDIT = "security_audit", _("Technology and security audit")
    OWNERSHIP_CHART = "ownership_chart", _("Ownership structure chart")
    CV = "cv", _("Curriculum vitae")
    IDENTITY = "identity", _("Identity document")
    CAPITAL = "capital", _("Evidence of paid-up capital")
    RESPONSE = "response", _("Response to an information request")
    OTHER = "other", _("Other")


def document_path(instance, filename):
    # The stored name never uses the uploaded name: no traversal, no collisions.
    return f"documents/{instance.firm_id}/{instance.sha256[:2]}/{instance.sha256}"


class DocumentQuerySet(FirmScopedQuerySet):
    def current(self):
        return self.filter(superseded_by__isnull=True)


class Document(models.Model):
    firm = models.ForeignKey(Firm, on_delete=models.PROTECT, related_name="documents")
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="documents", null=True, blank=True
    )
    information_request = models.ForeignKey(
        InformationRequest,
        on_delete=models.PROTECT,
        related_name="documents",
        null=True,
        blank=True,
    )
    doc_type = models.CharField(_("type"), max_length=30, choices=DocumentType.choices)
    original_name = models.CharField(_("file name"), max_length=255)
    file = models.FileField(upload_to=document_path, max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64, db_index=True)
    version = models.PositiveIntegerField(default=1)
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-uploaded_at"]

    def __str__(self):
        return f"{self.original_name} (v{self.version})"

    @property
    def audit_firm(self):
        return self.firm
