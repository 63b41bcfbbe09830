"""The portal's and the regulator's names, in the reader's language.

All three are settings (PORTAL_NAME, PORTAL_REGULATOR_NAME, PORTAL_REGULATOR_SHORT_NAME). The
portal's default name is neutral (it names the product, not a regulator); the regulator's defaults
are the seed's regulator, Pakistan's. The defaults have Urdu translations in the catalogue; a name
an operator sets is looked up the same way, so adding its translation to the catalogue is all it
takes, and an untranslated name is shown as set.
"""

from django.conf import settings
from django.utils.translation import gettext, gettext_noop

DEFAULT_PORTAL_NAME = gettext_noop("Virtual-asset licensing portal")
DEFAULT_REGULATOR_NAME = gettext_noop("Pakistan Virtual Assets Regulatory Authority")
# An acronym: shown as set in every language (the Urdu catalogue keeps it in Latin letters).
DEFAULT_REGULATOR_SHORT_NAME = "PVARA"


def portal_name() -> str:
    return gettext(settings.PORTAL_NAME)


def regulator_name() -> str:
    return gettext(settings.PORTAL_REGULATOR_NAME)


def regulator_short_name() -> str:
    return settings.PORTAL_REGULATOR_SHORT_NAME
