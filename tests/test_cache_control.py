"""Pages and API answers with personal data are never cached (issue 14, item 7): every response
to a signed-in person, and every answer of the firm and staff API (tokens and errors included),
is `Cache-Control: private, no-store`; public pages answered to visitors keep their caching.

The URLs come from the access matrices (tests/test_access_matrix.py, tests/test_access_matrix_api.py),
each asked for by a person it is meant for, in the same world."""

import re
from fnmatch import fnmatch

import pytest
from django.urls import reverse

from portal.middleware import PRIVATE_NO_STORE
from tests import access_world
from tests.test_access_matrix import ACCESS, WEB_ROUTES, rule_key, url_of
from tests.test_access_matrix_api import API_ACCESS, OPERATIONS, client_for

pytestmark = pytest.mark.django_db
world = access_world.world

# The admin's hundreds of URLs share one door: its index and a few pages stand for them.
ADMIN_SAMPLE = {"admin:index", "admin:licensing_firm_changelist", "admin:audit_auditevent_changelist"}


@pytest.fixture(autouse=True)
def _media_in_tmp(world):
    """The world's files live in the module's folder (as in the access matrix)."""
    yield


@pytest.fixture(autouse=True)
def _unthrottled(settings):
    unlimited = "100000/minute"
    settings.PORTAL_API_THROTTLE_RATES = {"anon": unlimited, "token": unlimited, "user": unlimited}


def _web_cases():
    for key, route in WEB_ROUTES:
        rule = ACCESS[rule_key(key)]
        if rule.method != "get" or rule.kind == "anonymous":
            continue
        if rule.kind == "admin" and key not in ADMIN_SAMPLE:
            continue
        caller = {"public": "principal", "signed_in": "principal"}.get(rule.kind) or (
            rule.owner or rule.allowed[0]
        )
        yield pytest.param(key, route, caller, id=f"{key}-{caller}")


@pytest.mark.parametrize(("key", "route", "caller"), list(_web_cases()))
def test_every_page_answered_to_a_signed_in_person_is_private_and_not_stored(
    client, world, key, route, caller
):
    rule = ACCESS[rule_key(key)]
    url = url_of(world, key, route, rule)
    client.force_login(world.person(caller))
    response = client.get(url)
    assert response.status_code < 500, f"GET {url} as {caller}: {response.status_code}"
    assert response.get("Cache-Control") == PRIVATE_NO_STORE, (
        f"GET {url} as {caller}: {response.get('Cache-Control')}"
    )
    assert "Expires" not in response


# The public register and what vouches for it; other public pages (sign-in steps, /healthz)
# choose no-store themselves.
REGISTER = ("register_*", "certificate_*", "audit_checkpoint*")


def _public_pages():
    for key, route in WEB_ROUTES:
        rule = ACCESS[rule_key(key)]
        if rule.kind == "public" and rule.method == "get" and any(fnmatch(key, p) for p in REGISTER):
            yield pytest.param(key, route, id=key)


@pytest.mark.parametrize(("key", "route"), list(_public_pages()))
def test_public_register_pages_answered_to_visitors_keep_their_caching(client, world, key, route):
    url = url_of(world, key, route, ACCESS[rule_key(key)])
    response = client.get(url)
    assert "private" not in response.get("Cache-Control", ""), f"GET {url}: {response.get('Cache-Control')}"


def test_the_register_keeps_its_public_caching_and_the_key_its_max_age(client, world):
    """Unaffected for visitors: what the views set (the public key: public, an hour)."""
    register = client.get(reverse("register_index"))
    assert register.status_code == 200 and "no-store" not in register.get("Cache-Control", "")
    key = client.get(reverse("certificate_public_key"))
    assert key["Cache-Control"] == "public, max-age=3600"
    feed = client.get(reverse("audit_checkpoints"))
    assert feed["Cache-Control"] == "public, max-age=60"


def _api_cases():
    for method, path in OPERATIONS:
        op = API_ACCESS.get((method, path))
        if method != "GET" or op is None:
            continue
        callers = {"public": ("anonymous",), "firm": ("token_a", "firm_session", "anonymous")}.get(
            op.kind, (op.allowed[0] if op.allowed else "administrator", "anonymous")
        )
        for caller in callers:
            yield pytest.param(path, op, caller, id=f"{path}:{caller}")


@pytest.mark.parametrize(("path", "op", "caller"), list(_api_cases()))
def test_every_firm_and_staff_api_answer_is_private_and_public_ones_are_not(world, path, op, caller):
    url = path
    for param in re.findall(r"{(\w+)}", path):
        url = url.replace("{" + param + "}", str(world.kwargs.get(op.args[param], op.args[param])))
    response = client_for(world, caller).get(url)
    assert response.status_code < 500, f"GET {url} as {caller}: {response.status_code}"
    cache_control = response.get("Cache-Control", "")
    if op.kind == "public":
        assert "private" not in cache_control, f"GET {url}: {cache_control}"
    else:  # the data, and the refusals (401) too
        assert cache_control == PRIVATE_NO_STORE, (
            f"GET {url} as {caller}: {response.status_code} {cache_control}"
        )
