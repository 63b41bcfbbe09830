"""Countries: ISO 3166-1 codes and names from maintained sources, never a table of ours.

- Codes and English names: django-countries (`CountryField` on every model that asks for a
  country, a select of country names in the forms, the admin and the API's validation).
- Names in the active language: django-countries' own catalogues, and CLDR (Babel) for the
  languages it has none for, Urdu among them: `PortalCountries` is the `countries` class of
  every `CountryField`, so a form's options, `Country.name` and `country_name()` all agree.
- Names as sanctions lists write them ("Syrian Arab Republic", "Republic of Moldova",
  "United Kingdom of Great Britain and Northern Ireland"): `code_for_name()` reads them with
  django-countries' names and the ISO 3166 short forms it keeps ("Moldova (the Republic of)").
"""

import functools
import re
import unicodedata

from babel import Locale, UnknownLocaleError
from django.utils.translation import get_language
from django_countries import Countries, CountryTuple
from django_countries.data import COUNTRIES as ISO_NAMES


@functools.cache
def _cldr_names(language: str) -> dict[str, str]:
    try:
        return dict(Locale.parse(language.replace("-", "_")).territories)
    except (UnknownLocaleError, ValueError):
        return {}


# Languages whose names come from CLDR: django-countries has no catalogue for them.
CLDR_LANGUAGES = frozenset({"ur"})


class PortalCountries(Countries):
    """django-countries' countries, named in Urdu from CLDR when Urdu is active."""

    def translate_pair(self, code, name=None):
        pair = super().translate_pair(code, name)
        language = (get_language() or "").split("-")[0]
        if language in CLDR_LANGUAGES:
            local = _cldr_names(language).get(pair.code)
            if local:
                return CountryTuple(pair.code, local)
        return pair


countries = PortalCountries()


def is_country(code) -> bool:
    """Whether `code` is an ISO 3166-1 alpha-2 code of a country (upper case)."""
    return bool(code) and str(code) in countries


def country_name(code) -> str:
    """The country's name in the active language, or the code itself when it is unknown."""
    code = str(code or "")
    return countries.name(code) or code


def _key(name: str) -> str:
    bare = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
    bare = re.sub(r"\bthe\b", " ", re.sub(r"[^a-z]+", " ", bare))
    return " ".join(bare.split())


def _forms(name: str):
    """The ways lists write an ISO short name: "Moldova (the Republic of)" is also "Republic
    of Moldova"; "Palestine, State of" is also "State of Palestine"."""
    yield name
    inverted = re.fullmatch(r"(.+?)\s*\((?:the )?(.+ of(?: the)?)\)", name) or re.fullmatch(
        r"(.+?),\s*(?:the )?(.+ of(?: the)?)", name
    )
    if inverted:
        base, qualifier = inverted.groups()
        yield f"{qualifier} {base}"
        yield base
    bracketed = re.fullmatch(r"(.+?)\s*\((?:the )?(.+)\)", name)
    if bracketed:
        yield bracketed.group(1)


@functools.cache
def _names_index() -> dict[str, str]:
    index = {}
    for code in countries.countries:  # every code django-countries knows, with its English names
        for name in (str(countries.countries[code]), str(ISO_NAMES.get(code, ""))):
            if name:
                for form in _forms(name):
                    index.setdefault(_key(form), code)
    for code, name in _cldr_names("en").items():
        if len(code) == 2 and code in countries:
            index.setdefault(_key(name), code)
    return index


def code_for_name(value: str) -> str:
    """ "PK", "PAK", "Pakistan", "Republic of Moldova" or "Netherlands (Kingdom of the)" → the
    ISO code; "" when it is not a country."""
    value = " ".join((value or "").split())
    if len(value) == 2 and value.isalpha():
        return value.upper() if is_country(value.upper()) else ""
    if len(value) == 3 and value.isalpha():  # ISO alpha-3: "PAK", "USA"
        return countries.alpha2(value.upper())
    found = countries.by_name(value)
    if found:
        return found
    index = _names_index()
    return next((index[_key(f)] for f in _forms(value) if _key(f) in index), "")
