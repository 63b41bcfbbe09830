"""Staff pages for MoUs and letters of intent: the list with each window's countdown, and one
agreement with its history, its deadline and reminders, and (for those who may manage
agreements) the forms to extend the window, record the definitive agreement or terminate.

Actions POST to the agreement's page with an `action` field; the permission is checked before
anything else (read-only supervisors get 403), and state changes only through
`licensing.services.agreements`. Recording a new agreement stays in the Django admin.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from licensing.models import Agreement, AgreementExtension
from licensing.models.agreements import AWAITING, MANAGE_AGREEMENT, AgreementStatus
from licensing.services import agreements as services
from licensing.staff.access import staff_required
from licensing.web.views.application import add_domain_errors
from portal.audit.models import AuditEvent
from portal.dates import local_today
from portal.deadlines.models import Deadline, Reminder
from portal.errors import DomainError
from portal.form_dates import date_field, date_hint

PAGE_SIZE = 100
STATUS_FILTERS = {
    "awaiting": gettext_lazy("Awaiting the definitive agreement"),
    **dict(AgreementStatus.choices),
    "all": gettext_lazy("All"),
}


class ConfirmMixin(forms.Form):
    confirm = forms.BooleanField(
        label=gettext_lazy("I confirm this action; it is recorded in the audit trail."),
        required=True,
        error_messages={"required": gettext_lazy("Tick the box to confirm.")},
    )


class ExtendForm(ConfirmMixin):
    new_due_on = date_field(
        gettext_lazy("New date for the definitive agreement"), help_text=date_hint("31/08/2026")
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
    field_order = ["new_due_on", "reason", "confirm"]


class SignDefinitiveForm(ConfirmMixin):
    signed_on = date_field(
        gettext_lazy("Date the definitive agreement was signed"), help_text=date_hint("15/01/2026")
    )
    reason = forms.CharField(
        label=gettext_lazy("Note (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    field_order = ["signed_on", "reason", "confirm"]


class TerminateForm(ConfirmMixin):
    reason = forms.CharField(label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
    field_order = ["reason", "confirm"]


ACTIONS = {
    "extend": (ExtendForm, gettext_lazy("Extend the window")),
    "sign_definitive": (SignDefinitiveForm, gettext_lazy("Record the definitive agreement")),
    "terminate": (TerminateForm, gettext_lazy("Terminate the agreement")),
}


def run_action(name: str, *, actor, agreement, data: dict) -> Agreement:
    if name == "extend":
        return services.agreement_extend(
            actor=actor, agreement_id=agreement.pk, new_due_on=data["new_due_on"], reason=data["reason"]
        )
    if name == "sign_definitive":
        return services.agreement_sign_definitive(
            actor=actor, agreement_id=agreement.pk, signed_on=data["signed_on"], reason=data["reason"]
        )
    return services.agreement_terminate(actor=actor, agreement_id=agreement.pk, reason=data["reason"])


def may_manage(user) -> tuple[bool, str]:
    if user.has_perm(MANAGE_AGREEMENT):
        return True, ""
    return False, _("Only staff who may manage agreements (approvers, administrators) can change them.")


def countdown(agreement, today) -> dict:
    awaiting = agreement.status in AWAITING
    left = (agreement.definitive_due_on - today).days
    return {
        "agreement": agreement,
        "awaiting": awaiting,
        "days_left": left,
        "overdue": awaiting and left < 0,
        "overdue_days": -left,
    }


def agreements_queryset(user):
    return (
        Agreement.objects.visible_to(user)
        .select_related("counterparty_firm", "owner")
        .prefetch_related("co_owners")
    )


@require_GET
@staff_required
def staff_agreements(request):
    today = local_today()
    status = request.GET.get("status", "awaiting")
    queryset = agreements_queryset(request.user)
    if status == "awaiting" or status not in STATUS_FILTERS:
        status = "awaiting"
        queryset = queryset.awaiting_definitive()
    elif status != "all":
        queryset = queryset.filter(status=status)
    page = Paginator(queryset.order_by("definitive_due_on", "pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "staff/agreements/list.html",
        {
            "staff_section": "agreements",
            "rows": [countdown(a, today) for a in page.object_list],
            "page": page,
            "status": status,
            "status_filters": STATUS_FILTERS.items(),
            "may_record": request.user.has_perm("licensing.add_agreement"),
        },
    )


@require_http_methods(["GET", "POST"])
@staff_required
def staff_agreement(request, pk):
    allowed, why_not = may_manage(request.user)
    if request.method == "POST" and not allowed:
        raise PermissionDenied(why_not)
    agreement = get_object_or_404(agreements_queryset(request.user), pk=pk)
    forms_by_action = {name: form_class(prefix=name) for name, (form_class, _label) in ACTIONS.items()}
    open_action = ""
    if request.method == "POST":
        name = request.POST.get("action", "")
        if name not in ACTIONS:
            raise PermissionDenied
        form = ACTIONS[name][0](request.POST, prefix=name)
        forms_by_action[name] = form
        open_action = name
        if form.is_valid():
            try:
                agreement = run_action(name, actor=request.user, agreement=agreement, data=form.cleaned_data)
            except DomainError as error:
                add_domain_errors(form, error)
            else:
                messages.success(
                    request,
                    _(
                        "%(action)s: done. The agreement is now “%(status)s”; "
                        "the definitive agreement is due by %(due)s."
                    )
                    % {
                        "action": ACTIONS[name][1],
                        "status": agreement.get_status_display(),
                        "due": agreement.definitive_due_on.isoformat(),
                    },
                )
                return redirect("staff_agreement", pk=agreement.pk)
    today = local_today()
    deadlines = list(
        Deadline.objects.filter(agreement=agreement)
        .select_related("responsible")
        .prefetch_related(Prefetch("reminders", queryset=Reminder.objects.order_by("scheduled_for", "pk")))
        .order_by("-created_at", "-pk")
    )
    return render(
        request,
        "staff/agreements/detail.html",
        {
            "staff_section": "agreements",
            "agreement": agreement,
            "row": countdown(agreement, today),
            "extensions": AgreementExtension.objects.filter(agreement=agreement).select_related("actor"),
            "events": AuditEvent.objects.for_object(agreement).with_people().order_by("seq"),
            "deadlines": deadlines,
            "may_manage": allowed,
            "why_not": why_not,
            "can_act": allowed and agreement.status in AWAITING,
            "actions": [(name, label, forms_by_action[name]) for name, (_form, label) in ACTIONS.items()],
            "open_action": open_action,
        },
    )
