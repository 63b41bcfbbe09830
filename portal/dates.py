"""Date arithmetic the regulator's deadlines rely on."""

import calendar
import datetime

from django.utils import timezone


def add_months(day: datetime.date, months: int) -> datetime.date:
    """Calendar months, clamped at month end: 31 August + 6 months = 28/29 February."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return day.replace(year=year, month=month, day=min(day.day, last))


def local_today() -> datetime.date:
    """Today in the regulator's time zone (settings.TIME_ZONE)."""
    return timezone.localdate()
