"""The portal's and the regulator's names, in the reader's language.

Both are settings (PORTAL_NAME, PORTAL_REGULATOR_NAME). The defaults have Urdu translations in the
catalogue; a name an operator sets is looked up the same way, so adding its translation to the
catalogue is all it takes, and an untranslated name is shown as set.
"""

from django.conf import settings
from django.utils.translation import gettext, gettext_noop

DEFAULT_PORTAL_NAME = gettext_noop("VARA licensing portal")
DEFAULT_REGULATOR_NAME = gettext_noop("Virtual Assets Regulatory Authority")


def portal_name() -> str:
    return gettext(settings.PORTAL_NAME)


def regulator_name() -> str:
    return gettext(settings.PORTAL_REGULATOR_NAME)
