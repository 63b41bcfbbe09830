"""MoUs and letters of intent the government signs with industry, and their windows.

Such agreements are usually non-binding and require definitive agreements within a window
(six months by default, DeadlineRule `definitive_agreement`); the portal tracks the window
and reminds the owners before it closes.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from licensing.models.firms import Firm
from licensing.permissions import perm_guard, system_guard

MANAGE_AGREEMENT = "licensing.manage_agreement"


class AgreementKind(models.TextChoices):
    MOU = "mou", _("Memorandum of understanding (MoU)")
    LETTER_OF_INTENT = "letter_of_intent", _("Letter of intent")


class AgreementStatus(models.TextChoices):
    OPEN = "open", _("Open: definitive agreement awaited")
    EXTENDED = "extended", _("Extended")
    DEFINITIVE_SIGNED = "definitive_signed", _("Definitive agreement signed")
    LAPSED = "lapsed", _("Lapsed: window passed")
    TERMINATED = "terminated", _("Terminated")


AWAITING = (AgreementStatus.OPEN, AgreementStatus.EXTENDED)


class Currency(models.TextChoices):
    PKR = "PKR", _("Pakistani rupee (PKR)")
    USD = "USD", _("US dollar (USD)")


class AgreementQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Agreements are the government's records: regulator staff only."""
        if user is None or not user.is_authenticated or not user.is_regulator_staff:
            return self.none()
        return self

    def awaiting_definitive(self):
        return self.filter(status__in=AWAITING)


class Agreement(FSMModelMixin, models.Model):
    kind = models.CharField(
        _("kind"), max_length=20, choices=AgreementKind.choices, default=AgreementKind.MOU
    )
    title = models.CharField(_("title"), max_length=300)
    scope = models.TextField(
        _("scope"), help_text=_("e.g. tokenisation advisory on up to USD 2 bn of state assets.")
    )
    government_party = models.CharField(
        _("signed for the government by"),
        max_length=300,
        blank=True,
        help_text=_("e.g. Ministry of Finance; the regulator."),
    )
    counterparty_firm = models.ForeignKey(
        Firm,
        verbose_name=_("counterparty on the register"),
        on_delete=models.PROTECT,
        related_name="agreements",
        null=True,
        blank=True,
    )
    counterparty_name = models.CharField(
        _("other counterparty"),
        max_length=300,
        blank=True,
        help_text=_("When the counterparty is not a firm on the register."),
    )
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, blank=True)
    signed_on = models.DateField(_("signed on"))
    binding = models.BooleanField(_("binding"), default=False)
    window_months = models.PositiveSmallIntegerField(
        _("window for definitive agreements (months)"), null=True, blank=True
    )
    definitive_due_on = models.DateField(_("definitive agreement due by"))
    definitive_signed_on = models.DateField(_("definitive agreement signed on"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="owned_agreements",
        help_text=_("Answerable for the window; told when it is missed (then their manager)."),
    )
    co_owners = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("co-owners"),
        blank=True,
        related_name="co_owned_agreements",
        help_text=_("Also receive the reminders."),
    )
    status = FSMField(
        _("status"),
        max_length=20,
        choices=AgreementStatus.choices,
        default=AgreementStatus.OPEN,
        protected=True,
        db_index=True,
    )
    status_changed_at = models.DateTimeField(_("status since"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, editable=False
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last updated"), auto_now=True)

    objects = AgreementQuerySet.as_manager()

    class Meta:
        verbose_name = _("agreement (MoU / letter of intent)")
        verbose_name_plural = _("agreements (MoUs / letters of intent)")
        ordering = ["definitive_due_on", "pk"]
        permissions = [("manage_agreement", "Can record and manage MoUs and letters of intent")]
        constraints = [
            models.CheckConstraint(
                condition=Q(counterparty_firm__isnull=False) | ~Q(counterparty_name=""),
                name="agreement_has_counterparty",
                violation_error_message=_("Name the counterparty: a firm on the register or another party."),
            ),
            models.CheckConstraint(
                condition=Q(value__isnull=True) | ~Q(currency=""),
                name="agreement_value_has_currency",
                violation_error_message=_("A value needs a currency."),
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.counterparty})"

    @property
    def counterparty(self) -> str:
        if self.counterparty_firm_id is not None:
            return self.counterparty_firm.legal_name
        return self.counterparty_name

    @property
    def audit_firm(self):
        return self.counterparty_firm

    # --- The agreement status machine. Transitions change state only; the service
    # functions in licensing.services.agreements lock, save, audit and move the deadline.

    @transition(
        field=status,
        source=AWAITING,
        target=AgreementStatus.EXTENDED,
        permission=perm_guard(MANAGE_AGREEMENT),
    )
    def extend(self):
        pass

    @transition(
        field=status,
        source=AWAITING,
        target=AgreementStatus.DEFINITIVE_SIGNED,
        permission=perm_guard(MANAGE_AGREEMENT),
    )
    def sign_definitive(self):
        pass

    @transition(
        field=status,
        source=AWAITING,
        target=AgreementStatus.TERMINATED,
        permission=perm_guard(MANAGE_AGREEMENT),
    )
    def terminate(self):
        pass

    @transition(field=status, source=AWAITING, target=AgreementStatus.LAPSED, permission=system_guard)
    def lapse(self):
        pass


class AgreementExtension(models.Model):
    """Each time the window was extended: from when, to when, why, by whom."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="extensions")
    previous_due_on = models.DateField(_("was due by"))
    new_due_on = models.DateField(_("now due by"))
    reason = models.TextField(_("reason"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("extended"), auto_now_add=True)

    class Meta:
        verbose_name = _("extension")
        verbose_name_plural = _("extensions")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.agreement}: {self.previous_due_on} → {self.new_due_on}"

    @property
    def audit_firm(self):
        return self.agreement.counterparty_firm
