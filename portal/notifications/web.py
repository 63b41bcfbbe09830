"""The notification inbox (unread first, mark one or all as read) and the person's choice of
channel for non-statutory reminders. Every read is scoped to the signed-in person; changes go
through `portal.notifications.services`."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.errors import NotFound
from portal.notifications.models import Channel, Notification, NotificationPreference
from portal.notifications.services import notification_mark_all_read, notification_mark_read, preference_set

PAGE_SIZE = 50


def inbox_queryset(user):
    """Unread first, then newest first."""
    return Notification.objects.for_user(user).order_by(
        F("read_at").desc(nulls_first=True), "-created_at", "-pk"
    )


def safe_link(link: str) -> str:
    """Only links inside the portal are shown as links."""
    if link and link.startswith("/") and url_has_allowed_host_and_scheme(link, allowed_hosts=None):
        return link
    return ""


@require_GET
@login_required
def notifications(request):
    page = Paginator(inbox_queryset(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"notification": n, "link": safe_link(n.link)} for n in page.object_list]
    return render(
        request,
        "notifications/inbox.html",
        {"rows": rows, "page": page, "has_unread": any(n.read_at is None for n in page.object_list)},
    )


@require_POST
@login_required
def notification_read(request, pk):
    try:
        notification_mark_read(user=request.user, notification_id=pk)
    except NotFound as error:
        raise Http404 from error
    return redirect("notifications")


@require_POST
@login_required
def notifications_read_all(request):
    count = notification_mark_all_read(user=request.user)
    messages.success(request, _("%(count)d notifications marked as read.") % {"count": count})
    return redirect("notifications")


class PreferenceForm(forms.Form):
    reminders = forms.ChoiceField(
        label=gettext_lazy("How should we send you reminders that are not statutory?"),
        help_text=gettext_lazy("Statutory reminders are always e-mailed as well."),
        choices=Channel.choices,
        widget=forms.RadioSelect,
    )


@require_http_methods(["GET", "POST"])
@login_required
def notification_preferences(request):
    current = (
        NotificationPreference.objects.filter(user=request.user).values_list("reminders", flat=True).first()
        or Channel.EMAIL
    )
    form = PreferenceForm(request.POST or None, initial={"reminders": current})
    if request.method == "POST" and form.is_valid():
        preference_set(user=request.user, reminders=form.cleaned_data["reminders"])
        messages.success(request, _("Your notification preferences are saved."))
        return redirect("notification_preferences")
    return render(request, "notifications/preferences.html", {"form": form})
