"""The API's JSON parser: strict about what it accepts, so odd input is a 400 problem, never a 500.

On top of DRF's strict JSON (no NaN or Infinity) it refuses:
- a body that is not UTF-8;
- nesting deeper than `PORTAL_API_JSON_MAX_DEPTH` (Python's decoder recurses, so 5 000 levels
  would end in a RecursionError); the depth is measured before decoding, on the text with its
  strings taken out, so brackets inside strings do not count;
- a lone surrogate (`"\\ud800"` not followed by its low half): not a character, it cannot be
  encoded as UTF-8, so PostgreSQL refuses it and SQLite stores it for every later page to fail
  on. A proper pair (an emoji written as two escapes) decodes to one character and is kept.
"""

import json
import re

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# A string (to its closing quote, or to the end when it has none) or a bracket; possessive,
# so scanning is linear whatever the text.
TOKENS = re.compile(r'"(?:[^"\\]++|\\.)*+"?|[\[\]{}]', re.DOTALL)
SURROGATE = re.compile("[\ud800-\udfff]")
DEFAULT_MAX_DEPTH = 32


def max_depth() -> int:
    return getattr(settings, "PORTAL_API_JSON_MAX_DEPTH", DEFAULT_MAX_DEPTH)


def nesting_depth(text: str) -> int:
    """How deeply arrays and objects nest in JSON `text` (brackets inside strings ignored)."""
    depth = deepest = 0
    for match in TOKENS.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            deepest = max(deepest, depth)
        elif token in ("]", "}"):
            depth -= 1
    return deepest


def has_lone_surrogate(value) -> bool:
    """Whether any string (key or value) of decoded JSON holds an unpaired surrogate."""
    if isinstance(value, str):
        return SURROGATE.search(value) is not None
    if isinstance(value, dict):
        return any(has_lone_surrogate(k) or has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(has_lone_surrogate(v) for v in value)
    return False


def _refuse_constant(name):
    raise ValueError(f"{name} is not valid JSON")


def loads(text: str):
    """Decode API JSON with the checks above; raises ParseError (400) with the reason."""
    limit = max_depth()
    if nesting_depth(text) > limit:
        raise ParseError(_("The JSON is nested more than %(limit)d levels deep.") % {"limit": limit})
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as error:
        raise ParseError(_("The body is not valid JSON: %(error)s") % {"error": error}) from None
    if has_lone_surrogate(data):
        raise ParseError(
            _("The text contains an unpaired surrogate escape (such as \\ud800), which is not a character.")
        )
    return data


class StrictJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = stream.read().decode(encoding)
        except (UnicodeDecodeError, LookupError):
            raise ParseError(_("The body is not valid UTF-8 text.")) from None
        return loads(text)
