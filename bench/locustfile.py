"""The portal under load: public visitors, firm users and staff at once (bench/load.py runs it).

    locust -f bench/locustfile.py --host http://127.0.0.1:PORT   # with LOAD_PEOPLE=people.json

Three kinds of user, in the proportions of a working day (weights 6 : 3 : 1, so 200 users
are about 120 visitors, 60 firm users and 20 staff), each waiting 3-10 s between pages as a
person reading them does:

- **visitors** search the public register (names, trading names, reference numbers; stage
  and activity filters; later pages), open firm pages, and call the register API;
- **firm users** (each with a draft application of their own) open the task list, open a
  section and save it as a draft, open the documents page and upload a small PDF, look at
  their dashboard;
- **staff** (case officers and approvers) work their queues (the tabs, a later page), open
  cases, look at the dashboard.

Sessions are pre-made by bench/load_seed.py (nobody signs in during the run); every request
from a signed-in user carries its session and CSRF cookies. Requests are named by route, so
the statistics group `/register/VASP-…/` under `/register/[reference]/`.
"""

import itertools
import json
import os
import random

from locust import HttpUser, between, task

PEOPLE = json.loads(open(os.environ["LOAD_PEOPLE"]).read())  # noqa: SIM115, PTH123 - read once
REGISTER = PEOPLE["register"]
_FIRM_USERS = itertools.cycle(PEOPLE["firm_users"])
_STAFF = itertools.cycle(PEOPLE["staff"])
QUEUES = ["", "mine", "decision", "unassigned", "waiting", "open", "all"]

SECTIONS = {
    "services": {
        "activities": ["exchange", "custody"],
        "services_description": "Spot trading of virtual assets against PKR.",
        "customer_types": ["retail", "institutional"],
        "target_customers": "Adults resident in Pakistan.",
    },
    "aml_programme": {
        "policy_summary": "Board-approved policy, reviewed yearly.",
        "risk_assessment": "Business-wide risk assessment.",
        "customer_due_diligence": "Document checks; EDD for PEPs.",
    },
    "technology": {
        "systems": "Matching engine built in house.",
        "custody_arrangements": "95 % cold storage with multi-party computation.",
        "cyber_security": "ISO/IEC 27001 certified.",
    },
    "business_plan": {
        "products": "Spot exchange.",
        "target_market": "Retail and institutions.",
        "projected_customers": "250000",
        "capital_amount": "25000000.00",
        "capital_currency": "USD",
    },
}


def small_pdf(n: int) -> bytes:
    """A valid one-object PDF of about 300 bytes, different each time."""
    return (
        b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
        + f"% business plan, revision {n}\n".encode()
        + b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
    )


class Visitor(HttpUser):
    """Anyone on the internet reading the public register."""

    weight = 6
    wait_time = between(3, 10)

    @task(4)
    def search(self):
        params = {"q": random.choice(REGISTER["queries"])}
        if random.random() < 0.3:
            params["stage"] = random.choice(REGISTER["stages"])
        self.client.get("/register/", params=params, name="/register/?q=[search]")

    @task(2)
    def browse(self):
        params = {"page": random.randint(1, 20)}
        if random.random() < 0.5:
            params["activity"] = random.choice(REGISTER["activities"])
        else:
            params["stage"] = random.choice(REGISTER["stages"])
        self.client.get("/register/", params=params, name="/register/?[filters]&page=[n]")

    @task(3)
    def firm_page(self):
        ref = random.choice(REGISTER["references"])
        self.client.get(f"/register/{ref}/", name="/register/[reference]/")

    @task(2)
    def api(self):
        if random.random() < 0.5:
            params = {"search": random.choice(REGISTER["queries"])}
        else:
            params = {"stage": random.choice(REGISTER["stages"]), "page_size": 50}
        self.client.get(
            "/api/v1/register/",
            params=params,
            name="/api/v1/register/?[query]",
            headers={"Accept": "application/json"},
        )

    @task(1)
    def home(self):
        self.client.get("/", name="/")


class SignedIn(HttpUser):
    abstract = True

    def sign_in(self, person: dict) -> None:
        self.csrf = person["csrf"]
        self.client.cookies.set(PEOPLE["session_cookie"], person["session"])
        self.client.cookies.set(PEOPLE["csrf_cookie"], person["csrf"])

    def get(self, path: str, *, name: str, params=None):
        """A page of a signed-in person: 200, not a redirect to the sign-in page."""
        with self.client.get(
            path, params=params, name=name, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code == 200:
                response.success()
            else:
                response.failure(f"{response.status_code} {response.headers.get('Location', '')}")

    def post(self, path: str, data: dict, *, name: str, files=None):
        """A form POST; a redirect (302) is the success of a form, anything else a failure."""
        with self.client.post(
            path,
            data={**data, "csrfmiddlewaretoken": self.csrf},
            files=files,
            name=name,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code == 302:
                response.success()
            else:
                response.failure(f"{response.status_code} instead of a redirect")


class FirmUser(SignedIn):
    """A firm's principal working on its draft application."""

    weight = 3
    wait_time = between(3, 10)

    def on_start(self):
        person = next(_FIRM_USERS)
        self.sign_in(person)
        self.app = person["application"]
        self.uploads = 0

    @task(3)
    def task_list(self):
        self.get(f"/applications/{self.app}/", name="/applications/[id]/")

    @task(4)
    def edit_section(self):
        key = random.choice(list(SECTIONS))
        path = f"/applications/{self.app}/sections/{key}/"
        self.get(path, name="/applications/[id]/sections/[key]/")
        self.post(path, {**SECTIONS[key], "action": "draft"}, name="POST /applications/[id]/sections/[key]/")

    @task(1)
    def upload(self):
        path = f"/applications/{self.app}/documents/"
        self.get(path, name="/applications/[id]/documents/")
        self.uploads += 1
        pdf = small_pdf(self.uploads)
        self.post(
            path,
            {"action": "upload", "doc_type": "business_plan"},
            files={"file": (f"Business plan {self.uploads}.pdf", pdf, "application/pdf")},
            name="POST /applications/[id]/documents/ (PDF)",
        )

    @task(1)
    def dashboard(self):
        self.get("/dashboard/", name="/dashboard/")


class Staff(SignedIn):
    """A case officer or approver working the queues."""

    weight = 1
    wait_time = between(3, 10)

    def on_start(self):
        person = next(_STAFF)
        self.sign_in(person)
        self.cases = person["cases"]

    @task(4)
    def queue(self):
        params = {"queue": random.choice(QUEUES)} if random.random() < 0.7 else {"page": 2}
        self.get("/staff/", params=params, name="/staff/?queue=[tab]")

    @task(4)
    def case(self):
        self.get(f"/staff/cases/{random.choice(self.cases)}/", name="/staff/cases/[id]/")

    @task(1)
    def dashboard(self):
        self.get("/staff/dashboard/", name="/staff/dashboard/")
