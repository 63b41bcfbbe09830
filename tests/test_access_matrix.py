"""The access matrix: every URL of the portal, from the resolver, has a class in ACCESS, and
each class is checked against everybody who should be kept out.

Callers: anonymous; firm A's principal, submitter and contributor; a principal of firm B
("outsider"); a signed-in person of no firm ("nobody"); each staff role (with a second factor).
Expected answers:
- anonymous: sent to sign in (the Django admin sends to its own sign-in, which sends on);
- firm B, on a URL naming firm A's objects: 404, never 403 (ids must not leak);
- a signed-in person without the role: 403 (or what the entry says, e.g. 404 where the code
  hides), and a POST with an empty body writes no audit event;
- the right person: the entry's `ok` statuses; nobody ever gets a 5xx.

Adding a URL: add one line to ACCESS (its name, or its pattern when unnamed); the failure
message of test_every_url_has_an_access_class prints the line to start from. The API's
operations are classified in API_ACCESS in tests/test_access_matrix_api.py.
"""

import fnmatch
import re
from dataclasses import dataclass, field

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.urls import URLResolver, get_resolver, reverse

from licensing.models import Firm
from portal.audit.models import AuditEvent
from tests import access_world

pytestmark = pytest.mark.django_db
world = access_world.world  # the module's fixture: one world, rolled back at the end

FIRM_ROLES = ("principal", "submitter", "contributor")
STAFF = ("officer", "approver", "aml_officer", "supervisor", "administrator")
CALLERS = ("anonymous", *FIRM_ROLES, "outsider", "nobody", *STAFF)


# --- The classes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """Who may use a URL. `kind` is one of public, anonymous (only signed-out people: sign-in,
    sign-up), signed_in (anybody signed in), firm (members of the firm, with `allowed`
    membership roles), staff (regulator staff callers in `allowed`), admin (the Django admin:
    is_staff with a second factor)."""

    kind: str
    allowed: tuple = ()
    method: str = "get"  # "post" for URLs that only take POST
    ok: tuple = (200,)  # what the right people get
    refused: tuple = (403,)  # what signed-in people without the role get
    no_firm: tuple = (404,)  # firm URLs: what a person of no firm (staff included) gets
    scoped: bool | None = None  # names firm A's objects (default: the URL has parameters)
    args: dict = field(default_factory=dict)  # URL parameter -> World.kwargs key or literal
    also: tuple = ()  # other callers let in too (e.g. staff, to a firm's document)
    owner: str = ""  # the URL names this person's own object: everybody else gets 404


def public(**kw):
    return Rule("public", **kw)


def anonymous_only(**kw):
    return Rule("anonymous", **kw)


def signed_in(**kw):
    return Rule("signed_in", **kw)


def firm(*roles, **kw):
    return Rule("firm", allowed=roles or FIRM_ROLES, **kw)


def staff(*callers, **kw):
    return Rule("staff", allowed=callers or STAFF, **kw)


def django_admin(**kw):
    # Inside the admin, each ModelAdmin's permissions decide: read-only models refuse add and
    # delete (403), an unknown transition or object is 404. The matrix checks the door.
    return Rule("admin", allowed=("administrator",), ok=kw.pop("ok", (200, 302, 403, 404)), **kw)


# Staff with a given permission (the administrator is a superuser: every permission).
REVIEWERS = ("officer", "administrator")  # licensing.review_application
APPROVERS = ("approver", "administrator")  # licensing.decide_application, supervise_firm
AML_VERIFIERS = ("aml_officer", "administrator")  # aml.verify_amlregistration
ALERT_READERS = ("approver", "aml_officer", "administrator")  # aml.view_screeningalert
MANAGERS = ("principal",)  # manage_members, surrender, tokens
SUBMITTERS = ("principal", "submitter")  # submit, withdraw
NOTE_TAKERS = ("officer", "approver", "aml_officer", "administrator")  # case_services.NOTE_PERMS
MESSAGE_SENDERS = ("officer", "approver", "administrator")  # case_services.MESSAGE_PERMS
# Firm pages answer a wrong membership role with the reason and a redirect (or the page
# without the form), never with the action; nothing is written.
MESSAGE = (200, 302, 403)

# One line per URL name (or pattern, for unnamed URLs). Glob patterns (fnmatch) cover
# families whose access is uniform by construction (every admin view is wrapped by
# admin.site.admin_view); an exact name wins over a pattern.
ACCESS: dict[str, Rule] = {
    "healthz": public(),
    "session_keep_alive": signed_in(method="post", ok=(204,)),
    "favicon": public(ok=(301,)),
    "home": public(),
    "set_language": public(method="post", ok=(302,)),
    # Public register and certificates.
    "register_index": public(),
    "register_csv": public(),
    "register_json": public(),
    "register_firm": public(args={"reference": "reference"}),
    "certificate_lookup": public(),
    "certificate_verify": public(args={"code": "certificate"}),
    "certificate_public_key": public(),
    "certificate_public_keys": public(),
    "audit_checkpoints": public(),
    "audit_checkpoint_key": public(),
    "certificate_download": firm(args={"code": "certificate"}, also=STAFF),
    "call_detail": public(args={"pk": "call"}),
    "deadlines_ics": public(args={"token": "ics"}),  # the token is the credential
    # Accounts (allauth).
    "account_login": anonymous_only(),
    "account_signup": anonymous_only(),
    "account_reset_password": public(),
    "account_reset_password_done": public(),
    "account_reset_password_from_key": public(args={"uidb36": "0", "key": "not-a-key"}),
    "account_reset_password_from_key_done": public(),
    "account_confirm_email": public(args={"key": "not-a-key"}),
    "account_email_verification_sent": public(),
    "account_inactive": public(),
    "account_confirm_login_code": public(ok=(200, 302)),
    "account_logout": public(ok=(200, 302)),
    "account_reauthenticate": signed_in(),
    "account_email": signed_in(),
    "account_change_password": signed_in(),
    "account_set_password": signed_in(ok=(200, 302)),
    "mfa_index": signed_in(),
    "mfa_authenticate": public(ok=(200, 302)),
    "mfa_reauthenticate": signed_in(ok=(200, 302)),
    "mfa_activate_totp": signed_in(ok=(200, 302)),
    "mfa_deactivate_totp": signed_in(ok=(200, 302, 404)),
    "mfa_view_recovery_codes": signed_in(ok=(200, 302, 404)),
    "mfa_generate_recovery_codes": signed_in(ok=(200, 302, 404)),
    "mfa_download_recovery_codes": signed_in(ok=(200, 302, 404)),
    # Notifications and deadlines: anybody signed in, scoped to themselves.
    "notifications": signed_in(),
    "notification_read": signed_in(method="post", ok=(302,), args={"pk": "notification"}, owner="principal"),
    "notifications_read_all": signed_in(method="post", ok=(302,)),
    "notification_preferences": signed_in(),
    "deadlines_calendar": signed_in(),
    "firm_deadlines": firm(),
    # Firm workspace.
    "dashboard": signed_in(ok=(200, 302)),
    "firm_register": signed_in(),
    "firm_switch": firm(method="post", ok=(404,)),  # an empty body names none of your firms
    "firm_profile": firm(),
    "firm_profile_edit": firm(*MANAGERS, refused=MESSAGE),
    "firm_licence_add": firm(),
    "firm_licence_remove": firm(method="post", ok=(302,), args={"pk": "licence"}),
    "firm_people": firm(),
    "firm_member_role": firm(*MANAGERS, refused=MESSAGE, method="post", ok=(302,), args={"pk": "membership"}),
    "firm_member_remove": firm(*MANAGERS, refused=MESSAGE, args={"pk": "membership"}),
    "firm_invitation_revoke": firm(
        *MANAGERS, refused=MESSAGE, method="post", ok=(302,), args={"pk": "invitation"}
    ),
    "firm_activity": firm(),
    "firm_change_requests": firm(),
    "firm_change_request_new": firm(*MANAGERS, refused=MESSAGE),
    "firm_change_request_withdraw": firm(
        *MANAGERS, refused=MESSAGE, method="post", ok=(302,), args={"pk": "change_request"}
    ),
    "invitation_accept": signed_in(args={"token": "invitation_token"}),
    "firm_api_tokens": firm(),
    "firm_api_token_revoke": firm(
        *MANAGERS, refused=MESSAGE, method="post", ok=(302,), args={"pk": "api_token"}
    ),
    "aml_registration": firm(),
    "information_requests": firm(),
    # A firm's applications.
    "application_start": firm(method="post", ok=(302,)),
    "application_detail": firm(),
    "application_section": firm(args={"pk": "application", "key": "services"}),
    "application_key_individuals": firm(),
    "application_key_individual_add": firm(),
    "application_key_individual_edit": firm(args={"pk": "application", "person_pk": "person"}),
    "application_key_individual_remove": firm(args={"pk": "application", "person_pk": "person"}),
    "application_owners": firm(),
    "application_owner_add": firm(),
    "application_owner_edit": firm(args={"pk": "application", "owner_pk": "owner"}),
    "application_owner_remove": firm(args={"pk": "application", "owner_pk": "owner"}),
    "application_check": firm(ok=(200, 302)),
    "application_confirmation": firm(ok=(200, 302)),
    "application_documents": firm(),
    "document_download": firm(args={"pk": "document"}, also=STAFF),
    "application_status": firm(args={"pk": "case"}),
    "information_request_detail": firm(args={"pk": "case", "ir_pk": "ir"}),
    "application_withdraw": firm(*SUBMITTERS, refused=MESSAGE, args={"pk": "case"}),
    # The staff workspace.
    "staff_queues": staff(),
    "staff_queue_csv": staff(),
    "staff_assign": staff(args={"pk": "case"}),
    "staff_case": staff(args={"pk": "case"}),
    "staff_case_action": staff(*REVIEWERS, args={"pk": "case", "name": "request_information"}),
    "staff_case_note": staff(*NOTE_TAKERS, method="post", ok=(200, 302), args={"pk": "case"}),
    "staff_case_message": staff(*MESSAGE_SENDERS, method="post", ok=(200, 302), args={"pk": "case"}),
    "staff_document_preview": staff(args={"pk": "case_document"}),
    "staff_firm": staff(args={"pk": "firm"}),
    "staff_firm_action": staff(*APPROVERS, args={"pk": "firm", "name": "suspend"}),
    "staff_dashboard": staff(),
    "staff_decisions_csv": staff(),
    "staff_agreements": staff(),
    "staff_firm_changes": staff(),
    "staff_firm_change": staff(args={"pk": "change_request"}),
    "staff_agreement": staff(args={"pk": "agreement"}),
    "staff_deadlines": staff(),
    "staff_aml_registry": staff(),
    "staff_aml_registry_csv": staff(),
    "staff_aml_registration": staff(args={"pk": "registration"}),
    "staff_aml_registration_register": staff(*AML_VERIFIERS, ok=(200, 302), args={"pk": "registration"}),
    "staff_aml_registration_return": staff(*AML_VERIFIERS, ok=(200, 302), args={"pk": "registration"}),
    "staff_screening_alerts": staff(*ALERT_READERS),
    "staff_screening_alert": staff(*ALERT_READERS, args={"pk": "alert"}),
    # The API's own URLs are checked operation by operation in test_access_matrix_api.py;
    # here, the resolver's view of them.
    "api_schema": public(),
    "api_docs": public(),
    "api-*": Rule("api"),
    "^api/": public(ok=(404,)),  # anything else under /api/: a problem document
    # The Django admin: every view is wrapped by admin.site.admin_view.
    "admin:*": django_admin(),
    "admin/*": django_admin(),  # unnamed admin URLs (redirects, the catch-all)
    "admin:login": django_admin(ok=(302,)),  # signed-in staff are sent on to the admin
    "admin:logout": django_admin(method="post", ok=(200, 302)),
}


# --- The URLs, from the resolver ----------------------------------------------------------


def _walk(patterns, prefix="", namespace=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, route, ns)
        else:
            yield (f"{namespace}{pattern.name}" if pattern.name else route), route


ROUTES = sorted(set(_walk(get_resolver().url_patterns)))


def rule_key(key: str) -> str | None:
    """The ACCESS entry that classifies a URL: its exact name, else the first matching glob."""
    if key in ACCESS:
        return key
    return next((k for k in ACCESS if any(c in k for c in "*?[") and fnmatch.fnmatchcase(key, k)), None)


def suggestion(key: str, route: str) -> str:
    """A line to paste into ACCESS, with a first guess at the class (check it)."""
    params = [a or b for a, b in re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", route)]
    args = "args={" + ", ".join(f'"{p}": "?"' for p in params) + "}" if params else ""
    guess = (
        "staff" if route.startswith("staff/") else "signed_in" if route.startswith("accounts/") else "firm"
    )
    return (
        f'    "{key}": {guess}({args}),  # /{route} -- or public(), anonymous_only(), signed_in(), '
        "firm(*roles), staff(*callers); args name World.kwargs keys (tests/access_world.py)"
    )


def test_every_url_has_an_access_class():
    missing = [suggestion(key, route) for key, route in ROUTES if rule_key(key) is None]
    assert not missing, "URLs without an access class; add to ACCESS in tests/test_access_matrix.py:\n" + (
        "\n".join(missing)
    )


def test_every_access_entry_still_matches_a_url():
    keys = [key for key, _route in ROUTES]
    stale = [k for k in ACCESS if not any(rule_key(key) == k for key in keys)]
    assert not stale, f"ACCESS entries that match no URL any more; remove them: {stale}"


# --- One world for the module (tests.access_world.world) ----------------------------------


@pytest.fixture(autouse=True)
def _media_in_tmp(world):
    """Overrides conftest's per-test media folder: the world's files live in the module's."""
    yield


def admin_kwargs(name: str, route: str) -> dict:
    """Real ids for the admin's URLs: the first object of the model, else one that is missing."""
    kwargs = {}
    params = set(re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", route))
    params = {a or b for a, b in params}
    model = next(
        (
            m
            for m in admin.site._registry
            if name.startswith(f"admin:{m._meta.app_label}_{m._meta.model_name}_")
        ),
        None,
    )
    if "object_id" in params:
        obj = model._default_manager.order_by("pk").first() if model else None
        kwargs["object_id"] = str(obj.pk) if obj else "0"
    if "content_type_id" in params:
        kwargs["content_type_id"] = str(ContentType.objects.get_for_model(Firm).pk)
        kwargs["object_id"] = str(Firm.objects.order_by("pk").first().pk)
    if "id" in params:
        kwargs["id"] = str(Firm.objects.order_by("pk").first().pk)
    if "name" in params:
        kwargs["name"] = "suspend"
    if "app_label" in params:
        kwargs["app_label"] = "licensing"
    return kwargs


def url_of(world, key: str, route: str, rule: Rule) -> str:
    if key.startswith("admin:"):
        return reverse(key, kwargs=admin_kwargs(key, route))
    if key == route:  # unnamed: the route itself, with a value for each parameter
        path = re.sub(r"<[^>]+>", "1", route.replace("(?P<url>.*)", "matrix/"))
        return "/" + path.strip("^$") + ("matrix/" if path.endswith("^api/") else "")
    kwargs = {}
    for param in re.findall(r"<(?:\w+:)?(\w+)>", route):
        value = rule.args.get(param, "application" if param == "pk" else None)
        assert value is not None, f"{key}: say in ACCESS what its parameter {param!r} is (args=...)"
        kwargs[param] = world.kwargs.get(value, value)
    return reverse(key, kwargs=kwargs)


# --- The checks -----------------------------------------------------------------------------

WEB_ROUTES = [(key, route) for key, route in ROUTES if rule_key(key) and ACCESS[rule_key(key)].kind != "api"]


def expected(rule: Rule, caller: str, scoped: bool) -> tuple[str, tuple]:
    """("ok"|"login"|"refused"|"admin-refused", statuses) for `caller` on a URL of `rule`."""
    if rule.kind == "public":
        return "ok", rule.ok
    if caller in rule.also:
        return "ok", rule.ok
    if rule.owner and caller not in ("anonymous", rule.owner):
        return "refused", (404,)
    if caller == "anonymous":
        return ("ok", rule.ok) if rule.kind == "anonymous" else ("login", (302,))
    if rule.kind == "anonymous":
        return "refused", (302,)  # signed-in people are sent on
    if rule.kind == "signed_in":
        return "ok", rule.ok
    if rule.kind == "admin":
        return ("ok", rule.ok) if caller in rule.allowed else ("admin-refused", (302, 403))
    if rule.kind == "staff":
        return ("ok", rule.ok) if caller in rule.allowed else ("refused", rule.refused)
    # firm
    if caller == "outsider":
        if scoped:
            return "refused", (404,)
        return ("ok", rule.ok) if "principal" in rule.allowed else ("refused", rule.refused)
    if caller not in FIRM_ROLES:
        return "refused", rule.no_firm
    return ("ok", rule.ok) if caller in rule.allowed else ("refused", rule.refused)


def _cases():
    for key, route in WEB_ROUTES:
        rule = ACCESS[rule_key(key)]
        for caller in CALLERS:
            if rule.kind == "public" and caller not in ("anonymous", "outsider", "officer"):
                continue  # the same page for everybody: three kinds of visitor are enough
            if rule.kind == "admin" and caller in FIRM_ROLES[1:]:
                continue  # the admin looks at is_staff only: one firm member is enough
            yield pytest.param(key, route, caller, id=f"{key}-{caller}")


@pytest.mark.parametrize(("key", "route", "caller"), list(_cases()))
def test_access(client, world, key, route, caller):
    rule = ACCESS[rule_key(key)]
    url = url_of(world, key, route, rule)
    scoped = rule.scoped if rule.scoped is not None else bool(re.search(r"<", route))
    if caller != "anonymous":
        client.force_login(world.person(caller))
    outcome, statuses = expected(rule, caller, scoped)
    events = AuditEvent.objects.count()
    response = getattr(client, rule.method)(url)
    where = f"{rule.method.upper()} {url} as {caller}"
    assert response.status_code < 500, f"{where}: {response.status_code}"
    assert response.status_code in statuses, f"{where}: {response.status_code}, expected {outcome} {statuses}"
    if outcome == "login":
        sign_in = (
            (reverse("account_login"), reverse("admin:index"))
            if rule.kind == "admin"
            else reverse("account_login")
        )
        assert response["Location"].startswith(sign_in), where
    if outcome == "admin-refused" and response.status_code == 302:
        # To the admin's sign-in (or, from its sign-out, to its index, which sends there).
        assert response["Location"].startswith(reverse("admin:index")), where
    if outcome in ("login", "refused", "admin-refused"):
        if rule.method == "get" and rule.kind not in ("anonymous",):
            # The same refusal for a POST with an empty body (or 405: nobody may POST here).
            answer = client.post(url)
            assert answer.status_code < 500, f"POST {url} as {caller}: {answer.status_code}"
            allowed_post = (*statuses, 405) if outcome != "admin-refused" else (302, 403, 405)
            assert answer.status_code in allowed_post, f"POST {url} as {caller}: {answer.status_code}"
        assert AuditEvent.objects.count() == events, f"{where}: a refused request changed something"
    elif rule.method == "get" and rule.kind != "admin":
        # The right person's empty POST: a form with errors, a redirect or 405; never a 5xx.
        answer = client.post(url)
        assert answer.status_code < 500, f"POST {url} as {caller}: {answer.status_code}"


def test_a_contributor_asking_to_withdraw_is_told_why_not(client, world):
    """Found by the matrix: the refusal branch attached an error to a form never validated (500)."""
    client.force_login(world.contributor)
    url = reverse("application_withdraw", args=[world.case.pk])
    events = AuditEvent.objects.count()
    for data in ({}, {"reason": "We no longer need it."}):
        response = client.post(url, data)
        assert response.status_code == 200, response.status_code
        assert "principal" in response.content.decode()
    world.case.refresh_from_db()
    assert world.case.status == "information_requested" and AuditEvent.objects.count() == events
