"""Every date box reads and shows day/month/year under a hint in the same format (issue 14,
item 16: a native date box showed mm/dd/yyyy under a hint of 27/03/1980). Generated from every
form the web pages use; the Django admin keeps its own calendar widget."""

import datetime
import re

import pytest
from django import forms

from portal.form_dates import DATE_DISPLAY_FORMAT
from tests.form_classes import portal_form_classes

DD_MM_YYYY = re.compile(r"\b\d{2}/\d{2}/\d{4}\b")


def date_fields():
    return [
        pytest.param(field, id=f"{form.__module__}.{form.__qualname__}.{name}")
        for form in portal_form_classes(include_admin=False)
        for name, field in getattr(form, "base_fields", {}).items()
        if isinstance(field, forms.DateField)
    ]


def test_the_web_forms_ask_for_dates():
    assert len(date_fields()) >= 5


@pytest.mark.parametrize("field", date_fields())
def test_a_date_box_is_day_month_year_with_a_hint_in_that_format(field):
    widget = field.widget
    assert widget.input_type == "text"  # not a native box, whose order is the browser's
    assert widget.format == DATE_DISPLAY_FORMAT
    assert DD_MM_YYYY.search(str(field.help_text)), field.help_text
    assert field.clean("27/03/1980") == datetime.date(1980, 3, 27)
    assert field.clean("1980-03-27") == datetime.date(1980, 3, 27)  # ISO still read
    assert 'value="27/03/1980"' in widget.render("d", datetime.date(1980, 3, 27))


def test_a_us_ordered_date_is_refused_with_the_expected_format_named():
    from portal.form_dates import date_field

    field = date_field("Date of birth")
    with pytest.raises(forms.ValidationError) as refused:
        field.clean("03/27/1980")
    assert "day/month/year" in refused.value.messages[0]


def test_the_hint_is_translated_when_shown():
    from django.utils import translation

    from portal.form_dates import date_hint

    hint = date_hint()
    with translation.override("en"):
        assert str(hint) == "Day/month/year, for example 27/03/1980."
