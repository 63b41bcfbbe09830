"""A licence application starts from what the firm already told the regulator.

When a NOC holder starts its licence application, the answers of its granted NOC application
and of its AML registration are copied in: the key individuals (with their CV references), the
beneficial owners, the proposed activities, and the AML/CFT programme's answers (with the MLRO,
the Compliance Officer and the goAML organisation ID from the AML registration). Sections with
copied answers are "in progress", never complete: the firm confirms or updates them ("Confirm or
update the people in key roles", "Changes since your NOC application").

At the licence's grant, the SECP company number the firm gave in the licence application's
"Local incorporation" section becomes the firm's profile number, so the register shows it.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from licensing.models import Application, ApplicationKind, ApplicationStatus, BeneficialOwner, KeyIndividual
from portal.audit.chain import record

IN_PROGRESS = "in_progress"
# The NOC application's AML/CFT answers the licence application's final programme asks again.
AML_PROGRAMME_FIELDS = (
    "policy_summary",
    "risk_assessment",
    "customer_due_diligence",
    "transaction_monitoring",
    "record_keeping",
    "sanctions_screening",
)
# The AML registration's answers, by the licence application's field name.
AML_REGISTRATION_FIELDS = {
    "mlro_name": "mlro_name",
    "compliance_officer_name": "compliance_officer_name",
    "goaml_org_id": "goaml_org_id",
    "policy_summary": "aml_policy_summary",
    "risk_assessment": "risk_assessment",
    "customer_due_diligence": "cdd_arrangements",
    "transaction_monitoring": "monitoring_tools",
    "record_keeping": "record_keeping",
}
_PERSON_FIELDS = (
    "role",
    "full_name",
    "identity_type",
    "cnic",
    "passport_number",
    "passport_country",
    "nationality",
    "date_of_birth",
    "is_employee",
    "email",
    "cv_id",
)
_OWNER_FIELDS = ("kind", "name", "country", "ownership_percent", "date_of_birth", "identity_number")


def granted_noc_application(firm) -> Application | None:
    """The firm's NOC application that was granted (the latest, if there were several)."""
    return (
        Application.objects.filter(
            firm=firm, kind=ApplicationKind.NOC, status=ApplicationStatus.APPROVED, noc__isnull=False
        )
        .order_by("-decided_at", "-pk")
        .first()
    )


def _aml_registration(firm):
    try:
        return firm.aml_registration
    except firm._meta.get_field("aml_registration").related_model.DoesNotExist:
        return None


def aml_answers(noc_app: Application, registration) -> dict:
    """The final AML/CFT programme's answers as far as they are known: the NOC application's,
    completed (never overwritten) by the AML registration's."""
    noc_answers = (noc_app.sections.get("aml_programme") or {}).get("data") or {}
    answers = {name: noc_answers[name] for name in AML_PROGRAMME_FIELDS if noc_answers.get(name)}
    if registration is not None:
        for name, source in AML_REGISTRATION_FIELDS.items():
            value = getattr(registration, source, "")
            if value and not answers.get(name):
                answers[name] = value
    return answers


def licence_application_prefill(app: Application) -> dict:
    """Copy the NOC application's and AML registration's answers into a new licence
    application (inside the caller's transaction); returns what was copied, for the audit
    event. Nothing is copied for another kind, or for a firm without a granted NOC."""
    if app.kind != ApplicationKind.LICENCE:
        return {}
    noc_app = granted_noc_application(app.firm)
    if noc_app is None:
        return {}
    people = list(noc_app.key_individuals.order_by("pk"))
    KeyIndividual.objects.bulk_create(
        KeyIndividual(application=app, **{name: getattr(person, name) for name in _PERSON_FIELDS})
        for person in people
    )
    owners = list(noc_app.beneficial_owners.order_by("pk"))
    BeneficialOwner.objects.bulk_create(
        BeneficialOwner(application=app, **{name: getattr(owner, name) for name in _OWNER_FIELDS})
        for owner in owners
    )
    activities = list(noc_app.activities.order_by("code"))
    app.activities.set(activities)
    sections = dict(app.sections)
    if people:
        sections["key_individuals"] = {
            "status": IN_PROGRESS,
            "data": {"count": len(people), "roles": sorted({p.role for p in people})},
        }
    answers = aml_answers(noc_app, _aml_registration(app.firm))
    if answers:
        sections["aml_programme"] = {"status": IN_PROGRESS, "data": answers}
    app.sections = sections
    app.save(update_fields=["sections"])
    return {
        "prefilled_from": noc_app.reference,
        "key_individuals": len(people),
        "beneficial_owners": len(owners),
        "activities": [a.code for a in activities],
        "sections": sorted(key for key in ("key_individuals", "aml_programme") if key in sections),
    }


def company_number_from(app: Application) -> str:
    data = (app.sections.get("incorporation") or {}).get("data") or {}
    return " ".join(str(data.get("local_company_number") or "").split())


def firm_take_company_number(*, actor, app: Application) -> None:
    """At a licence's grant: the SECP company number of the licence application becomes the
    firm's (it is public from now on, on the register). The firm row is locked by the caller."""
    number = company_number_from(app)
    firm = app.firm
    if not number or firm.local_company_number == number:
        return
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("firm_take_company_number() runs inside the grant's transaction")
    before = firm.local_company_number
    firm.local_company_number = number
    firm.save(update_fields=["local_company_number", "updated_at"])
    record(
        actor=actor,
        action="firm.update_profile",
        obj=firm,
        reason=_("SECP company number from licence application %(ref)s.") % {"ref": app.reference},
        details={"changed": {"local_company_number": [before, number]}, "application": app.reference},
    )
