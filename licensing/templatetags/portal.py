from django import template
from django.utils.translation import gettext as _

register = template.Library()

_COLOURS = {
    "green": {"approved", "licensed", "registered", "completed", "answered", "active", "aml_registered"},
    "red": {
        "refused",
        "revoked",
        "lapsed",
        "noc_lapsed",
        "withdrawn",
        "suspended",
        "returned",
        "surrendered",
        "expired",
    },
    "yellow": {"information_requested", "in_progress", "due", "open"},
    "grey": {"draft", "not_started", "applicant"},
}


@register.filter
def status_colour(value) -> str:
    """The tag colour for a status value: green, red, yellow, grey or blue."""
    for colour, values in _COLOURS.items():
        if str(value) in values:
            return colour
    return "blue"


# A label that already ends a sentence (a question, in English or Urdu) takes no colon.
_SENTENCE_ENDS = ("?", "؟", "!", ".", "۔")


@register.simple_tag
def error_line(label, error) -> str:
    """One line of the error summary: the field's label, then its error.

    "Legal name: Enter the legal name." but "Who will your customers be? Select at least one.",
    never "be?: Select"."""
    label, error = str(label or "").strip(), str(error).strip()
    if not label:
        return error
    if label.endswith(":"):
        label = label[:-1].rstrip()
    if label.endswith(_SENTENCE_ENDS):
        return f"{label} {error}"
    return _("%(label)s: %(error)s") % {"label": label, "error": error}


@register.filter
def activity_name(activity) -> str:
    """An activity in the reader's language, whether a model row or a register row's
    {"code", "name"} (issue 14: the register and staff pages showed the English name)."""
    from licensing.models import Activity

    if isinstance(activity, dict):
        return Activity.label(activity.get("code", ""), activity.get("name", ""))
    return str(activity)


@register.simple_tag(takes_context=True)
def idle_seconds(context) -> str:
    """Seconds before a staff session ends for want of a request ("" when it has no idle
    limit): read by static/js/session.js to warn before the timeout."""
    from portal.accounts.sessions import idle_seconds_left

    request = context.get("request")
    left = idle_seconds_left(request) if request is not None else None
    return "" if left is None else str(left)
