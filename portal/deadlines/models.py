"""Deadlines the regulator tracks, the policy table behind them, and their reminders.

The database is the record of what is due: a `Deadline` row per clock, with its due date,
its pauses, and `next_action_at`, the time its next reminder or escalation falls due. The
sweep reads only rows whose `next_action_at` has come, through a partial index, and claims
each milestone as a `Reminder` row that is unique per (deadline, milestone, due date): a
new due date (an extension, a resumed pause) earns the milestones still ahead of it. See ADRs
0005 and 0006.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.accounts.roles import StaffRole
from portal.businessdays.calendar import Unit

DEFAULT_REMINDER_OFFSETS = [90, 30, 7, 1, 0]


def default_reminder_offsets():
    return list(DEFAULT_REMINDER_OFFSETS)


class DeadlineKind(models.TextChoices):
    ACKNOWLEDGE_SUBMISSION = "acknowledge_submission", _("Acknowledge a submission")
    DECIDE_NOC_APPLICATION = "decide_noc_application", _("Decide a NOC application")
    ANSWER_INFORMATION_REQUEST = "answer_information_request", _("Answer an information request")
    REGISTER_AML = "register_aml", _("Register with the AML system after a NOC")
    NOC_VALIDITY = "noc_validity", _("File the full licence application while the NOC is valid")
    DECIDE_LICENCE_APPLICATION = "decide_licence_application", _("Decide a licence application")
    LICENCE_RENEWAL = "licence_renewal", _("Renew the licence")
    APPEAL_WINDOW = "appeal_window", _("Appeal a refusal")
    DEFINITIVE_AGREEMENT = "definitive_agreement", _("Sign the definitive agreement of an MoU")


# Kinds whose subject ends by itself when missed: the licence expires at the end of its last day
# (licensing.operating says so from that moment; the sweep records it). Not a policy choice.
EXPIRING_KINDS = frozenset({DeadlineKind.LICENCE_RENEWAL})

# Kinds with a lapse transition the sweep can take when policy says so.
LAPSABLE_KINDS = frozenset(
    {
        DeadlineKind.ANSWER_INFORMATION_REQUEST,  # the application lapses
        DeadlineKind.NOC_VALIDITY,  # the firm's NOC lapses
        DeadlineKind.DEFINITIVE_AGREEMENT,  # the agreement lapses
    }
)


class Audience(models.TextChoices):
    FIRM = "firm", _("the firm")
    STAFF = "staff", _("regulator staff")


STAFF_ROLE_CHOICES = [(role.value, role.label) for role in StaffRole]


class DeadlineRule(models.Model):
    """Policy for one kind of deadline, edited by administrators (no code change needed).

    Changes apply to deadlines opened afterwards for the period and the reminder offsets
    (each deadline keeps the offsets it was opened with); escalation and lapsing follow the
    rule as it is when the deadline is missed.
    """

    kind = models.CharField(_("kind"), max_length=40, choices=DeadlineKind.choices, unique=True)
    amount = models.PositiveIntegerField(_("period"))
    unit = models.CharField(_("unit"), max_length=20, choices=Unit.choices)
    reminder_offsets = models.JSONField(
        _("reminders (days before)"),
        default=default_reminder_offsets,
        help_text=_("Days before the due date on which reminders go out; 0 is the due date itself."),
    )
    audience = models.CharField(
        _("who acts"),
        max_length=10,
        choices=Audience.choices,
        help_text=_("Who gets the reminders: the firm's people or regulator staff."),
    )
    staff_role = models.CharField(
        _("staff role reminded"),
        max_length=40,
        choices=STAFF_ROLE_CHOICES,
        blank=True,
        help_text=_("For staff deadlines: reminded while nobody is responsible (e.g. an unassigned case)."),
    )
    escalation_role = models.CharField(
        _("staff role escalated to"),
        max_length=40,
        choices=STAFF_ROLE_CHOICES,
        blank=True,
        help_text=_("Told when the deadline is missed and the responsible person has no manager."),
    )
    pausable = models.BooleanField(
        _("clock can stop"),
        default=False,
        help_text=_(
            "The clock stops while the case waits on someone else (an open information request, an "
            "AML registration under verification); the days it stood still are added to the due date."
        ),
    )
    escalate = models.BooleanField(_("escalate when missed"), default=True)
    lapse = models.BooleanField(
        _("lapse when missed"),
        default=False,
        help_text=_(
            "Take the lapse transition when missed: the application lapses (information requests), "
            "the NOC lapses (NOC validity), the agreement lapses (MoUs)."
        ),
    )
    statutory = models.BooleanField(
        _("statutory"),
        default=False,
        help_text=_("Statutory reminders are always e-mailed; people cannot switch them to in-app only."),
    )
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("When off, no new deadlines of this kind are opened.")
    )
    description = models.TextField(_("notes"), blank=True)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    class Meta:
        verbose_name = _("deadline rule")
        verbose_name_plural = _("deadline rules")
        ordering = ["kind"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.amount} {self.get_unit_display()}"

    def clean(self):
        offsets = self.reminder_offsets
        if not isinstance(offsets, list) or not all(isinstance(o, int) and o >= 0 for o in offsets):
            raise ValidationError({"reminder_offsets": _("Give whole numbers of days, 0 or more.")})
        if len(set(offsets)) != len(offsets):
            raise ValidationError({"reminder_offsets": _("Each number of days may appear once.")})
        if self.lapse and self.kind not in LAPSABLE_KINDS:
            raise ValidationError({"lapse": _("Nothing lapses when this kind of deadline is missed.")})


class DeadlineStatus(models.TextChoices):
    OPEN = "open", _("Open")
    PAUSED = "paused", _("Paused")
    MET = "met", _("Met")
    MISSED = "missed", _("Missed")
    CANCELLED = "cancelled", _("Cancelled")


LIVE_STATUSES = (DeadlineStatus.OPEN, DeadlineStatus.PAUSED)


class DeadlineQuerySet(models.QuerySet):
    def live(self):
        return self.filter(status__in=LIVE_STATUSES)

    def with_subjects(self):
        """Each row with what its label and link read (an application's or information
        request's firm, an agreement's counterparty), so a list costs the same for 1 row or 500."""
        return self.select_related(
            "rule",
            "responsible",
            "firm",
            "application__firm",
            "information_request__application__firm",
            "agreement__counterparty_firm",
        )

    def due_for_action(self, now):
        """What the sweep must look at: served by the partial index `deadline_next_action`."""
        return self.filter(status=DeadlineStatus.OPEN, next_action_at__lte=now)

    def overdue(self, now):
        return self.filter(status=DeadlineStatus.OPEN, due_at__lte=now)

    def for_subject(self, *, firm=None, application=None, information_request=None, agreement=None):
        filters = {
            "firm": firm,
            "application": application,
            "information_request": information_request,
            "agreement": agreement,
        }
        return self.filter(**{k: v for k, v in filters.items() if v is not None})


class Deadline(models.Model):
    kind = models.CharField(_("kind"), max_length=40, choices=DeadlineKind.choices)
    rule = models.ForeignKey(DeadlineRule, verbose_name=_("rule"), on_delete=models.PROTECT, related_name="+")
    # The subject: explicit, nullable foreign keys (ADR 0005). The firm is set whenever there
    # is one, so "every deadline of this firm" is one indexed filter.
    firm = models.ForeignKey(
        "licensing.Firm",
        verbose_name=_("firm"),
        on_delete=models.PROTECT,
        related_name="deadlines",
        null=True,
    )
    application = models.ForeignKey(
        "licensing.Application",
        verbose_name=_("application"),
        on_delete=models.PROTECT,
        related_name="deadlines",
        null=True,
    )
    information_request = models.ForeignKey(
        "licensing.InformationRequest",
        verbose_name=_("information request"),
        on_delete=models.PROTECT,
        related_name="deadlines",
        null=True,
    )
    agreement = models.ForeignKey(
        "licensing.Agreement",
        verbose_name=_("agreement"),
        on_delete=models.PROTECT,
        related_name="deadlines",
        null=True,
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible"),
        on_delete=models.SET_NULL,
        related_name="deadlines",
        null=True,
        blank=True,
    )
    status = models.CharField(
        _("status"), max_length=20, choices=DeadlineStatus.choices, default=DeadlineStatus.OPEN
    )
    started_at = models.DateTimeField(_("clock started"))
    due_on = models.DateField(_("due on"))
    due_at = models.DateTimeField(_("missed at"), help_text=_("The end of the due date, local time."))
    original_due_on = models.DateField(_("first due date"))
    paused_at = models.DateTimeField(_("paused since"), null=True, blank=True)
    paused_days = models.PositiveIntegerField(_("days paused"), default=0)
    reminder_offsets = models.JSONField(_("reminders (days before)"), default=default_reminder_offsets)
    next_action_at = models.DateTimeField(_("next reminder or escalation"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DeadlineQuerySet.as_manager()

    class Meta:
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        ordering = ["due_at", "pk"]
        indexes = [
            # The sweep's only read: open rows whose next action has come. Partial, so closed
            # and paused deadlines (the vast majority over time) cost nothing.
            models.Index(
                fields=["next_action_at"],
                name="deadline_next_action",
                condition=Q(status="open", next_action_at__isnull=False),
            ),
            models.Index(fields=["status", "due_at"], name="deadline_status_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(firm__isnull=False)
                | Q(application__isnull=False)
                | Q(information_request__isnull=False)
                | Q(agreement__isnull=False),
                name="deadline_has_subject",
                violation_error_message=_("A deadline needs a subject."),
            )
        ]

    def __str__(self):
        return _("%(kind)s — %(subject)s, due %(due)s") % {
            "kind": self.get_kind_display(),
            "subject": self.subject_label,
            "due": self.due_on,
        }

    @property
    def subject(self):
        return self.information_request or self.application or self.agreement or self.firm

    @property
    def subject_label(self) -> str:
        """What the deadline is about, in words (an information request by its application)."""
        return str(self.application or self.agreement or self.firm or self.subject)

    @property
    def audit_firm(self):
        return self.firm

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES


class DeadlinePause(models.Model):
    """One stop of a deadline's clock; `days` is added to the due date when it resumes."""

    deadline = models.ForeignKey(Deadline, on_delete=models.CASCADE, related_name="pauses")
    paused_at = models.DateTimeField(_("paused"))
    resumed_at = models.DateTimeField(_("resumed"), null=True, blank=True)
    days = models.PositiveIntegerField(_("days added"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("pause")
        verbose_name_plural = _("pauses")
        ordering = ["paused_at", "pk"]

    def __str__(self):
        return f"{self.deadline_id}: {self.paused_at} → {self.resumed_at or '…'}"


class ReminderStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Reminder(models.Model):
    """One milestone of one deadline for one due date: `d-30` (30 days before), `d-0` (the due
    date) or `overdue`. Unique per (deadline, milestone, due date): creating the row is the
    claim, and a deadline whose due date moves earns the new date's milestones once each."""

    deadline = models.ForeignKey(Deadline, on_delete=models.PROTECT, related_name="reminders")
    milestone = models.CharField(_("milestone"), max_length=20)
    due_on = models.DateField(
        _("for the due date"), help_text=_("The due date this milestone was computed for.")
    )
    scheduled_for = models.DateTimeField(_("scheduled for"))
    status = models.CharField(
        _("status"), max_length=10, choices=ReminderStatus.choices, default=ReminderStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("claimed"), auto_now_add=True)
    queued_at = models.DateTimeField(_("last queued"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-scheduled_for", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["deadline", "milestone", "due_on"], name="reminder_once_per_milestone_and_due_date"
            )
        ]
        indexes = [
            models.Index(fields=["queued_at"], name="reminder_pending", condition=Q(status="pending")),
        ]

    def __str__(self):
        return f"{self.milestone} — {self.deadline}"

    def save(self, *args, **kwargs):
        if self.due_on is None:  # computed for the deadline's current due date unless told
            self.due_on = self.deadline.due_on
        super().save(*args, **kwargs)

    @property
    def superseded(self) -> bool:
        """The deadline's due date has moved since this milestone was claimed."""
        return self.due_on != self.deadline.due_on

    @property
    def audit_firm(self):
        return self.deadline.firm
