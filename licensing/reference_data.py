"""Reference data every installation starts with (administrators may add more)."""

# (code, name, may be offered once AML-registered)
DEFAULT_ACTIVITIES = [
    ("exchange", "Virtual-asset exchange", True),
    ("custody", "Custody and safekeeping of virtual assets", True),
    ("broker-dealer", "Cross-border broker-dealer services", True),
    ("derivatives", "Virtual-asset derivatives", True),
    ("transfer", "Transfer and payment services", False),
    ("advisory", "Advisory and portfolio management", False),
    ("tokenisation", "Issuance and tokenisation services", False),
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
