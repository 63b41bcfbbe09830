"""Business days and due dates in the regulator's country and time zone.

A business day is a day that is neither a weekend day (settings.PORTAL_WEEKEND_DAYS) nor a
public holiday. Public holidays come from the `holidays` package's calendar for
settings.PORTAL_HOLIDAY_COUNTRY, corrected by the admin-edited `Holiday` table (which adds
days or cancels them: Islamic holidays move with the sighting of the moon).

A deadline is *due on* a local date and *due at* the first instant after that date ends
(local midnight), so "due on 28 February" is missed at 00:00 on 1 March, Asia/Karachi.

`BusinessCalendar` holds no database access itself, so the arithmetic can be tested for any
calendar; `current_calendar()` builds the one in force from settings and the table.
"""

import datetime
import functools
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import holidays as holiday_calendars
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.dates import add_months

ONE_DAY = datetime.timedelta(days=1)
# A guard against runaway loops: no deadline is counted in more business days than this.
MAX_BUSINESS_DAYS = 5000


class Unit(models.TextChoices):
    CALENDAR_DAYS = "calendar_days", _("calendar days")
    BUSINESS_DAYS = "business_days", _("business days")
    MONTHS = "months", _("calendar months")


@functools.lru_cache(maxsize=256)
def package_holidays(country: str, year: int) -> frozenset[datetime.date]:
    """The `holidays` package's public holidays of `country` in `year` (cached: static data)."""
    return frozenset(holiday_calendars.country_holidays(country, years=year).keys())


@dataclass(frozen=True)
class BusinessCalendar:
    weekend: frozenset[int] = frozenset({5, 6})  # Monday is 0: Saturday and Sunday
    country: str = "PK"  # "" for no built-in public holidays
    added: frozenset[datetime.date] = frozenset()  # extra holidays (admin table)
    cancelled: frozenset[datetime.date] = frozenset()  # built-in holidays that are working days

    def is_holiday(self, day: datetime.date) -> bool:
        if day in self.cancelled:
            return False
        return day in self.added or (bool(self.country) and day in package_holidays(self.country, day.year))

    def is_business_day(self, day: datetime.date) -> bool:
        return day.weekday() not in self.weekend and not self.is_holiday(day)

    def add_business_days(self, day: datetime.date, count: int) -> datetime.date:
        """The date `count` business days after `day` (before it when negative).

        `day` itself never counts: two business days after a Friday is the Tuesday, and
        after a Saturday too. Zero returns `day` unchanged.
        """
        if abs(count) > MAX_BUSINESS_DAYS:
            raise ValueError(f"at most {MAX_BUSINESS_DAYS} business days")
        step = ONE_DAY if count >= 0 else -ONE_DAY
        remaining = abs(count)
        while remaining:
            day += step
            if self.is_business_day(day):
                remaining -= 1
        return day

    def business_days_between(self, start: datetime.date, end: datetime.date) -> int:
        """How many business days lie in (start, end]."""
        count, day = 0, start
        while day < end:
            day += ONE_DAY
            count += self.is_business_day(day)
        return count

    def due_on(self, start: datetime.date, amount: int, unit: str) -> datetime.date:
        """The due date `amount` units after the local date `start`."""
        if unit == Unit.CALENDAR_DAYS:
            return start + datetime.timedelta(days=amount)
        if unit == Unit.BUSINESS_DAYS:
            return self.add_business_days(start, amount)
        if unit == Unit.MONTHS:
            return add_months(start, amount)
        raise ValueError(f"unknown unit {unit!r}")


def zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_date(moment: datetime.datetime) -> datetime.date:
    """The date in the regulator's time zone at an aware instant."""
    return timezone.localtime(moment, zone()).date()


def start_of(day: datetime.date) -> datetime.datetime:
    """Local midnight at the start of `day`, as an aware datetime."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=zone())


def end_of(day: datetime.date) -> datetime.datetime:
    """The first instant after `day` ends locally: when a deadline due on `day` is missed."""
    return start_of(day + ONE_DAY)


def at_local_time(day: datetime.date, hour: int) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour=hour), tzinfo=zone())


def current_calendar() -> BusinessCalendar:
    """The calendar in force: settings plus the admin's corrections (one small query)."""
    from portal.businessdays.models import Holiday

    added, cancelled = set(), set()
    for day, is_working_day in Holiday.objects.values_list("date", "is_working_day"):
        (cancelled if is_working_day else added).add(day)
    return BusinessCalendar(
        weekend=frozenset(settings.PORTAL_WEEKEND_DAYS),
        country=settings.PORTAL_HOLIDAY_COUNTRY,
        added=frozenset(added),
        cancelled=frozenset(cancelled),
    )


def is_business_day(day: datetime.date, calendar: BusinessCalendar | None = None) -> bool:
    return (calendar or current_calendar()).is_business_day(day)


def add_business_days(day: datetime.date, count: int, calendar: BusinessCalendar | None = None):
    return (calendar or current_calendar()).add_business_days(day, count)


def due_on(start: datetime.datetime, amount: int, unit: str, calendar: BusinessCalendar | None = None):
    """The local due date `amount` units after the aware instant `start`."""
    return (calendar or current_calendar()).due_on(local_date(start), amount, unit)


def due_at(
    start: datetime.datetime, amount: int, unit: str, calendar: BusinessCalendar | None = None
) -> datetime.datetime:
    """When a deadline of `amount` units from `start` is missed: the end of its due date."""
    return end_of(due_on(start, amount, unit, calendar))
