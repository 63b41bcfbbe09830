"""The AML registry in the staff workspace: every firm with its AML registration (page and
CSV for the FMU), one registration in full with its evidence and history, and the AML
officer's actions on it: register (with the AML-registered services, after a confirmation
step) or return with remedial actions.

Every view needs regulator staff; the actions also need aml.verify_amlregistration, so
read-only supervisors, case officers and approvers get 403. Open screening alerts are shown
only to people with aml.view_screeningalert (AML officers and approvers).
"""

import csv

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods

from aml.models import AlertStatus, AmlRegistration, AmlStatus, ScreeningAlert
from aml.services import aml_registration_register, aml_registration_return
from aml.web.forms import RegisterForm, RegistryFilterForm, ReturnForm
from aml.web.registry import csv_rows, may_see_alerts, registry_firms, registry_rows
from aml.web.views_firm import answer_rows, evidence_of, show_errors
from licensing.models import ApplicationKind, ApplicationStatus, DocumentType
from licensing.permissions import can_with_perm
from licensing.staff.access import staff_permission_required, staff_required
from portal.audit.models import AuditEvent
from portal.errors import DomainError, TransitionNotPossible

PAGE_SIZE = 50
VERIFY_PERMISSION = "aml.verify_amlregistration"

# Whole sentences, the person's name a placeholder: translators may put it where their
# language needs it (never "{actor} {label}" glued together).
HISTORY_SENTENCES = {
    "amlregistration.save": gettext_lazy("%(actor)s saved answers"),
    "amlregistration.submit": gettext_lazy("%(actor)s submitted the registration for verification"),
    "amlregistration.return_for_remedy": gettext_lazy(
        "%(actor)s returned the registration with remedial actions"
    ),
    "amlregistration.register": gettext_lazy("%(actor)s registered the firm with the AML system"),
    "amlregistration.remove_evidence": gettext_lazy("%(actor)s removed an evidence document"),
    "document.upload": gettext_lazy("%(actor)s uploaded an evidence document"),
    "firm.register_aml": gettext_lazy("The firm's stage became AML-registered"),
}


def history_sentence(event) -> str:
    actor = (event.actor.get_full_name() if event.actor_id else "") or getattr(event, "actor_label", "")
    sentence = HISTORY_SENTENCES.get(event.action)
    if sentence is None:
        return _("%(actor)s: %(action)s") % {"actor": actor, "action": event.action}
    return str(sentence) % {"actor": actor} if "%(actor)s" in str(sentence) else str(sentence)


def _registration(pk) -> AmlRegistration:
    return get_object_or_404(
        AmlRegistration.objects.select_related("firm", "verified_by").prefetch_related("registered_services"),
        pk=pk,
    )


def registration_history(registration) -> list[AuditEvent]:
    """The registration's audit events, oldest first: its transitions and saves, the evidence
    uploaded for it, and the firm's stage change it caused."""
    events = AuditEvent.objects.filter(
        Q(object_type=registration._meta.label_lower, object_id=str(registration.pk))
        | Q(action="document.upload", firm_id=registration.firm_id, details__aml_registration=registration.pk)
        | Q(action="firm.register_aml", firm_id=registration.firm_id)
    )
    history = list(events.with_people().order_by("seq"))
    for event in history:
        event.sentence = history_sentence(event)
    return history


def _noc_services(firm) -> list[int]:
    """The AML-registrable activities the firm proposed in its granted NOC application."""
    return list(
        firm.applications.filter(kind=ApplicationKind.NOC, status=ApplicationStatus.APPROVED)
        .filter(activities__aml_registrable=True, activities__is_active=True)
        .values_list("activities__pk", flat=True)
        .distinct()
    )


# --- The registry ----------------------------------------------------------------------------


@require_GET
@staff_required
def aml_registry(request):
    show_alerts = may_see_alerts(request.user)
    form = RegistryFilterForm(request.GET or None, show_alerts=show_alerts)
    filters = form.filters()
    firms = registry_firms(**filters, with_alerts=show_alerts)
    page = Paginator(firms, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "aml/staff/registry.html",
        {
            "staff_section": "aml",
            "form": form,
            "filtered": bool(filters),
            "page": page,
            "rows": registry_rows(page.object_list, with_alerts=show_alerts),
            "show_alerts": show_alerts,
        },
    )


class _Echo:
    def write(self, value):
        return value


@require_GET
@staff_required
def aml_registry_csv(request):
    show_alerts = may_see_alerts(request.user)
    form = RegistryFilterForm(request.GET or None, show_alerts=show_alerts)
    firms = registry_firms(**form.filters(), with_alerts=show_alerts)
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff"  # byte-order mark: spreadsheets then read the file as UTF-8
        for row in csv_rows(firms, with_alerts=show_alerts):
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    filename = f"aml-registry-{timezone.localdate().isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


# --- One registration ------------------------------------------------------------------------


@require_GET
@staff_required
def aml_registration_detail(request, pk):
    registration = _registration(pk)
    may_verify, why_not = can_with_perm(request.user, VERIFY_PERMISSION)
    show_alerts = may_see_alerts(request.user)
    evidence = evidence_of(registration)
    return render(
        request,
        "aml/staff/registration.html",
        {
            "staff_section": "aml",
            "registration": registration,
            "firm": registration.firm,
            "answers": answer_rows(registration),
            "evidence": evidence,
            "no_identity_document": not any(d.doc_type == DocumentType.IDENTITY for d in evidence),
            "history": registration_history(registration),
            "services": list(registration.registered_services.all()),
            "awaiting": registration.status == AmlStatus.SUBMITTED,
            "may_verify": may_verify,
            "why_not": why_not,
            "show_alerts": show_alerts,
            "open_alerts": ScreeningAlert.objects.filter(
                firm=registration.firm, status=AlertStatus.OPEN
            ).count()
            if show_alerts
            else None,
        },
    )


def _not_awaiting(request, registration):
    """A redirect to the registration, with the reason, when it is not awaiting verification."""
    if registration.status == AmlStatus.SUBMITTED:
        return None
    messages.error(
        request,
        _("This registration is not awaiting verification: it is now “%(status)s”.")
        % {"status": registration.get_status_display()},
    )
    return redirect("staff_aml_registration", pk=registration.pk)


def _refused(request, registration, form, error: DomainError):
    """A refusal from the service: a changed case goes back to the registration page, any
    other refusal is shown on the form. Returns a redirect, or None to re-render."""
    if isinstance(error, TransitionNotPossible):
        messages.error(request, error.detail)
        return redirect("staff_aml_registration", pk=registration.pk)
    show_errors(form, error)
    return None


@require_http_methods(["GET", "POST"])
@staff_permission_required(VERIFY_PERMISSION)
def aml_registration_register_view(request, pk):
    registration = _registration(pk)
    if (gone := _not_awaiting(request, registration)) is not None:
        return gone
    template = "aml/staff/register.html"
    if request.method == "POST":
        form = RegisterForm(request.POST)
        if form.is_valid():
            confirmed = request.POST.get("confirmed")
            if confirmed == "yes":
                try:
                    aml_registration_register(
                        actor=request.user,
                        registration_id=registration.pk,
                        reason=form.cleaned_data["reason"],
                        service_ids=[s.pk for s in form.cleaned_data["services"]],
                        expected_status=AmlStatus.SUBMITTED,
                    )
                except DomainError as error:
                    if (response := _refused(request, registration, form, error)) is not None:
                        return response
                else:
                    messages.success(
                        request,
                        _("%(firm)s is registered with the AML system and is now AML-registered.")
                        % {"firm": registration.firm.legal_name},
                    )
                    return redirect("staff_aml_registration", pk=registration.pk)
            elif confirmed != "no":
                template = "aml/staff/register_confirm.html"
    else:
        form = RegisterForm(initial={"services": _noc_services(registration.firm)})
    return render(request, template, {"staff_section": "aml", "registration": registration, "form": form})


@require_http_methods(["GET", "POST"])
@staff_permission_required(VERIFY_PERMISSION)
def aml_registration_return_view(request, pk):
    registration = _registration(pk)
    if (gone := _not_awaiting(request, registration)) is not None:
        return gone
    if request.method == "POST":
        form = ReturnForm(request.POST)
        if form.is_valid():
            try:
                aml_registration_return(
                    actor=request.user,
                    registration_id=registration.pk,
                    remedial_actions=form.cleaned_data["remedial_actions"],
                    reason=form.cleaned_data["reason"],
                    expected_status=AmlStatus.SUBMITTED,
                )
            except DomainError as error:
                if (response := _refused(request, registration, form, error)) is not None:
                    return response
            else:
                count = len(form.cleaned_data["remedial_actions"])
                messages.success(
                    request,
                    ngettext(
                        "The registration was returned to %(firm)s with %(count)s remedial action.",
                        "The registration was returned to %(firm)s with %(count)s remedial actions.",
                        count,
                    )
                    % {"firm": registration.firm.legal_name, "count": count},
                )
                return redirect("staff_aml_registration", pk=registration.pk)
    else:
        form = ReturnForm()
    return render(
        request, "aml/staff/return.html", {"staff_section": "aml", "registration": registration, "form": form}
    )
