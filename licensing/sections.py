"""The sections of each kind of application, in the order the task list shows them.

For each section: its key (a key of `Application.sections` and of `REQUIRED_SECTIONS`), its
title, the page that answers it, and how completeness is judged:

- one-page sections (`page=FORM`) are answered by `form_class`; "Save and mark as complete"
  needs every required field answered and the form's rules met (see forms_application);
- key individuals and ownership are lists of rows with their own pages; a section is complete
  when `licensing.services.application_people`'s rules for the whole list hold (every required
  role named, MLRO an employee and not the Compliance Officer; owners above 10 % listed or
  none declared, at most 100 % in all);
- documents are uploaded on the documents pages (another area); the task list only reads
  the status that area stores.

What the submit check reads is the stored status (`Application.sections[key]["status"]`),
exactly as `application_submit` does; the services keep it honest when rows change.
"""

from dataclasses import dataclass
from functools import cached_property

from django.urls import NoReverseMatch, reverse
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from licensing.models import ApplicationKind, Document
from licensing.models.people import IdentityType, OwnerKind
from licensing.services.application_people import key_individuals_problems, ownership_problems
from licensing.web import forms_application as forms

FORM = "form"
KEY_INDIVIDUALS = "key_individuals"
OWNERS = "owners"
DOCUMENTS = "documents"

NOT_STARTED = "not_started"
IN_PROGRESS = "in_progress"
COMPLETED = "completed"
STATUS_LABELS = {
    NOT_STARTED: _("Not started"),
    IN_PROGRESS: _("In progress"),
    COMPLETED: _("Completed"),
}

_PAGE_URL_NAMES = {
    KEY_INDIVIDUALS: "application_key_individuals",
    OWNERS: "application_owners",
    DOCUMENTS: "application_documents",
}


def optional_reverse(name: str, *args) -> str | None:
    """A URL another area defines, or None while it does not exist yet."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


class ApplicationFacts:
    """The rows around one application that sections read, each fetched at most once."""

    def __init__(self, app):
        self.app = app

    @cached_property
    def key_individuals(self):
        return list(self.app.key_individuals.all())

    @cached_property
    def owners(self):
        return list(self.app.beneficial_owners.all())

    @cached_property
    def foreign_licences(self):
        return list(self.app.firm.foreign_licences.all())

    @cached_property
    def documents(self):
        return list(
            Document.objects.filter(application=self.app).current().order_by("doc_type", "-uploaded_at")
        )


def _line(text, ltr=False) -> dict:
    return {"text": str(text), "ltr": ltr}


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    hint: str = ""
    form_class: type | None = None
    page: str = FORM

    def entry(self, app) -> dict:
        return app.sections.get(self.key) or {}

    def data(self, app) -> dict:
        return self.entry(app).get("data") or {}

    def status(self, app) -> str:
        return self.entry(app).get("status") or NOT_STARTED

    def status_label(self, app) -> str:
        return STATUS_LABELS[self.status(app)]

    def url(self, app) -> str | None:
        if self.page == FORM:
            return reverse("application_section", args=[app.pk, self.key])
        return optional_reverse(_PAGE_URL_NAMES[self.page], app.pk)

    def form(self, app, facts=None, **kwargs):
        extra = {"licences": facts.foreign_licences} if facts and self.key == "licences_elsewhere" else {}
        return self.form_class(application=app, **extra, **kwargs)

    # --- How completeness is judged.

    def problems(self, app, facts: ApplicationFacts) -> list[str]:
        """What stops this section being complete now (empty when it can be)."""
        if self.page == KEY_INDIVIDUALS:
            return key_individuals_problems(facts.key_individuals)
        if self.page == OWNERS:
            declared = bool(self.data(app).get("none_above_threshold"))
            return ownership_problems(facts.owners, none_above_threshold=declared)
        if self.page == DOCUMENTS:
            if self.status(app) == COMPLETED:
                return []
            return [gettext("Upload the documents this application needs and mark the section complete.")]
        form = self.form(app, facts, data=self.data(app), completing=True)
        if form.is_valid():
            return []
        problems = [str(e) for e in form.non_field_errors()]
        unanswered = []
        for name, errors in form.errors.as_data().items():
            if name not in form.fields:
                continue
            if any(e.code == "required" for e in errors):
                unanswered.append(str(form.fields[name].label))
            else:
                problems.append(f"{form.fields[name].label}: {errors[0].messages[0]}")
        if unanswered:
            problems.insert(
                0, gettext("Not answered yet: %(questions)s") % {"questions": "; ".join(unanswered)}
            )
        return problems

    # --- What "check your answers" shows.

    def summary_rows(self, app, facts: ApplicationFacts) -> list[dict]:
        """Rows of (label, lines, change link) for the check-answers page."""
        if self.page == KEY_INDIVIDUALS:
            return self._people_rows(app, facts)
        if self.page == OWNERS:
            return self._owner_rows(app, facts)
        if self.page == DOCUMENTS:
            return self._document_rows(app, facts)
        url = self.url(app)
        form = self.form(app, facts)
        rows = [
            {
                "label": row["label"],
                "lines": [_line(row["value"], row["ltr"])] if row["value"] else [],
                "url": f"{url}#id_{row['field']}",
            }
            for row in form.summary_rows(self.data(app))
        ]
        if self.key == "licences_elsewhere":
            rows = self._licence_rows(app, facts, url) + rows
        return rows

    def _licence_rows(self, app, facts, url):
        lines = [
            _line(f"{lic.regulator} ({lic.jurisdiction.name}) — {lic.licence_number} — {lic.activity}")
            for lic in facts.foreign_licences
        ]
        rows = [{"label": gettext("Licences held elsewhere"), "lines": lines, "url": url}]
        confirmed = self.data(app).get("licences")
        if confirmed is not None and confirmed != [
            {
                "regulator": lic.regulator,
                "jurisdiction": str(lic.jurisdiction),
                "licence_number": lic.licence_number,
                "activity": lic.activity,
            }
            for lic in facts.foreign_licences
        ]:
            rows.append(
                {
                    "label": gettext("Changed since you confirmed"),
                    "lines": [_line(gettext("The list on your firm profile changed: confirm it again."))],
                    "url": url,
                    "warning": True,
                }
            )
        return rows

    def _people_rows(self, app, facts):
        rows = []
        for person in facts.key_individuals:
            if person.identity_type == IdentityType.CNIC:
                identity = _line(f"CNIC {person.cnic}", ltr=True)
            else:
                identity = _line(f"{person.passport_number} ({person.passport_country.name})")
            lines = [
                _line(person.full_name),
                identity,
                _line(gettext("Nationality: %(country)s") % {"country": person.nationality.name}),
                _line(gettext("Born %(date)s") % {"date": date_format(person.date_of_birth, "j F Y")}),
                _line(gettext("Employee of the firm") if person.is_employee else gettext("Not an employee")),
            ]
            if person.email:
                lines.append(_line(person.email, ltr=True))
            rows.append(
                {
                    "label": person.get_role_display(),
                    "lines": lines,
                    "url": reverse("application_key_individual_edit", args=[app.pk, person.pk]),
                }
            )
        if not rows:
            none = _line(gettext("Nobody added yet."))
            rows.append({"label": gettext("Key individuals"), "lines": [none], "url": self.url(app)})
        return rows

    def _owner_rows(self, app, facts):
        rows = []
        for owner in facts.owners:
            lines = [
                _line(f"{owner.ownership_percent} %", ltr=True),
                _line(f"{owner.get_kind_display()}, {owner.country.name}"),
            ]
            if owner.kind == OwnerKind.PERSON and owner.date_of_birth:
                lines.append(
                    _line(gettext("Born %(date)s") % {"date": date_format(owner.date_of_birth, "j F Y")})
                )
            if owner.identity_number:
                lines.append(_line(owner.identity_number, ltr=True))
            rows.append(
                {
                    "label": owner.name,
                    "lines": lines,
                    "url": reverse("application_owner_edit", args=[app.pk, owner.pk]),
                }
            )
        if not rows:
            declared = self.data(app).get("none_above_threshold")
            if declared:
                lines = [_line(gettext("Nobody holds more than 10 per cent of the firm."))]
            else:
                lines = [_line(gettext("No owners added yet."))]
            rows.append({"label": gettext("Beneficial owners"), "lines": lines, "url": self.url(app)})
        return rows

    def _document_rows(self, app, facts):
        url = self.url(app)
        rows = [
            {
                "label": doc.get_doc_type_display(),
                "lines": [_line(f"{doc.original_name} (v{doc.version})", ltr=True)],
                "url": url,
            }
            for doc in facts.documents
        ]
        none = _line(gettext("No documents uploaded yet."))
        return rows or [{"label": gettext("Documents"), "lines": [none], "url": url}]


_NOC = (
    Section(
        "services",
        _("Proposed activities and services"),
        _("The activities you propose, the services and your customers."),
        forms.ServicesForm,
    ),
    Section(
        "licences_elsewhere",
        _("Licences held elsewhere"),
        _("Confirm the licences and registrations listed on your firm profile."),
        forms.LicencesElsewhereForm,
    ),
    Section(
        "key_individuals",
        _("Key individuals"),
        _("Chief Executive, Chief Financial Officer, Compliance Officer and MLRO."),
        page=KEY_INDIVIDUALS,
    ),
    Section(
        "ownership",
        _("Ownership"),
        _("Everyone who holds more than 10 per cent of the firm."),
        page=OWNERS,
    ),
    Section(
        "aml_programme",
        _("AML/CFT programme"),
        _("Your anti-money-laundering and counter-terrorist-financing controls."),
        forms.AmlProgrammeForm,
    ),
    Section(
        "technology",
        _("Technology and security"),
        _("Systems, custody, cyber security, audits and incident response."),
        forms.TechnologyForm,
    ),
    Section(
        "business_plan",
        _("Business plan for Pakistan"),
        _("Products, market, customers, capital and local presence."),
        forms.BusinessPlanForm,
    ),
    Section("documents", _("Documents"), _("Upload the supporting documents."), page=DOCUMENTS),
)

_LICENCE = (
    Section(
        "incorporation",
        _("Local incorporation"),
        _("Your company in Pakistan, as registered with the SECP."),
        forms.IncorporationForm,
    ),
    Section("capital", _("Capital"), _("Paid-up capital and where it came from."), forms.CapitalForm),
    Section(
        "financials",
        _("Audited financial statements"),
        _("Your latest audited accounts."),
        forms.FinancialsForm,
    ),
    Section(
        "technology_audit",
        _("Technology and security audit"),
        _("The independent audit of your systems and its findings."),
        forms.TechnologyAuditForm,
    ),
    Section(
        "aml_programme",
        _("AML/CFT programme (final version)"),
        _("The programme approved by your board."),
        forms.AmlProgrammeFinalForm,
    ),
    Section(
        "key_individuals",
        _("Key individuals"),
        _("Confirm or update the people in key roles."),
        page=KEY_INDIVIDUALS,
    ),
    Section("documents", _("Documents"), _("Upload the supporting documents."), page=DOCUMENTS),
)

SECTIONS: dict[str, tuple[Section, ...]] = {ApplicationKind.NOC: _NOC, ApplicationKind.LICENCE: _LICENCE}


def sections_for(kind: str) -> tuple[Section, ...]:
    return SECTIONS[kind]


def get_section(kind: str, key: str) -> Section | None:
    return next((s for s in sections_for(kind) if s.key == key), None)
