"""`{% unread_notification_count as n %}`: the signed-in person's unread count, one query per
request however many times a page asks."""

from django import template

from portal.notifications.services import unread_count

register = template.Library()

CACHE_ATTR = "_portal_unread_notifications"


@register.simple_tag(takes_context=True)
def unread_notification_count(context) -> int:
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or user is None or not user.is_authenticated:
        return 0
    if not hasattr(request, CACHE_ATTR):
        setattr(request, CACHE_ATTR, unread_count(user))
    return getattr(request, CACHE_ATTR)
