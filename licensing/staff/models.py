"""What the regulator's staff workspace keeps beside an application: who looked when,
assignment history, internal notes, messages exchanged with the firm, decision reversals."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from licensing.models import Application, Decision


class CaseView(models.Model):
    """When a staff member last looked at a case: drives "changed since I last looked"."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="views")
    last_viewed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "application"], name="caseview_user_application")
        ]

    def __str__(self):
        return f"{self.user} viewed {self.application} at {self.last_viewed_at}"


class AssignmentChange(models.Model):
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="assignment_changes")
    from_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    to_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("assignment change")
        verbose_name_plural = _("assignment changes")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.application}: {self.from_officer} → {self.to_officer}"

    @property
    def audit_firm(self):
        return self.application.firm


class CaseNote(models.Model):
    """Internal: staff only, never shown to the firm."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="case_notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("note"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("internal note")
        verbose_name_plural = _("internal notes")
        ordering = ["-created_at"]

    def __str__(self):
        return f"Note on {self.application} by {self.author}"

    @property
    def audit_firm(self):
        return self.application.firm


class MessageDirection(models.TextChoices):
    TO_FIRM = "to_firm", _("Regulator to firm")
    FROM_FIRM = "from_firm", _("Firm to regulator")


class FirmMessage(models.Model):
    """A message the firm sees (or sent): the opposite of an internal note."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="firm_messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    direction = models.CharField(max_length=10, choices=MessageDirection.choices)
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("message with the firm")
        verbose_name_plural = _("messages with the firm")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_direction_display()}: {self.application}"

    @property
    def audit_firm(self):
        return self.application.firm


class DecisionReversal(models.Model):
    """A decision reversed with a reason; the original Decision row is kept unchanged."""

    decision = models.OneToOneField(Decision, on_delete=models.PROTECT, related_name="reversal")
    reversed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("decision reversal")
        verbose_name_plural = _("decision reversals")
        ordering = ["-created_at"]

    def __str__(self):
        return f"Reversal of {self.decision}"

    @property
    def audit_firm(self):
        return self.decision.application.firm
