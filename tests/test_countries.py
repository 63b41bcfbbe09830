"""Countries are chosen, not typed: "Cayman Islands" is KY (it was saved as CA, Canada, when a
box kept two letters of what was typed), a code that is not a country is refused on the web
and in the API naming the field, names show in the reader's language (Urdu from CLDR), and
sanctions lists' country names are read with the same maintained data. LEI and CNIC are
checked with python-stdnum."""

import pytest
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from licensing import scenarios
from licensing.models import ApplicationKind, BeneficialOwner, Firm, ForeignLicence, KeyIndividual
from portal.countries import code_for_name, countries, country_name, is_country
from tests.test_accounts import firm_data, valid_lei
from tests.test_web_application import owner_post, person_post

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


# --- The data: maintained, complete, translated.


def test_every_iso_country_is_known_and_nothing_else():
    assert len(list(countries)) >= 249
    assert is_country("KY") and is_country("PK") and is_country("PA")
    assert not is_country("XQ") and not is_country("ky") and not is_country("") and not is_country(None)


def test_country_names_are_shown_in_urdu_from_cldr():
    assert country_name("KY") == "Cayman Islands"
    with translation.override("ur"):
        assert country_name("KY") == "کیمین آئلینڈز"
        assert country_name("PK") == "پاکستان"
        assert dict(countries)["AE"] == "متحدہ عرب امارات"


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("Pakistan", "PK"),
        ("Cayman Islands", "KY"),
        ("Syrian Arab Republic", "SY"),
        ("Iran (Islamic Republic of)", "IR"),
        ("Democratic People's Republic of Korea", "KP"),
        ("Republic of Korea", "KR"),
        ("United Republic of Tanzania", "TZ"),
        ("Republic of Moldova", "MD"),
        ("State of Palestine", "PS"),
        ("Democratic Republic of the Congo", "CD"),
        ("United Kingdom of Great Britain and Northern Ireland", "GB"),
        ("Netherlands (Kingdom of the)", "NL"),
        ("Türkiye", "TR"),
        ("PAK", "PK"),
        ("ky", "KY"),
    ],
)
def test_sanctions_lists_country_names_are_read_as_iso_codes(written, code):
    assert code_for_name(written) == code


@pytest.mark.parametrize("written", ["Atlantis", "XQ", "Caymen", ""])
def test_a_name_that_is_not_a_country_gives_no_code(written):
    assert code_for_name(written) == ""


# --- The web: a list of countries, the code saved.


def test_the_country_of_incorporation_is_chosen_from_a_list_of_names(client, principal):
    client.force_login(principal)
    page = client.get(reverse("firm_register")).content.decode()
    assert '<select name="incorporation_country"' in page
    assert '<option value="KY">Cayman Islands</option>' in page
    assert '<option value="PK">Pakistan</option>' in page


def test_the_country_list_is_in_urdu_on_urdu_pages(client, principal):
    client.force_login(principal)
    client.cookies["django_language"] = "ur"
    page = client.get(reverse("firm_register")).content.decode()
    assert '<option value="KY">کیمین آئلینڈز</option>' in page
    assert '<option value="PK">پاکستان</option>' in page


def test_choosing_cayman_islands_saves_ky(client, principal):
    client.force_login(principal)
    response = client.post(reverse("firm_register"), firm_data(lei="", incorporation_country="KY"))
    assert response.status_code == 302
    firm = Firm.objects.get(legal_name="Indus Digital Exchange Ltd")
    assert firm.incorporation_country == "KY" and firm.incorporation_country.name == "Cayman Islands"


@pytest.mark.parametrize("typed", ["Cayman Islands", "Pakistan", "XQ", "C"])
def test_a_country_that_is_not_a_code_is_refused_and_nothing_is_saved(client, principal, typed):
    client.force_login(principal)
    response = client.post(reverse("firm_register"), firm_data(lei="", incorporation_country=typed))
    page = response.content.decode()
    assert response.status_code == 200
    assert "is not an ISO 3166 country code: choose the country from the list." in page
    assert not Firm.objects.filter(legal_name="Indus Digital Exchange Ltd").exists()  # no CA, no PA


def test_a_forgotten_country_is_asked_for(client, principal):
    client.force_login(principal)
    response = client.post(reverse("firm_register"), firm_data(lei="", incorporation_country=""))
    assert "Choose the country of incorporation." in response.content.decode()


def test_an_lei_with_wrong_check_digits_is_refused_on_the_web(client, principal):
    client.force_login(principal)
    lei = valid_lei(78)
    wrong = lei[:-1] + str((int(lei[-1]) + 1) % 10)
    response = client.post(reverse("firm_register"), firm_data(lei=wrong))
    assert "This LEI&#x27;s check digits are wrong" in response.content.decode()
    assert not Firm.objects.filter(lei=wrong).exists()


def test_a_key_individuals_nationality_is_refused_unless_a_country(client, firm, principal):
    draft = scenarios.new_application(firm, ApplicationKind.NOC, actor=principal)
    client.force_login(principal)
    add = reverse("application_key_individual_add", args=[draft.pk])
    refused = client.post(add, person_post("ceo", nationality="Pakistan"))
    assert "“Pakistan” is not an ISO 3166 country code" in refused.content.decode()
    assert not KeyIndividual.objects.exists()
    client.post(add, person_post("ceo", nationality="PK"))
    assert KeyIndividual.objects.get().nationality == "PK"


def test_a_cnic_with_impossible_digits_is_refused_on_the_web(client, firm, principal):
    draft = scenarios.new_application(firm, ApplicationKind.NOC, actor=principal)
    client.force_login(principal)
    response = client.post(
        reverse("application_key_individual_add", args=[draft.pk]),
        person_post("ceo", cnic="95202-1234567-1"),
    )
    assert "its first digit must be a province code" in response.content.decode()
    assert not KeyIndividual.objects.exists()


# --- The API: codes accepted, anything else a 400 naming the field.


def test_api_accepts_iso_codes_for_people_owners_and_licences(firm, principal):
    draft = scenarios.new_application(firm, ApplicationKind.NOC, actor=principal)
    client = api(principal)
    base = f"/api/v1/firm/applications/{draft.pk}"
    person = person_post("ceo", nationality="pk")
    person["is_employee"] = True
    created = client.post(f"{base}/key-individuals/", person, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["nationality"] == "PK"
    owner = client.post(f"{base}/beneficial-owners/", owner_post(country="KY"), format="json")
    assert owner.status_code == 201, owner.content
    assert BeneficialOwner.objects.get().country == "KY"
    licence = {"regulator": "CIMA", "jurisdiction": "KY", "licence_number": "VASP-1", "activity": "Exchange"}
    added = client.post("/api/v1/firm/foreign-licences/", licence, format="json")
    assert added.status_code == 201, added.content
    assert added.json()["jurisdiction"] == "KY"


@pytest.mark.parametrize("value", ["XQ", "Cayman Islands", "CAY"])
def test_api_refuses_what_is_not_a_country_naming_the_field(firm, principal, value):
    draft = scenarios.new_application(firm, ApplicationKind.NOC, actor=principal)
    client = api(principal)
    base = f"/api/v1/firm/applications/{draft.pk}"
    person = person_post("ceo", nationality=value)
    person["is_employee"] = True
    refused = client.post(f"{base}/key-individuals/", person, format="json")
    assert refused.status_code == 400, refused.content
    assert refused["Content-Type"].startswith("application/problem+json")
    assert "is not an ISO 3166 country code" in str(refused.json()["errors"]["nationality"])
    owner = client.post(f"{base}/beneficial-owners/", owner_post(country=value), format="json")
    assert owner.status_code == 400 and "country" in owner.json()["errors"]
    licence = {"regulator": "CIMA", "jurisdiction": value, "licence_number": "VASP-1", "activity": "Exchange"}
    added = client.post("/api/v1/firm/foreign-licences/", licence, format="json")
    assert added.status_code == 400 and "jurisdiction" in added.json()["errors"]
    assert not KeyIndividual.objects.exists() and not BeneficialOwner.objects.exists()
    assert not ForeignLicence.objects.exists()


def test_api_refuses_an_invalid_country_of_incorporation(firm, principal):
    response = api(principal).patch("/api/v1/firm/", {"incorporation_country": "XQ"}, format="json")
    assert response.status_code == 400, response.content
    assert "incorporation_country" in response.json()["errors"]
    firm.refresh_from_db()
    assert is_country(str(firm.incorporation_country))


# --- The migration: every stored code is kept.


@pytest.mark.django_db(transaction=True)
def test_the_country_field_migration_keeps_every_stored_code():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    from django.utils import timezone

    before, after = (
        ("licensing", "0005_queue_and_dashboard_indexes"),
        (
            "licensing",
            "0006_country_fields_from_django_countries",
        ),
    )
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    old = executor.loader.project_state([before]).apps
    now = timezone.now()
    common = {"stage_changed_at": now, "created_at": now, "updated_at": now}
    ky = old.get_model("licensing", "Firm").objects.create(
        legal_name="A", incorporation_country="KY", **common
    )
    pk = old.get_model("licensing", "Firm").objects.create(
        legal_name="B", incorporation_country="PK", **common
    )
    old.get_model("licensing", "ForeignLicence").objects.create(
        firm_id=ky.pk, regulator="CIMA", jurisdiction="KY", licence_number="1", activity="x"
    )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([after])
    new = executor.loader.project_state([after]).apps
    firms = dict(new.get_model("licensing", "Firm").objects.values_list("pk", "incorporation_country"))
    assert firms == {ky.pk: "KY", pk.pk: "PK"}
    assert list(
        new.get_model("licensing", "ForeignLicence").objects.values_list("jurisdiction", flat=True)
    ) == ["KY"]
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
