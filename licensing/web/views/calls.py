"""A call for applications: public details, and for a signed-in firm user the way in.

Before anyone presses "Start application" the page says plainly whether the firm may apply
(Call.eligibility), so nobody fills in a form only to be refused at the end.
"""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from licensing.models import ApplicationStatus, Call
from licensing.permissions import EDIT, can_for_firm
from licensing.services.applications import application_create
from licensing.web.firm_context import current_membership, require_membership
from portal.errors import DomainError

# An application in one of these no longer stands in the way of a new one under the call.
_FINISHED = (ApplicationStatus.WITHDRAWN, ApplicationStatus.REFUSED, ApplicationStatus.LAPSED)


def _application_url(app) -> str:
    try:
        return reverse("application_detail", args=[app.pk])
    except NoReverseMatch:  # the application pages are not wired in (yet)
        return f"/applications/{app.pk}/"


def _existing_application(firm, call):
    return firm.applications.filter(call=call).exclude(status__in=_FINISHED).order_by("-created_at").first()


@require_http_methods(["GET", "POST"])
def call_detail(request, pk):
    call = get_object_or_404(
        Call.objects.filter(is_published=True).prefetch_related("eligible_activities"), pk=pk
    )
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        membership = require_membership(request)
        existing = _existing_application(membership.firm, call)
        if existing is not None:
            messages.info(request, _("Your firm has already started an application under this call."))
            return redirect(_application_url(existing))
        try:
            app = application_create(
                actor=request.user, firm_id=membership.firm_id, kind=call.kind, call_id=call.pk
            )
        except DomainError as error:
            messages.error(request, error.detail)
            return redirect("call_detail", pk=call.pk)
        messages.success(request, _("Your application is started. Work through the sections in any order."))
        return redirect(_application_url(app))

    now = timezone.now()
    context = {
        "call": call,
        "jurisdictions": sorted(call.eligible_jurisdictions or []),
        "not_yet_open": call.opens_at > now,
        "has_closed": call.closes_at <= now,
    }
    membership = current_membership(request) if request.user.is_authenticated else None
    if membership is not None:
        firm = membership.firm
        eligible, reason = call.eligibility(firm)
        can_edit, why_not = can_for_firm(request.user, firm, EDIT)
        existing = _existing_application(firm, call)
        context.update(
            {
                "firm": firm,
                "eligible": eligible and can_edit,
                "reason": reason or why_not,
                "existing_application": existing,
                "existing_url": _application_url(existing) if existing else "",
            }
        )
    return render(request, "public/call_detail.html", context)
