from django import template

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
