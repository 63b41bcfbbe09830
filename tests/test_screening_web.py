"""The staff pages for screening alerts: who may see and decide them, what they show, filters,
query counts, and that a firm never sees anything of its screening."""

import datetime
import io
from pathlib import Path

import pytest
from django.urls import reverse

from aml import screening
from aml.importing import import_list
from aml.models import AlertStatus, ScreeningAlert
from licensing import scenarios
from licensing.models import ApplicationKind, KeyIndividual
from licensing.models.people import KeyRole

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parent.parent / "aml" / "fixtures" / "samples"
LIST_URL = "staff_screening_alerts"
ALERT_URL = "staff_screening_alert"
# What would give screening away on a page: list references and names, and the words.
SCREENING_TEXT = (
    "XQi.001",
    "UN Security Council",
    "National sanctions list",
    "screening",
    "sanction",
    "matches alias",
)


@pytest.fixture
def lists(db):
    import_list(actor=None, fmt="un-xml", path=SAMPLES / "un_sample.xml")
    import_list(actor=None, fmt="csv", path=SAMPLES / "national_sample.csv")


@pytest.fixture
def application(firm, principal):
    return scenarios.new_application(firm, ApplicationKind.NOC, actor=principal)


def person(application, name, born=datetime.date(1971, 3, 14)) -> KeyIndividual:
    return KeyIndividual.objects.create(
        application=application,
        role=KeyRole.CFO,
        full_name=name,
        identity_type="passport",
        passport_number="P7654321",
        passport_country="GB",
        nationality="PK",
        date_of_birth=born,
    )


@pytest.fixture
def alert(lists, application):
    return screening.screen_subject(person(application, "Mohd Tariq Zarkheli"))[0]


def as_user(client, user):
    if user is not None:
        client.force_login(user)
    return client


# --- Access.

ROLES = [
    "anonymous",
    "principal",
    "outsider",
    "officer",
    "supervisor",
    "approver",
    "aml_officer",
    "administrator",
]
SEES = {"approver", "aml_officer", "administrator"}
DECIDES = {"aml_officer", "administrator"}


@pytest.mark.parametrize("role", ROLES)
def test_only_aml_officers_and_approvers_see_alerts(role, request, client, alert):
    user = None if role == "anonymous" else request.getfixturevalue(role)
    as_user(client, user)
    for address in (reverse(LIST_URL), reverse(ALERT_URL, args=[alert.pk])):
        response = client.get(address)
        if role == "anonymous":
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        else:
            assert response.status_code == (200 if role in SEES else 403), (role, address)


@pytest.mark.parametrize("role", ROLES)
def test_only_aml_officers_decide_alerts(role, request, client, alert):
    user = None if role == "anonymous" else request.getfixturevalue(role)
    response = as_user(client, user).post(
        reverse(ALERT_URL, args=[alert.pk]), {"decision": "clear", "reason": "Different person."}
    )
    alert.refresh_from_db()
    if role in DECIDES:
        assert response.status_code == 302 and response["Location"] == reverse(LIST_URL)
        assert alert.status == AlertStatus.CLEARED
    else:
        assert response.status_code == (302 if role == "anonymous" else 403)
        assert alert.status == AlertStatus.OPEN


# --- What the pages show.


def test_the_list_shows_the_score_the_firm_the_entry_and_why(client, aml_officer, alert, firm):
    page = as_user(client, aml_officer).get(reverse(LIST_URL)).content.decode()
    assert "Mohd Tariq Zarkheli" in page and firm.legal_name in page
    assert "MUHAMMAD TARIQ ZARKHEL" in page and "XQi.001" in page and "1.00" in page
    assert "name matches alias “Mohd Tariq Zarkheli” (1.00)" in page
    assert "date of birth matches 1971-03-14" in page


def test_the_list_filters_by_status_list_score_and_name(client, aml_officer, alert, application):
    other = screening.screen_subject(
        person(application, "Muhammad Salim Khattakzai", datetime.date(1979, 9, 21))
    )[0]
    screening.alert_clear(actor=aml_officer, alert_id=other.pk, reason="Checked.")
    as_user(client, aml_officer)

    def names(**query):
        page = client.get(reverse(LIST_URL), query).context["page"]
        return sorted(a.subject_name for a in page.object_list)

    assert names() == ["Mohd Tariq Zarkheli"]  # open alerts by default
    assert names(status="cleared") == ["Muhammad Salim Khattakzai"]
    assert names(status="", sanctions_list="national") == ["Muhammad Salim Khattakzai"]
    assert names(status="", q="khattakzai") == ["Muhammad Salim Khattakzai"]
    assert names(status="", q="XQi.001") == ["Mohd Tariq Zarkheli"]
    assert names(status="", min_score="0.99") == ["Mohd Tariq Zarkheli", "Muhammad Salim Khattakzai"]


def test_the_alert_page_shows_the_entry_and_offers_the_decision_to_an_aml_officer(
    client, aml_officer, approver, alert
):
    page = as_user(client, aml_officer).get(reverse(ALERT_URL, args=[alert.pk])).content.decode()
    assert "Abu Zaid al-Zarkhel" in page and "1971-03-14" in page and 'name="reason"' in page
    page = as_user(client, approver).get(reverse(ALERT_URL, args=[alert.pk])).content.decode()
    assert 'name="reason"' not in page and "Only an AML officer can clear or confirm" in page


def test_a_decision_without_a_reason_is_refused_next_to_the_field(client, aml_officer, alert):
    response = as_user(client, aml_officer).post(reverse(ALERT_URL, args=[alert.pk]), {"decision": "confirm"})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN


def test_confirming_from_the_page_flags_the_case(client, aml_officer, alert):
    response = as_user(client, aml_officer).post(
        reverse(ALERT_URL, args=[alert.pk]), {"decision": "confirm", "reason": "Passport number matches."}
    )
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CONFIRMED and alert.decided_by == aml_officer
    page = client.get(reverse(ALERT_URL, args=[alert.pk])).content.decode()
    assert "Passport number matches." in page and 'name="reason"' not in page


def test_a_decided_alert_cannot_be_decided_again(client, aml_officer, alert):
    screening.alert_clear(actor=aml_officer, alert_id=alert.pk, reason="Different man.")
    response = as_user(client, aml_officer).post(
        reverse(ALERT_URL, args=[alert.pk]), {"decision": "confirm", "reason": "Oops."}, follow=True
    )
    assert response.redirect_chain == [(reverse(ALERT_URL, args=[alert.pk]), 302)]
    assert "This case changed: it is now “Cleared (false positive)”." in response.content.decode()
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CLEARED


def test_an_unknown_alert_is_404(client, aml_officer, lists):
    assert as_user(client, aml_officer).get(reverse(ALERT_URL, args=[999999])).status_code == 404


@pytest.mark.parametrize("count", [1, 50])
def test_the_list_query_count_does_not_grow_with_the_alerts(
    count, client, aml_officer, lists, application, django_assert_max_num_queries
):
    subject = person(application, "Mohd Tariq Zarkheli")
    alert = screening.screen_subject(subject)[0]
    ScreeningAlert.objects.bulk_create(
        ScreeningAlert(
            firm=alert.firm,
            key_individual=subject,
            entry=alert.entry,
            subject_name=f"Copy {n}",
            subject_fingerprint=f"{n:064d}",
            entry_hash=alert.entry_hash,
            score=alert.score,
            reasons=alert.reasons,
        )
        for n in range(count - 1)
    )
    as_user(client, aml_officer).get(reverse(LIST_URL))  # warm the session and permission caches
    with django_assert_max_num_queries(12):
        response = client.get(reverse(LIST_URL))
    assert len(response.context["page"].object_list) == count


# --- Firms never see screening results.


def test_a_firm_never_sees_its_screening_results(client, principal, alert, aml_officer, application):
    screening.alert_confirm(actor=aml_officer, alert_id=alert.pk, reason="Same person as the listing.")
    as_user(client, principal)
    pages = [
        reverse("dashboard"),
        reverse("firm_activity"),
        reverse("firm_profile"),
        reverse("application_detail", args=[application.pk]),
        reverse("application_key_individuals", args=[application.pk]),
        reverse("application_owners", args=[application.pk]),
    ]
    for address in pages:
        response = client.get(address, follow=True)
        assert response.status_code == 200, address
        text = response.content.decode()
        for giveaway in SCREENING_TEXT:
            assert giveaway.casefold() not in text.casefold(), (address, giveaway)
    assert client.get(reverse(LIST_URL)).status_code == 403
    assert client.get(reverse(ALERT_URL, args=[alert.pk])).status_code == 403


def test_the_demo_has_sample_lists_and_an_open_alert_on_a_fictional_near_match(client, settings):
    from django.core.management import call_command

    from aml.models import SanctionsList

    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    assert set(SanctionsList.objects.values_list("code", flat=True)) == {"un", "national"}
    alert = ScreeningAlert.objects.get()
    assert (alert.subject_name, alert.entry.reference, alert.status) == (
        "Mohd. Tariq Zarkheli",
        "XQi.001",
        "open",
    )
    call_command("seed_demo", stdout=io.StringIO())
    assert ScreeningAlert.objects.count() == 1
