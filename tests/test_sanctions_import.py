"""Importing sanctions lists: the UN XML and national CSV formats, malformed files refused
with the line or element that is wrong (the previous version stays in force), re-imports
counted right, and the management command's exit codes."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from aml.importing import current_version, import_list
from aml.models import EntryKind, ListEntry, ListVersion, SanctionsList
from portal.audit.models import AuditEvent
from portal.errors import RuleBroken

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parent.parent / "aml" / "fixtures" / "samples"
UN_SAMPLE = SAMPLES / "un_sample.xml"
CSV_SAMPLE = SAMPLES / "national_sample.csv"
HEADER = "reference,kind,name,aliases,dates_of_birth,nationalities\n"


def import_csv(text: str, *, list_code="national"):
    return import_list(actor=None, fmt="csv", list_code=list_code, file=io.BytesIO(text.encode()))


def import_xml(text: str):
    return import_list(actor=None, fmt="un-xml", file=io.BytesIO(text.encode()))


def un_xml(*individuals: str) -> str:
    return f"<CONSOLIDATED_LIST>\n<INDIVIDUALS>\n{''.join(individuals)}</INDIVIDUALS>\n</CONSOLIDATED_LIST>\n"


def individual(ref: str, first: str, extra: str = "") -> str:
    return (
        f"<INDIVIDUAL>\n<REFERENCE_NUMBER>{ref}</REFERENCE_NUMBER>\n<FIRST_NAME>{first}</FIRST_NAME>\n"
        f"{extra}</INDIVIDUAL>\n"
    )


def entries_state(code: str):
    return sorted(
        ListEntry.objects.filter(sanctions_list__code=code).values_list(
            "reference", "content_hash", "removed_in_id", "changed_in_id"
        )
    )


# --- Valid files.


def test_the_un_sample_imports_individuals_and_entities_with_aliases_dates_and_nationalities():
    version = import_list(actor=None, fmt="un-xml", path=UN_SAMPLE)
    assert version.sanctions_list.code == "un"
    assert (version.entries, version.added, version.removed, version.changed) == (8, 8, 0, 0)
    first = ListEntry.objects.get(reference="XQi.001")
    assert first.name == "MUHAMMAD TARIQ ZARKHEL" and first.kind == EntryKind.PERSON
    assert first.aliases == ["Mohd Tariq Zarkheli", "Abu Zaid al-Zarkhel"]
    assert first.dates_of_birth == ["1971-03-14"] and first.nationalities == ["PK"]
    assert first.details["dataid"] == "9900001" and first.match_keys
    assert ListEntry.objects.get(reference="XQi.002").dates_of_birth == ["1968"]
    assert ListEntry.objects.get(reference="XQi.003").dates_of_birth == [str(y) for y in range(1960, 1965)]
    assert ListEntry.objects.get(reference="XQi.004").nationalities == ["SY"]  # "Syrian Arab Republic"
    entity = ListEntry.objects.get(reference="XQe.001")
    assert entity.kind == EntryKind.ENTITY and "CDX Remittances" in entity.aliases


def test_the_national_csv_sample_imports():
    version = import_list(actor=None, fmt="csv", path=CSV_SAMPLE)
    assert version.sanctions_list.code == "national" and version.source_name == "national_sample.csv"
    assert (version.entries, version.added) == (5, 5)
    entry = ListEntry.objects.get(reference="NAT-0003")
    assert entry.aliases == ["Ahmad Raza Chowdhury"]
    assert entry.dates_of_birth == ["1965-01-10", "1966"] and entry.nationalities == ["PK", "GB"]
    assert ListEntry.objects.get(reference="NAT-0004").kind == EntryKind.ENTITY


def test_an_import_is_versioned_and_audited_without_a_firm():
    version = import_list(actor=None, fmt="csv", path=CSV_SAMPLE)
    event = AuditEvent.objects.get(action="sanctionslist.import")
    assert event.object_id == str(version.pk) and event.firm_id is None
    assert event.details["added"] == 5 and event.details["sha256"] == version.sha256
    assert current_version("national") == version


# --- Malformed files: refused with where and what, and nothing changes.

MALFORMED_XML = [
    ("<CONSOLIDATED_LIST>\n<INDIVIDUALS>\n<INDIVIDUAL>\n</INDIVIDUALS>\n", "line 4, column 3"),
    (un_xml(individual("A.1", "ONE"), individual("A.2", "")), "INDIVIDUALS/INDIVIDUAL[2]/FIRST_NAME"),
    (
        un_xml(
            individual(
                "A.1", "ONE", "<INDIVIDUAL_DATE_OF_BIRTH><DATE>1970-13-01</DATE></INDIVIDUAL_DATE_OF_BIRTH>\n"
            )
        ),
        "line 6, element /CONSOLIDATED_LIST/INDIVIDUALS/INDIVIDUAL[1]/INDIVIDUAL_DATE_OF_BIRTH[1]/DATE",
    ),
    (
        un_xml(
            individual("A.1", "ONE", "<INDIVIDUAL_DATE_OF_BIRTH><YEAR>70</YEAR></INDIVIDUAL_DATE_OF_BIRTH>\n")
        ),
        "INDIVIDUAL_DATE_OF_BIRTH[1]/YEAR",
    ),
    (un_xml(individual("A.1", "ONE"), individual("A.1", "TWO")), "line 7, element"),
    ("<SOMETHING_ELSE/>", "the root element must be CONSOLIDATED_LIST"),
    (
        '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>\n'
        "<CONSOLIDATED_LIST>&lol2;</CONSOLIDATED_LIST>",
        "line 2: the file declares a DTD or entities",
    ),
    ("<CONSOLIDATED_LIST><INDIVIDUALS/></CONSOLIDATED_LIST>", "holds no entries"),
]


@pytest.mark.parametrize(("content", "location"), MALFORMED_XML)
def test_a_malformed_un_file_is_refused_with_its_location_and_the_previous_version_stays(content, location):
    before = import_list(actor=None, fmt="un-xml", path=UN_SAMPLE)
    state = entries_state("un")
    with pytest.raises(RuleBroken) as refused:
        import_xml(content)
    assert location in refused.value.detail
    assert list(ListVersion.objects.all()) == [before]
    assert entries_state("un") == state
    assert current_version("un") == before


MALFORMED_CSV = [
    ("ref,kind,name\nA,person,X\n", "line 1 (header)"),
    (HEADER + "A,person,One,,,\nB,person,Two,,\n", "line 3: expected 6 values, found 5"),
    (HEADER + "A,person,One,,,\nB,alien,Two,,,\n", "line 3, column kind: “alien” is not person or entity"),
    (HEADER + "A,person,One,,12/05/1970,\n", "line 2, column dates_of_birth: “12/05/1970” is not a date"),
    (HEADER + "A,person,One,,,Atlantis\n", "line 2, column nationalities"),
    (HEADER + "A,person,,,,\n", "line 2, column name: the name is empty"),
    (
        HEADER + "A,person,One,,,\nA,person,Two,,,\n",
        "line 3: the reference “A” appears again (first at line 2)",
    ),
    (HEADER + 'A,person,"One,,,\n', "line 2"),
    (HEADER, "holds no entries"),
]


@pytest.mark.parametrize(("content", "location"), MALFORMED_CSV)
def test_a_malformed_csv_file_is_refused_with_its_line_and_the_previous_version_stays(content, location):
    before = import_list(actor=None, fmt="csv", path=CSV_SAMPLE)
    state = entries_state("national")
    with pytest.raises(RuleBroken) as refused:
        import_csv(content)
    assert location in refused.value.detail
    assert refused.value.field_errors["file"] == [refused.value.detail]
    assert list(ListVersion.objects.all()) == [before]
    assert entries_state("national") == state


def test_a_file_that_is_not_utf8_is_refused_with_its_line():
    with pytest.raises(RuleBroken, match="line 3: the file is not UTF-8"):
        import_list(
            actor=None, fmt="csv", file=io.BytesIO(HEADER.encode() + b"A,person,X,,,\nB,person,\xff,,,\n")
        )
    assert not ListVersion.objects.exists()


def test_a_list_keeps_its_format():
    import_list(actor=None, fmt="csv", path=CSV_SAMPLE)
    with pytest.raises(RuleBroken, match="is imported from csv files, not un-xml"):
        import_list(actor=None, fmt="un-xml", list_code="national", path=UN_SAMPLE)


# --- Re-imports.


def test_a_reimport_counts_what_was_added_removed_and_changed():
    first = import_csv(
        HEADER + "A,person,Alpha One,,1970,PK\nB,person,Bravo Two,,,\nC,person,Charlie Three,,,\n"
    )
    second = import_csv(
        HEADER + "A,person,Alpha One,,1970,PK\nB,person,Bravo Two,Bravo II,,\nD,person,Delta Four,,,\n"
    )
    assert (second.entries, second.added, second.removed, second.changed) == (3, 1, 1, 1)
    rows = {e.reference: e for e in ListEntry.objects.all()}
    assert rows["A"].changed_in == first and rows["A"].removed_in is None
    assert rows["B"].changed_in == second and rows["B"].aliases == ["Bravo II"]
    assert rows["C"].removed_in == second  # kept, marked removed
    assert rows["D"].added_in == second
    third = import_csv(HEADER + "A,person,Alpha One,,1970,PK\nC,person,Charlie Three,,,\n")
    assert (third.added, third.removed, third.changed) == (1, 2, 0)  # C is back; B and D are gone
    assert ListEntry.objects.get(reference="C").removed_in is None
    assert current_version("national") == third


def test_importing_the_same_file_again_makes_a_version_that_changes_nothing():
    import_list(actor=None, fmt="un-xml", path=UN_SAMPLE)
    again = import_list(actor=None, fmt="un-xml", path=UN_SAMPLE)
    assert (again.entries, again.added, again.removed, again.changed) == (8, 0, 0, 0)
    assert ListVersion.objects.count() == 2 and SanctionsList.objects.count() == 1


def test_a_reimport_queues_the_rescreening_of_added_and_changed_entries_after_commit(
    django_capture_on_commit_callbacks, monkeypatch
):
    from aml import tasks

    queued = []
    monkeypatch.setattr(
        tasks.rescreen_after_import_task, "delay", lambda version_id: queued.append(version_id)
    )
    with django_capture_on_commit_callbacks(execute=True):
        first = import_csv(HEADER + "A,person,Alpha One,,,\n")
    with django_capture_on_commit_callbacks(execute=True):
        import_csv(HEADER + "A,person,Alpha One,,,\n")  # nothing added or changed: nothing to screen
    assert queued == [first.pk]


# --- The management command.


def test_the_command_imports_each_format_into_its_default_list():
    out = io.StringIO()
    call_command("import_sanctions_list", "--format", "un-xml", str(UN_SAMPLE), stdout=out)
    call_command("import_sanctions_list", "--format", "csv", str(CSV_SAMPLE), stdout=out)
    assert "8 entries (8 added, 0 removed, 0 changed)" in out.getvalue()
    assert set(SanctionsList.objects.values_list("code", flat=True)) == {"un", "national"}


def test_the_command_imports_into_a_named_list():
    call_command(
        "import_sanctions_list",
        "--format",
        "csv",
        "--list",
        "fmu-watch",
        str(CSV_SAMPLE),
        stdout=io.StringIO(),
    )
    assert ListEntry.objects.filter(sanctions_list__code="fmu-watch").count() == 5


def test_the_command_fails_with_the_location_on_a_malformed_file(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "A,person,One,,,\nB,robot,Two,,,\n", encoding="utf-8")
    with pytest.raises(CommandError, match="line 3, column kind"):
        call_command("import_sanctions_list", "--format", "csv", str(bad), stdout=io.StringIO())
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_sanctions_list", "--format", "csv", str(tmp_path / "missing.csv"))
    with pytest.raises(CommandError):
        call_command("import_sanctions_list", "--format", "pdf", str(bad))
    assert not ListVersion.objects.exists()


def test_the_command_exits_non_zero_on_a_malformed_file(tmp_path, capsys):
    from django.core.management import ManagementUtility

    bad = tmp_path / "bad.xml"
    bad.write_text("<CONSOLIDATED_LIST>\n<INDIVIDUALS>\n</CONSOLIDATED_LIST>", encoding="utf-8")
    with pytest.raises(SystemExit) as exited:
        ManagementUtility(["manage.py", "import_sanctions_list", "--format", "un-xml", str(bad)]).execute()
    assert exited.value.code == 1
    assert "line 3" in capsys.readouterr().err
