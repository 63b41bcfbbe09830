"""Screening key individuals and beneficial owners: name variants that must hit, names that
must not, date of birth and nationality in the score, alerts that stay cleared until the
person or the entry changes, re-screening only what an import touched, the officer's
decisions, and the hooks and tasks that run it all."""

import datetime
import io
from decimal import Decimal
from pathlib import Path

import pytest

from aml import matching, screening, tasks
from aml.importing import import_list
from aml.models import AlertStatus, ListEntry, ScreeningAlert
from aml.sanctions import parse
from licensing import scenarios
from licensing.models import ApplicationKind, BeneficialOwner, KeyIndividual
from licensing.models.people import KeyRole
from licensing.services import application_people as people
from licensing.staff.models import CaseNote
from portal.audit.models import AuditEvent
from portal.errors import CaseChanged, NotPermitted, RuleBroken

SAMPLES = Path(__file__).resolve().parent.parent / "aml" / "fixtures" / "samples"
ZARKHEL_BORN = datetime.date(1971, 3, 14)


def sample_entries() -> dict[str, matching.Entry]:
    parsed = parse("un-xml", (SAMPLES / "un_sample.xml").read_bytes()) + parse(
        "csv", (SAMPLES / "national_sample.csv").read_bytes()
    )
    return {
        p.reference: matching.Entry.of(n, p.kind, p.name, p.aliases, p.dates_of_birth, p.nationalities)
        for n, p in enumerate(parsed)
    }


ENTRIES = sample_entries()
INDEX = matching.Index()
for _entry in ENTRIES.values():
    INDEX.add(_entry.id, matching.entry_keys([name for name, _words in _entry.names], _entry.kind))


def alerts_for(name, kind=matching.PERSON, born=None, nationality=""):
    """{reference: match} of every sample entry this name raises an alert on (through blocking)."""
    subject = matching.Subject.of(name, kind, born, nationality)
    found = INDEX.candidates(subject.lookup_keys())
    by_id = {e.id: ref for ref, e in ENTRIES.items()}
    hits = {by_id[pk]: matching.score(subject, ENTRIES[by_id[pk]]) for pk in found}
    return {ref: m for ref, m in hits.items() if m and m.score >= matching.ALERT_THRESHOLD}


# --- Matching (pure): what must hit, what must not.

VARIANTS = [
    ("Mohammad Tariq Zarkhel", "XQi.001", "transliteration"),
    ("Mohd Tariq Zarkhel", "XQi.001", "transliteration"),
    ("Muhammed Tariq Zarkhel", "XQi.001", "transliteration"),
    ("Md. Tariq Zarkhel", "XQi.001", "short form"),
    ("Zarkhel, Muhammad Tariq", "XQi.001", "word order"),
    ("M. T. Zarkhel", "XQi.001", "initials"),
    ("Múhammad Táriq Zarkhél", "XQi.001", "diacritics"),
    ("  MUHAMMAD   tariq--zarkhel. ", "XQi.001", "spaces and punctuation"),
    ("Mohd Tariq Zarkheli", "XQi.001", "alias"),
    ("Abu Zaid Zarkhel", "XQi.001", "alias without its particle"),
    ("Abd al-Rahman Yusuf Darwazi", "XQi.002", "Abd al / Rahman / Yusuf"),
    ("Abdulrahman Darwazi", "XQi.002", "alias written as one word"),
    ("Abdul Rahman Darwazi", "XQi.002", "dropped middle name"),
    ("Hussein Ahmed Qalandari", "XQi.003", "Hussein / Ahmed"),
    ("Sayyid Imran Ghaznafar", "XQi.005", "Syed / Sayyid"),
    ("Jose Ramon Quillacollo", "XQi.006", "diacritics on the list"),
    ("Muhammad Salim Khattakzai", "NAT-0001", "national list"),
    ("Chaudhary Ahmed Raza Wazirabadi", "NAT-0003", "Chaudhry / Chaudhary"),
]


@pytest.mark.parametrize(("name", "reference", "variant"), VARIANTS)
def test_a_variant_of_a_listed_name_raises_an_alert(name, reference, variant):
    hits = alerts_for(name)
    assert reference in hits, f"{variant}: {name!r} did not match {reference}"
    assert hits[reference].reasons[0].startswith("name matches")


@pytest.mark.parametrize(
    ("name", "reference"),
    [
        ("Crescent Dawn Exchange House Ltd", "XQe.001"),
        ("Hilal Al Fajr Exchange LLC", "XQe.001"),
        ("Sable Harbor Logistics FZE", "XQe.002"),
        ("Silverline Hawala Network", "NAT-0004"),
    ],
)
def test_an_entity_owner_is_matched_against_listed_entities(name, reference):
    assert reference in alerts_for(name, matching.ENTITY)
    assert not alerts_for(name, matching.PERSON)  # a person is never matched with an entity


@pytest.mark.parametrize(
    "name",
    [
        "John Smith",
        "Tariq Mehmood Awan",
        "Muhammad Asif Qureshi",
        "Imran Khan",
        "Amina Rauf Siddiqui",
        "Farida Khanum",
        "Abdul Rehman Malik",
        "Syed Ali Raza",
        "Zarkhel",
    ],
)
def test_a_clearly_different_name_raises_nothing(name):
    assert alerts_for(name, born=datetime.date(1990, 6, 1), nationality="PK") == {}


def test_date_of_birth_and_nationality_raise_or_lower_the_score():
    def score(born=None, nationality=""):
        subject = matching.Subject.of("M. T. Zarkhel", date_of_birth=born, nationality=nationality)
        return matching.score(subject, ENTRIES["XQi.001"])

    plain = score()
    assert plain.score == 0.9  # the name alone: two initials and the surname
    assert score(ZARKHEL_BORN).score == 1.0
    assert score(datetime.date(1971, 7, 1)).score == 0.93  # same year, another day
    assert score(datetime.date(1972, 7, 1)).score == 0.87  # a year off: close
    assert score(datetime.date(1985, 1, 1)).score == 0.78  # 14 years off: no longer an alert
    assert score(nationality="PK").score == 0.95
    assert score(nationality="AE").score == 0.82
    assert "date of birth matches 1971-03-14" in score(ZARKHEL_BORN).reasons
    assert "date of birth differs (1985; listed 1971-03-14)" in score(datetime.date(1985, 1, 1)).reasons
    assert "nationality differs (AE vs PK)" in score(nationality="AE").reasons
    assert "XQi.001" not in alerts_for("M. T. Zarkhel", born=datetime.date(1985, 1, 1))


def test_the_reasons_say_why_it_matched():
    reasons = alerts_for("Mohd. Tariq  Zarkheli", born=ZARKHEL_BORN, nationality="PK")["XQi.001"].reasons
    assert reasons[0] == "name matches alias “Mohd Tariq Zarkheli” (1.00)"
    assert "date of birth matches 1971-03-14" in reasons and "nationality matches (PK)" in reasons
    word_order = alerts_for("Zarkhel Mohammad Tariq")["XQi.001"].reasons
    assert "the words are in a different order" in word_order
    assert "“mohammad” is a spelling of “muhammad”" in word_order


# --- Screening people in the database.


@pytest.fixture
def lists(db):
    return (
        import_list(actor=None, fmt="un-xml", path=SAMPLES / "un_sample.xml"),
        import_list(actor=None, fmt="csv", path=SAMPLES / "national_sample.csv"),
    )


@pytest.fixture
def application(firm, principal):
    return scenarios.new_application(firm, ApplicationKind.NOC, actor=principal)


def person(application, name, born=ZARKHEL_BORN, nationality="PK") -> KeyIndividual:
    return KeyIndividual.objects.create(
        application=application,
        role=KeyRole.DIRECTOR,
        full_name=name,
        identity_type="passport",
        passport_number="P1234567",
        passport_country="GB",
        nationality=nationality,
        date_of_birth=born,
    )


def test_screening_a_person_raises_an_alert_with_the_score_and_why(lists, application, firm):
    subject = person(application, "Mohd. Tariq Zarkheli")
    [alert] = screening.screen_subject(subject)
    assert alert.entry.reference == "XQi.001" and alert.status == AlertStatus.OPEN
    assert (
        alert.firm == firm
        and alert.key_individual == subject
        and alert.subject_name == "Mohd. Tariq Zarkheli"
    )
    assert alert.score == Decimal("1.00")
    assert "date of birth matches 1971-03-14" in alert.reasons
    event = AuditEvent.objects.get(action="screening.alerts_raised")
    assert event.firm_id is None and event.details["raised"] == [alert.pk]


def test_an_entity_owner_is_screened(lists, application):
    owner = BeneficialOwner.objects.create(
        application=application,
        kind="entity",
        name="Sable Harbor Logistics",
        country="AE",
        ownership_percent=40,
    )
    [alert] = screening.screen_subject(owner)
    assert alert.entry.reference == "XQe.002" and alert.beneficial_owner == owner


def test_clearly_different_people_raise_nothing(lists, application):
    for name in ("Amina Rauf Siddiqui", "John Smith", "Imran Khan", "Muhammad Asif Qureshi"):
        person(application, name, born=datetime.date(1988, 2, 2))
    run = screening.screen_all()
    assert run.subjects == 4 and run.entries == 13 and run.alerts == []


def test_a_cleared_alert_is_not_raised_again(lists, application, aml_officer):
    subject = person(application, "Mohammad Tariq Zarkhel")
    [alert] = screening.screen_subject(subject)
    screening.alert_clear(actor=aml_officer, alert_id=alert.pk, reason="Passport checked: a different man.")
    assert screening.screen_subject(subject) == []
    assert screening.screen_all().alerts == []
    assert screening.rescreen_entries(ListEntry.objects.values_list("pk", flat=True)).alerts == []
    assert ScreeningAlert.objects.get().status == AlertStatus.CLEARED


def test_a_cleared_alert_is_raised_again_when_the_person_changes(lists, application, aml_officer):
    subject = person(application, "Mohammad Tariq Zarkhel")
    [cleared] = screening.screen_subject(subject)
    screening.alert_clear(actor=aml_officer, alert_id=cleared.pk, reason="Different man.")
    subject.nationality = "AE"
    subject.save()
    [again] = screening.screen_subject(subject)
    assert again.pk != cleared.pk and again.status == AlertStatus.OPEN
    assert "nationality differs (AE vs PK)" in again.reasons
    cleared.refresh_from_db()
    assert cleared.status == AlertStatus.CLEARED


def test_a_cleared_alert_is_raised_again_when_the_entry_changes(lists, application, aml_officer):
    subject = person(application, "Mohammad Tariq Zarkhel")
    [cleared] = screening.screen_subject(subject)
    screening.alert_clear(actor=aml_officer, alert_id=cleared.pk, reason="Different man.")
    changed = (SAMPLES / "un_sample.xml").read_text().replace("Abu Zaid al-Zarkhel", "Abu Zaid Zarkhel")
    version = import_list(actor=None, fmt="un-xml", file=io.BytesIO(changed.encode()))
    assert version.changed == 1
    run = screening.rescreen_version(version.pk)
    assert [a.entry.reference for a in run.alerts] == ["XQi.001"] and run.alerts[0].pk != cleared.pk


def test_an_open_alert_is_refreshed_rather_than_duplicated(lists, application):
    subject = person(application, "Mohammad Tariq Zarkhel")
    [alert] = screening.screen_subject(subject)
    subject.full_name = "Mohd Tariq Zarkhel"
    subject.date_of_birth = datetime.date(1971, 6, 1)
    subject.save()
    [refreshed] = screening.screen_subject(subject)
    assert refreshed.pk == alert.pk and ScreeningAlert.objects.count() == 1
    refreshed.refresh_from_db()
    assert refreshed.subject_name == "Mohd Tariq Zarkhel"
    assert "year of birth matches 1971 (the day differs)" in refreshed.reasons


def test_rescreening_after_an_import_examines_only_the_entries_it_touched(lists, application):
    person(application, "Mohammad Tariq Zarkhel")
    person(application, "Muhammad Salim Khattakzai", born=datetime.date(1979, 9, 21))
    person(application, "Amina Rauf Siddiqui", born=datetime.date(1988, 2, 2))
    full = screening.screen_all()
    assert (full.subjects, full.entries, len(full.alerts)) == (3, 13, 2)

    farida = (SAMPLES / "un_sample.xml").read_text().replace("<FIRST_NAME>FARIDA", "<FIRST_NAME>FAREEDA")
    version = import_list(actor=None, fmt="un-xml", file=io.BytesIO(farida.encode()))
    run = screening.rescreen_version(version.pk)
    assert (run.entries, run.subjects_scored, run.pairs_scored, run.alerts) == (1, 0, 0, [])

    tariq = farida.replace("<DATE>1971-03-14</DATE>", "<DATE>1971-03-15</DATE>")
    version = import_list(actor=None, fmt="un-xml", file=io.BytesIO(tariq.encode()))
    run = screening.rescreen_version(version.pk)
    assert (run.entries, run.subjects_scored, run.pairs_scored) == (1, 1, 1)
    assert [a.entry.reference for a in run.alerts] == ["XQi.001"]  # the open alert, refreshed


# --- The AML officer's decisions.


@pytest.fixture
def alert(lists, application):
    return screening.screen_subject(person(application, "Mohammad Tariq Zarkhel"))[0]


def test_clearing_needs_a_reason_and_an_aml_officer(alert, aml_officer, approver, officer, supervisor):
    with pytest.raises(RuleBroken):
        screening.alert_clear(actor=aml_officer, alert_id=alert.pk, reason="  ")
    for someone in (approver, officer, supervisor, None):
        with pytest.raises(NotPermitted):
            screening.alert_clear(actor=someone, alert_id=alert.pk, reason="No.")
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN and alert.decided_by is None


def test_clearing_records_who_when_and_why_without_telling_the_firm(alert, aml_officer, firm):
    cleared = screening.alert_clear(actor=aml_officer, alert_id=alert.pk, reason="Different DOB on passport.")
    assert (cleared.status, cleared.decided_by, cleared.decision_reason) == (
        AlertStatus.CLEARED,
        aml_officer,
        "Different DOB on passport.",
    )
    event = AuditEvent.objects.get(action="screeningalert.clear")
    assert (event.object_type, event.object_id, event.firm_id) == ("aml.screeningalert", str(alert.pk), None)
    assert (event.from_state, event.to_state) == ("open", "cleared")
    with pytest.raises(CaseChanged):
        screening.alert_confirm(actor=aml_officer, alert_id=alert.pk, reason="Changed my mind.")


def test_confirming_flags_the_case_for_the_approver(alert, aml_officer, application, firm):
    screening.alert_confirm(
        actor=aml_officer, alert_id=alert.pk, reason="Same passport number as the listing."
    )
    flag = AuditEvent.objects.get(action="screening.confirmed")
    assert (flag.object_type, flag.object_id, flag.firm_id) == (
        "licensing.application",
        str(application.pk),
        None,
    )
    note = CaseNote.objects.get(application=application)
    assert "XQi.001" in note.body and note.author == aml_officer
    assert not AuditEvent.objects.for_firm(firm).filter(action__startswith="screening").exists()


# --- Hooks and tasks.


@pytest.fixture
def draft(firm, submitter):
    return scenarios.new_application(firm, ApplicationKind.NOC, actor=submitter)


def test_adding_or_changing_a_person_or_owner_queues_screening_after_commit(
    draft, submitter, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(tasks.screen_subject_task, "delay", lambda kind, pk: queued.append((kind, pk)))
    data = {
        "role": KeyRole.CEO,
        "full_name": "Mohd Tariq Zarkhel",
        "identity_type": "passport",
        "passport_number": "AB1234567",
        "passport_country": "PK",
        "nationality": "PK",
        "date_of_birth": ZARKHEL_BORN,
        "is_employee": True,
    }
    with django_capture_on_commit_callbacks(execute=True):
        ceo = people.key_individual_save(actor=submitter, application_id=draft.pk, data=data)
    with django_capture_on_commit_callbacks(execute=True):
        people.key_individual_save(
            actor=submitter,
            application_id=draft.pk,
            key_individual_id=ceo.pk,
            data={"full_name": "M. T. Zarkhel"},
        )
    owner_data = {
        "kind": "entity",
        "name": "Sable Harbour",
        "country": "AE",
        "ownership_percent": Decimal("40"),
    }
    with django_capture_on_commit_callbacks(execute=True):
        owner = people.beneficial_owner_save(
            actor=submitter, application_id=draft.pk, data={**owner_data, "identity_number": "C-1"}
        )
    assert queued == [("key_individual", ceo.pk), ("key_individual", ceo.pk), ("beneficial_owner", owner.pk)]


def test_the_screening_task_is_idempotent_and_survives_a_removed_person(lists, application):
    subject = person(application, "Mohammad Tariq Zarkhel")
    assert tasks.screen_subject_task("key_individual", subject.pk) == 1
    assert tasks.screen_subject_task("key_individual", subject.pk) == 0
    assert tasks.screen_subject_task("key_individual", subject.pk + 1000) == 0
    assert ScreeningAlert.objects.count() == 1


def test_the_rescreen_task_reports_what_it_examined(lists, application):
    person(application, "Muhammad Salim Khattakzai", born=datetime.date(1979, 9, 21))
    result = tasks.rescreen_after_import_task(lists[1].pk)
    assert result == {"entries": 5, "subjects_scored": 1, "pairs_scored": 1, "alerts": 1}
    assert tasks.rescreen_after_import_task(lists[1].pk)["alerts"] == 0


def test_an_alert_decided_meanwhile_is_not_refreshed_with_new_data(alert, aml_officer):
    stale = ScreeningAlert.objects.get(pk=alert.pk)
    screening.alert_clear(actor=aml_officer, alert_id=alert.pk, reason="Different man.")
    assert screening._refresh(stale, {"subject_fingerprint": "f" * 64, "score": Decimal("0.90")}) is False
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CLEARED and alert.subject_fingerprint != "f" * 64


def test_a_firm_can_remove_a_screened_person_from_its_draft(lists, draft, submitter, aml_officer):
    person_data = {
        "role": KeyRole.DIRECTOR,
        "full_name": "Mohd Tariq Zarkhel",
        "identity_type": "passport",
        "passport_number": "AB7654321",
        "passport_country": "PK",
        "nationality": "PK",
        "date_of_birth": ZARKHEL_BORN,
        "is_employee": True,
    }
    director = people.key_individual_save(actor=submitter, application_id=draft.pk, data=person_data)
    assert screening.screen_subject(director)
    people.key_individual_remove(actor=submitter, application_id=draft.pk, key_individual_id=director.pk)
    assert not KeyIndividual.objects.filter(pk=director.pk).exists()
    # The alert outlives the person's row, with the screened name kept for the officer.
    kept = ScreeningAlert.objects.get(subject_name__icontains="Zarkhel")
    assert kept.key_individual is None and kept.firm_id == draft.firm_id
    # ... and an AML officer can still confirm it: the firm's case is flagged.
    confirmed = screening.alert_confirm(actor=aml_officer, alert_id=kept.pk, reason="Same person")
    assert confirmed.status == AlertStatus.CONFIRMED
