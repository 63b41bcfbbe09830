"""Who sees each audited action, generated from the code.

Every audit action the code can record is collected from the source (each `record(action=…)`
call: literals, names assigned in the function, and the computed names listed in
COMPUTED_SITES) and from the status machines (`take()` records `<model>.<transition>`). Each
must be declared in portal.audit.visibility; then, for every action, one event is recorded on
a firm's application and the firm's activity page and API must show it exactly when it is
declared firm-visible. A new audit action without a declaration fails
test_every_action_the_code_can_record_is_declared; a new computed action name fails
test_every_computed_action_name_is_known until COMPUTED_SITES lists what it can be.
"""

import ast
import pathlib

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse
from django_fsm import FSMFieldMixin
from rest_framework.test import APIClient

from licensing.admin.base import ChangedFieldsOnlyMixin
from licensing.models import Application, ApplicationKind
from licensing.services import firm_admin
from licensing.services.application_people import _ACTION_PREFIX
from licensing.staff.case_services import case_note_add
from licensing.web.views.casework import TIMELINE_ACTIONS
from portal.audit.chain import record
from portal.audit.visibility import (
    Visibility,
    declarations,
    declared_label,
    firm_visible_actions,
    visibility_of,
)

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGES = ("portal", "licensing", "aml")
SECRET_REASON = "Internal reasoning: not for the firm"


def _transition_actions() -> set[str]:
    """`take()` records `<model_name>.<transition>` for every transition of every machine."""
    found = set()
    for model in apps.get_models():
        for field in model._meta.fields:
            if isinstance(field, FSMFieldMixin):
                found |= {f"{model._meta.model_name}.{t.name}" for t in field.get_all_transitions(model)}
    return found


def _admin_actions(verb: str) -> set[str]:
    """ChangedFieldsOnlyMixin records `<model_name>.admin_create|admin_change`."""
    return {
        f"{model._meta.model_name}.{verb}"
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, ChangedFieldsOnlyMixin)
    }


def _subject_actions(*verbs) -> set[str]:
    return {f"{prefix}.{verb}" for prefix in _ACTION_PREFIX.values() for verb in verbs}


def _keyword_literals(path: str, function: str, keyword: str) -> set[str]:
    """Every literal `keyword=` passed to calls of `function` in `path`."""
    tree = ast.parse((ROOT / path).read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == function:
            for kw in node.keywords:
                if kw.arg == keyword and isinstance(kw.value, ast.Constant):
                    found.add(kw.value.value)
    return found


# Where the code computes an action name: (file, expression) -> every name it can be.
COMPUTED_SITES = {
    ("portal/transitions.py", "f'{obj._meta.model_name}.{name}'"): _transition_actions,
    ("licensing/admin/base.py", "f'{obj._meta.model_name}.admin_create'"): lambda: _admin_actions(
        "admin_create"
    ),
    ("licensing/admin/base.py", "f'{obj._meta.model_name}.admin_change'"): lambda: _admin_actions(
        "admin_change"
    ),
    (
        "licensing/services/application_people.py",
        "f'{action}.update' if before else f'{action}.create'",
    ): lambda: _subject_actions("create", "update"),
    ("licensing/services/application_people.py", "f'{action}.remove'"): lambda: _subject_actions("remove"),
    ("aml/screening.py", "f'screeningalert.{verb}'"): lambda: {
        f"screeningalert.{verb}" for verb in _keyword_literals("aml/screening.py", "_decide", "verb")
    },
}


def _enclosing_assignments(tree, call) -> dict[str, set[str]]:
    """Names assigned string literals in the function that holds `call`."""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and call in ast.walk(node):
            assigned: dict[str, set[str]] = {}
            for sub in ast.walk(node):
                if isinstance(sub, ast.Assign) and isinstance(sub.value, ast.Constant):
                    for target in sub.targets:
                        if isinstance(target, ast.Name) and isinstance(sub.value.value, str):
                            assigned.setdefault(target.id, set()).add(sub.value.value)
            return assigned
    return {}


def _scan():
    """(actions found, computed sites nobody listed)."""
    actions, unknown = set(), []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text())
            relative = str(path.relative_to(ROOT))
            for call in ast.walk(tree):
                if not isinstance(call, ast.Call):
                    continue
                func = call.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
                if name != "record":
                    continue
                for kw in call.keywords:
                    if kw.arg != "action":
                        continue
                    value = kw.value
                    if isinstance(value, ast.Constant):
                        actions.add(value.value)
                        continue
                    if isinstance(value, ast.Name):
                        names = _enclosing_assignments(tree, call).get(value.id)
                        if names:
                            actions |= names
                            continue
                    expand = COMPUTED_SITES.get((relative, ast.unparse(value)))
                    if expand is None:
                        unknown.append(f"{relative}:{call.lineno}: action={ast.unparse(value)}")
                    else:
                        actions |= expand()
    return actions, unknown


CODE_ACTIONS, UNKNOWN_SITES = _scan()
EVERY_ACTION = sorted(CODE_ACTIONS | set(declarations()))


def test_every_computed_action_name_is_known():
    assert not UNKNOWN_SITES, (
        "These record() calls compute their action name; list what each can be in COMPUTED_SITES:\n"
        + "\n".join(UNKNOWN_SITES)
    )


def test_every_action_the_code_can_record_is_declared():
    missing = sorted(a for a in CODE_ACTIONS if a not in declarations())
    assert not missing, (
        "Declare who may see these audit actions (portal.audit.visibility.declare, in the app's "
        "audit_actions.py): " + ", ".join(missing)
    )


def test_every_declaration_names_an_action_the_code_can_record():
    stale = sorted(set(declarations()) - CODE_ACTIONS)
    assert not stale, "Declared but never recorded (remove or fix the name): " + ", ".join(stale)


def test_the_collection_finds_the_actions_the_issue_names():
    # A sanity check of the scanner itself: literal, transition, computed and assigned names.
    assert {
        "case_note.add",
        "application.recommend",
        "application.assign",
        "screeningalert.confirm",
        "key_individual.create",
        "firm.admin_change",
    } <= CODE_ACTIONS


def test_every_action_the_firm_may_see_has_a_label():
    unlabelled = sorted(a for a in firm_visible_actions() if declared_label(a) is None)
    assert not unlabelled, "Give these firm-visible actions a label: " + ", ".join(unlabelled)


@pytest.mark.parametrize(
    "action",
    [
        "case_note.add",
        "application.recommend",
        "application.send_back",
        "application.assign",
        "application.reassign",
        "application.unassign",
        "screening.alerts_raised",
        "screening.confirmed",
        "screeningalert.clear",
        "screeningalert.confirm",
        "sanctionslist.import",
        "auth.login_succeeded",
        "deadline.missed",
    ],
)
def test_the_regulators_internal_steps_are_internal(action):
    assert visibility_of(action) == Visibility.INTERNAL


def test_the_application_timeline_names_only_firm_visible_actions():
    assert set(TIMELINE_ACTIONS) <= firm_visible_actions()


@pytest.fixture
def case(firm, principal):
    return Application.objects.create(firm=firm, kind=ApplicationKind.NOC, created_by=principal)


def _api_actions(client) -> list[str]:
    found, url = [], "/api/v1/firm/activity/?page_size=100"
    while url:
        response = client.get(url)
        assert response.status_code == 200
        body = response.json()
        assert SECRET_REASON not in response.content.decode()
        found += [row["action"] for row in body["results"]]
        url = body["next"]
    return found


def _page_actions(client) -> list[str]:
    found, page = [], 1
    while True:
        response = client.get(reverse("firm_activity"), {"page": page})
        assert response.status_code == 200
        html = response.content.decode()
        assert SECRET_REASON not in html
        found += [event.action for event in response.context["page"].object_list]
        for event in response.context["page"].object_list:
            assert f'data-action="{event.action}"' in html
        if not response.context["page"].has_next():
            return found
        page += 1


@pytest.mark.parametrize("action", EVERY_ACTION)
def test_the_firm_sees_an_action_exactly_when_it_is_declared_firm_visible(
    action, client, firm, principal, officer, case
):
    record(actor=officer, action=action, obj=case, firm=firm, reason=SECRET_REASON)
    client.force_login(principal)
    expected = [action] if action in firm_visible_actions() else []
    assert _page_actions(client) == expected
    assert _api_actions(client) == expected


def test_with_one_event_of_every_action_the_firm_sees_exactly_the_firm_visible_ones(
    client, firm, principal, officer, case
):
    for action in EVERY_ACTION:
        record(actor=officer, action=action, obj=case, firm=firm, reason=SECRET_REASON)
    client.force_login(principal)
    visible = sorted(a for a in EVERY_ACTION if a in firm_visible_actions())
    assert sorted(_page_actions(client)) == visible
    assert sorted(_api_actions(client)) == visible


def test_an_officers_internal_note_never_reaches_the_firm(client, make_app, principal, officer):
    app = make_app("under_review")
    case_note_add(actor=officer, application_id=app.pk, body="Doubts about the UBO chain")
    client.force_login(principal)
    for url in [reverse("firm_activity"), reverse("application_status", args=[app.pk])]:
        html = client.get(url).content.decode()
        assert "Doubts about the UBO chain" not in html
        assert "internal note" not in html
        assert "case note" not in html
    api = APIClient()
    api.force_login(principal)
    assert "case_note.add" not in _api_actions(api)
    assert "application.start_review" in _api_actions(api)


def test_the_firm_api_names_its_own_people_and_hides_staff(client, firm, principal, officer, case):
    firm_admin.firm_update_profile(actor=principal, firm_id=firm.pk, website="https://owner.example")
    record(
        actor=officer,
        action="application.start_review",
        obj=case,
        from_state="submitted",
        to_state="under_review",
    )
    client.force_login(principal)
    rows = client.get("/api/v1/firm/activity/").json()["results"]
    assert [(r["action"], r["who"]) for r in rows] == [
        ("application.start_review", "The regulator"),
        ("firm.update_profile", principal.get_full_name()),
    ]
    assert rows[0]["application"] == case.pk
    assert rows[0]["to_label"] == "Under review"
    assert officer.email not in str(rows)


def test_another_firms_activity_is_not_listed(client, firm, outsider, principal, case):
    record(actor=principal, action="application.submit", obj=case)
    client.force_login(outsider)
    assert client.get("/api/v1/firm/activity/").json()["results"] == []
    assert list(client.get(reverse("firm_activity")).context["page"].object_list) == []


@pytest.mark.parametrize("count", [1, 50])
def test_the_activity_api_queries_do_not_grow_with_events(
    client, principal, case, count, django_assert_max_num_queries
):
    for _ in range(count):
        record(actor=principal, action="application.save_section", obj=case)
    client.force_login(principal)
    with django_assert_max_num_queries(10):
        response = client.get("/api/v1/firm/activity/")
    assert len(response.json()["results"]) == count
