"""Reference and certificate numbers, from formats in settings and gap-free counters."""

from django.conf import settings

from licensing.models import Counter
from portal.dates import local_today


def next_number(counter: str, fmt: str, **extra) -> str:
    year = local_today().year
    seq = Counter.next_value(counter, year)
    return fmt.format(year=year, seq=seq, **extra)


def next_firm_reference() -> str:
    return next_number("firm", settings.PORTAL_FIRM_REFERENCE_FORMAT)


def next_application_reference(kind: str) -> str:
    return next_number(f"application-{kind}", settings.PORTAL_APPLICATION_REFERENCE_FORMAT, kind=kind.upper())


def next_noc_number() -> str:
    return next_number("noc", settings.PORTAL_NOC_NUMBER_FORMAT)


def next_licence_number() -> str:
    return next_number("licence", settings.PORTAL_LICENCE_NUMBER_FORMAT)
