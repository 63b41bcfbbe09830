"""The audit trail: one append-only table whose rows form a SHA-256 hash chain.

Each row stores the hash of its own canonical content, which includes the hash of the
row before it. Editing, inserting or deleting a row in the middle breaks the chain at
that point, and `manage.py verify_audit` names the first broken row. On PostgreSQL a
trigger refuses UPDATE and DELETE on the table (migration 0002).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class AuditEventQuerySet(models.QuerySet):
    def for_firm(self, firm):
        return self.filter(firm=firm)

    def for_object(self, obj):
        return self.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))

    def with_people(self):
        return self.select_related("actor", "firm")

    def firm_visible(self):
        """Only the actions declared for the firm or the public (portal.audit.visibility)."""
        from portal.audit.visibility import firm_visible_actions

        return self.filter(action__in=sorted(firm_visible_actions()))

    def visible_to_firm(self, firm):
        """What `firm`'s people may see of its record: its events with firm-visible actions."""
        return self.for_firm(firm).firm_visible()


class AuditEvent(models.Model):
    seq = models.PositiveBigIntegerField(_("sequence"), unique=True, editable=False)
    created_at = models.DateTimeField(_("time (UTC)"), editable=False, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    actor_label = models.CharField(_("actor as shown"), max_length=254, editable=False)
    firm = models.ForeignKey(
        "licensing.Firm",
        verbose_name=_("firm"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_events",
        editable=False,
    )
    object_type = models.CharField(_("object type"), max_length=100, editable=False)
    object_id = models.CharField(_("object id"), max_length=64, editable=False)
    object_repr = models.CharField(_("object"), max_length=300, editable=False)
    action = models.CharField(_("action"), max_length=100, editable=False, db_index=True)
    from_state = models.CharField(_("from state"), max_length=50, blank=True, editable=False)
    to_state = models.CharField(_("to state"), max_length=50, blank=True, editable=False)
    reason = models.TextField(_("reason"), blank=True, editable=False)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True, editable=False)
    details = models.JSONField(_("details"), default=dict, blank=True, editable=False)
    prev_hash = models.CharField(_("previous row's hash"), max_length=64, editable=False)
    hash = models.CharField(_("hash"), max_length=64, unique=True, editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-seq"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self):
        return f"#{self.seq} {self.action} {self.object_repr}"


class AuditCheckpoint(models.Model):
    """A signed checkpoint of the chain: its row count and head, every few minutes.

    The signed document is kept here (for the public feed), as a file in the checkpoint storage
    and as a JSON log line, so that a copy leaves the server (portal/audit/checkpoints.py). Rows
    are never changed: on PostgreSQL a trigger refuses UPDATE, DELETE and TRUNCATE (migration
    0004)."""

    number = models.PositiveBigIntegerField(_("checkpoint number"), unique=True, editable=False)
    created_at = models.DateTimeField(_("time (UTC)"), editable=False)
    rows = models.PositiveBigIntegerField(_("rows"), editable=False)
    last_seq = models.PositiveBigIntegerField(_("last row's sequence"), editable=False)
    last_id = models.PositiveBigIntegerField(_("last row's id"), editable=False)
    head_hash = models.CharField(_("head hash"), max_length=64, editable=False)
    document = models.JSONField(_("signed document"), editable=False)

    class Meta:
        verbose_name = _("audit checkpoint")
        verbose_name_plural = _("audit checkpoints")
        ordering = ["number"]

    def __str__(self):
        return f"checkpoint {self.number}: {self.rows} rows, seq {self.last_seq}"
