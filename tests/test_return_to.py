"""After signing in again, back to the page the form lives on, never to a POST-only address
(issue 14, item 10). The POST-only URLs are found in the URL conf, so a new one is covered."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from licensing.models import ApplicationStatus, FirmRole
from portal.accounts.return_to import allowed_methods, is_page, page_above, page_for
from tests.factories import FirmFactory, MembershipFactory
from tests.states import application_in

pytestmark = pytest.mark.django_db

CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")
SAMPLE = {"int": "7", "str": "x7", "slug": "x7", "path": "x7", "uuid": "12345678-1234-5678-1234-567812345678"}


def post_only_urls(resolver=None, prefix=""):
    """(name, sample path) of every URL whose view accepts POST but not GET."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from post_only_urls(entry, route)
        elif isinstance(entry, URLPattern):
            methods = allowed_methods(entry.callback)
            if methods is not None and "GET" not in methods and not route.startswith("^"):
                path = "/" + CONVERTER.sub(lambda m: SAMPLE.get(m.group(1) or "str", "x7"), route)
                yield pytest.param(path, id=entry.name or path)


POST_ONLY = list(post_only_urls())


def test_the_url_conf_has_post_only_urls():
    assert len(POST_ONLY) >= 8
    assert "/staff/cases/7/notes/" in [p.values[0] for p in POST_ONLY]


@pytest.mark.parametrize("path", POST_ONLY)
def test_a_post_only_url_is_replaced_by_a_page_one_can_get(path):
    page = page_for(path)
    assert page != path
    assert is_page(urlsplit(page).path), page


def test_the_page_above_a_case_note_is_the_case():
    assert page_above("/staff/cases/7/notes/") == "/staff/cases/7/"
    assert page_for("/staff/cases/7/") == "/staff/cases/7/"  # a page stays itself


def next_of(response) -> str:
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == reverse("account_login")
    return parse_qs(location.query)["next"][0]


@pytest.fixture
def case(officer, approver):
    firm = FirmFactory()
    principal = MembershipFactory(firm=firm, role=FirmRole.PRINCIPAL).user
    return application_in(
        ApplicationStatus.UNDER_REVIEW, firm=firm, submitter=principal, officer=officer, approver=approver
    )


def test_a_signed_out_note_leads_back_to_the_case_page_from_its_referer(client, case):
    note = reverse("staff_case_note", args=[case.pk])
    page = reverse("staff_case", args=[case.pk])
    response = client.post(note, {"body": "Typed"}, headers={"referer": f"http://testserver{page}?tab=1"})
    assert next_of(response) == f"{page}?tab=1"


def test_without_a_referer_or_with_another_sites_it_leads_to_the_page_above(client, case):
    note = reverse("staff_case_note", args=[case.pk])
    page = reverse("staff_case", args=[case.pk])
    assert next_of(client.post(note, {"body": "Typed"})) == page
    assert next_of(client.post(note, {"body": "x"}, headers={"referer": "https://evil.example/"})) == page
    post_only_referer = {"referer": f"http://testserver{note}"}
    assert next_of(client.post(note, {"body": "x"}, headers=post_only_referer)) == page


def test_a_form_posting_to_a_page_keeps_that_page(client, case):
    url = reverse("application_section", args=[case.pk, "services"])
    assert next_of(client.post(url, {})) == url


def test_a_sign_in_link_whose_next_is_post_only_is_corrected(client, case):
    login = reverse("account_login")
    note = reverse("staff_case_note", args=[case.pk])
    response = client.get(login, {"next": note})
    assert response.status_code == 302
    assert parse_qs(urlsplit(response["Location"]).query)["next"] == [reverse("staff_case", args=[case.pk])]
    assert client.get(login, {"next": reverse("staff_case", args=[case.pk])}).status_code == 200


def test_after_signing_in_the_person_lands_on_the_case_page_not_a_405(client, case, officer):
    note = reverse("staff_case_note", args=[case.pk])
    nxt = next_of(client.post(note, {"body": "Typed"}))
    client.force_login(officer)
    assert client.get(nxt).status_code == 200


def test_stay_signed_in_restarts_the_idle_clock_and_a_signed_out_session_is_sent_to_sign_in(
    client, officer, monkeypatch
):
    from portal.accounts import sessions

    url = reverse("session_keep_alive")
    assert client.post(url).status_code == 302  # signed out: to the sign-in page
    client.force_login(officer)
    assert client.get(url).status_code == 405
    shift = 10 * 60
    real_now = sessions.now
    monkeypatch.setattr(sessions, "now", lambda: real_now() + shift)
    assert client.post(url).status_code == 204
    assert client.session[sessions.SEEN_AT] >= real_now() + shift - 5


def test_the_page_tells_the_script_how_long_a_staff_session_has_left_and_nothing_for_a_firm(
    client, officer, case
):
    client.force_login(officer)
    html = client.get(reverse("staff_case", args=[case.pk])).content.decode()
    left = int(re.search(r'data-idle-seconds="(\d+)"', html).group(1))
    assert 0 < left <= 30 * 60
    client.force_login(case.firm.memberships.get().user)
    assert 'data-idle-seconds=""' in client.get(reverse("dashboard")).content.decode()
