"""Date arithmetic the deadlines rest on: month ends, leap years, business days across
Pakistan's holidays, pauses, and the Asia/Karachi time zone. Mostly property tests."""

import calendar as pycalendar
import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.businessdays.calendar import BusinessCalendar, Unit, current_calendar, end_of, local_date
from portal.businessdays.models import Holiday
from portal.dates import add_months
from portal.deadlines.schedule import paused_days

KARACHI = ZoneInfo("Asia/Karachi")
PK = BusinessCalendar(weekend=frozenset({5, 6}), country="PK")
dates = st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2060, 12, 31))
month_counts = st.integers(min_value=-240, max_value=240)


# --- Calendar months, clamped at month end.


@given(day=dates, months=month_counts)
def test_adding_months_moves_the_month_and_clamps_the_day(day, months):
    result = add_months(day, months)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
    last = pycalendar.monthrange(result.year, result.month)[1]
    assert result.day == min(day.day, last)


@given(day=dates, months=st.integers(min_value=0, max_value=240))
def test_the_last_day_of_a_month_lands_on_or_before_the_same_day_number(day, months):
    result = add_months(day, months)
    assert result.day <= day.day
    if day.day <= 28:
        assert result.day == day.day


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (datetime.date(2025, 8, 31), 6, datetime.date(2026, 2, 28)),
        (datetime.date(2023, 8, 31), 6, datetime.date(2024, 2, 29)),  # leap year
        (datetime.date(2024, 2, 29), 12, datetime.date(2025, 2, 28)),
        (datetime.date(2024, 2, 29), 48, datetime.date(2028, 2, 29)),
        (datetime.date(2025, 1, 31), 1, datetime.date(2025, 2, 28)),
        (datetime.date(2025, 3, 31), -1, datetime.date(2025, 2, 28)),
        (datetime.date(2025, 12, 15), 6, datetime.date(2026, 6, 15)),
    ],
)
def test_month_end_examples(start, months, expected):
    assert add_months(start, months) == expected
    assert PK.due_on(start, months, Unit.MONTHS) == expected


# --- Business days.


@settings(max_examples=200)
@given(day=dates, count=st.integers(min_value=1, max_value=40))
def test_adding_business_days_lands_on_a_business_day_exactly_that_many_days_on(day, count):
    result = PK.add_business_days(day, count)
    assert result > day
    assert PK.is_business_day(result)
    assert PK.business_days_between(day, result) == count


@given(day=dates, count=st.integers(min_value=1, max_value=40))
def test_going_back_undoes_going_forward_from_a_business_day(day, count):
    while not PK.is_business_day(day):
        day += datetime.timedelta(days=1)
    assert PK.add_business_days(PK.add_business_days(day, count), -count) == day


@given(day=dates, extra=st.sets(dates, max_size=20), count=st.integers(min_value=1, max_value=30))
def test_added_holidays_are_skipped_and_only_push_the_date_later(day, extra, count):
    corrected = BusinessCalendar(weekend=PK.weekend, country="PK", added=frozenset(extra))
    result = corrected.add_business_days(day, count)
    assert result not in extra
    assert result >= PK.add_business_days(day, count)


def test_weekends_and_pakistan_public_holidays_are_not_business_days():
    assert not PK.is_business_day(datetime.date(2026, 8, 14))  # Independence Day (a Friday)
    assert not PK.is_business_day(datetime.date(2026, 3, 23))  # Pakistan Day (a Monday)
    assert not PK.is_business_day(datetime.date(2026, 3, 21))  # Saturday (and Eid al-Fitr)
    assert PK.is_business_day(datetime.date(2026, 3, 24))
    # Two business days after Friday 13 August 2026: Monday 17 (14 is a holiday, then a weekend)
    # and Tuesday 18.
    assert PK.add_business_days(datetime.date(2026, 8, 13), 2) == datetime.date(2026, 8, 18)


def test_a_submission_on_the_eve_of_eid_is_acknowledged_after_the_holidays():
    # Eid al-Fitr 2026 is 20-21 March (Friday, Saturday), then Sunday, then Pakistan Day on Monday 23.
    assert PK.add_business_days(datetime.date(2026, 3, 19), 2) == datetime.date(2026, 3, 25)


@pytest.mark.django_db
def test_the_admin_table_adds_and_cancels_holidays(settings):
    settings.PORTAL_HOLIDAY_COUNTRY = "PK"
    settings.PORTAL_WEEKEND_DAYS = [5, 6]
    eid_moved = datetime.date(2026, 3, 20)  # the package says Eid; suppose the moon was seen a day late
    Holiday.objects.create(date=eid_moved, name="Eid al-Fitr (moved)", is_working_day=True)
    Holiday.objects.create(date=datetime.date(2026, 3, 24), name="Eid al-Fitr (third day, notified)")
    today = current_calendar()
    assert today.is_business_day(eid_moved)
    assert not today.is_business_day(datetime.date(2026, 3, 24))
    assert today.add_business_days(datetime.date(2026, 3, 19), 2) == datetime.date(2026, 3, 25)


# --- Time zone: "today" and due instants are Asia/Karachi.

moments = st.datetimes(
    min_value=datetime.datetime(2000, 1, 1),
    max_value=datetime.datetime(2060, 1, 1),
    timezones=st.just(datetime.UTC),
)


@given(moment=moments, days=st.integers(min_value=0, max_value=400))
def test_a_deadline_is_missed_at_local_midnight_after_its_due_date(moment, days):
    due = local_date(moment) + datetime.timedelta(days=days)
    missed_at = end_of(due).astimezone(KARACHI)
    assert (missed_at.hour, missed_at.minute, missed_at.second) == (0, 0, 0)
    assert missed_at.date() == due + datetime.timedelta(days=1)
    assert missed_at > moment


@given(moment=moments)
def test_the_local_date_is_the_date_in_karachi_not_in_utc(moment):
    assert local_date(moment) == moment.astimezone(KARACHI).date()
    if moment.hour >= 19:  # UTC+5 (UTC+6 in the summers of 2008 and 2009): already tomorrow
        assert local_date(moment) == moment.date() + datetime.timedelta(days=1)


def test_midnight_is_right_across_pakistans_2008_daylight_saving():
    before, after = end_of(datetime.date(2008, 5, 31)), end_of(datetime.date(2008, 6, 1))
    elapsed = after.astimezone(datetime.UTC) - before.astimezone(datetime.UTC)
    assert elapsed == datetime.timedelta(hours=23)  # clocks went forward an hour on 1 June 2008
    assert after.astimezone(KARACHI).hour == 0


# --- Pauses: the whole local days the clock stood still.


@given(start=moments, hours=st.integers(min_value=0, max_value=24 * 200))
def test_a_pause_adds_the_local_days_it_spanned(start, hours):
    end = start + datetime.timedelta(hours=hours)
    days = paused_days(start, end, local_date)
    assert days == (local_date(end) - local_date(start)).days
    assert 0 <= days <= hours // 24 + 1


@given(start=moments, a=st.integers(0, 2000), b=st.integers(0, 2000))
def test_consecutive_pauses_add_up_to_one_long_pause(start, a, b):
    middle = start + datetime.timedelta(hours=a)
    end = middle + datetime.timedelta(hours=b)
    assert paused_days(start, middle, local_date) + paused_days(middle, end, local_date) == paused_days(
        start, end, local_date
    )
