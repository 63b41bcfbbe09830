"""Reference data administrators keep, and the counters behind numbered documents."""

from django.core.cache import cache
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _


class Activity(models.Model):
    """A regulated virtual-asset activity or service (exchange, custody, broker-dealer...)."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_ur = models.CharField(
        _("name in Urdu"),
        max_length=200,
        blank=True,
        help_text=_(
            "Shown to readers of the Urdu pages. Leave empty for the portal's own activities, "
            "whose Urdu names are in its translation; an activity you add reads in English until "
            "you give its Urdu name."
        ),
    )
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
        """The name in the reader's language: the Urdu name an administrator gave, else the
        catalogue's translation of a default activity's name, else the name as typed."""
        return self.label(self.code, self.name, self.name_ur)

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        cache.delete(URDU_NAMES_KEY)

    @staticmethod
    def label(code: str, name: str, name_ur: str | None = None) -> str:
        """An activity's name in the active language, from what a query read (`name_ur` is
        looked up by `code` when the query did not read it)."""
        if not name:
            return ""
        if (get_language() or "").startswith("ur"):
            if name_ur is None:
                name_ur = urdu_names().get(code, "")
            if name_ur:
                return name_ur
        return gettext(name)


URDU_NAMES_KEY = "licensing:activity-urdu-names"


def urdu_names() -> dict[str, str]:
    """{code: Urdu name} of the activities that have one (cached until an activity is saved)."""
    names = cache.get(URDU_NAMES_KEY)
    if names is None:
        names = dict(Activity.objects.exclude(name_ur="").values_list("code", "name_ur"))
        cache.set(URDU_NAMES_KEY, names, 3600)
    return names


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
