"""Screening names written in other scripts: a key individual entered in Urdu or Cyrillic is
screened against a listed Latin name (and the other way round, through the UN list's
original-script names); a name of which nothing can be read raises an alert that an AML
officer sees, never nothing."""

import datetime
from pathlib import Path

import pytest

from aml import matching, screening
from aml.importing import import_list
from aml.models import AlertStatus, ListEntry, ScreeningAlert
from aml.sanctions import parse
from licensing import scenarios
from licensing.models import ApplicationKind, KeyIndividual
from licensing.models.people import KeyRole
from portal.errors import RuleBroken

SAMPLES = Path(__file__).resolve().parent.parent / "aml" / "fixtures" / "samples"
LISTED = matching.Entry.of(1, matching.PERSON, "Farooq Ali Malik", dates_of_birth=("1975",))


def hits(name, entry=LISTED):
    """The match of `name` on `entry` if it is found through the blocking keys and alerts."""
    index = matching.Index()
    index.add(entry.id, matching.entry_keys([n for n, _w in entry.names], entry.kind))
    subject = matching.Subject.of(name)
    if entry.id not in index.candidates(subject.lookup_keys()):
        return None
    match = matching.score(subject, entry)
    return match if match.score >= matching.ALERT_THRESHOLD else None


# --- Matching (pure).


@pytest.mark.parametrize(
    "name",
    [
        "فاروق علی ملک",  # Urdu
        "فاروق علي مالك",  # Arabic spelling
        "Фарук Али Малик",  # Cyrillic
        "ملک فاروق علی",  # word order
        "Farooq Ali Malik",
    ],
)
def test_a_listed_latin_name_written_in_another_script_raises_an_alert(name):
    match = hits(name)
    assert match is not None, matching.tokens(name)
    assert any("written in another script" in reason for reason in match.reasons) or name.isascii()


@pytest.mark.parametrize(
    "name",
    [
        "عمران احمد",  # Imran Ahmad: another person
        "فاروق احمد قریشی",  # same given name, other names
        "ملک ریاض حسین",  # same surname, other given names
        "Фарид Алиев",
        "王小明",
    ],
)
def test_an_unrelated_name_in_another_script_raises_nothing(name):
    assert hits(name) is None


def test_other_scripts_are_transliterated_before_matching():
    assert matching.tokens("فاروق علی ملک") == ("frwq", "ly", "mlk")
    assert matching.tokens("Фарук Али Малик") == ("faruk", "ali", "malik")
    assert matching.tokens("王小明") == ("wang", "xiaoming")  # family name, then given name
    assert matching.tokens("Múhammad O’Brien") == ("muhammad", "obrien")  # Latin as before
    assert matching.reading("فاروق") == matching.UNVOWELLED
    assert matching.reading("Фарук") == matching.TRANSLITERATED
    assert matching.reading("Fárúq") == matching.LATIN


def test_an_unvowelled_name_finds_a_listed_name_that_starts_with_a_vowel():
    entry = matching.Entry.of(2, matching.PERSON, "Ahmad Rashid Khan")
    assert hits("احمد رشید خان", entry) is not None


def test_loose_comparison_applies_only_to_names_written_in_another_script():
    """Two Latin names with the same skeleton but different spellings still need Jaro-Winkler."""
    assert matching.word_similarity("lynn", "lena") == 0.0
    loose = matching.word_similarity("lynn", "lena", matching.TRANSLITERATED)
    assert loose == matching.TRANSLITERATED_SIMILARITY
    entry = matching.Entry.of(3, matching.PERSON, "Lena Smith")
    assert hits("Lynn Smith", entry) is None


def test_a_name_with_nothing_to_compare_is_not_screenable():
    assert not matching.Subject.of("— ? —").screenable
    assert not matching.Subject.of("😀").screenable
    assert matching.Subject.of("فاروق").screenable


def test_the_un_list_keeps_the_name_in_its_original_script_as_an_alias():
    parsed = parse("un-xml", (SAMPLES / "un_sample.xml").read_bytes())
    entry = next(e for e in parsed if e.reference == "XQi.003")
    assert "حسين أحمد قلندري" in entry.aliases


# --- Screening people in the database.


@pytest.fixture
def lists(db, tmp_path):
    csv = tmp_path / "list.csv"
    csv.write_text(
        "reference,kind,name,aliases,dates_of_birth,nationalities\n"
        "SCR-1,person,Farooq Ali Malik,,1975,PK\n"
        "SCR-2,person,Hamid Yousaf Baloch,حامد یوسف بلوچ,,PK\n",
        encoding="utf-8",
    )
    return (
        import_list(actor=None, fmt="csv", path=csv),
        import_list(actor=None, fmt="un-xml", path=SAMPLES / "un_sample.xml"),
    )


@pytest.fixture
def application(firm, principal):
    return scenarios.new_application(firm, ApplicationKind.NOC, actor=principal)


def person(application, name, born=datetime.date(1975, 5, 1)) -> KeyIndividual:
    return KeyIndividual.objects.create(
        application=application,
        role=KeyRole.DIRECTOR,
        full_name=name,
        identity_type="passport",
        passport_number="P1234567",
        passport_country="GB",
        nationality="PK",
        date_of_birth=born,
    )


@pytest.mark.parametrize("name", ["فاروق علی ملک", "Фарук Али Малик"])
def test_a_key_individual_entered_in_urdu_or_cyrillic_raises_an_alert(lists, application, name):
    [alert] = screening.screen_subject(person(application, name))
    assert alert.entry.reference == "SCR-1" and alert.subject_name == name
    assert alert.score >= matching.ALERT_THRESHOLD


def test_a_latin_name_matches_an_entry_through_its_name_in_another_script(lists, application):
    entry = ListEntry.objects.get(reference="XQi.003")
    assert "حسين أحمد قلندري" in entry.aliases and entry.match_keys
    subject = person(application, "حسین احمد قلندری", born=datetime.date(1962, 1, 1))
    [alert] = screening.screen_subject(subject)
    assert alert.entry == entry


def test_screening_everyone_finds_names_in_other_scripts_both_ways(lists, application):
    person(application, "فاروق علی ملک")
    person(application, "Hamid Yusuf Baloch")  # listed with an Urdu alias too
    person(application, "عمران احمد")  # nobody on the lists
    run = screening.screen_all()
    assert sorted(a.entry.reference for a in run.alerts) == ["SCR-1", "SCR-2"]


def test_a_name_that_cannot_be_screened_raises_an_alert_for_the_aml_officers(lists, application, firm):
    subject = person(application, "— ? —")
    [alert] = screening.screen_subject(subject)
    assert alert.entry is None and alert.status == AlertStatus.OPEN and alert.firm == firm
    assert alert.key_individual == subject and alert.score == 0
    assert "could not be screened" in alert.reasons[0]
    assert screening.screen_subject(subject) == []  # raised once, not again for the same data
    assert screening.screen_all().alerts == []
    assert ScreeningAlert.objects.filter(entry__isnull=True).count() == 1


def test_an_unscreenable_name_is_cleared_by_hand_not_confirmed(lists, application, aml_officer):
    [alert] = screening.screen_subject(person(application, "???"))
    with pytest.raises(RuleBroken, match="no list entry to confirm"):
        screening.alert_confirm(actor=aml_officer, alert_id=alert.pk, reason="Looked it up.")
    cleared = screening.alert_clear(actor=aml_officer, alert_id=alert.pk, reason="Passport read: not listed.")
    assert cleared.status == AlertStatus.CLEARED


def test_the_aml_officer_sees_the_unscreenable_name_in_the_alert_pages(
    lists, application, client, aml_officer
):
    [alert] = screening.screen_subject(person(application, "???"))
    client.force_login(aml_officer)
    listing = client.get("/staff/screening/alerts/")
    assert listing.status_code == 200 and "Name could not be screened" in listing.text
    detail = client.get(f"/staff/screening/alerts/{alert.pk}/")
    assert detail.status_code == 200 and "could not be screened" in detail.text
