import datetime

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from licensing.validators import (
    lei_check_digits,
    lei_checksum_ok,
    validate_cnic,
    validate_lei,
    validate_ntn,
)
from portal.dates import add_months


@pytest.mark.parametrize("lei", ["5493001KJTIIGC8Y1R12", "529900T8BM49AURSDO55", "HWUPKR0MPOU8FGXBT394"])
def test_published_leis_validate(lei):
    validate_lei(lei)


@pytest.mark.parametrize(
    ("lei", "code"),
    [
        ("5493001KJTIIGC8Y1R13", "lei_checksum"),  # last digit changed
        ("5493001KJTIIGC8Y1R1", "lei_format"),  # 19 characters
        ("5493001kjtiigc8y1r12", "lei_format"),  # lower case
        ("5493001KJTIIGC8Y1RAB", "lei_format"),  # check digits must be digits
        ("", "lei_format"),
    ],
)
def test_bad_leis_are_refused_with_a_specific_message(lei, code):
    with pytest.raises(ValidationError) as info:
        validate_lei(lei)
    assert info.value.code == code


@given(st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=18, max_size=18))
def test_check_digits_we_compute_always_validate(prefix):
    assert lei_checksum_ok(prefix + lei_check_digits(prefix))


@pytest.mark.parametrize("cnic", ["12345-1234567-1", "35202-9876543-2"])
def test_cnic_accepts_the_written_form(cnic):
    validate_cnic(cnic)


@pytest.mark.parametrize(
    "cnic",
    [
        "35202-9876543-0",  # the last digit (gender) is never 0
        "85202-9876543-1",  # no province 8
        "05202-9876543-1",  # nor 0
    ],
)
def test_cnic_with_impossible_digits_is_refused_by_the_stdnum_rules(cnic):
    with pytest.raises(ValidationError, match="province code") as info:
        validate_cnic(cnic)
    assert info.value.code == "cnic_invalid"


@pytest.mark.parametrize("cnic", ["1234512345671", "12345-123456-1", "ABCDE-1234567-1", "12345-1234567-12"])
def test_cnic_refuses_other_forms(cnic):
    with pytest.raises(ValidationError, match="12345-1234567-1"):
        validate_cnic(cnic)


def test_ntn_format():
    validate_ntn("1234567-8")
    with pytest.raises(ValidationError):
        validate_ntn("12345678")


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (datetime.date(2025, 8, 31), 6, datetime.date(2026, 2, 28)),
        (datetime.date(2027, 8, 31), 6, datetime.date(2028, 2, 29)),
        (datetime.date(2025, 12, 15), 6, datetime.date(2026, 6, 15)),
        (datetime.date(2026, 1, 31), 1, datetime.date(2026, 2, 28)),
        (datetime.date(2026, 3, 31), -1, datetime.date(2026, 2, 28)),
    ],
)
def test_add_months_clamps_at_month_end(start, months, expected):
    assert add_months(start, months) == expected


@given(
    st.dates(min_value=datetime.date(1990, 1, 1), max_value=datetime.date(2100, 1, 1)),
    st.integers(min_value=0, max_value=120),
)
def test_add_months_lands_in_the_right_month_never_overflowing(start, months):
    result = add_months(start, months)
    assert (result.year * 12 + result.month) - (start.year * 12 + start.month) == months
    assert result.day <= start.day
    assert result.day == start.day or result.month != (result + datetime.timedelta(days=1)).month
