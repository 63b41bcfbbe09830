"""Who reaches the staff workspace, and how staff sign in.

Every URL under /staff/ is found from the URL resolver, so the pages other people add are
covered as they land: anonymous people are sent to sign in, firm users get 403, staff
without a second factor are sent to set one up, read-only supervisors see every page and
every POST is refused (403; 405 where the URL takes no POST from anybody). Staff sign in with
a TOTP code (or a recovery code), the Django admin included.
"""

import hashlib
import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.urls import URLResolver, get_resolver, reverse

from aml.models import AmlRegistration
from licensing.models import ApplicationStatus, Document, DocumentType
from portal.accounts.roles import StaffRole
from portal.audit.models import AuditEvent
from tests.conftest import totp_code
from tests.factories import UserFactory
from tests.states import application_in
from tests.test_agreement_pages import record as record_agreement
from tests.test_uploads import png_bytes

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-staple"  # tests.factories.UserFactory's


# --- Every URL of the staff workspace, from the resolver.


def _walk(patterns, prefix=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, route)
        else:
            yield route, pattern.name


STAFF_ROUTES = sorted(
    {(name, route) for route, name in _walk(get_resolver().url_patterns) if route.startswith("staff/")}
)

# The object behind a path parameter is named by the path segment before it.
SEGMENT_OBJECTS = {
    "cases": "application",
    "firms": "firm",
    "documents": "document",
    "aml": "aml_registration",
    "agreements": "agreement",
    "firm-changes": "change_request",
}
# Parameters that are not object ids, per URL name.
PATH_VALUES = {
    "staff_case_action": {"name": "start_review"},
    "staff_firm_action": {"name": "suspend"},
}
# URLs whose GET is not a page a read-only supervisor sees, with what the supervisor gets.
SUPERVISOR_GET = {
    "staff_case_note": 405,  # POST only: the form is on the case page
    "staff_case_message": 405,  # POST only: the form is on the case page
    "staff_case_action": 403,  # the action's own form needs the action's permission
    "staff_firm_action": 403,
    "staff_aml_registration_register": 403,  # the AML officer's action forms
    "staff_aml_registration_return": 403,
    # Screening alerts are for people with aml.view_screeningalert (AML officers, approvers),
    # a deliberate exception to "supervisors see everything" made by the AML screening pages.
    "staff_screening_alerts": 403,
    "staff_screening_alert": 403,
}


def test_every_staff_url_is_named_and_the_walk_finds_the_queues():
    assert all(name for name, _route in STAFF_ROUTES), STAFF_ROUTES
    names = {name for name, _route in STAFF_ROUTES}
    assert {"staff_queues", "staff_queue_csv", "staff_assign"} <= names


@pytest.fixture
def objects(firm, principal, officer, approver, settings, tmp_path):
    """A case under review, its firm and a document: what the URLs' parameters point at."""
    settings.MEDIA_ROOT = tmp_path / "media"
    app = application_in(
        ApplicationStatus.UNDER_REVIEW, firm=firm, submitter=principal, officer=officer, approver=approver
    )
    content = png_bytes()
    document = Document.objects.create(
        firm=firm,
        application=app,
        doc_type=DocumentType.OWNERSHIP_CHART,
        original_name="chart.png",
        file=ContentFile(content, name="chart.png"),
        content_type="image/png",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=principal,
    )
    registration = AmlRegistration.objects.create(firm=firm)
    agreement = record_agreement(approver)
    from licensing.models import FirmChangeRequest

    change_request = FirmChangeRequest.objects.create(
        firm=firm,
        changes={"legal_name": [firm.legal_name, "Renamed Exchange Ltd"]},
        reason="Renamed after local incorporation.",
        requested_by=principal,
    )
    return {
        "change_request": change_request,
        "application": app,
        "firm": firm,
        "document": document,
        "aml_registration": registration,
        "agreement": agreement,
    }


def takes_no_post(response) -> bool:
    """405 with an Allow header without POST: nobody may POST here (a page, not an action)."""
    return response.status_code == 405 and "POST" not in response["Allow"]


def url_of(name, route, objects) -> str:
    kwargs = {}
    for segment, param in re.findall(r"([\w-]+)/<(?:\w+:)?(\w+)>", route):
        if param in PATH_VALUES.get(name, {}):
            kwargs[param] = PATH_VALUES[name][param]
        else:
            kwargs[param] = objects[SEGMENT_OBJECTS.get(segment, "application")].pk
    missing = set(re.findall(r"<(?:\w+:)?(\w+)>", route)) - set(kwargs)
    assert not missing, f"{name}: add its parameters {missing} to PATH_VALUES"
    return reverse(name, kwargs=kwargs)


@pytest.fixture
def bare_officer(db):
    """A case officer who has not set up a second factor."""
    user = UserFactory(email="new.officer@regulator.example", full_name="New Officer")
    user.groups.add(Group.objects.get(name=StaffRole.CASE_OFFICER.value))
    return user


@pytest.fixture(autouse=True)
def _fresh_cache():
    """allauth remembers used TOTP codes and rate limits in the cache."""
    cache.clear()
    yield
    cache.clear()


ROUTE_IDS = [name for name, _route in STAFF_ROUTES]


@pytest.mark.parametrize(("name", "route"), STAFF_ROUTES, ids=ROUTE_IDS)
def test_anonymous_people_are_sent_to_sign_in(client, objects, name, route):
    url = url_of(name, route, objects)
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        if method == "post" and takes_no_post(response):
            continue
        assert response.status_code == 302, (method, url)
        assert response["Location"].startswith(reverse("account_login")), (method, url)


@pytest.mark.parametrize(("name", "route"), STAFF_ROUTES, ids=ROUTE_IDS)
def test_firm_users_are_refused(client, objects, principal, name, route):
    url = url_of(name, route, objects)
    client.force_login(principal)  # the principal of the very firm the case belongs to
    assert client.get(url).status_code == 403, url
    response = client.post(url)
    assert response.status_code == 403 or takes_no_post(response), url


@pytest.mark.parametrize(("name", "route"), STAFF_ROUTES, ids=ROUTE_IDS)
def test_staff_without_a_second_factor_are_sent_to_set_one_up(client, objects, bare_officer, name, route):
    url = url_of(name, route, objects)
    client.force_login(bare_officer)
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        assert response.status_code == 302, (method, url)
        assert response["Location"] == reverse("mfa_activate_totp"), (method, url)


@pytest.mark.parametrize(("name", "route"), STAFF_ROUTES, ids=ROUTE_IDS)
def test_read_only_supervisors_see_every_page(client, objects, supervisor, name, route):
    url = url_of(name, route, objects)
    client.force_login(supervisor)
    assert client.get(url).status_code == SUPERVISOR_GET.get(name, 200), url


@pytest.mark.parametrize(("name", "route"), STAFF_ROUTES, ids=ROUTE_IDS)
def test_read_only_supervisors_change_nothing(client, objects, supervisor, officer, name, route):
    url = url_of(name, route, objects)
    client.force_login(supervisor)
    events = AuditEvent.objects.count()
    data = {"officer": officer.pk, "reason": "Trying", "action": "assign", "body": "Trying"}
    response = client.post(url, data)
    assert response.status_code == 403 or takes_no_post(response), url
    assert AuditEvent.objects.count() == events


def test_aml_officers_see_the_queues_but_cannot_assign(client, objects, aml_officer, officer):
    client.force_login(aml_officer)
    assert client.get(reverse("staff_queues")).status_code == 200
    url = reverse("staff_assign", args=[objects["application"].pk])
    assert client.post(url, {"action": "assign", "officer": officer.pk}).status_code == 403


# --- Signing in: the second factor.


def verified(user):
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def sign_in(client, user, **extra):
    return client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD, **extra})


def other_code(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


@pytest.fixture
def tolerant_totp(settings):
    """Accept the previous and next 30-second code too, so a test never straddles a window."""
    settings.MFA_TOTP_TOLERANCE = 1


def test_staff_without_totp_set_it_up_before_anything_else(client, objects, bare_officer, tolerant_totp):
    verified(bare_officer)
    response = sign_in(client, bare_officer)
    assert response.status_code == 302 and response["Location"] == reverse("staff_queues")
    setup = reverse("mfa_activate_totp")
    everywhere = [url_of(name, route, objects) for name, route in STAFF_ROUTES]
    for url in [*everywhere, reverse("admin:index"), reverse("home")]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == setup, url

    # allauth asks for the password again before adding a factor (MFA_REAUTHENTICATION_REQUIRED).
    response = client.get(setup)
    if response.status_code == 302:
        assert response["Location"].startswith(reverse("account_reauthenticate"))
        response = client.post(response["Location"], {"password": PASSWORD})
        assert response.status_code == 302 and response["Location"] == setup
    assert client.get(setup).status_code == 200
    secret = client.session["mfa.totp.secret"]
    assert client.post(setup, {"code": other_code(totp_code(secret))}).status_code == 200  # wrong code
    response = client.post(setup, {"code": totp_code(secret)})
    assert response.status_code == 302
    kinds = set(Authenticator.objects.filter(user=bare_officer).values_list("type", flat=True))
    assert kinds == {Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES}
    assert client.get(reverse("staff_queues")).status_code == 200


def test_staff_with_totp_enter_their_code_before_reaching_the_workspace(client, officer, tolerant_totp):
    verified(officer)
    response = sign_in(client, officer)
    assert response.status_code == 302 and response["Location"] == reverse("mfa_authenticate")
    response = client.get(reverse("staff_queues"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    assert client.post(reverse("mfa_authenticate"), {"code": other_code(totp_code())}).status_code == 200
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert response.status_code == 302 and response["Location"] == reverse("staff_queues")
    assert client.get(reverse("staff_queues")).status_code == 200


def test_a_recovery_code_signs_in_once(client, officer):
    verified(officer)
    codes = RecoveryCodes.activate(officer).generate_codes()
    sign_in(client, officer)
    response = client.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert response.status_code == 302 and response["Location"] == reverse("staff_queues")
    client.post(reverse("account_logout"))
    sign_in(client, officer)
    assert client.post(reverse("mfa_authenticate"), {"code": codes[0]}).status_code == 200  # used up
    response = client.post(reverse("mfa_authenticate"), {"code": codes[1]})
    assert response.status_code == 302
    assert client.get(reverse("staff_queues")).status_code == 200


def test_the_admin_signs_in_through_allauth(client):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_an_administrator_without_totp_cannot_use_the_admin(client, db):
    admin = UserFactory(email="root@regulator.example", is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp")


def test_an_administrator_enters_the_code_then_reaches_the_admin(client, administrator, tolerant_totp):
    verified(administrator)
    response = sign_in(client, administrator, next=reverse("admin:index"))
    assert response["Location"] == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert response.status_code == 302 and response["Location"] == reverse("admin:index")
    assert client.get(reverse("admin:index")).status_code == 200


def test_firm_users_sign_in_without_a_second_factor_and_land_on_their_dashboard(client, principal):
    verified(principal)
    response = sign_in(client, principal)
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")


def test_the_header_links_staff_to_their_workspace(client, officer, principal):
    client.force_login(officer)
    assert f'href="{reverse("staff_queues")}"' in client.get(reverse("home")).content.decode()
    client.force_login(principal)
    assert "Staff workspace" not in client.get(reverse("home")).content.decode()
