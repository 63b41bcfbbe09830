"""One view serves every staff action, from the declarative table in
`licensing.staff.case_actions`: GET shows what will happen and the form (with a
confirmation for irreversible actions); POST calls the service with the state the person
saw, then returns to the case (or firm) page saying what the state is now.

Who may: regulator staff see the page; a POST, and the form itself, also need the action's
staff permission (read-only supervisors and AML officers get 403 on licensing actions).
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from licensing.models import ApplicationKind, Firm, Licence, Noc
from licensing.models.applications import DecisionOutcome
from licensing.staff.access import staff_required
from licensing.staff.case_actions import APPLICATION, FIRM, get_action
from licensing.staff.views.case import get_case
from licensing.web.views.application import add_domain_errors
from portal.accounts.reauth import require_recent_authentication
from portal.dates import local_today, long_date
from portal.errors import CaseChanged, DomainError


@staff_required
@require_http_methods(["GET", "POST"])
def staff_case_action(request, pk, name):
    action = get_action(APPLICATION, name)
    if action is None:
        raise Http404
    app = get_case(pk)
    return _action_page(request, action, app, back_url=reverse("staff_case", args=[app.pk]))


@staff_required
@require_http_methods(["GET", "POST"])
def staff_firm_action(request, pk, name):
    action = get_action(FIRM, name)
    if action is None:
        raise Http404
    firm = get_object_or_404(Firm.objects.all(), pk=pk)
    return _action_page(request, action, firm, back_url=reverse("staff_firm", args=[firm.pk]))


def _action_page(request, action, obj, *, back_url):
    if not action.user_may(request.user):
        raise PermissionDenied
    form_kwargs = action.form_kwargs(obj)
    status = 200
    if request.method == "POST" and action.decision:
        # Stale sign-in: allauth keeps this POST, asks for the password or second factor,
        # then replays it, so nothing typed is lost.
        require_recent_authentication(request)
    if request.method == "POST":
        form = action.form_class(request.POST, **form_kwargs)
        if form.is_valid():
            try:
                result = action.run(obj, actor=request.user, form=form)
            except DomainError as error:
                add_domain_errors(form, error)
                status = error.status_code
                if isinstance(error, CaseChanged):
                    obj = _fresh(action, obj)
                    # The person has now been told; resubmitting acts on what is there now.
                    form.data = form.data.copy()
                    form.data["expected_status"] = action.state_of(obj)
            else:
                fresh = _fresh(action, obj)
                messages.success(request, _done_message(action, fresh, result))
                return redirect(back_url)
    else:
        form = action.form_class(initial={"expected_status": action.state_of(obj)}, **form_kwargs)
    allowed, reason = action.availability(obj, request.user)
    context = {
        "action": action,
        "obj": obj,
        "app": obj if action.target == APPLICATION else None,
        "firm": obj if action.target == FIRM else obj.firm,
        "state_value": action.state_of(obj),
        "state_label": action.state_label(obj),
        "allowed": allowed,
        "reason": reason,
        "form": form,
        "back_url": back_url,
        "staff_section": "case",
        "recommendation": obj.current_recommendation if action.target == APPLICATION else None,
        "number_example": _number_example(obj) if action.name == "decide" else "",
    }
    return render(request, "staff/case/action.html", context, status=status)


def _number_example(app) -> str:
    """What a number in the configured format looks like (settings.PORTAL_*_NUMBER_FORMAT)."""
    fmt = (
        settings.PORTAL_NOC_NUMBER_FORMAT
        if app.kind == ApplicationKind.NOC
        else settings.PORTAL_LICENCE_NUMBER_FORMAT
    )
    return fmt.format(year=local_today().year, seq=1)


def _fresh(action, obj):
    if action.target == FIRM:
        return Firm.objects.get(pk=obj.pk)
    return get_case(obj.pk)


def _done_message(action, obj, result) -> str:
    if action.target == FIRM:
        message = _("“%(action)s” done. The firm's stage is now “%(state)s”.")
    else:
        message = _("“%(action)s” done. The case is now “%(state)s”.")
    message %= {"action": action.label, "state": action.state_label(obj)}
    if action.name == "decide" and getattr(result, "outcome", "") == DecisionOutcome.GRANT:
        if obj.kind == ApplicationKind.NOC:
            noc = Noc.objects.filter(application=obj).first()
            if noc is not None:
                message += " " + _("NOC %(number)s issued, valid until %(date)s.") % {
                    "number": noc.number,
                    "date": long_date(noc.expires_on),
                }
        else:
            licence = Licence.objects.filter(application=obj).first()
            if licence is not None:
                message += " " + _("Licence %(number)s granted, valid until %(date)s.") % {
                    "number": licence.number,
                    "date": long_date(licence.expires_on),
                }
    if action.target == APPLICATION:
        message += " " + _("The firm's stage is “%(stage)s”.") % {"stage": obj.firm.get_stage_display()}
    return message
