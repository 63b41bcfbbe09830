"""Staff pages for firms' identity change requests: the list (pending first), and one
request with the firm's details today, what it asks for and why, and (for case officers)
the approve and refuse forms. Decisions go through licensing.services.change_requests."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from licensing.models import FirmChangeRequest
from licensing.models.change_requests import DECIDE_CHANGE_PERMISSION, ChangeRequestStatus
from licensing.services import change_requests as services
from licensing.staff.access import staff_required
from licensing.web.views.application import add_domain_errors
from licensing.web.views.firm_changes import field_rows
from portal.audit.models import AuditEvent
from portal.errors import DomainError

PAGE_SIZE = 100


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[
            ("approve", gettext_lazy("Approve the change")),
            ("refuse", gettext_lazy("Refuse the change")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose approve or refuse.")},
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason (the firm reads it)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Needed to refuse."),
    )


def may_decide(user) -> tuple[bool, str]:
    if user.has_perm(DECIDE_CHANGE_PERMISSION):
        return True, ""
    return False, _("Only case officers decide changes to a firm's identity.")


@require_GET
@staff_required
def staff_firm_changes(request):
    queryset = (
        FirmChangeRequest.objects.with_people()
        .annotate(
            pending_first=Case(
                When(status=ChangeRequestStatus.PENDING, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("pending_first", "created_at", "pk")
    )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "staff/firm_changes/list.html", {"staff_section": "firm_changes", "page": page})


@require_http_methods(["GET", "POST"])
@staff_required
def staff_firm_change(request, pk):
    allowed, why_not = may_decide(request.user)
    if request.method == "POST" and not allowed:
        raise PermissionDenied(why_not)
    change = get_object_or_404(FirmChangeRequest.objects.with_people(), pk=pk)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        decide = (
            services.firm_change_request_approve
            if form.cleaned_data["decision"] == "approve"
            else services.firm_change_request_refuse
        )
        try:
            change = decide(actor=request.user, request_id=change.pk, reason=form.cleaned_data["reason"])
        except DomainError as error:
            add_domain_errors(form, error)
        else:
            messages.success(
                request,
                _("The request is now “%(status)s”; the firm is told.")
                % {"status": change.get_status_display()},
            )
            return redirect("staff_firm_change", pk=change.pk)
    return render(
        request,
        "staff/firm_changes/detail.html",
        {
            "staff_section": "firm_changes",
            "change": change,
            "rows": field_rows(change),
            "events": AuditEvent.objects.for_object(change).with_people().order_by("seq"),
            "form": form,
            "may_decide": allowed,
            "why_not": why_not,
            "can_act": allowed and change.status == ChangeRequestStatus.PENDING,
        },
    )
