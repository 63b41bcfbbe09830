"""Dates in forms: one box, typed day/month/year, everywhere a page asks for a date.

A native `<input type="date">` shows the browser's own order (mm/dd/yyyy in a US-English
browser) under a hint that says 27/03/1980, so every date box is a text box that shows and
reads DD/MM/YYYY, with a hint in that format. ISO dates (1980-03-27) are still read: pasted
from elsewhere, or sent by an older page. The API keeps ISO 8601 only.
"""

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

DATE_DISPLAY_FORMAT = "%d/%m/%Y"
DATE_INPUT_FORMATS = [DATE_DISPLAY_FORMAT, "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d %m %Y"]


def date_box(**attrs) -> forms.DateInput:
    """A short text box showing a date as DD/MM/YYYY."""
    return forms.DateInput(
        attrs={"class": "input--short", "autocomplete": "off", "spellcheck": "false", **attrs},
        format=DATE_DISPLAY_FORMAT,
    )


def _hint(example: str) -> str:
    return gettext("Day/month/year, for example %(example)s.") % {"example": example}


def date_hint(example: str = "27/03/1980"):
    """The hint under a date box, in the box's own format (translated when shown)."""
    return lazy(_hint, str)(example)


def date_field(label, *, help_text="", field_class=forms.DateField, **kwargs):
    """A DateField read and shown as DD/MM/YYYY, with a hint in that format."""
    kwargs.setdefault("error_messages", {})
    kwargs["error_messages"].setdefault(
        "invalid", _("Enter a real date as day/month/year, for example 27/03/1980.")
    )
    return field_class(
        label=label,
        help_text=help_text or date_hint(),
        input_formats=DATE_INPUT_FORMATS,
        widget=date_box(),
        **kwargs,
    )
