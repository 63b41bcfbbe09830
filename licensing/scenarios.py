"""Drive applications and firms through the real service functions, step by step.

Used by `seed_demo` and by tests, so that demo data and test data are made exactly as
real users make them: every step goes through the service layer and is audited.
"""

import datetime

from aml.services import aml_registration_register, aml_registration_submit
from licensing.models import Activity, Application, ApplicationKind, ApplicationStatus, Firm
from licensing.models.applications import REQUIRED_SECTIONS
from licensing.models.people import KeyRole
from licensing.services.application_people import key_individual_save
from licensing.services.applications import (
    application_create,
    application_decide,
    application_recommend,
    application_save_section,
    application_start_review,
    application_submit,
    information_request_answer,
    information_request_create,
)
from portal.dates import local_today

# The conditions an officer proposes with a grant: a NOC's permits no business yet; a licence's
# are those of a firm that operates (a licence never says "not to operate until licensed").
PROPOSED_CONDITIONS = {
    ApplicationKind.NOC: "Not to operate until fully licensed.",
    ApplicationKind.LICENCE: (
        "To hold client virtual assets apart from its own, reconciled independently every month; "
        "to report to the regulator every quarter."
    ),
}

# Demo key individuals, one for each role every application names (fictional people).
DEMO_KEY_PEOPLE = [
    (KeyRole.CEO, ["Ayesha Siddiqui", "Hamza Qureshi", "Sana Mirza", "Omar Sheikh"]),
    (KeyRole.CFO, ["Bilal Chaudhry", "Mariam Aziz", "Kamran Haider", "Rabia Anwar"]),
    (KeyRole.COMPLIANCE_OFFICER, ["Nadia Hussain", "Farhan Iqbal", "Zainab Raza", "Imran Javed"]),
    (KeyRole.MLRO, ["Usman Tariq", "Hina Baig", "Saad Rehman", "Amna Latif"]),
]

# The path every application walks to reach a status, as (step, needs) pairs.
PATH_TO = {
    ApplicationStatus.DRAFT: [],
    ApplicationStatus.SUBMITTED: ["complete", "submit"],
    ApplicationStatus.UNDER_REVIEW: ["complete", "submit", "start_review"],
    ApplicationStatus.INFORMATION_REQUESTED: ["complete", "submit", "start_review", "request_info"],
    ApplicationStatus.AWAITING_DECISION: ["complete", "submit", "start_review", "recommend"],
    ApplicationStatus.APPROVED: ["complete", "submit", "start_review", "recommend", "grant"],
    ApplicationStatus.REFUSED: ["complete", "submit", "start_review", "recommend_refuse", "refuse"],
}


def complete_sections(app: Application, *, actor) -> Application:
    for section in REQUIRED_SECTIONS[app.kind]:
        app = application_save_section(
            actor=actor,
            application_id=app.pk,
            section=section,
            data={"summary": f"Demo answer for {section.replace('_', ' ')}."},
            completed=True,
        )
    return app


def drive_application(
    app: Application,
    to_status: str,
    *,
    submitter,
    officer=None,
    approver=None,
    activities=None,
    key_individuals: bool = False,
) -> Application:
    """Take `app` (a draft) along the usual path to `to_status`; with `key_individuals`, name
    a person for each required key role first (as seed_demo does)."""
    if activities:
        app.activities.set(activities)
    for step in PATH_TO[to_status]:
        if step == "complete":
            if key_individuals:
                add_key_individuals(app, actor=submitter)
            complete_sections(app, actor=submitter)
        elif step == "submit":
            application_submit(actor=submitter, application_id=app.pk, declaration=True)
        elif step == "start_review":
            application_start_review(actor=officer, application_id=app.pk)
        elif step == "request_info":
            information_request_create(
                actor=officer,
                application_id=app.pk,
                items=["Audited financial statements for the last two years."],
                due_on=local_today() + datetime.timedelta(days=14),
            )
        elif step in ("recommend", "recommend_refuse"):
            application_recommend(
                actor=officer,
                application_id=app.pk,
                outcome="grant" if step == "recommend" else "refuse",
                reasons="Assessment complete; see the case notes.",
                proposed_conditions=PROPOSED_CONDITIONS[app.kind],
            )
        elif step in ("grant", "refuse"):
            application_decide(
                actor=approver,
                application_id=app.pk,
                outcome=step,
                reasons="Agreed with the officer's assessment.",
            )
    return Application.objects.get(pk=app.pk)


def add_key_individuals(app: Application, *, actor) -> list:
    """Name one fictional person for each required key role of a draft that has nobody in it
    yet (a licence application starts with the NOC application's people), through the service."""
    people = []
    named = set(app.key_individuals.values_list("role", flat=True))
    for n, (role, names) in enumerate(DEMO_KEY_PEOPLE):
        if role in named:
            continue
        name = names[(app.firm_id + app.pk) % len(names)]
        people.append(
            key_individual_save(
                actor=actor,
                application_id=app.pk,
                data={
                    "role": role,
                    "full_name": name,
                    "identity_type": "passport",
                    "passport_number": f"DK{app.pk:05d}{n}",
                    "passport_country": "PK",
                    "nationality": "PK",
                    "date_of_birth": datetime.date(1975 + n, 3 + n, 10 + n),
                    "is_employee": True,
                    "email": f"{name.split()[0].lower()}@firm{app.firm_id}.example",
                },
            )
        )
    return people


def new_application(firm: Firm, kind: str, *, actor) -> Application:
    return application_create(actor=actor, firm_id=firm.pk, kind=kind)


def grant_noc(firm: Firm, *, submitter, officer, approver, activities=None) -> Application:
    app = new_application(firm, ApplicationKind.NOC, actor=submitter)
    return drive_application(
        app,
        ApplicationStatus.APPROVED,
        submitter=submitter,
        officer=officer,
        approver=approver,
        activities=activities,
    )


def register_aml(firm: Firm, *, submitter, aml_officer, goaml_org_id: str):
    registration = aml_registration_submit(
        actor=submitter,
        firm_id=firm.pk,
        goaml_org_id=goaml_org_id,
        goaml_registered_on=local_today(),
        mlro_name="Demo MLRO",
        mlro_email="mlro@example.com",
        compliance_officer_name="Demo Compliance Officer",
        compliance_officer_email="compliance@example.com",
    )
    return aml_registration_register(actor=aml_officer, registration_id=registration.pk)


def answer_information_request(app: Application, *, actor) -> Application:
    information_request_answer(actor=actor, application_id=app.pk, response="Attached as requested.")
    return Application.objects.get(pk=app.pk)


def default_activities():
    return list(Activity.objects.filter(is_active=True)[:3])
