"""The firm's requests to change its identity on the register.

Everyone of the firm sees the requests and their outcome; only a principal asks for a
change or withdraws a pending one (licensing.services.change_requests decides who may).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from licensing.models import Firm, FirmChangeRequest
from licensing.models.firms import IDENTITY_FIELDS
from licensing.permissions import MANAGE_PROFILE, can_for_firm
from licensing.services import change_requests
from licensing.web.firm_context import require_membership
from licensing.web.forms_firm import IdentityChangeForm, add_domain_error
from portal.errors import DomainError


def field_rows(request_row) -> list[dict]:
    """The request's changes as rows: field label, value before, value proposed."""
    rows = []
    for name, (before, after) in (request_row.changes or {}).items():
        label = Firm._meta.get_field(name).verbose_name if name in IDENTITY_FIELDS else name
        rows.append({"field": name, "label": label, "before": _shown(before), "after": _shown(after)})
    return rows


def _shown(value) -> str:
    if isinstance(value, list):
        return "; ".join(str(v) for v in value) or "—"
    return str(value) if value not in (None, "") else "—"


@login_required
@require_GET
def firm_change_requests(request):
    membership = require_membership(request)
    firm = membership.firm
    can_request, why_not = can_for_firm(request.user, firm, MANAGE_PROFILE)
    rows = list(FirmChangeRequest.objects.filter(firm=firm).with_people())
    for row in rows:
        row.rows = field_rows(row)
    return render(
        request,
        "applicant/firm/change_requests.html",
        {
            "firm": firm,
            "requests": rows,
            "can_request": can_request,
            "why_not": why_not,
            "has_pending": any(r.status == "pending" for r in rows),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def firm_change_request_new(request):
    membership = require_membership(request)
    can_request, why_not = can_for_firm(request.user, membership.firm, MANAGE_PROFILE)
    if not can_request:
        messages.error(request, why_not)
        return redirect("firm_change_requests")
    # A fresh copy: the form sets the proposed values on it.
    instance = Firm.objects.get(pk=membership.firm_id)
    form = IdentityChangeForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            change_requests.firm_change_request_create(
                actor=request.user,
                firm_id=membership.firm_id,
                changes=form.service_kwargs(),
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request, _("Your request is sent. The register changes once the regulator approves it.")
            )
            return redirect("firm_change_requests")
    return render(request, "applicant/firm/change_request_new.html", {"form": form, "firm": membership.firm})


@login_required
@require_POST
def firm_change_request_withdraw(request, pk):
    membership = require_membership(request)
    row = get_object_or_404(FirmChangeRequest, pk=pk, firm_id=membership.firm_id)
    try:
        change_requests.firm_change_request_withdraw(
            actor=request.user, firm_id=membership.firm_id, request_id=row.pk
        )
    except DomainError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, _("Your change request is withdrawn."))
    return redirect("firm_change_requests")
