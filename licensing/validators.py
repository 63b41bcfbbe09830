"""Validators for the identifiers a regulator in Pakistan deals with.

The LEI (ISO 17442) and the CNIC are checked by python-stdnum, a maintained library of
identifier rules; the portal adds only the written form it stores and the sentences people
read. The NTN has no public check-digit rule, so only its form is checked."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import lei as stdnum_lei
from stdnum.exceptions import InvalidChecksum
from stdnum.exceptions import ValidationError as NumberInvalid
from stdnum.iso7064 import mod_97_10
from stdnum.pk import cnic as stdnum_cnic

_LEI_RE = re.compile(r"^[0-9A-Z]{18}[0-9]{2}$")
_CNIC_RE = re.compile(r"^\d{5}-\d{7}-\d$")
_NTN_RE = re.compile(r"^\d{7}-\d$")


def lei_checksum_ok(value: str) -> bool:
    """ISO 17442 check digits (ISO 7064 MOD 97-10), as python-stdnum computes them."""
    return stdnum_lei.is_valid(value)


def lei_check_digits(prefix18: str) -> str:
    """The two check digits that complete an 18-character LEI prefix."""
    return mod_97_10.calc_check_digits(prefix18.upper())


def validate_lei(value: str) -> None:
    if not _LEI_RE.match(value or ""):
        raise ValidationError(
            _("An LEI is 20 characters: 18 capital letters or digits, then 2 check digits."),
            code="lei_format",
        )
    try:
        stdnum_lei.validate(value)
    except InvalidChecksum:
        raise ValidationError(
            _("This LEI's check digits are wrong: check for a mistyped character."),
            code="lei_checksum",
        ) from None
    except NumberInvalid:
        raise ValidationError(
            _("An LEI is 20 characters: 18 capital letters or digits, then 2 check digits."),
            code="lei_format",
        ) from None


def validate_cnic(value: str) -> None:
    if not _CNIC_RE.match(value or ""):
        raise ValidationError(
            _("Enter the CNIC as 13 digits in the form 12345-1234567-1."), code="cnic_format"
        )
    try:
        stdnum_cnic.validate(value)
    except NumberInvalid:
        raise ValidationError(
            _(
                "This is not a valid CNIC: its first digit must be a province code (1 to 7) and its "
                "last digit cannot be 0. Check it against the card."
            ),
            code="cnic_invalid",
        ) from None


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
