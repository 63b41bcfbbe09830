"""Applications (NOC and full licence), their review: information requests,
recommendations, and approvers' decisions."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from licensing.models.firms import Firm, FirmStage
from licensing.models.reference import Activity
from licensing.models.scoping import FirmScopedQuerySet
from licensing.permissions import (
    ANSWER,
    SUBMIT,
    WITHDRAW,
    decide_guard,
    firm_guard,
    perm_guard,
    system_guard,
)
from portal.transitions import condition


class ApplicationKind(models.TextChoices):
    NOC = "noc", _("No Objection Certificate (NOC)")
    LICENCE = "licence", _("Full licence")


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    UNDER_REVIEW = "under_review", _("Under review")
    INFORMATION_REQUESTED = "information_requested", _("Information requested")
    AWAITING_DECISION = "awaiting_decision", _("Awaiting decision")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    LAPSED = "lapsed", _("Lapsed")


OPEN_STATUSES = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.UNDER_REVIEW,
    ApplicationStatus.INFORMATION_REQUESTED,
    ApplicationStatus.AWAITING_DECISION,
)
DECIDED_STATUSES = (ApplicationStatus.APPROVED, ApplicationStatus.REFUSED)

# The sections each kind must complete before it can be submitted (keys of `sections`).
REQUIRED_SECTIONS = {
    ApplicationKind.NOC: (
        "services",
        "licences_elsewhere",
        "key_individuals",
        "ownership",
        "aml_programme",
        "technology",
        "business_plan",
        "documents",
    ),
    ApplicationKind.LICENCE: (
        "incorporation",
        "capital",
        "financials",
        "technology_audit",
        "aml_programme",
        "key_individuals",
        "documents",
    ),
}


class ApplicationQuerySet(FirmScopedQuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def awaiting_decision(self):
        return self.filter(status=ApplicationStatus.AWAITING_DECISION)

    def with_people(self):
        return self.select_related("firm", "assigned_officer", "created_by")


# --- Conditions (data rules), each with the message shown when unmet.


@condition(_("Every required section must be completed."))
def sections_complete(app):
    return not app.incomplete_sections()


@condition(_("The declaration must be signed by a submitter."))
def declaration_signed(app):
    return app.declaration_signed_at is not None


@condition(_("The firm is not at the stage this kind of application needs."))
def firm_stage_fits(app):
    needed = {
        ApplicationKind.NOC: FirmStage.APPLICANT,
        ApplicationKind.LICENCE: FirmStage.AML_REGISTERED,
    }[app.kind]
    return app.firm.stage == needed


@condition(_("The firm already has an application of this kind in progress."))
def no_other_open_application(app):
    return not (
        Application.objects.filter(firm_id=app.firm_id, kind=app.kind, status__in=OPEN_STATUSES)
        .exclude(pk=app.pk)
        .exists()
    )


@condition(_("The call for applications has closed: it accepts no new submissions."))
def call_still_open(app):
    return app.call is None or app.call.is_open


@condition(_("An information request is still open."))
def no_open_information_request(app):
    return not app.information_requests.filter(status=InformationRequestStatus.OPEN).exists()


@condition(_("There is no open information request to answer."))
def has_open_information_request(app):
    return app.information_requests.filter(status=InformationRequestStatus.OPEN).exists()


@condition(_("There is no current recommendation to decide on."))
def has_recommendation(app):
    return app.current_recommendation is not None


class Application(FSMModelMixin, models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=ApplicationKind.choices)
    firm = models.ForeignKey(
        Firm, verbose_name=_("firm"), on_delete=models.PROTECT, related_name="applications"
    )
    reference = models.CharField(
        _("reference"), max_length=40, unique=True, null=True, blank=True, editable=False
    )
    status = FSMField(
        _("status"),
        max_length=30,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.DRAFT,
        protected=True,
        db_index=True,
    )
    status_changed_at = models.DateTimeField(_("status since"), default=timezone.now)
    call = models.ForeignKey(
        "licensing.Call",
        verbose_name=_("call for applications"),
        on_delete=models.PROTECT,
        related_name="applications",
        null=True,
        blank=True,
    )
    activities = models.ManyToManyField(
        Activity, verbose_name=_("proposed activities"), blank=True, related_name="applications"
    )
    sections = models.JSONField(
        _("sections"),
        default=dict,
        blank=True,
        help_text=_('Per section: {"status": "in_progress"|"completed", "data": {...}}.'),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    declaration_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    declaration_signed_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    assigned_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("case officer"),
        on_delete=models.PROTECT,
        related_name="assigned_applications",
        null=True,
        blank=True,
    )
    firm_changed_at = models.DateTimeField(
        _("firm last answered"),
        null=True,
        blank=True,
        help_text=_("When the firm last answered or resubmitted; flags the case as changed."),
    )

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-created_at"]
        permissions = [
            ("review_application", "Can review applications (case officer)"),
            ("decide_application", "Can decide applications (approver)"),
            ("supervise_firm", "Can suspend, reinstate and revoke firms"),
        ]
        indexes = [
            models.Index(fields=["status", "kind"], name="application_status_kind"),
            # Staff queues: "assigned to me" and sorting by submission among open cases.
            models.Index(fields=["assigned_officer", "status"], name="application_officer_status"),
            models.Index(fields=["status", "submitted_at"], name="application_status_submitted"),
            # The "All cases" queue: every submitted application, oldest submission first (the
            # page's default sort, `submitted_at` ascending nulls last then `id`), read in index
            # order so a page of 50 never sorts the whole table.
            models.Index(
                fields=["submitted_at", "id"],
                name="application_submitted_order",
                condition=~Q(status="draft"),
            ),
            # Decision clocks: the open cases whose clock is running, walked by date.
            models.Index(
                fields=["submitted_at"],
                name="application_clock_running",
                condition=Q(status__in=["submitted", "under_review", "awaiting_decision"]),
            ),
        ]

    def __str__(self):
        label = self.reference or _("draft %(id)s") % {"id": self.pk}
        return f"{label} — {self.firm}"

    @property
    def audit_firm(self):
        return self.firm

    def incomplete_sections(self) -> list[str]:
        return [
            key
            for key in REQUIRED_SECTIONS[self.kind]
            if (self.sections.get(key) or {}).get("status") != "completed"
        ]

    @property
    def current_recommendation(self):
        """The recommendation the decision would rest on (None once sent back)."""
        if not hasattr(self, "_current_recommendation"):
            self._current_recommendation = (
                self.recommendations.filter(is_current=True).order_by("-created_at").first()
            )
        return self._current_recommendation

    def forget_cached_recommendation(self):
        self.__dict__.pop("_current_recommendation", None)

    # --- The application status machine.

    @transition(
        field=status,
        source=ApplicationStatus.DRAFT,
        target=ApplicationStatus.SUBMITTED,
        conditions=[
            sections_complete,
            declaration_signed,
            firm_stage_fits,
            no_other_open_application,
            call_still_open,
        ],
        permission=firm_guard(SUBMIT),
    )
    def submit(self):
        pass

    @transition(
        field=status,
        source=ApplicationStatus.SUBMITTED,
        target=ApplicationStatus.UNDER_REVIEW,
        permission=perm_guard("licensing.review_application"),
    )
    def start_review(self):
        pass

    @transition(
        field=status,
        source=ApplicationStatus.UNDER_REVIEW,
        target=ApplicationStatus.INFORMATION_REQUESTED,
        permission=perm_guard("licensing.review_application"),
    )
    def request_information(self):
        pass

    @transition(
        field=status,
        source=ApplicationStatus.INFORMATION_REQUESTED,
        target=ApplicationStatus.UNDER_REVIEW,
        conditions=[has_open_information_request],
        permission=firm_guard(ANSWER),
    )
    def answer_information_request(self):
        pass

    @transition(
        field=status,
        source=ApplicationStatus.UNDER_REVIEW,
        target=ApplicationStatus.AWAITING_DECISION,
        conditions=[no_open_information_request],
        permission=perm_guard("licensing.review_application"),
    )
    def recommend(self):
        pass

    @transition(
        field=status,
        source=ApplicationStatus.AWAITING_DECISION,
        target=ApplicationStatus.APPROVED,
        conditions=[has_recommendation],
        permission=decide_guard,
    )
    def approve(self):
        pass

    @transition(
        field=status,
        source=ApplicationStatus.AWAITING_DECISION,
        target=ApplicationStatus.REFUSED,
        conditions=[has_recommendation],
        permission=decide_guard,
    )
    def refuse(self):
        pass

    @transition(
        field=status,
        source=ApplicationStatus.AWAITING_DECISION,
        target=ApplicationStatus.UNDER_REVIEW,
        permission=decide_guard,
    )
    def send_back(self):
        pass

    @transition(
        field=status,
        source=ApplicationStatus.INFORMATION_REQUESTED,
        target=ApplicationStatus.UNDER_REVIEW,
        conditions=[has_open_information_request],
        permission=perm_guard("licensing.review_application"),
    )
    def close_information_request(self):
        """The officer withdraws the open request; the case is back under review."""

    @transition(
        field=status,
        source=[ApplicationStatus.APPROVED, ApplicationStatus.REFUSED],
        target=ApplicationStatus.UNDER_REVIEW,
        permission=perm_guard("licensing.decide_application"),
    )
    def reverse_decision(self):
        """A decision is reversed with a reason; the Decision row is kept (DecisionReversal)."""

    @transition(
        field=status,
        source=[ApplicationStatus.DRAFT, *OPEN_STATUSES],
        target=ApplicationStatus.WITHDRAWN,
        permission=firm_guard(WITHDRAW),
    )
    def withdraw(self):
        pass

    @transition(
        field=status,
        source=ApplicationStatus.INFORMATION_REQUESTED,
        target=ApplicationStatus.LAPSED,
        permission=system_guard,
    )
    def lapse(self):
        pass


class InformationRequestStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ANSWERED = "answered", _("Answered")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    LAPSED = "lapsed", _("Lapsed")


class InformationRequest(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="information_requests"
    )
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    items = models.JSONField(_("items"), default=list, help_text=_("What the firm must provide."))
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=InformationRequestStatus.choices,
        default=InformationRequestStatus.OPEN,
        editable=False,
    )
    response = models.TextField(_("response"), blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("information request")
        verbose_name_plural = _("information requests")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(status="open"),
                name="one_open_information_request",
            )
        ]

    def __str__(self):
        return _("Information request on %(app)s, due %(due)s") % {
            "app": self.application,
            "due": self.due_on,
        }

    @property
    def audit_firm(self):
        return self.application.firm


class RecommendationOutcome(models.TextChoices):
    GRANT = "grant", _("Grant")
    REFUSE = "refuse", _("Refuse")


class Recommendation(models.Model):
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="recommendations")
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=10, choices=RecommendationOutcome.choices)
    reasons = models.TextField(_("reasons"))
    proposed_conditions = models.TextField(_("proposed conditions"), blank=True)
    is_current = models.BooleanField(default=True, help_text=_("False once an approver sent the case back."))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_outcome_display()} — {self.application}"

    @property
    def audit_firm(self):
        return self.application.firm


class DecisionOutcome(models.TextChoices):
    GRANT = "grant", _("Granted")
    REFUSE = "refuse", _("Refused")
    SEND_BACK = "send_back", _("Sent back to the officer")


class Decision(models.Model):
    """An approver's decision on a recommendation. Four-eyes is enforced three times: in the
    service, in the transition's permission, and by a database constraint."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="decisions")
    recommendation = models.ForeignKey(Recommendation, on_delete=models.PROTECT, related_name="decisions")
    recommended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=10, choices=DecisionOutcome.choices)
    reasons = models.TextField(_("reasons"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["created_at"], name="decision_created_at")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(approver=models.F("recommended_by")),
                name="decision_four_eyes",
                violation_error_message=_("The approver cannot be the recommending officer."),
            )
        ]

    def __str__(self):
        return f"{self.get_outcome_display()} — {self.application}"

    @property
    def audit_firm(self):
        return self.application.firm
