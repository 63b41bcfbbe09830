"""Template filters for English and Urdu (ADR 0010). `{% load languages %}`.

- `{{ firm.lei|ltr }}`: an identifier (reference number, LEI, CNIC, certificate number, e-mail
  address) isolated left to right, so Urdu text around it cannot reorder its characters.
- `{{ amount|money:currency }}`: an amount with its currency, grouped for the active language
  (see `portal.money`).
"""

from django import template
from django.utils.html import format_html

from portal.money import money_html

register = template.Library()


@register.filter
def ltr(value):
    """`value` in <bdi dir="ltr">; empty values stay empty (chain `default` before it)."""
    if value is None or value == "":
        return ""
    return format_html('<bdi dir="ltr" class="ltr-value">{}</bdi>', value)


@register.filter
def money(amount, currency=""):
    return money_html(amount, currency)
