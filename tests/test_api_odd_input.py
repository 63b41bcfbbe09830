"""Odd input to every writable API operation is a 400/422 problem, never a 500.

Generated from the OpenAPI schema: every POST, PUT and PATCH that takes JSON is sent
- JSON nested 5 000 levels deep (Python's decoder would recurse until it failed),
- a lone surrogate (`"\\ud800"`) in each of its text fields (SQLite would store it, and every
  page showing it would then fail; PostgreSQL refuses it with a 500),
- `true` and `false` in each of its date fields, and in each date question of every section
  form (through `data`),
and must answer in the API's one problem shape (portal/api_errors.py). Schemathesis
(tests/test_schemathesis.py) generates valid-looking input; these are the shapes it does not.
"""

import datetime
import json

import pytest
from django import forms

from licensing import scenarios
from licensing.models import Application, ApplicationKind, ApplicationStatus, BeneficialOwner, KeyIndividual
from licensing.sections import SECTIONS
from portal.api.parsers import has_lone_surrogate, loads, nesting_depth
from portal.api.services import api_token_create
from tests.test_schemathesis import staff_cookies

pytestmark = pytest.mark.django_db
NESTED = "[" * 5000 + "]" * 5000
LONE = '"\\ud800"'  # the JSON text of a lone high surrogate


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from django.test import Client

    with django_db_blocker.unblock():
        return json.loads(Client().get("/api/schema/?format=json").content)


def resolve(schema, node):
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def writable_operations(schema):
    """(method, path, properties of the JSON body, firm?) for each operation that takes JSON."""
    for path, operations in sorted(schema["paths"].items()):
        for method, operation in operations.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if method not in ("post", "put", "patch") or body is None:
                continue
            properties = resolve(schema, body["schema"]).get("properties", {})
            firm = any("firmToken" in scheme for scheme in operation.get("security", []))
            yield method, path, {name: resolve(schema, p) for name, p in properties.items()}, firm


@pytest.fixture
def world(firm, other_firm, principal, outsider, officer, approver, aml_officer):
    draft = scenarios.new_application(firm, ApplicationKind.NOC, actor=principal)
    licence = Application.objects.create(kind=ApplicationKind.LICENCE, firm=firm, created_by=principal)
    case = scenarios.new_application(other_firm, ApplicationKind.NOC, actor=outsider)
    scenarios.drive_application(
        case, ApplicationStatus.UNDER_REVIEW, submitter=outsider, officer=officer, approver=approver
    )
    person = KeyIndividual.objects.create(
        application=draft,
        role="ceo",
        full_name="Ayesha Khan",
        identity_type="cnic",
        cnic="35202-1234567-1",
        nationality="PK",
        date_of_birth=datetime.date(1980, 3, 27),
        email="ayesha@exchange.example",
    )
    owner = BeneficialOwner.objects.create(
        application=draft, kind="person", name="Bilal Ahmed", country="PK", ownership_percent=25
    )
    _, key = api_token_create(actor=principal, firm_id=firm.pk, name="odd input")
    return {
        "draft": draft,
        "licence": licence,
        "case": case,
        "firm": firm,
        "ids": {"person_id": person.pk, "owner_id": owner.pk, "key": "business_plan"},
        "key": key,
        "staff": {"officer": officer, "approver": approver, "aml": aml_officer},
    }


def staff_for(path: str, world):
    """The member of staff whose role includes the operation (else the answer is a 403)."""
    staff = world["staff"]
    if path.startswith("/api/v1/aml-registrations/"):
        return staff["aml"]
    if path.startswith("/api/v1/firms/"):
        return staff["approver"]
    if path.startswith("/api/v1/firm-change-requests/"):
        return staff["officer"]  # a case officer decides a firm's change request
    if path.endswith(("/approve/", "/refuse/", "/send-back/")):
        return staff["approver"]
    return staff["officer"]


def fill(path: str, world, *, application=None) -> str:
    """The path with real ids: the firm's draft for its own operations, the other firm's case
    (under review) for staff casework."""
    if path.startswith("/api/v1/firm/"):
        ids = {"id": (application or world["draft"]).pk, **world["ids"]}
    elif path.startswith("/api/v1/firms/"):
        ids = {"id": world["firm"].pk}
    else:
        ids = {"id": world["case"].pk}
    for name, value in ids.items():
        path = path.replace("{" + name + "}", str(value))
    return path


def send(client, world, method, path, body: str, *, firm: bool):
    if firm:
        extra = {"HTTP_AUTHORIZATION": f"Token {world['key']}"}
    else:
        cookies, headers = staff_cookies(staff_for(path, world))
        for name, value in cookies.items():
            client.cookies[name] = value
        extra = {"HTTP_X_CSRFTOKEN": headers["X-CSRFToken"]}
    return getattr(client, method)(path, data=body, content_type="application/json", **extra)


def assert_problem(response, *, statuses=(400, 422), field=None):
    assert response.status_code in statuses, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/problem+json")
    problem = response.json()
    assert {"type", "title", "status", "detail"} <= problem.keys()
    assert problem["status"] == response.status_code
    if field is not None:
        assert field in json.dumps(problem.get("errors", {})), problem
    return problem


def test_every_writable_operation_is_covered(schema):
    operations = list(writable_operations(schema))
    assert len(operations) >= 20  # the generated tests below really walk the API
    assert any(path.endswith("/sections/{key}/") for _m, path, _p, _f in operations)


def test_json_nested_5000_levels_is_a_400_problem_on_every_writable_operation(client, schema, world):
    for method, path, _properties, firm in writable_operations(schema):
        response = send(client, world, method, fill(path, world), NESTED, firm=firm)
        problem = assert_problem(response, statuses=(400,))
        assert "nested" in problem["detail"], (method, path, problem)


def test_a_lone_surrogate_in_any_text_field_is_a_400_problem_and_nothing_is_saved(client, schema, world):
    before = world["draft"].sections
    for method, path, properties, firm in writable_operations(schema):
        texts = [name for name, p in properties.items() if p.get("type") == "string"] or ["reason"]
        if "data" in properties:  # a section's answers: text inside the object
            bodies = ['{"data": {"products": ' + LONE + "}}", '{"data": {' + LONE + ': "key"}}']
        else:
            bodies = ["{" + f'"{name}": {LONE}' + "}" for name in texts]
        for body in bodies:
            response = send(client, world, method, fill(path, world), body, firm=firm)
            problem = assert_problem(response, statuses=(400,))
            assert "surrogate" in problem["detail"], (method, path, body)
    world["draft"].refresh_from_db()
    assert world["draft"].sections == before
    assert KeyIndividual.objects.count() == 1 and BeneficialOwner.objects.count() == 1  # none added


def test_true_or_false_in_any_date_field_is_a_400_problem(client, schema, world):
    seen = 0
    for method, path, properties, firm in writable_operations(schema):
        for name, prop in properties.items():
            if prop.get("format") not in ("date", "date-time"):
                continue
            for value in ("true", "false"):
                response = send(client, world, method, fill(path, world), f'{{"{name}": {value}}}', firm=firm)
                assert_problem(response, field=name)
                seen += 1
    assert seen >= 8  # key individuals, owners (POST, PUT, PATCH), the information request's due date


def section_date_questions():
    for kind, sections in SECTIONS.items():
        for section in sections:
            if section.form_class is None:
                continue
            for name, field in section.form_class.base_fields.items():
                if isinstance(field, forms.DateField):
                    yield kind, section.key, name


def test_the_section_forms_have_date_questions_to_test():
    assert len(list(section_date_questions())) >= 2


@pytest.mark.parametrize("method", ["put", "patch"])
def test_true_or_false_in_any_date_question_of_a_section_is_a_400_problem(client, world, method):
    for kind, key, name in section_date_questions():
        application = world["licence"] if kind == ApplicationKind.LICENCE else world["draft"]
        path = f"/api/v1/firm/applications/{application.pk}/sections/{key}/"
        for value in ("true", "false"):
            body = f'{{"data": {{"{name}": {value}}}}}'
            response = send(client, world, method, path, body, firm=True)
            assert_problem(response, field=name)
        application.refresh_from_db()
        assert name not in application.sections.get(key, {}).get("data", {})


def test_the_parser_keeps_a_proper_surrogate_pair_and_counts_depth_outside_strings():
    assert loads('{"name": "\\ud83d\\ude00 [[[["}') == {"name": "\U0001f600 [[[["}
    assert nesting_depth('{"a": [{"b": "]]]]{{{{"}]}') == 3
    assert has_lone_surrogate({"k": ["ok", {"\udc00": 1}]})
    assert not has_lone_surrogate({"k": ["ok", "\U0001f600"]})


# --- The web forms the API also feeds refuse a lone surrogate with a field error.


def test_a_section_form_refuses_a_lone_surrogate_beside_the_field(world):
    from licensing.web.forms_application import BusinessPlanForm

    form = BusinessPlanForm(data={"products": "Spot trading \ud800"}, application=world["draft"])
    assert not form.is_valid()
    assert "invalid character" in form.errors["products"][0]


def test_the_key_individual_form_refuses_a_lone_surrogate_beside_the_field(world):
    from licensing.web.forms_people import KeyIndividualForm

    form = KeyIndividualForm(data={"full_name": "Ayesha \udc00 Khan", "role": "ceo"})
    assert not form.is_valid()
    assert "invalid character" in form.errors["full_name"][0]
