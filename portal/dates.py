"""Date arithmetic the regulator's deadlines rely on."""

import calendar
import datetime

from django.utils import formats, timezone


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


def long_date(day: datetime.date | datetime.datetime) -> str:
    """'7 June 2027' in English, with the month's name in the active language (times: local date)."""
    if isinstance(day, datetime.datetime):
        day = timezone.localtime(day).date()
    return formats.date_format(day, "j F Y")


def long_datetime(moment: datetime.datetime) -> str:
    """'7 June 2027, 14:05' in the regulator's time zone, the month in the active language."""
    return formats.date_format(timezone.localtime(moment), "j F Y, H:i")
