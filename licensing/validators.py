"""Validators for the identifiers a regulator in Pakistan deals with."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_LEI_RE = re.compile(r"^[0-9A-Z]{18}[0-9]{2}$")
_CNIC_RE = re.compile(r"^\d{5}-\d{7}-\d$")
_NTN_RE = re.compile(r"^\d{7}-\d$")


def lei_checksum_ok(value: str) -> bool:
    """ISO 17442 check digits: ISO 7064 MOD 97-10 over the whole code must give 1."""
    digits = "".join(str(int(ch, 36)) for ch in value)
    return int(digits) % 97 == 1


def lei_check_digits(prefix18: str) -> str:
    """The two check digits that complete an 18-character LEI prefix."""
    digits = "".join(str(int(ch, 36)) for ch in prefix18.upper() + "00")
    return f"{98 - int(digits) % 97:02d}"


def validate_lei(value: str) -> None:
    if not _LEI_RE.match(value or ""):
        raise ValidationError(
            _("An LEI is 20 characters: 18 capital letters or digits, then 2 check digits."),
            code="lei_format",
        )
    if not lei_checksum_ok(value):
        raise ValidationError(
            _("This LEI's check digits are wrong: check for a mistyped character."),
            code="lei_checksum",
        )


def validate_cnic(value: str) -> None:
    if not _CNIC_RE.match(value or ""):
        raise ValidationError(
            _("Enter the CNIC as 13 digits in the form 12345-1234567-1."), code="cnic_format"
        )


def validate_ntn(value: str) -> None:
    if not _NTN_RE.match(value or ""):
        raise ValidationError(
            _("Enter the NTN as 7 digits, a hyphen and a check digit, e.g. 1234567-8."),
            code="ntn_format",
        )


_LONE_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def validate_no_lone_surrogates(value) -> None:
    """Half of a UTF-16 pair on its own is not a character: it cannot be stored as UTF-8
    (PostgreSQL refuses it; SQLite keeps it and every page showing it fails)."""
    if isinstance(value, str) and _LONE_SURROGATE_RE.search(value):
        raise ValidationError(
            _("This text contains an invalid character (half of a character pair). Type it again."),
            code="lone_surrogate",
        )


def refuse_lone_surrogates(form) -> None:
    """Add `validate_no_lone_surrogates` to every text field of a bound form instance."""
    from django import forms

    for field in form.fields.values():
        if isinstance(field, forms.CharField) and validate_no_lone_surrogates not in field.validators:
            field.validators = [*field.validators, validate_no_lone_surrogates]
