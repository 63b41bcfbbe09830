"""The application journey in the browser's terms: task list, sections, people, check your
answers, submit and confirmation, as the firm's people (and an outsider) see it."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from licensing import scenarios
from licensing.models import (
    Application,
    ApplicationKind,
    ApplicationStatus,
    BeneficialOwner,
    ForeignLicence,
    KeyIndividual,
)
from licensing.models.people import REQUIRED_KEY_ROLES, KeyRole
from licensing.services.applications import application_save_section
from portal.dates import local_today

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(name, args=args)


@pytest.fixture
def draft(firm, submitter):
    return scenarios.new_application(firm, ApplicationKind.NOC, actor=submitter)


@pytest.fixture
def as_submitter(client, submitter):
    client.force_login(submitter)
    return client


def person_post(role, n=1, **over):
    data = {
        "role": role,
        "full_name": f"Person {n}",
        "identity_type": "cnic",
        "cnic": f"3520{n}-1234567-{n % 10}",
        "passport_number": "",
        "passport_country": "",
        "nationality": "pk",
        "date_of_birth": "1980-03-27",
        "is_employee": "on",
        "email": f"person{n}@firm.example",
    }
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def owner_post(n=1, **over):
    data = {
        "kind": "person",
        "name": f"Owner {n}",
        "country": "GB",
        "ownership_percent": "30",
        "date_of_birth": "1970-01-01",
        "identity_number": f"P{n:07d}",
    }
    data.update(over)
    return data


VALID = {
    "services": {
        "activities": ["exchange", "custody"],
        "services_description": "Spot trading of virtual assets against PKR.",
        "customer_types": ["retail", "institutional"],
        "target_customers": "Adults resident in Pakistan.",
    },
    "aml_programme": {
        "policy_summary": "Board-approved policy, reviewed yearly.",
        "risk_assessment": "Business-wide risk assessment.",
        "customer_due_diligence": "Document checks; EDD for PEPs.",
        "transaction_monitoring": "Chainalysis KYT and in-house rules.",
        "record_keeping": "Ten years, encrypted, in Pakistan.",
        "sanctions_screening": "UN, OFAC and national lists, daily.",
    },
    "technology": {
        "systems": "Matching engine built in house.",
        "custody_arrangements": "95 % cold storage with multi-party computation.",
        "cyber_security": "ISO/IEC 27001 certified.",
        "audits": "Yearly penetration test.",
        "incident_response": "24/7 security operations centre.",
    },
    "business_plan": {
        "products": "Spot exchange.",
        "target_market": "Retail and institutions.",
        "projected_customers": "250000",
        "capital_amount": "25000000.00",
        "capital_currency": "USD",
        "local_presence": "Office in Karachi.",
    },
}


def complete_via_web(client, app):
    """Answer every NOC section through the pages, as an applicant would."""
    ForeignLicence.objects.create(
        firm=app.firm, regulator="VARA", jurisdiction="AE", licence_number="VL/23/01", activity="Exchange"
    )
    for key, data in VALID.items():
        response = client.post(url("application_section", app.pk, key), {**data, "action": "complete"})
        assert response.status_code == 302, response.content.decode()[:3000]
    client.post(
        url("application_section", app.pk, "licences_elsewhere"), {"confirmed": "on", "action": "complete"}
    )
    for n, role in enumerate(REQUIRED_KEY_ROLES, start=1):
        response = client.post(url("application_key_individual_add", app.pk), person_post(role, n))
        assert response.status_code == 302, response.content.decode()[:3000]
    client.post(url("application_key_individuals", app.pk), {"action": "complete"})
    client.post(url("application_owner_add", app.pk), owner_post())
    client.post(url("application_owners", app.pk), {"action": "complete"})
    # The documents section belongs to the documents pages; mark it as they would.
    application_save_section(
        actor=app.created_by, application_id=app.pk, section="documents", data={}, completed=True
    )
    app.refresh_from_db()
    assert app.incomplete_sections() == []
    return app


# --- Starting and the task list.


def test_a_firm_starts_a_licence_application_and_lands_on_its_task_list(as_submitter, firm):
    response = as_submitter.post(url("application_start"), {"kind": "licence"})
    app = Application.objects.get(firm=firm)
    assert app.kind == ApplicationKind.LICENCE
    assert response["Location"] == url("application_detail", app.pk)
    page = as_submitter.get(response["Location"]).content.decode()
    assert "Local incorporation" in page and "Capital" in page
    assert "You have completed 0 of 7 sections." in page


def test_start_refuses_an_unknown_kind_and_get(as_submitter, firm):
    response = as_submitter.post(url("application_start"), {"kind": "banking"})
    assert response.status_code == 302 and not Application.objects.exists()
    assert as_submitter.get(url("application_start")).status_code == 405


def test_task_list_shows_each_section_status_and_the_count(as_submitter, draft):
    as_submitter.post(
        url("application_section", draft.pk, "aml_programme"),
        {**VALID["aml_programme"], "action": "complete"},
    )
    as_submitter.post(url("application_section", draft.pk, "technology"), {"systems": "x", "action": "draft"})
    page = as_submitter.get(url("application_detail", draft.pk)).content.decode()
    assert "Owner Exchange Ltd" in page
    assert "Draft: a reference number is given when you submit" in page
    assert "You have completed 1 of 8 sections." in page
    assert page.count("Not started") == 6
    assert page.count("In progress") == 1 and page.count(">Completed<") == 1
    assert url("application_key_individuals", draft.pk) in page
    assert url("application_owners", draft.pk) in page
    assert url("application_documents", draft.pk) in page
    assert url("application_check", draft.pk) in page


def test_a_submitted_application_redirects_to_its_status_page(as_submitter, firm, submitter):
    app = scenarios.new_application(firm, ApplicationKind.NOC, actor=submitter)
    scenarios.drive_application(app, ApplicationStatus.SUBMITTED, submitter=submitter)
    for name, args in [
        ("application_detail", ()),
        ("application_section", ("aml_programme",)),
        ("application_key_individuals", ()),
        ("application_owner_add", ()),
        ("application_check", ()),
    ]:
        response = as_submitter.get(url(name, app.pk, *args))
        assert response.status_code == 302
        assert response["Location"] == f"/applications/{app.pk}/status/"


# --- One-page sections: draft and complete.


def test_complete_needs_every_required_answer_and_keeps_what_was_typed(as_submitter, draft):
    response = as_submitter.post(
        url("application_section", draft.pk, "aml_programme"),
        {"policy_summary": "Our policy, typed with care.", "action": "complete"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page and "Answer this question." in page
    assert "Our policy, typed with care." in page
    draft.refresh_from_db()
    assert "aml_programme" not in draft.sections


def test_the_error_summary_puts_a_question_and_its_error_together_without_a_stray_colon(as_submitter, draft):
    response = as_submitter.post(url("application_section", draft.pk, "services"), {"action": "complete"})
    summary = re.search(r'<div class="error-summary".*?</div>', response.content.decode(), re.S).group(0)
    assert "Who will your customers be? Select at least one." in summary
    assert "?:" not in summary


@pytest.mark.parametrize(
    "label, error, line",
    [
        (
            "Who will your customers be?",
            "Select at least one.",
            "Who will your customers be? Select at least one.",
        ),
        ("آپ کے گاہک کون ہوں گے؟", "کم از کم ایک چنیں۔", "آپ کے گاہک کون ہوں گے؟ کم از کم ایک چنیں۔"),
        ("Legal name", "Enter the legal name.", "Legal name: Enter the legal name."),
        ("Legal name:", "Enter the legal name.", "Legal name: Enter the legal name."),
        ("", "Enter a date.", "Enter a date."),
    ],
)
def test_an_error_line_joins_label_and_error_as_a_sentence(label, error, line):
    from licensing.templatetags.portal import error_line

    assert error_line(label, error) == line


def test_save_as_draft_keeps_partial_answers_in_progress(as_submitter, draft):
    response = as_submitter.post(
        url("application_section", draft.pk, "aml_programme"),
        {"policy_summary": "Half done.", "action": "draft"},
    )
    assert response["Location"] == url("application_detail", draft.pk)
    draft.refresh_from_db()
    assert draft.sections["aml_programme"]["status"] == "in_progress"
    assert draft.sections["aml_programme"]["data"]["policy_summary"] == "Half done."
    page = as_submitter.get(url("application_section", draft.pk, "aml_programme")).content.decode()
    assert "Half done." in page


def test_a_draft_with_a_badly_typed_amount_saves_the_rest_and_shows_the_error(as_submitter, draft):
    as_submitter.post(
        url("application_section", draft.pk, "business_plan"),
        {"capital_amount": "1000.00", "capital_currency": "PKR", "action": "draft"},
    )
    response = as_submitter.post(
        url("application_section", draft.pk, "business_plan"),
        {"products": "Spot", "capital_amount": "12,5 lakh", "capital_currency": "PKR", "action": "draft"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Enter a number." in page and "12,5 lakh" in page
    draft.refresh_from_db()
    data = draft.sections["business_plan"]["data"]
    assert data["products"] == "Spot"
    assert data["capital_amount"] == "1000.00"  # the earlier valid answer is kept
    assert draft.sections["business_plan"]["status"] == "in_progress"


def test_completed_business_plan_stores_the_amount_as_a_decimal_string(as_submitter, draft):
    as_submitter.post(
        url("application_section", draft.pk, "business_plan"),
        {**VALID["business_plan"], "action": "complete"},
    )
    draft.refresh_from_db()
    entry = draft.sections["business_plan"]
    assert entry["status"] == "completed"
    assert entry["data"]["capital_amount"] == "25000000.00"
    assert Decimal(entry["data"]["capital_amount"]) == Decimal("25000000")


def test_services_section_sets_the_proposed_activities(as_submitter, draft, activities):
    as_submitter.post(
        url("application_section", draft.pk, "services"), {**VALID["services"], "action": "complete"}
    )
    assert sorted(draft.activities.values_list("code", flat=True)) == ["custody", "exchange"]


def test_licences_elsewhere_points_to_the_firm_profile_when_there_are_none(as_submitter, draft):
    page = as_submitter.get(url("application_section", draft.pk, "licences_elsewhere")).content.decode()
    assert "Add at least one on your firm profile" in page
    assert url("firm_profile") in page
    response = as_submitter.post(
        url("application_section", draft.pk, "licences_elsewhere"), {"confirmed": "on", "action": "complete"}
    )
    assert "Add at least one licence held elsewhere on your firm profile" in response.content.decode()


def test_licence_sections_refuse_future_dates(as_submitter, firm, submitter):
    app = scenarios.new_application(firm, ApplicationKind.LICENCE, actor=submitter)
    tomorrow = (local_today() + datetime.timedelta(days=1)).isoformat()
    response = as_submitter.post(
        url("application_section", app.pk, "incorporation"),
        {
            "local_company_number": "0123456",
            "incorporation_date": tomorrow,
            "registered_office": "Karachi",
            "action": "complete",
        },
    )
    assert "The date must be today or in the past." in response.content.decode()


def test_people_sections_are_not_one_page_forms(as_submitter, draft):
    response = as_submitter.get(url("application_section", draft.pk, "key_individuals"))
    assert response["Location"] == url("application_key_individuals", draft.pk)
    assert as_submitter.get(url("application_section", draft.pk, "capital")).status_code == 404


# --- Key individuals and owners through the pages.


def test_key_individual_form_explains_each_broken_rule(as_submitter, draft):
    cases = [
        ({"cnic": "1234-12345"}, "Enter the CNIC as 13 digits in the form 12345-1234567-1."),
        ({"date_of_birth": (local_today() + datetime.timedelta(days=1)).isoformat()}, "must be in the past"),
        ({"date_of_birth": (local_today() - datetime.timedelta(days=365 * 17)).isoformat()}, "at least 18"),
        ({"role": KeyRole.MLRO, "is_employee": None}, "The MLRO must be an employee of the firm"),
        ({"nationality": "Pakistan"}, "“Pakistan” is not an ISO 3166 country code"),
        ({"email": ""}, "Answer this question."),
    ]
    for change, message in cases:
        data = person_post(change.pop("role", KeyRole.CEO), **change)
        response = as_submitter.post(url("application_key_individual_add", draft.pk), data)
        page = response.content.decode()
        assert response.status_code == 200, change
        assert message in page, (change, message)
        assert "Person 1" in page  # nothing typed is lost
    assert not KeyIndividual.objects.exists()


def test_cnic_typed_without_hyphens_is_stored_in_the_standard_form(as_submitter, draft):
    as_submitter.post(
        url("application_key_individual_add", draft.pk), person_post(KeyRole.CEO, cnic="3520112345671")
    )
    assert KeyIndividual.objects.get().cnic == "35201-1234567-1"


def test_mlro_and_compliance_officer_must_be_different_people_on_the_page(as_submitter, draft):
    as_submitter.post(
        url("application_key_individual_add", draft.pk), person_post(KeyRole.COMPLIANCE_OFFICER, 3)
    )
    response = as_submitter.post(
        url("application_key_individual_add", draft.pk), person_post(KeyRole.MLRO, 3)
    )
    assert "The MLRO and the Compliance Officer must be different people." in response.content.decode()


def test_key_individuals_section_is_complete_only_with_the_four_roles(as_submitter, draft):
    as_submitter.post(url("application_key_individual_add", draft.pk), person_post(KeyRole.CEO, 1))
    response = as_submitter.post(url("application_key_individuals", draft.pk), {"action": "complete"})
    page = response.content.decode()
    assert "Add the Chief Financial Officer." in page and "Add the Money Laundering Reporting Officer" in page
    draft.refresh_from_db()
    assert draft.sections["key_individuals"]["status"] == "in_progress"
    for n, role in enumerate(REQUIRED_KEY_ROLES[1:], start=2):
        as_submitter.post(url("application_key_individual_add", draft.pk), person_post(role, n))
    response = as_submitter.post(url("application_key_individuals", draft.pk), {"action": "complete"})
    assert response["Location"] == url("application_detail", draft.pk)
    draft.refresh_from_db()
    assert draft.sections["key_individuals"]["status"] == "completed"


def test_change_and_remove_a_key_individual(as_submitter, draft):
    as_submitter.post(url("application_key_individual_add", draft.pk), person_post(KeyRole.CFO, 2))
    cfo = KeyIndividual.objects.get()
    page = as_submitter.get(url("application_key_individual_edit", draft.pk, cfo.pk)).content.decode()
    assert 'value="35202-1234567-2"' in page
    as_submitter.post(
        url("application_key_individual_edit", draft.pk, cfo.pk),
        person_post(KeyRole.CFO, 2, full_name="Renamed"),
    )
    assert KeyIndividual.objects.get().full_name == "Renamed"
    assert (
        "Remove Renamed"
        in as_submitter.get(url("application_key_individual_remove", draft.pk, cfo.pk)).content.decode()
    )
    as_submitter.post(url("application_key_individual_remove", draft.pk, cfo.pk))
    assert not KeyIndividual.objects.exists()


def test_owner_form_refuses_small_holdings_and_totals_over_a_hundred(as_submitter, draft):
    response = as_submitter.post(url("application_owner_add", draft.pk), owner_post(ownership_percent="10"))
    assert "Only owners with more than 10 % must be listed" in response.content.decode()
    response = as_submitter.post(url("application_owner_add", draft.pk), owner_post(ownership_percent="ten"))
    assert "Enter a number." in response.content.decode()
    as_submitter.post(url("application_owner_add", draft.pk), owner_post(1, ownership_percent="70"))
    response = as_submitter.post(
        url("application_owner_add", draft.pk), owner_post(2, ownership_percent="30.01")
    )
    assert "the total may not exceed 100 %" in response.content.decode()
    assert [o.ownership_percent for o in BeneficialOwner.objects.all()] == [Decimal("70.00")]


def test_ownership_is_complete_with_no_owners_only_when_declared(as_submitter, draft):
    response = as_submitter.post(url("application_owners", draft.pk), {"action": "complete"})
    assert "confirm that nobody holds more than 10 %" in response.content.decode()
    as_submitter.post(
        url("application_owners", draft.pk), {"action": "complete", "none_above_threshold": "yes"}
    )
    draft.refresh_from_db()
    assert draft.sections["ownership"]["status"] == "completed"


def test_owner_pages_do_not_exist_on_a_licence_application(as_submitter, firm, submitter):
    app = scenarios.new_application(firm, ApplicationKind.LICENCE, actor=submitter)
    assert as_submitter.get(url("application_owners", app.pk)).status_code == 404


# --- Check your answers, submit, confirmation.


def test_check_answers_lists_every_answer_with_change_links(as_submitter, draft):
    complete_via_web(as_submitter, draft)
    page = as_submitter.get(url("application_check", draft.pk)).content.decode()
    assert "Your application is not complete" not in page
    assert "Chainalysis KYT and in-house rules." in page
    assert "USD 25,000,000.00" in page
    assert "Virtual-asset exchange" in page
    assert "VARA (United Arab Emirates) — VL/23/01 — Exchange" in page
    assert '<span class="ltr-value">CNIC 35201-1234567-1</span>' in page
    assert f'href="{url("application_section", draft.pk, "aml_programme")}#id_transaction_monitoring"' in page
    person = KeyIndividual.objects.get(role=KeyRole.MLRO)
    assert url("application_key_individual_edit", draft.pk, person.pk) in page
    assert "Accept and submit" in page


def test_incomplete_application_is_refused_at_submit_with_the_list(as_submitter, draft):
    as_submitter.post(
        url("application_section", draft.pk, "technology"), {**VALID["technology"], "action": "complete"}
    )
    response = as_submitter.post(url("application_check", draft.pk), {"declaration": "on"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Every required section must be completed." in page
    assert "Your application is not complete" in page
    assert f'<a href="{url("application_section", draft.pk, "aml_programme")}">' in page
    assert f'<a href="{url("application_section", draft.pk, "technology")}">' not in page
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.DRAFT and draft.reference is None


def test_the_declaration_is_required(as_submitter, draft, submitter):
    scenarios.complete_sections(draft, actor=submitter)
    response = as_submitter.post(url("application_check", draft.pk), {})
    assert "Confirm the declaration." in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.DRAFT


def test_contributor_sees_why_they_cannot_submit_and_cannot_post(client, draft, contributor, submitter):
    scenarios.complete_sections(draft, actor=submitter)
    client.force_login(contributor)
    page = client.get(url("application_check", draft.pk)).content.decode()
    assert "Accept and submit" not in page
    assert "Your role (contributor) cannot do this; it needs: principal, submitter." in page
    response = client.post(url("application_check", draft.pk), {"declaration": "on"})
    assert response.status_code == 403
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.DRAFT


def test_submit_leads_to_a_confirmation_with_reference_and_one_email(
    as_submitter, draft, submitter, mailoutbox, django_capture_on_commit_callbacks
):
    complete_via_web(as_submitter, draft)
    with django_capture_on_commit_callbacks(execute=True):
        response = as_submitter.post(url("application_check", draft.pk), {"declaration": "on"})
    assert response["Location"] == url("application_confirmation", draft.pk)
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.SUBMITTED and draft.reference
    page = as_submitter.get(response["Location"]).content.decode()
    assert '<span class="reference">' + draft.reference + "</span>" in page
    assert "We have sent an acknowledgement" in page and submitter.email in page
    assert "published service level" in page
    assert url("dashboard") in page
    assert len(mailoutbox) == 1 and draft.reference in mailoutbox[0].subject

    # A second click (or a resent form) changes nothing and sends nothing.
    with django_capture_on_commit_callbacks(execute=True):
        again = as_submitter.post(url("application_check", draft.pk), {"declaration": "on"})
    assert again["Location"] == url("application_confirmation", draft.pk)
    assert Application.objects.get(pk=draft.pk).reference == draft.reference
    assert len(mailoutbox) == 1


def test_confirmation_of_a_draft_goes_back_to_the_task_list(as_submitter, draft):
    response = as_submitter.get(url("application_confirmation", draft.pk))
    assert response["Location"] == url("application_detail", draft.pk)


# --- Access: another firm's application does not exist for an outsider.


def _all_application_urls(app):
    person = KeyIndividual.objects.create(
        application=app,
        role=KeyRole.CEO,
        full_name="A",
        identity_type="cnic",
        cnic="12345-1234567-1",
        nationality="PK",
        date_of_birth=datetime.date(1980, 1, 1),
    )
    owner = BeneficialOwner.objects.create(
        application=app, kind="entity", name="B", country="KY", ownership_percent=Decimal("50")
    )
    return [
        url("application_detail", app.pk),
        url("application_section", app.pk, "aml_programme"),
        url("application_key_individuals", app.pk),
        url("application_key_individual_add", app.pk),
        url("application_key_individual_edit", app.pk, person.pk),
        url("application_key_individual_remove", app.pk, person.pk),
        url("application_owners", app.pk),
        url("application_owner_add", app.pk),
        url("application_owner_edit", app.pk, owner.pk),
        url("application_owner_remove", app.pk, owner.pk),
        url("application_check", app.pk),
        url("application_confirmation", app.pk),
    ]


def test_outsider_gets_404_on_every_application_url_of_another_firm(client, draft, outsider):
    client.force_login(outsider)
    for address in _all_application_urls(draft):
        assert client.get(address).status_code == 404, address
        assert client.post(address, {"action": "complete", "declaration": "on"}).status_code == 404, address
    assert KeyIndividual.objects.count() == 1 and BeneficialOwner.objects.count() == 1
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.DRAFT and draft.sections == {}


def test_a_person_of_another_application_is_404_even_inside_the_same_firm(
    as_submitter, draft, firm, submitter
):
    other = scenarios.new_application(firm, ApplicationKind.LICENCE, actor=submitter)
    addresses = _all_application_urls(other)
    person_pk = KeyIndividual.objects.get(application=other).pk
    assert as_submitter.get(url("application_key_individual_edit", draft.pk, person_pk)).status_code == 404
    assert addresses


def test_anonymous_visitors_are_sent_to_sign_in(client, draft):
    for address in [url("application_start"), *_all_application_urls(draft)]:
        response = client.get(address)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], address


# --- Query counts do not grow with the number of people.


def _fill(app, count):
    KeyIndividual.objects.bulk_create(
        KeyIndividual(
            application=app,
            role=KeyRole.DIRECTOR,
            full_name=f"Director {n}",
            identity_type="passport",
            passport_number=f"X{n:07d}",
            passport_country="GB",
            nationality="GB",
            date_of_birth=datetime.date(1975, 1, 1),
            email=f"d{n}@firm.example",
        )
        for n in range(count)
    )
    # Display only: real owners above 10 % cannot number 50; the page does not care.
    BeneficialOwner.objects.bulk_create(
        BeneficialOwner(
            application=app,
            kind="person",
            name=f"Owner {n}",
            country="GB",
            ownership_percent=Decimal("1.5"),
            date_of_birth=datetime.date(1970, 1, 1),
            identity_number=f"P{n}",
        )
        for n in range(count)
    )


# Measured: 4, 9, 5 and 5 queries (session, user, membership, application, then one per kind
# of related row). Two spare, so a change elsewhere in the page frame does not break them;
# one query per row would add 50.
QUERY_BOUNDS = {
    "application_detail": (6, None),
    "application_check": (11, "Director {last}"),
    "application_key_individuals": (7, "Director {last}"),
    "application_owners": (7, "Owner {last}"),
}


@pytest.mark.parametrize("count", [1, 50])
@pytest.mark.parametrize("name", sorted(QUERY_BOUNDS))
def test_page_queries_do_not_grow_with_people(
    as_submitter, draft, django_assert_max_num_queries, count, name
):
    _fill(draft, count)
    as_submitter.get(url(name, draft.pk))  # warm the session
    bound, last_row = QUERY_BOUNDS[name]
    with django_assert_max_num_queries(bound):
        response = as_submitter.get(url(name, draft.pk))
    assert response.status_code == 200
    if last_row:
        assert last_row.format(last=count - 1) in response.content.decode()


def test_check_page_queries_do_not_grow_on_a_complete_application(
    as_submitter, draft, django_assert_max_num_queries
):
    complete_via_web(as_submitter, draft)
    counts = []
    for extra in (0, 49):
        _fill(draft, extra)
        with django_assert_max_num_queries(14) as captured:
            assert as_submitter.get(url("application_check", draft.pk)).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]
