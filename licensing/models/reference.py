"""Reference data administrators keep, and the counters behind numbered documents."""

from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Activity(models.Model):
    """A regulated virtual-asset activity or service (exchange, custody, broker-dealer...)."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    aml_registrable = models.BooleanField(
        _("may be offered once AML-registered"),
        default=False,
        help_text=_("Offered under AML registration, before a full licence."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["name"]

    def __str__(self):
        """The name in the reader's language (the default activities' names are in the
        catalogue; one an administrator added reads as typed)."""
        return gettext(self.name) if self.name else ""


class Counter(models.Model):
    """Gap-free yearly counters for reference and certificate numbers."""

    name = models.CharField(max_length=50)
    year = models.PositiveSmallIntegerField()
    value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "year"], name="counter_name_year")]

    def __str__(self):
        return f"{self.name} {self.year}: {self.value}"

    @classmethod
    def next_value(cls, name: str, year: int) -> int:
        """Increment and return, inside the caller's transaction; the row stays locked
        until it commits, so two callers never get the same number."""
        with transaction.atomic():
            if not cls.objects.filter(name=name, year=year).update(value=F("value") + 1):
                try:
                    with transaction.atomic():
                        cls.objects.create(name=name, year=year, value=1)
                except IntegrityError:
                    cls.objects.filter(name=name, year=year).update(value=F("value") + 1)
            return cls.objects.get(name=name, year=year).value
