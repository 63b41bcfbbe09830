"""Amounts for people to read (ADR 0010): one function, used by the `money` template filter and
by the application summaries.

Rupee amounts are grouped in lakhs and crores (PKR 12,34,56,789.00) in every language, as
Pakistan writes them; US dollar amounts in thousands (USD 123,456,789.00). The currency is named
in the active language: "PKR 1,00,000.00" in English, "1,00,000.00 روپے" in Urdu.
"""

from decimal import Decimal, InvalidOperation

from django.utils.numberformat import format as number_format
from django.utils.translation import gettext as _

LAKH_GROUPING = (3, 2, 0)
GROUPING = {"PKR": LAKH_GROUPING, "USD": 3}


def format_amount(amount, currency: str = "") -> str:
    """The number alone, two decimals, grouped for `currency`."""
    value = Decimal(str(amount))
    return number_format(
        value,
        decimal_sep=".",
        decimal_pos=2,
        grouping=GROUPING.get(currency, 3),
        thousand_sep=",",
        force_grouping=True,
    )


def currency_label(currency: str, number: str) -> str:
    if currency == "PKR":
        return _("PKR %(amount)s") % {"amount": number}
    if currency == "USD":
        return _("USD %(amount)s") % {"amount": number}
    return f"{currency} {number}".strip()


def format_money(amount, currency: str = "") -> str:
    """'' for no amount; the text as given when it is not a number (a half-typed answer)."""
    if amount in (None, ""):
        return ""
    try:
        number = format_amount(amount, currency or "")
    except (InvalidOperation, ValueError, ArithmeticError):
        return str(amount)
    return currency_label(currency or "", number)


def money_html(amount, currency: str = ""):
    """`format_money` in a <bdi>, which takes its direction from its own text: "PKR 1,00,000.00"
    reads left to right, "1,00,000.00 روپے" right to left, whatever surrounds it."""
    from django.utils.html import format_html

    text = format_money(amount, currency)
    return format_html('<bdi class="money">{}</bdi>', text) if text else ""
