"""Reference data every installation starts with (administrators may add more)."""

from django.utils.translation import gettext_noop

# The names are stored in English; `Activity.__str__` shows them in the reader's language.

# (code, name, may be offered once AML-registered)
DEFAULT_ACTIVITIES = [
    ("exchange", gettext_noop("Virtual-asset exchange"), True),
    ("custody", gettext_noop("Custody and safekeeping of virtual assets"), True),
    ("broker-dealer", gettext_noop("Cross-border broker-dealer services"), True),
    ("derivatives", gettext_noop("Virtual-asset derivatives"), True),
    ("transfer", gettext_noop("Transfer and payment services"), False),
    ("advisory", gettext_noop("Advisory and portfolio management"), False),
    ("tokenisation", gettext_noop("Issuance and tokenisation services"), False),
]


def ensure_default_activities(activity_model) -> None:
    """Create the default activities that are missing (idempotent)."""
    for code, name, aml in DEFAULT_ACTIVITIES:
        activity_model.objects.get_or_create(code=code, defaults={"name": name, "aml_registrable": aml})


def ensure_reference_data(sender=None, **kwargs) -> None:
    """After every migrate (and every test-database flush, which empties tables the data
    migrations filled), the default activities exist."""
    from licensing.models import Activity

    ensure_default_activities(Activity)
