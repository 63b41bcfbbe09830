"""The register's results are rendered once per search and shared through the cache
(licensing/register/cache.py), and any change to what they show replaces them at once."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from licensing.models import Activity, FirmStage, Licence
from licensing.register import cache as register_cache
from licensing.services.firms import firm_suspend
from tests.factories import FirmFactory, MembershipFactory
from tests.public_states import firm_at

pytestmark = pytest.mark.django_db

INDEX = reverse("register_index")


@pytest.fixture
def people(officer, approver, aml_officer, activities):
    return {"officer": officer, "approver": approver, "aml_officer": aml_officer, "activities": activities}


def licensed(people, **fields):
    firm = FirmFactory(**fields)
    return firm_at(FirmStage.LICENSED, firm, principal=MembershipFactory(firm=firm).user, **people)


def page(client, **params) -> tuple[str, int]:
    """The HTML of the page's results (the rest holds a CSRF token, new on each page) and how
    many queries the page took."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(INDEX, params)
    assert response.status_code == 200
    html = response.content.decode()
    return html[html.index('<p role="status">') : html.index("<h2>")], len(queries)


def test_the_same_search_is_rendered_once_and_then_read_from_the_cache(client, people):
    firm = licensed(people, legal_name="Cached Markets Ltd")
    first, first_queries = page(client, q="cached")
    again, again_queries = page(client, q="cached")
    assert first == again and firm.legal_name in again
    assert again_queries < first_queries  # no count, no page of rows: only the form's choices
    other, _ = page(client, q="nothing like it")
    assert firm.legal_name not in other and "No firm matches your search." in other


def test_a_change_to_a_firm_shows_at_once(client, people, approver):
    firm = licensed(people, legal_name="Changing Markets Ltd")
    before, _ = page(client, q="changing")
    assert "Yes, within its licence" in before
    firm_suspend(actor=approver, firm_id=firm.pk, reason="Inspection findings")
    after, _ = page(client, q="changing")
    assert "Yes, within its licence" not in after and "No — not permitted to operate" in after


def test_a_change_to_a_licences_activities_or_an_activitys_name_shows_at_once(client, people):
    firm = licensed(people, legal_name="Activity Markets Ltd")
    licence = Licence.objects.get(firm=firm)
    custody = Activity.objects.get(code="custody")
    licence.permitted_activities.remove(custody)
    assert custody.name not in page(client, q="activity markets")[0]
    licence.permitted_activities.add(custody)
    assert custody.name in page(client, q="activity markets")[0]
    custody.name = "Safekeeping of virtual assets"
    custody.save()
    assert "Safekeeping of virtual assets" in page(client, q="activity markets")[0]


def test_a_new_firm_on_the_register_appears_on_the_first_page_at_once(client, people):
    page(client)
    licensed(people, legal_name="Newcomer Markets Ltd")
    assert "Newcomer Markets Ltd" in page(client)[0]


def test_page_links_carry_the_search_not_other_parameters_of_the_request(client, people):
    for n in range(51):  # one more than a page
        FirmFactory(legal_name=f"Paged Exchange {n:02d} Ltd", reference_number=f"VASP-2099-{n:04d}")
    html, _ = page(client, q="paged", utm_source="newsletter")
    assert "?q=paged&amp;page=2" in html and "utm_source" not in html
    # The visitor who came without the extra parameter gets the same cached page.
    assert page(client, q="paged")[0] == html


def test_the_cache_can_be_switched_off(client, people, settings):
    settings.PORTAL_REGISTER_CACHE_SECONDS = 0
    licensed(people, legal_name="Uncached Markets Ltd")
    _, first = page(client, q="uncached")
    _, again = page(client, q="uncached")
    assert first == again
    assert register_cache.fragment("x", [], lambda: "built") == "built"
