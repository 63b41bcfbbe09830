"""Actions on the people behind a draft application: key individuals and beneficial owners.

The rules a person or an owner must meet live here, once: the web forms call the same
rule functions for immediate feedback, and the service functions call them again under
the application's row lock, so two people typing at once cannot break a rule together
(two MLROs, owners adding up to more than 100 %).

Changing the people of a section that was marked complete keeps it complete while the
section's rules still hold; otherwise the section goes back to "in progress", so what the
service's submit check reads (`Application.sections`) never claims more than is true.
"""

import datetime
from decimal import Decimal
from functools import partial

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from aml.screening import queue_subject_screening
from licensing.models import Activity, Application, ApplicationStatus, BeneficialOwner, KeyIndividual
from licensing.models.people import REQUIRED_KEY_ROLES, IdentityType, KeyRole, OwnerKind
from licensing.permissions import EDIT, can_for_firm
from licensing.services.applications import application_save_section
from licensing.services.firm_admin import country_code_problem
from portal.audit.chain import record
from portal.countries import is_country
from portal.dates import local_today
from portal.errors import NotFound, NotPermitted, RuleBroken
from portal.transitions import lock

KEY_INDIVIDUALS = "key_individuals"
OWNERSHIP = "ownership"

# Only owners above this share must be listed (and only they may be).
OWNERSHIP_THRESHOLD = Decimal("10")
MINIMUM_AGE = 18
MAXIMUM_AGE = 120

KEY_INDIVIDUAL_FIELDS = (
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
)
OWNER_FIELDS = ("kind", "name", "country", "ownership_percent", "date_of_birth", "identity_number")


# --- Rules on one record (pure: the web forms call them too).


def age_on(born: datetime.date, day: datetime.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def date_of_birth_errors(born, *, minimum_age: int | None) -> list[str]:
    if not born:
        return []
    today = local_today()
    if born >= today:
        return [_("The date of birth must be in the past.")]
    age = age_on(born, today)
    if age > MAXIMUM_AGE:
        return [_("Check the year of birth: the person would be over %(age)s.") % {"age": MAXIMUM_AGE}]
    if minimum_age is not None and age < minimum_age:
        return [_("A key individual must be at least %(age)s years old.") % {"age": minimum_age}]
    return []


def key_individual_errors(values: dict) -> dict[str, list[str]]:
    """Field errors of one key individual, from a dict of its field values."""
    errors: dict[str, list[str]] = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    if values.get("identity_type") == IdentityType.CNIC and not values.get("cnic"):
        add("cnic", _("Enter the CNIC, in the form 12345-1234567-1."))
    if values.get("identity_type") == IdentityType.PASSPORT:
        if not values.get("passport_number"):
            add("passport_number", _("Enter the passport number."))
        if not values.get("passport_country"):
            add("passport_country", _("Enter the country that issued the passport."))
    for message in date_of_birth_errors(values.get("date_of_birth"), minimum_age=MINIMUM_AGE):
        add("date_of_birth", message)
    if values.get("role") == KeyRole.MLRO and not values.get("is_employee"):
        add(
            "is_employee",
            _("The MLRO must be an employee of the firm: the role may not be outsourced."),
        )
    return errors


def owner_errors(values: dict) -> dict[str, list[str]]:
    """Field errors of one beneficial owner, from a dict of its field values."""
    errors: dict[str, list[str]] = {}
    percent = values.get("ownership_percent")
    if percent is not None:
        if percent <= 0 or percent > 100:
            errors["ownership_percent"] = [_("Ownership must be more than 0 and at most 100 %.")]
        elif percent <= OWNERSHIP_THRESHOLD:
            errors["ownership_percent"] = [
                _(
                    "Only owners with more than %(limit)s %% must be listed: leave out owners "
                    "with %(limit)s %% or less."
                )
                % {"limit": OWNERSHIP_THRESHOLD}
            ]
    if values.get("kind") == OwnerKind.PERSON:
        if not values.get("date_of_birth"):
            errors["date_of_birth"] = [_("Enter the date of birth of a natural person.")]
        else:
            dob_errors = date_of_birth_errors(values["date_of_birth"], minimum_age=None)
            if dob_errors:
                errors["date_of_birth"] = dob_errors
    return errors


# --- Rules on a whole section (used when marking it complete and by the section registry).


def same_person(a: KeyIndividual, b: KeyIndividual) -> bool:
    if a.cnic and a.cnic == b.cnic:
        return True
    if a.passport_number and (a.passport_number.upper(), a.passport_country) == (
        b.passport_number.upper(),
        b.passport_country,
    ):
        return True
    return a.full_name.strip().casefold() == b.full_name.strip().casefold() and (
        a.date_of_birth == b.date_of_birth
    )


def key_individuals_problems(people) -> list[str]:
    """Why the key individuals section cannot be complete (empty: it can)."""
    by_role = {}
    for person in people:
        by_role.setdefault(person.role, person)
    problems = [
        _("Add the %(role)s.") % {"role": KeyRole(role).label}
        for role in REQUIRED_KEY_ROLES
        if role not in by_role
    ]
    mlro, officer = by_role.get(KeyRole.MLRO), by_role.get(KeyRole.COMPLIANCE_OFFICER)
    if mlro is not None and not mlro.is_employee:
        problems.append(_("The MLRO must be an employee of the firm: the role may not be outsourced."))
    if mlro is not None and officer is not None and same_person(mlro, officer):
        problems.append(_("The MLRO and the Compliance Officer must be different people."))
    return problems


def ownership_problems(owners, *, none_above_threshold: bool) -> list[str]:
    """Why the ownership section cannot be complete (empty: it can)."""
    owners = list(owners)
    if not owners and not none_above_threshold:
        return [
            _(
                "Add every beneficial owner with more than %(limit)s %%, or confirm that nobody "
                "holds more than %(limit)s %%."
            )
            % {"limit": OWNERSHIP_THRESHOLD}
        ]
    total = sum((o.ownership_percent for o in owners), Decimal("0"))
    if total > 100:
        return [
            _("The owners listed hold %(total)s %% together: the total may not exceed 100 %%.")
            % {"total": total}
        ]
    return []


def _ownership_declared_none(app) -> bool:
    return bool(((app.sections.get(OWNERSHIP) or {}).get("data") or {}).get("none_above_threshold"))


def section_problems(app, section: str) -> list[str]:
    if section == KEY_INDIVIDUALS:
        return key_individuals_problems(app.key_individuals.all())
    return ownership_problems(app.beneficial_owners.all(), none_above_threshold=_ownership_declared_none(app))


# --- Shared steps.


def _lock_draft(actor, application_id: int) -> Application:
    app = lock(Application.objects, application_id)
    allowed, reason = can_for_firm(actor, app.firm, EDIT)
    if not allowed:
        raise NotPermitted(reason)
    if app.status != ApplicationStatus.DRAFT:
        raise RuleBroken(_("Only a draft can be edited: this application has been submitted."))
    return app


def _validation_errors(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {
            field: [str(m) for m in ValidationError(msgs).messages]
            for field, msgs in error.error_dict.items()
        }
    return {NON_FIELD_ERRORS: [str(m) for m in error.messages]}


def _merge(errors: dict, more: dict) -> dict:
    for field, messages in more.items():
        errors.setdefault(field, []).extend(messages)
    return errors


def _raise_if(errors: dict) -> None:
    if errors:
        first = next(iter(errors.values()))[0]
        raise RuleBroken(first, field_errors=errors)


def _country_errors(obj, fields, errors: dict) -> None:
    """A code that is not an ISO 3166 country gets a sentence that says so (the model's own
    would be "not a valid choice"); an empty one is left to the required-field rules."""
    for field in fields:
        value = str(getattr(obj, field) or "")
        if value and field not in errors and not is_country(value):
            errors[field] = [country_code_problem(value)]


def _full_clean_errors(obj, errors: dict) -> dict:
    """Model validation (formats, choices, constraints), skipping fields already in error."""
    try:
        obj.full_clean(exclude=[f for f in errors if f != NON_FIELD_ERRORS])
    except ValidationError as error:
        _merge(errors, _validation_errors(error))
    return errors


def _keep_section_honest(app: Application, section: str) -> str:
    """After a change: a started section is at least in progress; a completed one stays
    completed only while its rules still hold."""
    entry = app.sections.get(section) or {}
    status = entry.get("status")
    if status == "completed" and not section_problems(app, section):
        return status
    if status != "in_progress":
        app.sections = {**app.sections, section: {"status": "in_progress", "data": entry.get("data") or {}}}
        app.save(update_fields=["sections"])
    return "in_progress"


def _changed_fields(before: dict, obj, fields) -> list[str]:
    return [f for f in fields if before.get(f) != getattr(obj, f)]


# --- Key individuals.


def _clean_identity(person: KeyIndividual) -> None:
    """Keep only the identity fields of the chosen document."""
    if person.identity_type == IdentityType.CNIC:
        person.passport_number = ""
        person.passport_country = ""
    elif person.identity_type == IdentityType.PASSPORT:
        person.cnic = ""


@transaction.atomic
def key_individual_save(
    *, actor, application_id: int, data: dict, key_individual_id: int | None = None
) -> KeyIndividual:
    """Add a key individual to a draft, or change one. `data` holds the model's fields."""
    app = _lock_draft(actor, application_id)
    if key_individual_id is None:
        person, before = KeyIndividual(application=app), {}
    else:
        person = KeyIndividual.objects.filter(application=app, pk=key_individual_id).first()
        if person is None:
            raise NotFound(_("Key individual not found."))
        before = {f: getattr(person, f) for f in KEY_INDIVIDUAL_FIELDS}
    for field in KEY_INDIVIDUAL_FIELDS:
        if field in data:
            setattr(person, field, data[field])
    for field in ("passport_country", "nationality"):
        setattr(person, field, str(getattr(person, field) or "").strip().upper())
    _clean_identity(person)

    errors = key_individual_errors({f: getattr(person, f) for f in KEY_INDIVIDUAL_FIELDS})
    _country_errors(person, ("passport_country", "nationality"), errors)
    _full_clean_errors(person, errors)
    others = [p for p in app.key_individuals.all() if p.pk != person.pk]
    if "role" not in errors and person.role in REQUIRED_KEY_ROLES:
        if any(p.role == person.role for p in others):
            errors.setdefault("role", []).append(
                _("A %(role)s is already named: change or remove that person first.")
                % {"role": person.get_role_display()}
            )
        counterpart_role = {
            KeyRole.MLRO: KeyRole.COMPLIANCE_OFFICER,
            KeyRole.COMPLIANCE_OFFICER: KeyRole.MLRO,
        }
        counterpart = next((p for p in others if p.role == counterpart_role.get(person.role)), None)
        if counterpart is not None and not errors and same_person(person, counterpart):
            errors.setdefault("role", []).append(
                _("The MLRO and the Compliance Officer must be different people.")
            )
    _raise_if(errors)

    return _save_subject(
        actor,
        app,
        person,
        before=before,
        section=KEY_INDIVIDUALS,
        fields=KEY_INDIVIDUAL_FIELDS,
        extra={"role": person.role},
    )


@transaction.atomic
def key_individual_remove(*, actor, application_id: int, key_individual_id: int) -> None:
    app = _lock_draft(actor, application_id)
    person = KeyIndividual.objects.filter(application=app, pk=key_individual_id).first()
    if person is None:
        raise NotFound(_("Key individual not found."))
    _remove_subject(actor, app, person, section=KEY_INDIVIDUALS, extra={"role": person.role})


# --- Beneficial owners.


@transaction.atomic
def beneficial_owner_save(
    *, actor, application_id: int, data: dict, owner_id: int | None = None
) -> BeneficialOwner:
    """Add a beneficial owner (more than 10 %) to a draft, or change one."""
    app = _lock_draft(actor, application_id)
    if owner_id is None:
        owner, before = BeneficialOwner(application=app), {}
    else:
        owner = BeneficialOwner.objects.filter(application=app, pk=owner_id).first()
        if owner is None:
            raise NotFound(_("Beneficial owner not found."))
        before = {f: getattr(owner, f) for f in OWNER_FIELDS}
    for field in OWNER_FIELDS:
        if field in data:
            setattr(owner, field, data[field])
    owner.country = str(owner.country or "").strip().upper()
    if owner.kind == OwnerKind.ENTITY:
        owner.date_of_birth = None
    if isinstance(owner.ownership_percent, int | str):
        owner.ownership_percent = Decimal(str(owner.ownership_percent))

    errors = owner_errors({f: getattr(owner, f) for f in OWNER_FIELDS})
    _country_errors(owner, ("country",), errors)
    if not owner.identity_number:
        errors.setdefault("identity_number", []).append(
            _("Enter the CNIC, passport number or company registration number.")
        )
    _full_clean_errors(owner, errors)
    if "ownership_percent" not in errors:
        others = (
            BeneficialOwner.objects.filter(application=app)
            .exclude(pk=owner.pk)
            .aggregate(total=Sum("ownership_percent"))["total"]
        ) or Decimal("0")
        total = others + owner.ownership_percent
        if total > 100:
            errors["ownership_percent"] = [
                _(
                    "With this owner the owners listed would hold %(total)s %% together: "
                    "the total may not exceed 100 %%."
                )
                % {"total": total}
            ]
    _raise_if(errors)

    return _save_subject(actor, app, owner, before=before, section=OWNERSHIP, fields=OWNER_FIELDS)


@transaction.atomic
def beneficial_owner_remove(*, actor, application_id: int, owner_id: int) -> None:
    app = _lock_draft(actor, application_id)
    owner = BeneficialOwner.objects.filter(application=app, pk=owner_id).first()
    if owner is None:
        raise NotFound(_("Beneficial owner not found."))
    _remove_subject(actor, app, owner, section=OWNERSHIP)


# --- Marking a people section complete (or back to in progress).


@transaction.atomic
def people_section_save(
    *, actor, application_id: int, section: str, completed: bool, none_above_threshold: bool = False
) -> Application:
    """Mark the key individuals or ownership section complete (if its rules hold) or in progress."""
    if section not in (KEY_INDIVIDUALS, OWNERSHIP):
        raise NotFound(_("Unknown section."))
    app = _lock_draft(actor, application_id)
    if section == KEY_INDIVIDUALS:
        people = list(app.key_individuals.all())
        problems = key_individuals_problems(people)
        data = {"count": len(people), "roles": sorted({p.role for p in people})}
    else:
        owners = list(app.beneficial_owners.all())
        none_above_threshold = bool(none_above_threshold) and not owners
        problems = ownership_problems(owners, none_above_threshold=none_above_threshold)
        total = sum((o.ownership_percent for o in owners), Decimal("0"))
        data = {
            "count": len(owners),
            "total_percent": str(total),
            "none_above_threshold": none_above_threshold,
        }
    if completed and problems:
        raise RuleBroken(" ".join(str(p) for p in problems), field_errors={NON_FIELD_ERRORS: problems})
    return application_save_section(
        actor=actor, application_id=app.pk, section=section, data=data, completed=completed
    )


# --- The services section also sets the application's proposed activities.


@transaction.atomic
def application_services_save(
    *, actor, application_id: int, data: dict, activity_codes: list[str], completed: bool
) -> Application:
    """Save the "services" section and set the application's proposed activities with it.

    (It sits here for this round: `licensing/services/applications.py` belongs to another
    engineer; it is the natural home.)"""
    app = application_save_section(
        actor=actor, application_id=application_id, section="services", data=data, completed=completed
    )
    app.activities.set(Activity.objects.filter(code__in=activity_codes, is_active=True))
    return app


# Audit action names (and screening subject kinds) per model.
_ACTION_PREFIX = {"keyindividual": "key_individual", "beneficialowner": "beneficial_owner"}


def _save_subject(actor, app, row, *, before, section: str, fields, extra=None):
    """Save a key individual or owner, keep its section's status true, audit, queue screening."""
    row.save()
    section_status = _keep_section_honest(app, section)
    action = _ACTION_PREFIX[row._meta.model_name]
    record(
        actor=actor,
        action=f"{action}.update" if before else f"{action}.create",
        obj=row,
        firm=app.firm,
        details={
            "application": app.pk,
            **(extra or {}),
            "changed": _changed_fields(before, row, fields),
            "section_status": section_status,
        },
    )
    transaction.on_commit(partial(queue_subject_screening, action, row.pk))
    return row


def _remove_subject(actor, app, row, *, section: str, extra=None) -> None:
    action = _ACTION_PREFIX[row._meta.model_name]
    record(
        actor=actor,
        action=f"{action}.remove",
        obj=row,
        firm=app.firm,
        details={"application": app.pk, **(extra or {})},
    )
    row.delete()
    _keep_section_honest(app, section)
