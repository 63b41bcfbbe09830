"""The applicant's application pages: the task list, one page per section, check your
answers with the declaration and submit, and the confirmation.

Every page fetches the application through `application_for()`, scoped to the firm the
person is acting for (404 otherwise); state changes only through service functions.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from licensing.models import Application, ApplicationKind, ApplicationStatus
from licensing.permissions import SUBMIT, can_for_firm
from licensing.sections import COMPLETED, FORM, IN_PROGRESS, ApplicationFacts, get_section, sections_for
from licensing.services.application_people import application_services_save
from licensing.services.applications import application_create, application_save_section, application_submit
from licensing.web.firm_context import require_membership
from portal.errors import DomainError, RuleBroken

# --- Helpers shared with the people pages.


def application_for(request, pk) -> Application:
    """The application `pk` of the firm the user is acting for, or 404."""
    membership = require_membership(request)
    queryset = Application.objects.filter(firm=membership.firm).select_related("firm")
    return get_object_or_404(queryset, pk=pk)


def status_url(app) -> str:
    """The status page of a submitted application (another area defines it)."""
    try:
        return reverse("application_status", args=[app.pk])
    except NoReverseMatch:
        return f"/applications/{app.pk}/status/"


def redirect_unless_draft(request, app):
    """A redirect to the status page, with a message, when `app` can no longer be edited."""
    if app.status == ApplicationStatus.DRAFT:
        return None
    messages.info(request, _("This application has been submitted: it can no longer be changed."))
    return redirect(status_url(app))


def add_domain_errors(form, error: DomainError) -> None:
    """Show a service's refusal on the form: beside each field it names, else at the top."""
    field_errors = error.field_errors or {NON_FIELD_ERRORS: [error.detail]}
    for field, field_messages in field_errors.items():
        target = field if field in form.fields else None
        shown = form.errors.get(target or NON_FIELD_ERRORS, [])
        for message in field_messages:
            if str(message) not in shown:
                form.add_error(target, str(message))


PAGE_TITLES = {
    ApplicationKind.NOC: gettext_lazy("Application for a No Objection Certificate (NOC)"),
    ApplicationKind.LICENCE: gettext_lazy("Application for a full licence"),
}


def page_context(app, **extra) -> dict:
    return {"app": app, "page_title": PAGE_TITLES[app.kind], **extra}


# --- Starting an application.


@login_required
@require_POST
def application_start(request):
    membership = require_membership(request)
    kind = request.POST.get("kind", "")
    try:
        app = application_create(actor=request.user, firm_id=membership.firm_id, kind=kind)
    except DomainError as error:
        messages.error(request, error.detail)
        return redirect("dashboard")
    messages.success(request, _("You started a new application. Answer each section, in any order."))
    return redirect("application_detail", pk=app.pk)


# --- The task list.


@login_required
def application_detail(request, pk):
    app = application_for(request, pk)
    if app.status != ApplicationStatus.DRAFT:
        return redirect(status_url(app))
    sections = sections_for(app.kind)
    tasks = [
        {
            "section": section,
            "url": section.url(app),
            "status": section.status(app),
            "status_label": section.status_label(app),
        }
        for section in sections
    ]
    completed = sum(1 for task in tasks if task["status"] == COMPLETED)
    context = page_context(app, tasks=tasks, completed=completed, total=len(tasks))
    return render(request, "applicant/application/task_list.html", context)


# --- One page per section.


@login_required
@require_http_methods(["GET", "POST"])
def application_section(request, pk, key):
    app = application_for(request, pk)
    section = get_section(app.kind, key)
    if section is None:
        raise Http404
    if section.page != FORM:
        url = section.url(app)
        if url is None:
            raise Http404
        return redirect(url)
    if (response := redirect_unless_draft(request, app)) is not None:
        return response

    if request.method == "GET":
        form = section.form(app, initial=section.data(app))
        return _render_section(request, app, section, form)

    completing = request.POST.get("action") == "complete"
    form = section.form(app, data=request.POST, completing=completing)
    valid = form.is_valid()
    if completing and not valid:
        return _render_section(request, app, section, form)
    # A draft keeps what was typed correctly; a field typed wrongly keeps its saved value.
    data = form.to_data() if completing else {**section.data(app), **form.to_data()}
    try:
        if section.key == "services":
            application_services_save(
                actor=request.user,
                application_id=app.pk,
                data=data,
                activity_codes=data.get("activities") or [],
                completed=completing,
            )
        else:
            application_save_section(
                actor=request.user,
                application_id=app.pk,
                section=section.key,
                data=data,
                completed=completing,
            )
    except DomainError as error:
        add_domain_errors(form, error)
        return _render_section(request, app, section, form)
    if not valid:
        messages.warning(
            request,
            _("We saved your other answers as a draft. Correct the answers marked below, then save again."),
        )
        return _render_section(request, app, section, form)
    if completing:
        messages.success(request, _("“%(title)s” is complete.") % {"title": section.title})
    else:
        messages.success(request, _("“%(title)s” is saved as a draft.") % {"title": section.title})
    return redirect("application_detail", pk=app.pk)


def _render_section(request, app, section, form):
    context = page_context(app, section=section, form=form)
    if section.key == "licences_elsewhere":
        context["licences"] = form.licences
        context["firm_profile_url"] = _optional_url("firm_profile")
    return render(request, "applicant/application/section_form.html", context)


def _optional_url(name):
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


# --- Check your answers, declaration and submit.


class DeclarationForm(forms.Form):
    declaration = forms.BooleanField(
        label=gettext_lazy(
            "I confirm that the information in this application is true and complete, that I am "
            "authorised to make it on behalf of the firm, and that I will tell the regulator "
            "promptly of any change. I understand that giving false or misleading information "
            "is an offence."
        ),
        required=False,
    )


@login_required
@require_http_methods(["GET", "POST"])
def application_check(request, pk):
    app = application_for(request, pk)
    can_submit, why_not = can_for_firm(request.user, app.firm, SUBMIT)

    if request.method == "POST":
        if not can_submit:
            return _render_check(request, app, DeclarationForm(), can_submit, why_not, status=403)
        form = DeclarationForm(request.POST)
        form.is_valid()
        try:
            application_submit(
                actor=request.user,
                application_id=app.pk,
                declaration=bool(form.cleaned_data.get("declaration")),
            )
        except RuleBroken as error:
            add_domain_errors(form, error)
            app.refresh_from_db()
            if app.status != ApplicationStatus.DRAFT:
                return redirect(status_url(app))
            return _render_check(request, app, form, can_submit, why_not)
        except DomainError as error:
            messages.error(request, error.detail)
            if app.status != ApplicationStatus.DRAFT:
                return redirect(status_url(app))
            return redirect("application_check", pk=app.pk)
        return redirect("application_confirmation", pk=app.pk)

    if (response := redirect_unless_draft(request, app)) is not None:
        return response
    return _render_check(request, app, DeclarationForm(), can_submit, why_not)


def _render_check(request, app, form, can_submit, why_not, status=200):
    facts = ApplicationFacts(app)
    blocks, incomplete = [], []
    for section in sections_for(app.kind):
        status_value = section.status(app)
        url = section.url(app)
        blocks.append(
            {
                "section": section,
                "url": url,
                "status": status_value,
                "status_label": section.status_label(app),
                "rows": section.summary_rows(app, facts),
            }
        )
        if status_value == IN_PROGRESS:
            problems = section.problems(app, facts) or [_("Check it and mark it as complete.")]
        else:
            problems = []
        if status_value != COMPLETED:
            incomplete.append(
                {
                    "section": section,
                    "url": url,
                    "status_label": section.status_label(app),
                    "problems": problems,
                }
            )
    context = page_context(
        app,
        blocks=blocks,
        incomplete=incomplete,
        form=form,
        can_submit=can_submit,
        why_not=why_not,
        # Refusals from the service other than a missing section or declaration.
        submit_errors=list(form.non_field_errors()),
    )
    return render(request, "applicant/application/check.html", context, status=status)


# --- Confirmation.


@login_required
def application_confirmation(request, pk):
    app = application_for(request, pk)
    if app.status == ApplicationStatus.DRAFT or not app.reference:
        return redirect("application_detail", pk=app.pk)
    signed_by = app.declaration_signed_by
    context = page_context(
        app,
        acknowledgement_to=signed_by.email if signed_by else "",
        status_url=status_url(app),
        is_noc=app.kind == ApplicationKind.NOC,
    )
    return render(request, "applicant/application/confirmation.html", context)
