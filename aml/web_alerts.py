"""Staff pages for screening alerts: the list (filters, score, why it matched) and one alert,
where an AML officer clears it (a false positive) or confirms it (a true match), with a reason.

Access: only staff with `aml.view_screeningalert` (AML officers, approvers) see these pages;
deciding needs `aml.decide_screeningalert` (AML officers). Everyone else gets 403: case
officers, supervisors and, above all, firms, who never learn what screening found.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Q, Value, When
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from aml.models import AlertStatus, SanctionsList, ScreeningAlert
from aml.screening import DECIDE_PERMISSION, alert_clear, alert_confirm
from licensing.staff.access import staff_permission_required
from portal.errors import DomainError

VIEW_PERMISSION = "aml.view_screeningalert"
PAGE_SIZE = 50
CLEAR, CONFIRM = "clear", "confirm"


def alerts_for_staff():
    """Alerts with what the list and the alert page show, open ones first, best score first."""
    return ScreeningAlert.objects.select_related(
        "firm",
        "entry__sanctions_list",
        "entry__removed_in",
        "key_individual__application",
        "beneficial_owner__application",
        "decided_by",
    ).order_by(
        Case(When(status=AlertStatus.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField()),
        "-score",
        "-created_at",
    )


class AlertFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Name, firm or list reference"), required=False, max_length=200)
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        choices=[("", gettext_lazy("Any status")), *AlertStatus.choices],
        required=False,
    )
    sanctions_list = forms.CharField(label=gettext_lazy("List"), required=False, widget=forms.Select)
    min_score = forms.DecimalField(
        label=gettext_lazy("Lowest score"), required=False, min_value=0, max_value=1, decimal_places=2
    )

    def __init__(self, *args, lists=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sanctions_list"].widget.choices = [("", _("Any list")), *lists]

    def filter(self, alerts):
        if not self.is_valid():
            return alerts.filter(status=AlertStatus.OPEN)
        data = self.cleaned_data
        if data["status"]:
            alerts = alerts.filter(status=data["status"])
        if data["sanctions_list"]:
            alerts = alerts.filter(entry__sanctions_list__code=data["sanctions_list"])
        if data["min_score"] is not None:
            alerts = alerts.filter(score__gte=data["min_score"])
        if data["q"]:
            q = data["q"].strip()
            alerts = alerts.filter(
                Q(subject_name__icontains=q)
                | Q(firm__legal_name__icontains=q)
                | Q(entry__name__icontains=q)
                | Q(entry__reference__iexact=q)
            )
        return alerts


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[
            (CLEAR, gettext_lazy("Clear: a false positive (not the listed person or entity)")),
            (CONFIRM, gettext_lazy("Confirm: a true match (flags the case for the approver)")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy(
            "Say what you checked: identity documents, date of birth, nationality, other sources."
        ),
    )


def _case_url(application) -> str:
    try:
        return reverse("staff_case", args=[application.pk])
    except NoReverseMatch:  # the staff case page is not wired in
        return ""


@require_GET
@staff_permission_required(VIEW_PERMISSION)
def alert_list(request):
    lists = list(SanctionsList.objects.values_list("code", "name"))
    data = request.GET.copy()
    data.setdefault("status", AlertStatus.OPEN)  # open alerts unless another status is chosen
    form = AlertFilterForm(data, lists=lists)
    page = Paginator(form.filter(alerts_for_staff()), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "aml/alerts/list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "staff_section": "screening",
            "open_count": ScreeningAlert.objects.filter(status=AlertStatus.OPEN).count(),
        },
    )


@require_http_methods(["GET", "POST"])
@staff_permission_required(VIEW_PERMISSION)
def alert_detail(request, pk):
    alert = get_object_or_404(alerts_for_staff(), pk=pk)
    may_decide = request.user.has_perm(DECIDE_PERMISSION)
    form = DecisionForm(request.POST or None)
    if request.method == "POST":
        if not may_decide:
            raise PermissionDenied
        if form.is_valid():
            decide = alert_clear if form.cleaned_data["decision"] == CLEAR else alert_confirm
            try:
                decided = decide(actor=request.user, alert_id=alert.pk, reason=form.cleaned_data["reason"])
            except DomainError as error:
                if not error.field_errors:  # e.g. decided meanwhile by someone else
                    messages.error(request, error.detail)
                    return redirect("staff_screening_alert", pk=alert.pk)
                for field, errors in error.field_errors.items():
                    for message in errors:
                        form.add_error(field if field in form.fields else None, message)
            else:
                if decided.status == AlertStatus.CLEARED:
                    messages.success(request, _("Alert cleared as a false positive."))
                else:
                    messages.success(request, _("Match confirmed: the case is flagged for the approver."))
                return redirect("staff_screening_alerts")
    subject = alert.key_individual or alert.beneficial_owner
    return render(
        request,
        "aml/alerts/detail.html",
        {
            "alert": alert,
            "subject": subject,
            "is_key_individual": alert.key_individual_id is not None,
            "case_url": _case_url(subject.application),
            "form": form,
            "may_decide": may_decide and alert.status == AlertStatus.OPEN,
            "staff_section": "screening",
        },
    )
