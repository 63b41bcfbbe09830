"""API tokens: made by a firm's principal, scoped to that firm, stored only as a hash."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    firm = models.ForeignKey(
        "licensing.Firm", verbose_name=_("firm"), on_delete=models.PROTECT, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("What the token is for."))
    prefix = models.CharField(
        _("prefix"), max_length=16, unique=True, help_text=_("Shown to find the token.")
    )
    key_hash = models.CharField(
        max_length=64, help_text=_("SHA-256 of the whole key; the key is never stored.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["firm"], name="apitoken_active_firm", condition=Q(revoked_at__isnull=True))
        ]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def audit_firm(self):
        return self.firm

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
