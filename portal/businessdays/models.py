"""Corrections to the country's public-holiday calendar, kept by administrators.

The `holidays` package knows Pakistan's public holidays, but Islamic holidays move with the
sighting of the moon and the government sometimes declares extra days off. Each row here
either adds a holiday the package does not know or cancels one it does (a working day).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Holiday(models.Model):
    date = models.DateField(_("date"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    is_working_day = models.BooleanField(
        _("working day"),
        default=False,
        help_text=_(
            "Tick to cancel a holiday the built-in calendar has on this date (e.g. Eid was "
            "sighted a day later); leave unticked to add a holiday."
        ),
    )
    note = models.TextField(_("note"), blank=True, help_text=_("Source, e.g. the notification number."))
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    class Meta:
        verbose_name = _("holiday correction")
        verbose_name_plural = _("holiday corrections")
        ordering = ["-date"]

    def __str__(self):
        if self.is_working_day:
            return _("%(date)s: working day (%(name)s)") % {"date": self.date, "name": self.name}
        return f"{self.date}: {self.name}"
