"""The access matrix of the API: every operation (method, path) of the OpenAPI schema has a
class in API_ACCESS, and each is called by everybody who should be kept out.

Callers: anonymous; firm A's token ("token_a"); firm B's token ("token_b"); firm A's
contributor signed in ("contributor"; firm endpoints take a session too); firm A's principal
signed in ("firm_session", on staff endpoints); each staff role signed in, with a second factor.
Expected answers (problem documents, application/problem+json):
- anonymous: 401 (firm endpoints, which name their token scheme) or 403 (staff endpoints,
  session only);
- firm B's token on a path naming firm A's objects: 404, never 403;
- the wrong role: 403, before the body is read: a write with an empty body is refused,
  not validated (400/422 would come first if the view validated before checking);
- the right caller: a documented answer to an empty body (validation, state conflict) or the
  data; nobody ever gets a 5xx.

Adding an operation: add one line to API_ACCESS; the failure message of
test_every_operation_has_an_access_class prints the line to start from.
"""

import re
from dataclasses import dataclass, field

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from portal.audit.models import AuditEvent
from tests import access_world
from tests.access_world import STAFF_ROLES

pytestmark = pytest.mark.django_db
world = access_world.world  # the module's fixture: one world, rolled back at the end

STAFF = tuple(STAFF_ROLES)
CALLERS = ("anonymous", "token_a", "token_b", "contributor", "firm_session", *STAFF)
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
# What the right caller may get for an empty or missing body: the data, a validation
# problem, a state conflict, an unsupported media type (uploads are multipart).
WRITE_OK = (200, 201, 204, 400, 409, 415, 422)


@dataclass(frozen=True)
class Op:
    """kind: public, firm (firm tokens and firm members; `needs` a membership capability for
    session callers), staff (the staff callers in `allowed`)."""

    kind: str
    allowed: tuple = ()
    needs: bool = False  # firm: a contributor may not (submit, withdraw)
    ok: tuple = ()  # default: 200 for reads, WRITE_OK for writes
    args: dict = field(default_factory=dict)  # path parameter -> World.kwargs key or literal


def public(**kw):
    return Op("public", **kw)


def firm(**kw):
    return Op("firm", **kw)


def staff(*callers, **kw):
    return Op("staff", allowed=callers or STAFF, **kw)


REVIEWERS = ("officer", "administrator")  # licensing.review_application
APPROVERS = ("approver", "administrator")  # licensing.decide_application, supervise_firm
AML_VERIFIERS = ("aml_officer", "administrator")  # aml.verify_amlregistration

APP = {"id": "application"}  # firm A's NOC draft
CASE = {"id": "case"}  # firm A's licence application, information requested
PERSON = {"id": "application", "person_id": "person"}
OWNER = {"id": "application", "owner_id": "owner"}
SECTION = {"id": "application", "key": "services"}
CHANGE = {"id": "change_request"}  # firm A's identity change request, pending

# One line per operation.
API_ACCESS: dict[tuple[str, str], Op] = {
    # The public register and certificates.
    ("GET", "/api/v1/register/"): public(),
    ("GET", "/api/v1/register/{reference_number}/"): public(args={"reference_number": "reference"}),
    ("GET", "/api/v1/certificates/{code}/"): public(args={"code": "certificate"}),
    # A firm's own data.
    ("GET", "/api/v1/firm/"): firm(),
    ("PATCH", "/api/v1/firm/"): firm(needs=True),  # principals only
    ("GET", "/api/v1/firm/applications/"): firm(),
    ("POST", "/api/v1/firm/applications/"): firm(),
    ("GET", "/api/v1/firm/applications/{id}/"): firm(args=APP),
    ("GET", "/api/v1/firm/applications/{id}/beneficial-owners/"): firm(args=APP),
    ("POST", "/api/v1/firm/applications/{id}/beneficial-owners/"): firm(args=APP),
    ("GET", "/api/v1/firm/applications/{id}/beneficial-owners/{owner_id}/"): firm(args=OWNER),
    ("PUT", "/api/v1/firm/applications/{id}/beneficial-owners/{owner_id}/"): firm(args=OWNER),
    ("PATCH", "/api/v1/firm/applications/{id}/beneficial-owners/{owner_id}/"): firm(args=OWNER),
    ("DELETE", "/api/v1/firm/applications/{id}/beneficial-owners/{owner_id}/"): firm(args=OWNER),
    ("GET", "/api/v1/firm/applications/{id}/documents/"): firm(args=APP),
    ("POST", "/api/v1/firm/applications/{id}/documents/"): firm(args=APP),
    ("GET", "/api/v1/firm/applications/{id}/key-individuals/"): firm(args=APP),
    ("POST", "/api/v1/firm/applications/{id}/key-individuals/"): firm(args=APP),
    ("GET", "/api/v1/firm/applications/{id}/key-individuals/{person_id}/"): firm(args=PERSON),
    ("PUT", "/api/v1/firm/applications/{id}/key-individuals/{person_id}/"): firm(args=PERSON),
    ("PATCH", "/api/v1/firm/applications/{id}/key-individuals/{person_id}/"): firm(args=PERSON),
    ("DELETE", "/api/v1/firm/applications/{id}/key-individuals/{person_id}/"): firm(args=PERSON),
    ("GET", "/api/v1/firm/applications/{id}/sections/"): firm(args=APP),
    ("PUT", "/api/v1/firm/applications/{id}/sections/{key}/"): firm(args=SECTION),
    ("PATCH", "/api/v1/firm/applications/{id}/sections/{key}/"): firm(args=SECTION),
    ("POST", "/api/v1/firm/applications/{id}/submit/"): firm(needs=True, args=APP),
    ("POST", "/api/v1/firm/applications/{id}/withdraw/"): firm(needs=True, args=CASE),
    ("GET", "/api/v1/firm/activity/"): firm(),
    ("GET", "/api/v1/firm/change-requests/"): firm(),
    ("POST", "/api/v1/firm/change-requests/"): firm(needs=True),
    ("GET", "/api/v1/firm/change-requests/{id}/"): firm(args=CHANGE),
    ("POST", "/api/v1/firm/change-requests/{id}/withdraw/"): firm(needs=True, args=CHANGE),
    ("GET", "/api/v1/firm/deadlines/"): firm(),
    ("GET", "/api/v1/firm/foreign-licences/"): firm(),
    ("POST", "/api/v1/firm/foreign-licences/"): firm(),
    ("DELETE", "/api/v1/firm/foreign-licences/{id}/"): firm(args={"id": "licence"}),
    ("GET", "/api/v1/firm/information-requests/"): firm(),
    ("GET", "/api/v1/firm/information-requests/{id}/"): firm(args={"id": "ir"}),
    ("POST", "/api/v1/firm/information-requests/{id}/answer/"): firm(args={"id": "ir"}),
    ("GET", "/api/v1/firm/notifications/"): firm(),
    # The regulator's casework.
    ("GET", "/api/v1/queues/"): staff(),
    ("GET", "/api/v1/queues/{slug}/"): staff(ok=(200, 404), args={"slug": "open"}),
    ("GET", "/api/v1/applications/{id}/"): staff(args=CASE),
    ("POST", "/api/v1/applications/{id}/start-review/"): staff(*REVIEWERS, args=CASE),
    ("POST", "/api/v1/applications/{id}/request-information/"): staff(*REVIEWERS, args=CASE),
    ("POST", "/api/v1/applications/{id}/recommend/"): staff(*REVIEWERS, args=CASE),
    ("POST", "/api/v1/applications/{id}/approve/"): staff(*APPROVERS, args=CASE),
    ("POST", "/api/v1/applications/{id}/refuse/"): staff(*APPROVERS, args=CASE),
    ("POST", "/api/v1/applications/{id}/send-back/"): staff(*APPROVERS, args=CASE),
    ("POST", "/api/v1/firms/{id}/suspend/"): staff(*APPROVERS, args={"id": "firm"}),
    ("POST", "/api/v1/firms/{id}/lift-suspension/"): staff(*APPROVERS, args={"id": "firm"}),
    ("POST", "/api/v1/firms/{id}/revoke/"): staff(*APPROVERS, args={"id": "firm"}),
    ("GET", "/api/v1/firm-change-requests/"): staff(),
    ("GET", "/api/v1/firm-change-requests/{id}/"): staff(args=CHANGE),
    ("POST", "/api/v1/firm-change-requests/{id}/approve/"): staff(*REVIEWERS, args=CHANGE),
    ("POST", "/api/v1/firm-change-requests/{id}/refuse/"): staff(*REVIEWERS, args=CHANGE),
    ("POST", "/api/v1/aml-registrations/{id}/register/"): staff(*AML_VERIFIERS, args={"id": "registration"}),
    ("POST", "/api/v1/aml-registrations/{id}/return/"): staff(*AML_VERIFIERS, args={"id": "registration"}),
}


def _operations():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    methods = {"get", "post", "put", "patch", "delete"}
    return sorted((m.upper(), path) for path, ops in schema["paths"].items() for m in ops if m in methods)


OPERATIONS = _operations()


def suggestion(method: str, path: str) -> str:
    """A line to paste into API_ACCESS, with a first guess at the class (check it)."""
    params = re.findall(r"{(\w+)}", path)
    args = "args={" + ", ".join(f'"{p}": "?"' for p in params) + "}" if params else ""
    guess = "firm" if path.startswith("/api/v1/firm/") else "staff"
    return (
        f'    ("{method}", "{path}"): {guess}({args}),  # or public(), firm(needs=True), staff(*callers); '
        "args name World.kwargs keys (tests/access_world.py)"
    )


def test_every_operation_has_an_access_class():
    missing = [suggestion(m, p) for m, p in OPERATIONS if (m, p) not in API_ACCESS]
    assert not missing, (
        "API operations without an access class; add to API_ACCESS in tests/test_access_matrix_api.py:\n"
        + "\n".join(missing)
    )


def test_every_api_access_entry_still_matches_an_operation():
    stale = sorted(set(API_ACCESS) - set(OPERATIONS))
    assert not stale, f"API_ACCESS entries that match no operation any more; remove them: {stale}"


def client_for(world, caller: str) -> APIClient:
    client = APIClient()
    if caller == "token_a":
        client.credentials(HTTP_AUTHORIZATION=f"Token {world.key}")
    elif caller == "token_b":
        client.credentials(HTTP_AUTHORIZATION=f"Token {world.other_key}")
    elif caller == "contributor":
        client.force_login(world.contributor)
    elif caller == "firm_session":
        client.force_login(world.principal)
    elif caller != "anonymous":
        client.force_login(world.person(caller))
    return client


def expected(op: Op, method: str, caller: str, scoped: bool) -> tuple[str, tuple]:
    ok = op.ok or (WRITE_OK if method in WRITES else (200,))
    if op.kind == "public":
        return "ok", ok
    if op.kind == "firm":
        if caller == "anonymous":
            return "refused", (401,)
        if caller in STAFF:
            return "refused", (403,)  # staff act for no firm
        if caller == "token_b":
            return ("refused", (404,)) if scoped else ("ok", ok)
        if caller == "contributor" and op.needs:
            return "refused", (403,)
        return "ok", ok  # token_a, a member of firm A (contributor), firm A's principal
    # staff
    if caller == "anonymous":
        return "refused", (401, 403)
    if caller in op.allowed:
        return "ok", ok
    return "refused", (401, 403)


def _cases():
    for method, path in OPERATIONS:
        op = API_ACCESS.get((method, path))
        if op is None:
            continue
        for caller in CALLERS:
            if op.kind == "public" and caller not in ("anonymous", "token_b", "officer"):
                continue  # the same answer for everybody: three kinds of caller are enough
            if op.kind == "firm" and caller == "firm_session":
                continue  # firm A's principal signed in: as token_a (and covered by the web matrix)
            yield pytest.param(method, path, caller, id=f"{method}:{path}:{caller}")


@pytest.fixture(autouse=True)
def _unthrottled(settings):
    unlimited = "100000/minute"
    settings.PORTAL_API_THROTTLE_RATES = {"anon": unlimited, "token": unlimited, "user": unlimited}


@pytest.mark.parametrize(("method", "path", "caller"), list(_cases()))
def test_api_access(world, method, path, caller):
    op = API_ACCESS[(method, path)]
    params = re.findall(r"{(\w+)}", path)
    url = path
    for param in params:
        value = op.args.get(param)
        assert value is not None, f"{method} {path}: say in API_ACCESS what {param!r} is (args=...)"
        url = url.replace("{" + param + "}", str(world.kwargs.get(value, value)))
    outcome, statuses = expected(op, method, caller, scoped=bool(params))
    client = client_for(world, caller)  # a session sign-in is itself audited: count after it
    events = AuditEvent.objects.count()
    response = getattr(client, method.lower())(url, {} if method in WRITES else None, format="json")
    where = f"{method} {url} as {caller}"
    body = response.content[:300]
    assert response.status_code < 500, f"{where}: {response.status_code} {body}"
    assert response.status_code in statuses, (
        f"{where}: {response.status_code}, expected {outcome} {statuses} {body}"
    )
    if outcome == "refused":
        assert response["Content-Type"].startswith("application/problem+json"), where
        assert AuditEvent.objects.count() == events, f"{where}: a refused request changed something"


def test_a_supervisor_approving_with_an_empty_body_is_refused_not_validated(world):
    """Found by the matrix: the staff actions validated the body (400) or the state (409) before
    the role, telling a caller who may not act how to shape the request."""
    client = client_for(world, "supervisor")
    response = client.post(f"/api/v1/applications/{world.case.pk}/approve/", {}, format="json")
    assert response.status_code == 403, response.content
    assert "staff role" in response.json()["detail"]


def test_a_contributor_submitting_through_the_api_is_told_the_role_needed(world):
    client = client_for(world, "contributor")
    response = client.post(f"/api/v1/firm/applications/{world.draft.pk}/submit/", {}, format="json")
    assert response.status_code == 403, response.content
    assert "contributor" in response.json()["detail"] and "principal" in response.json()["detail"]
