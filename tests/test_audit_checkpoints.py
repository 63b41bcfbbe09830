"""Audit checkpoints (issue 14, item 4): the chain's row count and head, signed with a key of
their own every few minutes and kept in the database feed, the checkpoint files and the log, so
that rewriting, deleting or appending rows, and deleting the checkpoints, are detected.

Each attack runs on the database the suite runs on: SQLite by default, PostgreSQL with
DATABASE_URL (CI); `as_database_owner` steps past PostgreSQL's triggers as a database owner could.
"""

import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from licensing import scenarios
from licensing.models import ApplicationKind
from portal.audit import checkpoint_key, checkpoints
from portal.audit.chain import compute_hash
from portal.audit.models import AuditCheckpoint, AuditEvent
from portal.audit.tasks import checkpoint_audit
from tests.test_audit_chain import as_database_owner

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _checkpoint_key(settings, tmp_path):
    settings.PORTAL_AUDIT_CHECKPOINT_KEY_PATH = str(tmp_path / "checkpoint.pem")
    settings.PORTAL_AUDIT_CHECKPOINT_KEY_AUTOCREATE = True
    settings.PORTAL_AUDIT_CHECKPOINT_PREVIOUS_KEYS = []


@pytest.fixture
def folder(tmp_path):
    return tmp_path / "audit-checkpoints"


@pytest.fixture
def chain(firm, submitter):
    app = scenarios.new_application(firm, ApplicationKind.NOC, actor=submitter)
    scenarios.complete_sections(app, actor=submitter)
    events = list(AuditEvent.objects.order_by("seq"))
    assert len(events) >= 9
    return events


@pytest.fixture
def more_rows(firm, submitter):
    def add():
        for _ in range(2):
            scenarios.new_application(firm, ApplicationKind.NOC, actor=submitter)
        return list(AuditEvent.objects.order_by("seq"))

    return add


def verify_fails(*messages, **options):
    with pytest.raises(CommandError) as caught:
        call_command("verify_audit", **options)
    text = str(caught.value)
    for message in messages:
        assert message in text, text
    return text


def verify_passes(capsys, **options):
    call_command("verify_audit", **options)
    return capsys.readouterr().out


def rewrite_from(position: int, **changes):
    """Rewrite row `position` and recompute the hash of every row after it: a chain that links."""
    with as_database_owner():
        previous = AuditEvent.objects.get(seq=position - 1).hash if position > 1 else "0" * 64
        for event in AuditEvent.objects.filter(seq__gte=position).order_by("seq"):
            if event.seq == position:
                for name, value in changes.items():
                    setattr(event, name, value)
            event.prev_hash = previous
            event.hash = compute_hash(event)
            AuditEvent.objects.filter(pk=event.pk).update(
                prev_hash=event.prev_hash, hash=event.hash, **{k: getattr(event, k) for k in changes}
            )
            previous = event.hash


def append_forged(created_at, **fields):
    """A forged approval at the end of the chain, with a valid hash."""
    last = AuditEvent.objects.order_by("-seq").first()
    forged = AuditEvent(
        seq=last.seq + 1,
        created_at=created_at,
        actor_label="approver@regulator.example",
        object_type="licensing.application",
        object_id="1",
        object_repr="APP-NOC-forged",
        action="application.approve",
        from_state="under_review",
        to_state="approved",
        prev_hash=last.hash,
        **fields,
    )
    forged.hash = compute_hash(forged)
    forged.save(force_insert=True)
    return forged


def feed_copy(client, path):
    """What an outside party keeps: every page of the public feed, in one file."""
    documents, url = [], reverse("audit_checkpoints")
    while url:
        page = client.get(url).json()
        documents.extend(page["checkpoints"])
        url = page["next"]
    path.write_text(json.dumps({"checkpoints": documents}))
    return path


# --- Writing and publishing -----------------------------------------------------------------


def test_a_checkpoint_is_signed_and_published_in_the_database_a_file_and_the_log(
    chain, folder, caplog, django_capture_on_commit_callbacks, capsys
):
    with caplog.at_level("INFO", logger=checkpoints.LOGGER), django_capture_on_commit_callbacks(execute=True):
        call_command("checkpoint_audit")
    assert "Checkpoint 1 written" in capsys.readouterr().out
    row = AuditCheckpoint.objects.get()
    payload = row.document["payload"]
    assert payload["purpose"] == checkpoints.PURPOSE
    assert (payload["number"], payload["previous"]) == (1, "")
    assert (payload["rows"], payload["last_seq"], payload["last_id"]) == (
        len(chain),
        chain[-1].seq,
        chain[-1].pk,
    )
    assert payload["head_hash"] == chain[-1].hash and payload["created_at"]
    assert row.document["key_id"] == checkpoint_key.key_id()
    assert checkpoint_key.verify(payload, row.document["signature"], row.document["key_id"])
    assert json.loads((folder / checkpoints.file_name(1)).read_text()) == row.document
    logged = [r for r in caplog.records if r.name == checkpoints.LOGGER]
    assert len(logged) == 1 and json.loads(logged[0].getMessage()) == row.document
    out = verify_passes(capsys)
    assert f"Audit chain intact: {len(chain)} rows" in out and "checkpoints 1–1 verified" in out


def test_each_checkpoint_names_the_one_before_it(chain, more_rows):
    first = checkpoints.write_checkpoint()
    more_rows()
    second = checkpoints.write_checkpoint()
    assert second.number == 2
    assert second.document["payload"]["previous"] == checkpoints.digest(first.document["payload"])


def test_beat_writes_a_checkpoint_every_five_minutes_when_the_chain_grew(chain, more_rows, settings):
    task = PeriodicTask.objects.get(task="portal.audit.checkpoint")
    assert task.enabled and (task.interval.every, task.interval.period) == (5, "minutes")
    assert not PeriodicTask.objects.filter(task="portal.audit.anchor").exists()
    assert checkpoint_audit() == 1
    assert checkpoint_audit() is None  # nothing new, heartbeat not due
    more_rows()
    assert checkpoint_audit() == 2
    settings.PORTAL_AUDIT_CHECKPOINT_HEARTBEAT_MINUTES = 0
    assert checkpoint_audit() == 3  # unchanged, but the heartbeat is due


def test_rows_after_the_last_checkpoint_are_reported_as_not_yet_checkpointed(chain, more_rows, capsys):
    checkpoints.write_checkpoint()
    rows = more_rows()
    out = verify_passes(capsys)
    added = len(rows) - len(chain)
    assert f"{added} row(s) after checkpoint 1 (seq={len(chain) + 1}–{len(rows)}) not yet checkpointed" in out


def test_the_feed_is_public_paged_and_names_the_key(chain, more_rows, client, monkeypatch):
    for _ in range(3):
        checkpoints.write_checkpoint(force=True)
    monkeypatch.setattr("portal.audit.views.FEED_PAGE_SIZE", 2)
    first = client.get(reverse("audit_checkpoints"))
    assert first.status_code == 200 and "public" in first["Cache-Control"]
    page = first.json()
    assert [d["payload"]["number"] for d in page["checkpoints"]] == [1, 2]
    assert page["next"].endswith("?after=2")
    assert [d["payload"]["number"] for d in client.get(page["next"]).json()["checkpoints"]] == [3]
    assert client.get(page["next"]).json()["next"] is None
    key = client.get(reverse("audit_checkpoint_key"))
    assert key.status_code == 200 and key["X-Key-Id"] == page["checkpoints"][0]["key_id"]
    assert b"BEGIN PUBLIC KEY" in key.content and b"PRIVATE" not in key.content
    assert client.get(reverse("audit_checkpoints"), {"after": "x"}).status_code == 400
    assert client.get(reverse("audit_checkpoint_key"), {"key_id": "0" * 16}).status_code == 404


# --- Attack 1: rewrite a row and recompute the chain after it --------------------------------


def test_rewriting_a_checkpointed_row_and_recomputing_the_rest_is_detected(chain, more_rows):
    checkpoints.write_checkpoint()
    rows = more_rows()
    checkpoints.write_checkpoint()  # the next checkpoint, five minutes later
    victim = rows[len(chain) + 1]  # after checkpoint 1, before checkpoint 2
    rewrite_from(victim.seq, reason="nothing to see here")
    verify_fails(f"checkpoint 2: row seq={rows[-1].seq} has another hash", "the chain was rewritten")


def test_rows_not_yet_checkpointed_are_flagged_once_checkpoints_stop(chain, more_rows, settings):
    """A rewrite after the last checkpoint links up; it is caught if checkpoints stopped."""
    checkpoints.write_checkpoint()
    rows = more_rows()
    rewrite_from(rows[-1].seq, reason="rewritten", created_at=timezone.now() - timedelta(minutes=30))
    settings.PORTAL_AUDIT_CHECKPOINT_MAX_AGE_MINUTES = 20
    verify_fails(f"row seq={rows[-1].seq} is more than 20 minutes old and no checkpoint covers it")


# --- Attack 2: delete the newest rows --------------------------------------------------------


def test_deleting_the_newest_rows_is_detected(chain):
    checkpoints.write_checkpoint()
    with as_database_owner():
        AuditEvent.objects.filter(seq__gt=chain[-3].seq).delete()
    verify_fails(
        "checkpoint 1",
        f"says {len(chain)} rows existed",
        f"the table has {len(chain) - 2}: rows were deleted",
    )


def test_deleting_the_newest_rows_and_appending_new_ones_is_detected(chain, more_rows):
    checkpoints.write_checkpoint()
    with as_database_owner():
        AuditEvent.objects.filter(seq__gt=chain[-3].seq).delete()
    more_rows()  # the count grows back past the checkpoint's
    verify_fails(f"checkpoint 1: row seq={chain[-1].seq} has another hash")


# --- Attack 3: append a forged row with a valid chain hash -----------------------------------


def test_a_forged_row_appended_with_an_earlier_date_is_detected(chain):
    checkpoints.write_checkpoint()
    forged = append_forged(created_at=timezone.now() - timedelta(minutes=10))  # "approved" earlier
    verify_fails(f"row seq={forged.seq} is dated before checkpoint 1 was written but is not covered by it")


def test_a_forged_row_slipped_under_a_checkpoint_is_detected(chain, more_rows):
    """Delete the newest checkpointed rows, append a forged one and regrow the chain: the head differs."""
    checkpoints.write_checkpoint()
    with as_database_owner():
        AuditEvent.objects.filter(seq=chain[-1].seq).delete()
        append_forged(created_at=chain[-1].created_at)
    verify_fails(f"checkpoint 1: row seq={chain[-1].seq} has another hash")


def test_a_forged_row_with_a_checkpoint_signed_by_another_key_is_detected(chain, settings, tmp_path):
    checkpoints.write_checkpoint()
    append_forged(created_at=timezone.now())
    settings.PORTAL_AUDIT_CHECKPOINT_KEY_PATH = str(tmp_path / "attacker.pem")
    checkpoints.write_checkpoint()
    settings.PORTAL_AUDIT_CHECKPOINT_KEY_PATH = str(tmp_path / "checkpoint.pem")
    verify_fails("checkpoint in database row 2: its signature does not verify")


# --- Attack 4: delete the checkpoints --------------------------------------------------------


def test_deleting_the_checkpoint_files_is_detected(chain, more_rows, folder):
    checkpoints.write_checkpoint()
    more_rows()
    checkpoints.write_checkpoint()
    for path in folder.iterdir():
        path.unlink()
    verify_fails("checkpoint(s) 1–2 missing from the checkpoint files (present elsewhere): deleted")


def test_deleting_the_checkpoint_files_and_emptying_the_table_is_detected(chain, folder):
    checkpoints.write_checkpoint()
    for path in folder.iterdir():
        path.unlink()
    with as_database_owner():
        AuditEvent.objects.all().delete()
    verify_fails(
        "missing from the checkpoint files",
        "checkpoint 1 (",
        f"says {len(chain)} rows existed up to seq={chain[-1].seq}; the table has 0: rows were deleted",
    )


def test_deleting_the_database_checkpoints_is_detected_from_the_files(chain):
    checkpoints.write_checkpoint()
    with as_database_owner():
        AuditCheckpoint.objects.all().delete()
    verify_fails("checkpoint(s) 1 missing from the database (present elsewhere): deleted")


def test_rows_without_any_checkpoint_fail(chain):
    verify_fails(f"no checkpoint found, but the table has {len(chain)} rows")


def test_wiping_everything_passes_locally_but_not_against_an_outside_copy(
    chain, client, folder, tmp_path, capsys
):
    checkpoints.write_checkpoint()
    copy = feed_copy(client, tmp_path / "feed-copy.json")
    for path in folder.iterdir():
        path.unlink()
    with as_database_owner():
        AuditCheckpoint.objects.all().delete()
        AuditEvent.objects.all().delete()
    assert "no rows and no checkpoints" in verify_passes(capsys)
    verify_fails(
        "checkpoint(s) 1 missing from the database",
        "checkpoint 1 (",
        "rows were deleted",
        checkpoints=str(copy),
    )


def test_an_outside_copy_from_the_feed_or_the_log_verifies(
    chain, more_rows, client, tmp_path, caplog, django_capture_on_commit_callbacks, capsys
):
    with caplog.at_level("INFO", logger=checkpoints.LOGGER), django_capture_on_commit_callbacks(execute=True):
        checkpoints.write_checkpoint()
        more_rows()
        checkpoints.write_checkpoint()
    copy = feed_copy(client, tmp_path / "feed.json")
    assert "checkpoints 1–2 verified" in verify_passes(capsys, checkpoints=str(copy))
    log = tmp_path / "portal.log"  # as the JSON log format ships them, among other lines
    log.write_text(
        json.dumps({"level": "INFO", "logger": "django.request", "message": "hello"})
        + "\n"
        + "\n".join(
            json.dumps({"level": "INFO", "logger": r.name, "message": r.getMessage()})
            for r in caplog.records
            if r.name == checkpoints.LOGGER
        )
    )
    assert "checkpoints 1–2 verified" in verify_passes(capsys, checkpoints=str(log))


# --- Bad checkpoints: unsigned, forged, out of order ------------------------------------------


def test_an_unsigned_checkpoint_file_is_detected(chain, folder):
    checkpoints.write_checkpoint()
    path = folder / checkpoints.file_name(1)
    document = json.loads(path.read_text())
    del document["signature"]
    path.write_text(json.dumps(document))
    verify_fails(f"checkpoint in file {path.name}: it is unsigned")


def test_an_altered_checkpoint_is_detected(chain, folder):
    checkpoints.write_checkpoint()
    path = folder / checkpoints.file_name(1)
    document = json.loads(path.read_text())
    document["payload"]["rows"] = 3  # what someone who deleted rows would like it to say
    path.write_text(json.dumps(document))
    verify_fails(f"checkpoint in file {path.name}: its signature does not verify")


def test_an_unreadable_checkpoint_file_is_reported(chain, folder):
    checkpoints.write_checkpoint()
    (folder / checkpoints.file_name(2)).write_text("not json")
    verify_fails("cannot be read")


def test_a_gap_in_the_checkpoints_is_detected(chain, more_rows, folder):
    for _ in range(3):
        more_rows()
        checkpoints.write_checkpoint()
    with as_database_owner():
        AuditCheckpoint.objects.filter(number=2).delete()
    (folder / checkpoints.file_name(2)).unlink()
    verify_fails("checkpoint(s) 2 missing everywhere: the sequence has a gap")


def _signed(**changes):
    """A checkpoint signed with the right key (a bug or a stolen key), with changed fields."""
    last = AuditCheckpoint.objects.order_by("-number").first()
    payload = {**last.document["payload"], "number": last.number + 1}
    payload["previous"] = checkpoints.digest(last.document["payload"])
    payload.update(changes)
    signature, key_id = checkpoint_key.sign(payload)
    return {"payload": payload, "signature": signature, "key_id": key_id, "algorithm": "Ed25519"}


def test_decreasing_counts_and_broken_links_are_out_of_order(chain, tmp_path):
    checkpoints.write_checkpoint()
    fewer = _signed(rows=len(chain) - 1, last_seq=len(chain) - 1)
    unlinked = _signed(number=3, previous="f" * 64)
    copy = tmp_path / "copy.json"
    copy.write_text(json.dumps([fewer, unlinked]))
    verify_fails(
        f"checkpoints out of order: checkpoint 2 says {len(chain) - 1} rows, "
        f"fewer than checkpoint 1's {len(chain)}",
        "checkpoint 3 does not follow checkpoint 2",
        "checkpoint(s) 2–3 missing from the database",
        checkpoints=str(copy),
    )


def test_checkpoints_signed_by_a_retired_key_still_verify(chain, more_rows, settings, tmp_path, capsys):
    checkpoints.write_checkpoint()
    retired = tmp_path / "retired.pem"
    retired.write_bytes(checkpoint_key.public_key_pem())
    settings.PORTAL_AUDIT_CHECKPOINT_KEY_PATH = str(tmp_path / "new.pem")
    settings.PORTAL_AUDIT_CHECKPOINT_PREVIOUS_KEYS = [str(retired)]
    more_rows()
    checkpoints.write_checkpoint()
    assert "checkpoints 1–2 verified" in verify_passes(capsys)


# --- PostgreSQL: the tables refuse TRUNCATE, and the checkpoints are append-only --------------


@pytest.mark.postgres
@pytest.mark.parametrize("table", ["audit_auditevent", "audit_auditcheckpoint"])
def test_postgres_refuses_truncate_of_the_audit_tables(require_postgres, chain, table):
    checkpoints.write_checkpoint()
    with connection.cursor() as cursor:  # the test's own inserts: check their foreign keys now
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with pytest.raises(DatabaseError, match="append-only: TRUNCATE"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {table}")  # noqa: S608 - a fixed table name
    assert AuditEvent.objects.count() == len(chain) and AuditCheckpoint.objects.count() == 1


@pytest.mark.postgres
def test_postgres_refuses_update_and_delete_of_checkpoints(require_postgres, chain):
    checkpoints.write_checkpoint()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditCheckpoint.objects.update(rows=1)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditCheckpoint.objects.all().delete()
    assert AuditCheckpoint.objects.get().rows == len(chain)


@pytest.mark.postgres
def test_postgres_refuses_each_attack_to_the_app_role_and_detects_it_past_the_triggers(
    require_postgres, chain, more_rows, folder, client, tmp_path
):
    """The four attacks on PostgreSQL: without owner rights the database refuses them; a
    database owner who switches the triggers off is caught by verify_audit."""
    checkpoints.write_checkpoint()
    rows = more_rows()
    checkpoints.write_checkpoint()
    copy = feed_copy(client, tmp_path / "feed-copy.json")  # what internal audit keeps
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for attempt in (
        lambda: AuditEvent.objects.filter(seq=rows[len(chain)].seq).update(reason="rewritten"),
        lambda: AuditEvent.objects.filter(seq__gt=chain[-1].seq).delete(),
        lambda: AuditCheckpoint.objects.all().delete(),
        lambda: connection.cursor().execute("TRUNCATE audit_auditevent"),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            attempt()
    call_command("verify_audit")  # nothing changed

    rewrite_from(rows[len(chain)].seq, reason="rewritten")  # 1: rewrite and recompute
    verify_fails("checkpoint 2: row seq=", "the chain was rewritten")
    with as_database_owner():
        append_forged(created_at=timezone.now() - timedelta(minutes=10))  # 3: a forged approval
    verify_fails("is dated before checkpoint 2 was written")
    with as_database_owner():
        AuditEvent.objects.filter(seq__gt=chain[-1].seq).delete()  # 2: delete the newest rows
    verify_fails(f"says {len(rows)} rows existed")
    for path in folder.iterdir():  # 4: the files, the checkpoints and the table, all gone
        path.unlink()
    with as_database_owner():
        AuditCheckpoint.objects.all().delete()
        AuditEvent.objects.all().delete()
    verify_fails("checkpoint(s) 1–2 missing from the database", "rows were deleted", checkpoints=str(copy))
