"""Calls for applications: the regulator invites firms to apply, within dates."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from licensing.models.reference import Activity


class CallQuerySet(models.QuerySet):
    def open_now(self):
        now = timezone.now()
        return self.filter(opens_at__lte=now, closes_at__gt=now, is_published=True)


class Call(models.Model):
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    kind = models.CharField(
        _("kind of application"),
        max_length=20,
        choices=[("noc", _("No Objection Certificate (NOC)")), ("licence", _("Full licence"))],
        default="noc",
    )
    eligible_activities = models.ManyToManyField(
        Activity, verbose_name=_("eligible activities"), related_name="calls"
    )
    eligible_jurisdictions = models.JSONField(
        _("eligible jurisdictions"),
        default=list,
        blank=True,
        help_text=_(
            "ISO 3166 two-letter codes. A firm must hold a licence from one of them to apply. "
            "Empty: any jurisdiction."
        ),
    )
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))
    is_published = models.BooleanField(_("published"), default=True)

    objects = CallQuerySet.as_manager()

    class Meta:
        verbose_name = _("call for applications")
        verbose_name_plural = _("calls for applications")
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")),
                name="call_closes_after_it_opens",
                violation_error_message=_("A call must close after it opens."),
            )
        ]

    def __str__(self):
        return self.title

    @property
    def is_open(self) -> bool:
        now = timezone.now()
        return self.is_published and self.opens_at <= now < self.closes_at

    def eligibility(self, firm) -> tuple[bool, str]:
        """(eligible, reason) for a firm to start an application under this call."""
        if not self.is_open:
            return False, str(_("This call is closed: it accepts no new applications."))
        if not self.eligible_jurisdictions:
            return True, ""
        held = set(firm.foreign_licences.values_list("jurisdiction", flat=True))
        if held & set(self.eligible_jurisdictions):
            return True, ""
        return False, str(
            _(
                "To apply under this call your firm must hold a licence in one of: %(list)s. "
                "Add the licences you hold to your firm profile first."
            )
            % {"list": ", ".join(sorted(self.eligible_jurisdictions))}
        )
