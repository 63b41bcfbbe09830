"""The key individuals and beneficial owners of an application: a list page (which also
marks the section complete), an add/change page and a remove page for each.

Both lists work the same way, so one set of views serves both, driven by a `_People`
description of the rows, forms, services, URL names and wording.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from licensing.models import BeneficialOwner, KeyIndividual
from licensing.models.people import REQUIRED_KEY_ROLES
from licensing.sections import ApplicationFacts, get_section
from licensing.services import application_people as services
from licensing.web.forms_people import BeneficialOwnerForm, KeyIndividualForm
from licensing.web.views.application import (
    add_domain_errors,
    application_for,
    page_context,
    redirect_unless_draft,
)
from portal.errors import DomainError


@dataclass(frozen=True)
class _People:
    section_key: str
    model: Any
    form_class: Any
    save: Any  # service: (actor, application_id, data, <id_kwarg>=...) -> row
    remove: Any  # service: (actor, application_id, <id_kwarg>=...) -> None
    id_kwarg: str
    list_url: str
    add_url: str
    edit_url: str
    remove_url: str
    list_template: str
    title_add: str
    title_edit: str
    saved_message: str
    removed_message: str

    def row(self, app, row_pk):
        row = self.model.objects.filter(application=app, pk=row_pk).first()
        if row is None:
            raise Http404
        return row


KEY_PEOPLE = _People(
    section_key="key_individuals",
    model=KeyIndividual,
    form_class=KeyIndividualForm,
    save=services.key_individual_save,
    remove=services.key_individual_remove,
    id_kwarg="key_individual_id",
    list_url="application_key_individuals",
    add_url="application_key_individual_add",
    edit_url="application_key_individual_edit",
    remove_url="application_key_individual_remove",
    list_template="applicant/application/key_individuals.html",
    title_add=gettext_lazy("Add a key individual"),
    title_edit=gettext_lazy("Change a key individual"),
    saved_message=gettext_lazy("%(name)s is saved."),
    removed_message=gettext_lazy("%(name)s is removed from the application."),
)

OWNERS = _People(
    section_key="ownership",
    model=BeneficialOwner,
    form_class=BeneficialOwnerForm,
    save=services.beneficial_owner_save,
    remove=services.beneficial_owner_remove,
    id_kwarg="owner_id",
    list_url="application_owners",
    add_url="application_owner_add",
    edit_url="application_owner_edit",
    remove_url="application_owner_remove",
    list_template="applicant/application/owners.html",
    title_add=gettext_lazy("Add a beneficial owner"),
    title_edit=gettext_lazy("Change a beneficial owner"),
    saved_message=gettext_lazy("%(name)s is saved."),
    removed_message=gettext_lazy("%(name)s is removed from the application."),
)


def _name(row) -> str:
    return getattr(row, "full_name", None) or row.name


def _section_or_404(app, people: _People):
    section = get_section(app.kind, people.section_key)
    if section is None:  # e.g. ownership on a full licence application
        raise Http404
    return section


# --- The list page; its form marks the section complete or in progress.


def _list_view(request, pk, people: _People):
    app = application_for(request, pk)
    section = _section_or_404(app, people)
    if (response := redirect_unless_draft(request, app)) is not None:
        return response
    facts = ApplicationFacts(app)
    errors = []
    if request.method == "POST":
        completing = request.POST.get("action") == "complete"
        try:
            services.people_section_save(
                actor=request.user,
                application_id=app.pk,
                section=people.section_key,
                completed=completing,
                none_above_threshold=request.POST.get("none_above_threshold") == "yes",
            )
        except DomainError as error:
            errors = [str(m) for messages_ in error.field_errors.values() for m in messages_] or [
                error.detail
            ]
        else:
            if completing:
                messages.success(request, _("“%(title)s” is complete.") % {"title": section.title})
            else:
                messages.success(request, _("“%(title)s” is saved as a draft.") % {"title": section.title})
            return redirect("application_detail", pk=app.pk)

    rows = facts.key_individuals if people is KEY_PEOPLE else facts.owners
    context = page_context(
        app,
        section=section,
        rows=rows,
        errors=errors,
        problems=section.problems(app, facts),
        status=section.status(app),
        status_label=section.status_label(app),
        none_above_threshold=bool(section.data(app).get("none_above_threshold")),
    )
    if people is KEY_PEOPLE:
        named = {p.role for p in rows}
        context["required_roles"] = [
            {"label": role.label, "named": role in named} for role in REQUIRED_KEY_ROLES
        ]
    else:
        context["total"] = sum((o.ownership_percent for o in rows), Decimal("0"))
    return render(request, people.list_template, context)


# --- Add or change one row.


def _edit_view(request, pk, people: _People, row_pk=None):
    app = application_for(request, pk)
    section = _section_or_404(app, people)
    if (response := redirect_unless_draft(request, app)) is not None:
        return response
    row = people.row(app, row_pk) if row_pk is not None else None
    if request.method == "GET":
        form = people.form_class(instance=row)
    else:
        form = people.form_class(request.POST, instance=row)
        if form.is_valid():
            try:
                saved = people.save(
                    actor=request.user,
                    application_id=app.pk,
                    data=form.cleaned_data,
                    **{people.id_kwarg: row_pk},
                )
            except DomainError as error:
                add_domain_errors(form, error)
            else:
                messages.success(request, people.saved_message % {"name": _name(saved)})
                return redirect(people.list_url, pk=app.pk)
    context = page_context(
        app,
        section=section,
        form=form,
        row=row,
        title=people.title_edit if row else people.title_add,
        list_url_name=people.list_url,
    )
    return render(request, "applicant/application/person_form.html", context)


# --- Remove one row, after a confirmation page.


def _remove_view(request, pk, row_pk, people: _People):
    app = application_for(request, pk)
    section = _section_or_404(app, people)
    if (response := redirect_unless_draft(request, app)) is not None:
        return response
    row = people.row(app, row_pk)
    if request.method == "POST":
        try:
            people.remove(actor=request.user, application_id=app.pk, **{people.id_kwarg: row.pk})
        except DomainError as error:
            messages.error(request, error.detail)
        else:
            messages.success(request, people.removed_message % {"name": _name(row)})
        return redirect(people.list_url, pk=app.pk)
    context = page_context(app, section=section, row=row, name=_name(row), list_url_name=people.list_url)
    return render(request, "applicant/application/person_remove.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def key_individuals(request, pk):
    return _list_view(request, pk, KEY_PEOPLE)


@login_required
@require_http_methods(["GET", "POST"])
def key_individual_add(request, pk):
    return _edit_view(request, pk, KEY_PEOPLE)


@login_required
@require_http_methods(["GET", "POST"])
def key_individual_edit(request, pk, person_pk):
    return _edit_view(request, pk, KEY_PEOPLE, person_pk)


@login_required
@require_http_methods(["GET", "POST"])
def key_individual_remove(request, pk, person_pk):
    return _remove_view(request, pk, person_pk, KEY_PEOPLE)


@login_required
@require_http_methods(["GET", "POST"])
def owners(request, pk):
    return _list_view(request, pk, OWNERS)


@login_required
@require_http_methods(["GET", "POST"])
def owner_add(request, pk):
    return _edit_view(request, pk, OWNERS)


@login_required
@require_http_methods(["GET", "POST"])
def owner_edit(request, pk, owner_pk):
    return _edit_view(request, pk, OWNERS, owner_pk)


@login_required
@require_http_methods(["GET", "POST"])
def owner_remove(request, pk, owner_pk):
    return _remove_view(request, pk, owner_pk, OWNERS)
