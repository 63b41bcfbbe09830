"""Signing up, confirming the email address, signing in and out, resetting a password:
all through django-allauth, drawn in the portal's own layout."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.urls import reverse

from licensing.models import Firm, FirmMembership, FirmRole
from licensing.validators import lei_check_digits
from portal.accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-enough-passphrase-42"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """allauth's rate limits count in the cache; each test starts from zero."""
    cache.clear()
    yield
    cache.clear()


def link_in(message, path_prefix: str) -> str:
    match = re.search(r"https?://[^/\s]+(" + re.escape(path_prefix) + r"[^\s]*)", message.body)
    assert match, f"no {path_prefix} link in: {message.body}"
    return match.group(1)


def sign_up(client, mailoutbox, email: str, *, next_url: str = "") -> str:
    """Sign up and confirm the address; return where the confirmation lands."""
    data = {"email": email, "password1": PASSWORD, "password2": PASSWORD}
    if next_url:
        data["next"] = next_url
    response = client.post(reverse("account_signup"), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    confirm_path = link_in(mailoutbox[-1], "/accounts/confirm-email/")
    page = client.get(confirm_path)
    assert page.status_code == 200
    assert b"portal.css" in page.content  # drawn in our layout
    response = client.post(confirm_path)
    assert response.status_code == 302
    return response["Location"]


def verified_user(email="someone@firm.example") -> User:
    user = UserFactory(email=email)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def valid_lei(n: int = 1) -> str:
    prefix = f"5493{n:014d}"
    return prefix + lei_check_digits(prefix)


def firm_data(**overrides):
    data = {
        "legal_name": "Indus Digital Exchange Ltd",
        "trading_names": "IndusX\nIndus Exchange",
        "incorporation_country": "ky",
        "incorporation_number": "KY-123456",
        "lei": valid_lei(77),
        "registered_address": "1 Harbour Road\nGeorge Town",
        "website": "https://indusx.example",
        "contact_email": "compliance@indusx.example",
        "contact_phone": "+1 345 555 0100",
    }
    data.update(overrides)
    return data


def test_sign_up_confirm_email_then_register_firm_and_see_it_on_the_dashboard(client, mailoutbox):
    landing = sign_up(client, mailoutbox, "founder@indusx.example")

    user = User.objects.get(email="founder@indusx.example")
    assert client.session[SESSION_KEY] == str(user.pk)
    assert EmailAddress.objects.filter(user=user, verified=True).exists()
    assert landing == reverse("dashboard")

    dashboard = client.get(landing)
    assert dashboard.status_code == 200
    assert b"You do not act for a firm yet" in dashboard.content
    assert reverse("firm_register").encode() in dashboard.content

    response = client.post(reverse("firm_register"), firm_data())
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")

    firm = Firm.objects.get(legal_name="Indus Digital Exchange Ltd")
    assert firm.trading_names == ["IndusX", "Indus Exchange"]
    assert firm.incorporation_country == "KY"
    assert FirmMembership.objects.get(firm=firm, user=user).role == FirmRole.PRINCIPAL

    dashboard = client.get(reverse("dashboard"))
    assert b"Indus Digital Exchange Ltd" in dashboard.content
    assert b"not permitted to operate" in dashboard.content


def test_lei_with_bad_check_digits_is_refused_and_what_was_typed_is_kept(client):
    user = verified_user()
    client.force_login(user)
    good = valid_lei(5)
    bad = good[:-2] + ("00" if good[-2:] != "00" else "01")

    response = client.post(reverse("firm_register"), firm_data(lei=bad))

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["lei"] == ["This LEI's check digits are wrong: check for a mistyped character."]
    html = response.content.decode()
    assert 'class="error-summary"' in html
    assert 'value="Indus Digital Exchange Ltd"' in html
    assert f'value="{bad}"' in html
    assert "1 Harbour Road\nGeorge Town" in html
    assert "IndusX\nIndus Exchange" in html
    assert 'value="compliance@indusx.example"' in html
    assert not Firm.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "incorporation_country",
            "Pakistan",
            "“Pakistan” is not an ISO 3166 country code: choose the country from the list.",
        ),
        (
            "incorporation_country",
            "XX",
            "“XX” is not an ISO 3166 country code: choose the country from the list.",
        ),
        ("legal_name", "", "Enter the firm's legal name."),
        ("lei", "ABC", "An LEI is 20 characters: 18 capital letters or digits, then 2 check digits."),
    ],
)
def test_registration_form_says_what_is_wrong(client, field, value, message):
    client.force_login(verified_user())
    response = client.post(reverse("firm_register"), firm_data(**{field: value}))
    assert response.status_code == 200
    assert message in response.context["form"].errors[field]
    assert not Firm.objects.exists()


def test_registering_a_firm_whose_lei_is_taken_says_so(client, firm):
    client.force_login(verified_user())
    response = client.post(reverse("firm_register"), firm_data(lei=firm.lei))
    assert response.status_code == 200
    assert "already registered" in response.context["form"].errors["lei"][0]


def test_sign_in_with_wrong_password_shows_an_error(client):
    verified_user("member@firm.example")
    response = client.post(
        reverse("account_login"), {"login": "member@firm.example", "password": "wrong-password"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="error-summary"' in html
    assert "not correct" in html
    assert 'value="member@firm.example"' in html  # the address typed is kept
    assert SESSION_KEY not in client.session


def test_sign_in_with_right_password_goes_to_the_dashboard(client, firm):
    user = verified_user("member@firm.example")
    FirmMembership.objects.create(firm=firm, user=user, role=FirmRole.SUBMITTER)
    response = client.post(
        reverse("account_login"), {"login": "member@firm.example", "password": "correct-horse-battery-staple"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    assert client.session[SESSION_KEY] == str(user.pk)


def test_sign_out_needs_a_post(client):
    user = verified_user()
    client.force_login(user)

    page = client.get(reverse("account_logout"))
    assert page.status_code == 200
    assert b'method="post"' in page.content
    assert client.session[SESSION_KEY] == str(user.pk)

    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert SESSION_KEY not in client.session


def test_password_reset_by_email_link(client, mailoutbox):
    verified_user("forgetful@firm.example")
    response = client.post(reverse("account_reset_password"), {"email": "forgetful@firm.example"})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_reset_password_done")
    assert client.get(response["Location"]).status_code == 200

    key_path = link_in(mailoutbox[-1], "/accounts/password/reset/key/")
    response = client.get(key_path)
    assert response.status_code == 302  # allauth hides the key from the address bar
    set_path = response["Location"]
    page = client.get(set_path)
    assert page.status_code == 200
    assert b"Choose a new password" in page.content

    mismatch = client.post(set_path, {"password1": "new-passphrase-for-me-1", "password2": "something else"})
    assert mismatch.status_code == 200
    assert b'class="error-summary"' in mismatch.content

    response = client.post(
        set_path, {"password1": "new-passphrase-for-me-1", "password2": "new-passphrase-for-me-1"}
    )
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200
    assert User.objects.get(email="forgetful@firm.example").check_password("new-passphrase-for-me-1")


@pytest.mark.parametrize(
    "name",
    ["account_login", "account_signup", "account_reset_password", "account_email_verification_sent"],
)
def test_account_pages_use_the_portal_layout(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    html = response.content.decode()
    assert "portal.css" in html
    assert 'class="site-header"' in html


@pytest.mark.parametrize("name", ["account_email", "account_change_password", "account_logout"])
def test_account_management_pages_use_the_portal_layout(client, name):
    client.force_login(verified_user())
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert 'class="site-header"' in response.content.decode()


def test_sign_up_with_mismatched_passwords_keeps_the_email(client, mailoutbox):
    response = client.post(
        reverse("account_signup"),
        {"email": "new@firm.example", "password1": PASSWORD, "password2": PASSWORD + "x"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="error-summary"' in html
    assert 'value="new@firm.example"' in html
    assert not mailoutbox
