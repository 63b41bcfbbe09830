"""The section registry, the section forms, and the rules on key individuals and owners."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from licensing import scenarios
from licensing.models import ApplicationKind, BeneficialOwner, ForeignLicence, KeyIndividual
from licensing.models.applications import REQUIRED_SECTIONS
from licensing.models.people import KeyRole
from licensing.sections import FORM, ApplicationFacts, get_section, sections_for
from licensing.services import application_people as people
from licensing.services.applications import application_save_section
from licensing.web import forms_application as forms
from portal.audit.models import AuditEvent
from portal.dates import local_today
from portal.errors import NotPermitted, RuleBroken
from tests.threads import run_at_once

pytestmark = pytest.mark.django_db


def years_ago(years: int, days: int = 0) -> datetime.date:
    today = local_today()
    try:
        day = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        day = today.replace(year=today.year - years, day=28)
    return day - datetime.timedelta(days=days)


def person(role, n=1, **over):
    data = {
        "role": role,
        "full_name": f"Person {role} {n}",
        "identity_type": "cnic",
        "cnic": f"{35202 + n:05d}-{1234567:07d}-{n % 10}",
        "passport_number": "",
        "passport_country": "",
        "nationality": "PK",
        "date_of_birth": datetime.date(1980, 3, 27),
        "is_employee": True,
        "email": f"{role}{n}@firm.example",
    }
    data.update(over)
    return data


def owner(n=1, **over):
    data = {
        "kind": "person",
        "name": f"Owner {n}",
        "country": "GB",
        "ownership_percent": Decimal("30"),
        "date_of_birth": datetime.date(1970, 1, 1),
        "identity_number": f"P{n:07d}",
    }
    data.update(over)
    return data


@pytest.fixture
def draft(firm, submitter):
    return scenarios.new_application(firm, ApplicationKind.NOC, actor=submitter)


# --- The registry.


@pytest.mark.parametrize("kind", ApplicationKind.values)
def test_registry_lists_exactly_the_required_sections_in_order(kind):
    assert tuple(s.key for s in sections_for(kind)) == tuple(REQUIRED_SECTIONS[kind])


@pytest.mark.parametrize("kind", ApplicationKind.values)
def test_every_one_page_section_has_a_form_and_every_section_a_title(kind):
    for section in sections_for(kind):
        assert str(section.title)
        if section.page == FORM:
            assert issubclass(section.form_class, forms.SectionForm)
        else:
            assert section.form_class is None


def test_unknown_section_key_is_none():
    assert get_section(ApplicationKind.LICENCE, "ownership") is None
    assert get_section(ApplicationKind.NOC, "ownership").title


@pytest.mark.parametrize(
    "form_class",
    sorted({s.form_class for k in ApplicationKind.values for s in sections_for(k) if s.form_class}, key=str),
)
def test_an_empty_section_form_is_a_valid_draft_but_cannot_be_completed(form_class, draft):
    assert form_class(data={}, application=draft, completing=False).is_valid()
    completing = form_class(data={}, application=draft, completing=True)
    assert not completing.is_valid()
    required = [name for name, field in completing.fields.items() if field.required]
    assert required and all(name in completing.errors for name in required)


def test_section_status_reads_what_is_stored(draft, submitter):
    section = get_section(draft.kind, "aml_programme")
    assert section.status(draft) == "not_started"
    draft = application_save_section(
        actor=submitter, application_id=draft.pk, section="aml_programme", data={}, completed=False
    )
    assert section.status(draft) == "in_progress"
    assert str(section.status_label(draft)) == "In progress"


def test_form_section_problems_name_the_unanswered_questions(draft):
    problems = get_section(draft.kind, "technology").problems(draft, ApplicationFacts(draft))
    assert problems[0].startswith("Not answered yet:") and "Custody arrangements" in problems[0]


# --- Section forms: formats, and what a draft keeps.


def test_business_plan_amount_is_a_decimal_string_never_a_float(draft):
    form = forms.BusinessPlanForm(
        data={"capital_amount": "250000000.50", "capital_currency": "USD"}, application=draft
    )
    assert form.is_valid()
    data = form.to_data()
    assert data["capital_amount"] == "250000000.50"
    assert Decimal(data["capital_amount"]) == Decimal("250000000.50")


@pytest.mark.parametrize("amount", ["12,5", "abc", "0", "-5", "1.234"])
def test_bad_amounts_are_refused_even_in_a_draft(draft, amount):
    form = forms.CapitalForm(data={"paid_up_capital": amount, "currency": "PKR"}, application=draft)
    assert not form.is_valid()
    assert "paid_up_capital" in form.errors
    assert form.to_data() == {"currency": "PKR", "source_of_funds": ""}


def test_dates_in_the_future_are_refused(draft):
    tomorrow = local_today() + datetime.timedelta(days=1)
    form = forms.IncorporationForm(data={"incorporation_date": tomorrow.isoformat()}, application=draft)
    assert not form.is_valid()
    assert "today or in the past" in form.errors["incorporation_date"][0]


def test_dates_may_be_typed_day_first(draft):
    form = forms.FinancialsForm(data={"last_audited_year_end": "31/12/2024"}, application=draft)
    assert form.is_valid(), form.errors
    assert form.to_data()["last_audited_year_end"] == "2024-12-31"


def test_licences_elsewhere_cannot_be_completed_without_a_licence_on_the_profile(draft):
    form = forms.LicencesElsewhereForm(data={"confirmed": "on"}, application=draft, completing=True)
    assert not form.is_valid()
    assert "firm profile" in form.non_field_errors()[0]


def test_licences_elsewhere_stores_the_list_it_confirmed(draft, firm):
    ForeignLicence.objects.create(
        firm=firm, regulator="VARA", jurisdiction="AE", licence_number="VL/23/01", activity="Exchange"
    )
    form = forms.LicencesElsewhereForm(data={"confirmed": "on"}, application=draft, completing=True)
    assert form.is_valid()
    assert form.to_data()["licences"] == [
        {"regulator": "VARA", "jurisdiction": "AE", "licence_number": "VL/23/01", "activity": "Exchange"}
    ]


def test_services_under_a_call_offer_only_the_call_activities(draft, activities):
    from licensing.models import Call

    call = Call.objects.create(
        title="Exchanges",
        description="d",
        opens_at=timezone.now() - datetime.timedelta(days=1),
        closes_at=timezone.now() + datetime.timedelta(days=30),
    )
    call.eligible_activities.set(activities[:1])
    draft.call = call
    form = forms.ServicesForm(application=draft)
    assert list(form.fields["activities"].queryset) == activities[:1]


# --- Key individual rules (the service is the authority; the forms call the same rules).


def test_key_individual_cnic_must_be_well_formed(draft, submitter):
    with pytest.raises(RuleBroken) as info:
        people.key_individual_save(
            actor=submitter, application_id=draft.pk, data=person(KeyRole.CEO, cnic="12345-123")
        )
    assert "12345-1234567-1" in info.value.field_errors["cnic"][0]


def test_key_individual_born_in_the_future_is_refused(draft, submitter):
    future = local_today() + datetime.timedelta(days=3)
    with pytest.raises(RuleBroken) as info:
        people.key_individual_save(
            actor=submitter, application_id=draft.pk, data=person(KeyRole.CEO, date_of_birth=future)
        )
    assert info.value.field_errors["date_of_birth"] == ["The date of birth must be in the past."]


def test_key_individual_must_be_at_least_eighteen(draft, submitter):
    with pytest.raises(RuleBroken) as info:
        people.key_individual_save(
            actor=submitter,
            application_id=draft.pk,
            data=person(KeyRole.CEO, date_of_birth=years_ago(18, days=-1)),
        )
    assert "at least 18" in info.value.field_errors["date_of_birth"][0]
    saved = people.key_individual_save(
        actor=submitter, application_id=draft.pk, data=person(KeyRole.CEO, date_of_birth=years_ago(18))
    )
    assert saved.pk


def test_mlro_must_be_an_employee(draft, submitter):
    with pytest.raises(RuleBroken) as info:
        people.key_individual_save(
            actor=submitter, application_id=draft.pk, data=person(KeyRole.MLRO, is_employee=False)
        )
    assert "may not be outsourced" in info.value.field_errors["is_employee"][0]
    assert not KeyIndividual.objects.exists()


def test_other_roles_may_be_outsourced(draft, submitter):
    saved = people.key_individual_save(
        actor=submitter, application_id=draft.pk, data=person(KeyRole.CFO, is_employee=False)
    )
    assert saved.is_employee is False


def test_mlro_and_compliance_officer_must_be_different_people(draft, submitter):
    same = person(KeyRole.COMPLIANCE_OFFICER, n=3)
    people.key_individual_save(actor=submitter, application_id=draft.pk, data=same)
    with pytest.raises(RuleBroken, match="different people"):
        people.key_individual_save(
            actor=submitter, application_id=draft.pk, data={**same, "role": KeyRole.MLRO}
        )


def test_a_required_role_is_held_by_one_person(draft, submitter):
    people.key_individual_save(actor=submitter, application_id=draft.pk, data=person(KeyRole.CEO, 1))
    with pytest.raises(RuleBroken, match="already named"):
        people.key_individual_save(actor=submitter, application_id=draft.pk, data=person(KeyRole.CEO, 2))
    people.key_individual_save(actor=submitter, application_id=draft.pk, data=person(KeyRole.DIRECTOR, 3))
    people.key_individual_save(actor=submitter, application_id=draft.pk, data=person(KeyRole.DIRECTOR, 4))


def test_passport_holders_need_the_issuing_country(draft, submitter):
    data = person(KeyRole.CEO, identity_type="passport", cnic="", passport_number="X1234567")
    with pytest.raises(RuleBroken) as info:
        people.key_individual_save(actor=submitter, application_id=draft.pk, data=data)
    assert "passport_country" in info.value.field_errors
    saved = people.key_individual_save(
        actor=submitter, application_id=draft.pk, data={**data, "passport_country": "gb", "cnic": "ignored"}
    )
    assert (saved.passport_country, saved.cnic) == ("GB", "")


def test_people_changes_are_audited_without_identity_numbers(draft, submitter):
    saved = people.key_individual_save(actor=submitter, application_id=draft.pk, data=person(KeyRole.CEO))
    event = AuditEvent.objects.filter(action="key_individual.create").get()
    assert event.actor == submitter and event.firm_id == draft.firm_id
    assert saved.cnic not in str(event.details)


def test_outsider_cannot_change_people_of_another_firm(draft, outsider):
    with pytest.raises(NotPermitted):
        people.key_individual_save(actor=outsider, application_id=draft.pk, data=person(KeyRole.CEO))


def test_people_of_a_submitted_application_cannot_change(firm, submitter):
    app = scenarios.new_application(firm, ApplicationKind.NOC, actor=submitter)
    scenarios.complete_sections(app, actor=submitter)
    scenarios.drive_application(app, "submitted", submitter=submitter)
    with pytest.raises(RuleBroken, match="Only a draft"):
        people.key_individual_save(actor=submitter, application_id=app.pk, data=person(KeyRole.CEO))


def _four_roles(app, actor):
    for n, role in enumerate(people.REQUIRED_KEY_ROLES, start=1):
        people.key_individual_save(actor=actor, application_id=app.pk, data=person(role, n))


def test_key_individuals_complete_only_with_every_required_role(draft, submitter):
    people.key_individual_save(actor=submitter, application_id=draft.pk, data=person(KeyRole.CEO))
    with pytest.raises(RuleBroken) as info:
        people.people_section_save(
            actor=submitter, application_id=draft.pk, section="key_individuals", completed=True
        )
    assert "Add the Chief Financial Officer." in info.value.field_errors["__all__"]
    others = [r for r in people.REQUIRED_KEY_ROLES if r != KeyRole.CEO]
    for n, role in enumerate(others, start=5):
        people.key_individual_save(actor=submitter, application_id=draft.pk, data=person(role, n))
    app = people.people_section_save(
        actor=submitter, application_id=draft.pk, section="key_individuals", completed=True
    )
    assert app.sections["key_individuals"]["status"] == "completed"


def test_removing_a_required_person_reopens_a_completed_section(draft, submitter):
    _four_roles(draft, submitter)
    people.people_section_save(
        actor=submitter, application_id=draft.pk, section="key_individuals", completed=True
    )
    cfo = KeyIndividual.objects.get(application=draft, role=KeyRole.CFO)
    people.key_individual_save(
        actor=submitter, application_id=draft.pk, key_individual_id=cfo.pk, data={"email": "new@firm.example"}
    )
    draft.refresh_from_db()
    assert draft.sections["key_individuals"]["status"] == "completed"  # still true: stays complete
    people.key_individual_remove(actor=submitter, application_id=draft.pk, key_individual_id=cfo.pk)
    draft.refresh_from_db()
    assert draft.sections["key_individuals"]["status"] == "in_progress"


# --- Beneficial owner rules.


@pytest.mark.parametrize("percent", ["10", "10.00", "5", "0.01"])
def test_owners_at_or_under_ten_percent_are_refused(draft, submitter, percent):
    with pytest.raises(RuleBroken) as info:
        people.beneficial_owner_save(
            actor=submitter, application_id=draft.pk, data=owner(ownership_percent=Decimal(percent))
        )
    assert "Only owners with more than 10 % must be listed" in info.value.field_errors["ownership_percent"][0]


@pytest.mark.parametrize("percent", ["0", "-1", "100.01"])
def test_ownership_must_be_above_zero_and_at_most_a_hundred(draft, submitter, percent):
    with pytest.raises(RuleBroken) as info:
        people.beneficial_owner_save(
            actor=submitter, application_id=draft.pk, data=owner(ownership_percent=Decimal(percent))
        )
    assert "ownership_percent" in info.value.field_errors


def test_owners_may_not_hold_more_than_a_hundred_percent_together(draft, submitter):
    people.beneficial_owner_save(
        actor=submitter, application_id=draft.pk, data=owner(1, ownership_percent=Decimal("60.50"))
    )
    second = people.beneficial_owner_save(
        actor=submitter, application_id=draft.pk, data=owner(2, ownership_percent=Decimal("39.50"))
    )
    with pytest.raises(RuleBroken) as info:
        people.beneficial_owner_save(
            actor=submitter, application_id=draft.pk, data=owner(3, ownership_percent=Decimal("10.01"))
        )
    assert "110.01 %" in info.value.field_errors["ownership_percent"][0]
    # Changing an owner does not count its old share twice.
    people.beneficial_owner_save(
        actor=submitter,
        application_id=draft.pk,
        owner_id=second.pk,
        data=owner(2, ownership_percent=Decimal("39.5")),
    )


def test_natural_persons_need_a_date_of_birth_in_the_past(draft, submitter):
    with pytest.raises(RuleBroken) as info:
        people.beneficial_owner_save(actor=submitter, application_id=draft.pk, data=owner(date_of_birth=None))
    assert "date_of_birth" in info.value.field_errors
    entity = people.beneficial_owner_save(
        actor=submitter,
        application_id=draft.pk,
        data=owner(kind="entity", name="Holding Ltd", date_of_birth=datetime.date(1990, 1, 1)),
    )
    assert entity.date_of_birth is None


def test_ownership_completes_with_owners_or_a_declaration_that_nobody_holds_over_ten(draft, submitter):
    with pytest.raises(RuleBroken, match="confirm that nobody"):
        people.people_section_save(
            actor=submitter, application_id=draft.pk, section="ownership", completed=True
        )
    app = people.people_section_save(
        actor=submitter,
        application_id=draft.pk,
        section="ownership",
        completed=True,
        none_above_threshold=True,
    )
    assert app.sections["ownership"] == {
        "status": "completed",
        "data": {"count": 0, "total_percent": "0", "none_above_threshold": True},
    }


# --- Two people typing at once cannot break a rule together (row lock on the application).


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_owners_cannot_exceed_a_hundred_percent(require_postgres, firm, submitter, principal):
    app = scenarios.new_application(firm, ApplicationKind.NOC, actor=submitter)
    outcomes = run_at_once(
        [
            lambda actor=actor, n=n: people.beneficial_owner_save(
                actor=actor, application_id=app.pk, data=owner(n, ownership_percent=Decimal("60"))
            )
            for n, actor in enumerate([submitter, principal, submitter, principal])
        ]
    )
    assert [o[0] for o in outcomes].count("ok") == 1
    assert all(isinstance(o[1], RuleBroken) for o in outcomes if o[0] == "error")
    assert BeneficialOwner.objects.filter(application=app).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_mlros_one_is_named(require_postgres, firm, submitter, principal):
    app = scenarios.new_application(firm, ApplicationKind.NOC, actor=submitter)
    outcomes = run_at_once(
        [
            lambda actor=actor, n=n: people.key_individual_save(
                actor=actor, application_id=app.pk, data=person(KeyRole.MLRO, n)
            )
            for n, actor in enumerate([submitter, principal, submitter], start=1)
        ]
    )
    assert [o[0] for o in outcomes].count("ok") == 1
    assert KeyIndividual.objects.filter(application=app, role=KeyRole.MLRO).count() == 1
