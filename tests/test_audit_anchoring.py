"""Audit anchors (issue 8, item 5): the chain's head and row count, signed and written outside
the database once a day, so that deleting the newest rows is detected too."""

import json

import pytest
from django.core.management import CommandError, call_command
from django_celery_beat.models import PeriodicTask

from licensing import scenarios
from licensing.models import ApplicationKind
from portal.audit import anchoring
from portal.audit.models import AuditEvent
from portal.audit.tasks import anchor_audit
from tests.test_audit_chain import as_database_owner

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _signing_key(settings, tmp_path):
    settings.PORTAL_SIGNING_KEY_PATH = str(tmp_path / "signing.pem")
    settings.PORTAL_SIGNING_KEY_AUTOCREATE = True


@pytest.fixture
def chain(firm, submitter):
    app = scenarios.new_application(firm, ApplicationKind.NOC, actor=submitter)
    scenarios.complete_sections(app, actor=submitter)
    events = list(AuditEvent.objects.order_by("seq"))
    assert len(events) >= 9
    return events


def test_an_anchor_is_written_signed_and_verified(chain, capsys, settings, tmp_path):
    call_command("anchor_audit")
    assert "written" in capsys.readouterr().out
    files = list((tmp_path / "audit-anchors").iterdir())
    assert len(files) == 1
    document = json.loads(files[0].read_text())
    assert document["payload"]["rows"] == len(chain)
    assert document["payload"]["seq"] == chain[-1].seq
    assert document["payload"]["head_hash"] == chain[-1].hash
    assert document["payload"]["purpose"] == anchoring.PURPOSE
    call_command("verify_audit")
    out = capsys.readouterr().out
    assert f"Audit chain intact: {len(chain)} rows" in out and f"matches anchor {files[0].name}" in out


def test_rows_added_after_the_anchor_still_verify(chain, firm, submitter, capsys):
    anchoring.write_anchor()
    scenarios.new_application(firm, ApplicationKind.NOC, actor=submitter)
    assert AuditEvent.objects.count() > len(chain)
    call_command("verify_audit")
    assert "matches anchor" in capsys.readouterr().out


def test_without_an_anchor_verify_says_so(chain, capsys):
    call_command("verify_audit")
    assert "no anchor written yet" in capsys.readouterr().out


def test_deleting_the_newest_rows_is_detected(chain):
    anchor = anchoring.write_anchor()
    with as_database_owner():  # PostgreSQL: past the append-only trigger, as a database owner could
        AuditEvent.objects.filter(seq__gt=chain[-3].seq).delete()
    with pytest.raises(CommandError) as caught:
        call_command("verify_audit")
    message = str(caught.value)
    assert f"rows deleted since anchor {anchor.name}" in message
    assert f"anchor says {len(chain)} rows, table has {len(chain) - 2}" in message


def test_deleting_the_newest_rows_and_appending_new_ones_is_detected(chain, firm, submitter):
    anchoring.write_anchor()
    with as_database_owner():
        AuditEvent.objects.filter(seq__gt=chain[-3].seq).delete()
    while AuditEvent.objects.count() < len(chain):  # the count grows back to the anchor's
        scenarios.new_application(firm, ApplicationKind.NOC, actor=submitter)
    with pytest.raises(CommandError, match=rf"row seq={chain[-1].seq} has another hash"):
        call_command("verify_audit")


def test_a_forged_anchor_is_detected(chain, tmp_path):
    anchor = anchoring.write_anchor()
    path = tmp_path / "audit-anchors" / anchor.name
    document = json.loads(path.read_text())
    document["payload"]["rows"] = 3  # what someone who deleted rows would like it to say
    path.write_text(json.dumps(document))
    with pytest.raises(CommandError, match="signature does not verify"):
        call_command("verify_audit")


def test_an_anchor_signed_with_another_key_is_detected(chain, settings, tmp_path):
    settings.PORTAL_SIGNING_KEY_PATH = str(tmp_path / "attacker.pem")
    anchoring.write_anchor()
    settings.PORTAL_SIGNING_KEY_PATH = str(tmp_path / "signing.pem")
    with pytest.raises(CommandError, match="signature does not verify"):
        call_command("verify_audit")


def test_an_unreadable_anchor_is_reported(chain, tmp_path):
    anchoring.write_anchor()
    folder = tmp_path / "audit-anchors"
    (folder / "audit-anchor-99999999T000000000000Z-000000000000.json").write_text("not json")
    with pytest.raises(CommandError, match="cannot be read"):
        call_command("verify_audit")


def test_the_task_writes_an_anchor_and_beat_runs_it_daily(chain):
    name = anchor_audit()
    assert anchoring.latest_anchor().name == name
    task = PeriodicTask.objects.get(task="portal.audit.anchor")
    assert task.enabled and task.crontab is not None
    assert (task.crontab.minute, task.crontab.hour) == ("30", "0")
