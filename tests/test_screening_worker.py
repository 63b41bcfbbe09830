"""Screening through a real Celery worker and Redis, against PostgreSQL: a person saved by the
firm is screened after commit, and an import re-screens everyone against what it changed.
Skipped locally without REDIS_URL or PostgreSQL; CI (REQUIRE_SERVICES=1) fails instead."""

import datetime
from pathlib import Path

import pytest

from aml.importing import import_list
from aml.models import AlertStatus, ScreeningAlert
from licensing import scenarios
from licensing.models import ApplicationKind
from licensing.models.people import KeyRole
from licensing.services.application_people import key_individual_save
from tests.processes import broker_is_drained, redis_client, wait_for, workers  # noqa: F401 - fixtures

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
SAMPLES = Path(__file__).resolve().parent.parent / "aml" / "fixtures" / "samples"


def test_a_worker_screens_a_new_person_and_rescreens_after_an_import(
    redis_client,  # noqa: F811 - the fixture imported above
    workers,  # noqa: F811
    firm,
    submitter,
):
    import_list(actor=None, fmt="csv", path=SAMPLES / "national_sample.csv")
    draft = scenarios.new_application(firm, ApplicationKind.NOC, actor=submitter)
    data = {
        "role": KeyRole.CEO,
        "full_name": "Mohd Tariq Zarkhel",
        "identity_type": "passport",
        "passport_number": "AB1234567",
        "passport_country": "PK",
        "nationality": "PK",
        "date_of_birth": datetime.date(1971, 3, 14),
        "is_employee": True,
    }
    key_individual_save(actor=submitter, application_id=draft.pk, data=data)  # queued after commit
    workers()
    wait_for(lambda: broker_is_drained(redis_client), what="the screening task")
    assert not ScreeningAlert.objects.exists()  # nothing on the national list matches him

    import_list(actor=None, fmt="un-xml", path=SAMPLES / "un_sample.xml")  # re-screening queued
    wait_for(lambda: ScreeningAlert.objects.exists(), what="the re-screening after the import")
    alert = ScreeningAlert.objects.get()
    assert (alert.entry.reference, alert.status) == ("XQi.001", AlertStatus.OPEN)
    wait_for(lambda: broker_is_drained(redis_client), what="the queue to drain")
