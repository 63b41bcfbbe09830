"""Changes to a firm's record that the regulator must approve first.

Today one kind: `identity`, the details the public register shows (legal name, trading
names, LEI, company numbers, registered address). Once a firm has submitted its first
application these change only through a request a case officer approves; the firm's
principal proposes the change with a reason. The model is kept small and general (a kind,
the proposed changes as `{field: [before, after]}`, a status machine) so that other kinds
of change (control, key persons, activities) can join it later.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from licensing.models.scoping import FirmScopedQuerySet
from licensing.permissions import MANAGE_PROFILE, firm_guard, perm_guard


class ChangeRequestKind(models.TextChoices):
    IDENTITY = "identity", _("Identity on the register")


class ChangeRequestStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting the regulator")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# Who decides a change request: the staff who review applications (case officers).
DECIDE_CHANGE_PERMISSION = "licensing.review_application"


class FirmChangeRequestQuerySet(FirmScopedQuerySet):
    firm_path = "firm"

    def pending(self):
        return self.filter(status=ChangeRequestStatus.PENDING)

    def approved(self):
        return self.filter(status=ChangeRequestStatus.APPROVED)

    def former_legal_names(self):
        """Approved identity changes that renamed the firm, newest first."""
        return (
            self.approved()
            .filter(kind=ChangeRequestKind.IDENTITY, changes__has_key="legal_name")
            .order_by("-decided_at", "-pk")
        )

    def with_people(self):
        return self.select_related("firm", "requested_by", "decided_by")


class FirmChangeRequest(FSMModelMixin, models.Model):
    firm = models.ForeignKey(
        "licensing.Firm", verbose_name=_("firm"), on_delete=models.PROTECT, related_name="change_requests"
    )
    kind = models.CharField(
        _("kind"), max_length=30, choices=ChangeRequestKind.choices, default=ChangeRequestKind.IDENTITY
    )
    status = FSMField(
        _("status"),
        max_length=20,
        choices=ChangeRequestStatus.choices,
        default=ChangeRequestStatus.PENDING,
        protected=True,
        db_index=True,
    )
    status_changed_at = models.DateTimeField(_("status since"), default=timezone.now)
    changes = models.JSONField(
        _("changes"), default=dict, help_text=_("Each field changed: [value before, value proposed].")
    )
    reason = models.TextField(_("reason for the change"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("requested"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)

    objects = FirmChangeRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("firm change request")
        verbose_name_plural = _("firm change requests")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "kind"],
                condition=Q(status="pending"),
                name="change_request_one_pending_per_kind",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} change {self.pk} — {self.firm}"

    @property
    def audit_firm(self):
        return self.firm

    @property
    def proposed(self) -> dict:
        return {name: pair[1] for name, pair in (self.changes or {}).items()}

    # --- The status machine: pending → approved | refused | withdrawn. Transitions change
    # state only; licensing.services.change_requests locks, saves, audits and notifies.

    @transition(
        field=status,
        source=ChangeRequestStatus.PENDING,
        target=ChangeRequestStatus.APPROVED,
        permission=perm_guard(DECIDE_CHANGE_PERMISSION),
    )
    def approve(self):
        pass

    @transition(
        field=status,
        source=ChangeRequestStatus.PENDING,
        target=ChangeRequestStatus.REFUSED,
        permission=perm_guard(DECIDE_CHANGE_PERMISSION),
    )
    def refuse(self):
        pass

    @transition(
        field=status,
        source=ChangeRequestStatus.PENDING,
        target=ChangeRequestStatus.WITHDRAWN,
        permission=firm_guard(MANAGE_PROFILE),
    )
    def withdraw(self):
        pass
