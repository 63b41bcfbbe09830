"""Demo screening data for `manage.py seed_demo`: both sample lists (FICTIONAL names), and
two key individuals on the main demo firm's draft licence application, one of them a
fictional near-match of a sample UN entry, so the AML officer has an alert to decide.

Idempotent: a list that already has a version is not imported again, a person is added only
when nobody of that name is on the application (and, for a role only one person may hold, when
the role is free: a licence application starts with the NOC application's people), and
screening never raises an alert twice."""

import datetime
from pathlib import Path

from aml.importing import import_list
from aml.models import ListVersion
from aml.screening import Run, screen_all
from licensing.models import ApplicationStatus, Firm, FirmRole, KeyIndividual
from licensing.models.people import REQUIRED_KEY_ROLES, KeyRole
from licensing.services.application_people import key_individual_save

SAMPLES = Path(__file__).resolve().parent / "fixtures" / "samples"
SAMPLE_LISTS = (("un-xml", "un", "un_sample.xml"), ("csv", "national", "national_sample.csv"))
DEMO_PEOPLE = (
    # A near-match of the fictional UN entry XQi.001 (alias "Mohd Tariq Zarkheli").
    {
        "role": KeyRole.DIRECTOR,
        "full_name": "Mohd. Tariq Zarkheli",
        "date_of_birth": datetime.date(1971, 3, 14),
    },
    {"role": KeyRole.CFO, "full_name": "Amina Rauf Siddiqui", "date_of_birth": datetime.date(1984, 8, 9)},
)


def seed_screening_demo(firm: Firm) -> Run:
    for fmt, code, name in SAMPLE_LISTS:
        if not ListVersion.objects.filter(sanctions_list__code=code).exists():
            import_list(actor=None, fmt=fmt, list_code=code, path=SAMPLES / name)
    app = firm.applications.filter(status=ApplicationStatus.DRAFT).order_by("-pk").first()
    principal = firm.memberships.filter(role=FirmRole.PRINCIPAL).select_related("user").first()
    if app is not None and principal is not None:
        present = list(app.key_individuals.values_list("full_name", "role"))
        for n, person in enumerate(DEMO_PEOPLE, start=1):
            if any(
                name == person["full_name"] or (role == person["role"] and role in REQUIRED_KEY_ROLES)
                for name, role in present
            ):
                continue
            data = {
                **person,
                "identity_type": "passport",
                "passport_number": f"DM{n:07d}",
                "passport_country": "PK",
                "nationality": "PK",
                "is_employee": True,
                "email": f"person{n}@{firm.website.split('www.')[-1] or 'firm.example'}",
            }
            key_individual_save(actor=principal.user, application_id=app.pk, data=data)
    return screen_all()


def add_demo_person(application) -> KeyIndividual:
    """The near-match of the demo, added straight to an application that is no longer a draft
    (test fixtures only: real people are added through key_individual_save)."""
    person = DEMO_PEOPLE[0]
    return KeyIndividual.objects.create(
        application=application,
        **person,
        identity_type="passport",
        passport_number="DM0000001",
        passport_country="PK",
        nationality="PK",
    )
