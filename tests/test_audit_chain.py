"""The audit trail is append-only and tamper-evident."""

from contextlib import contextmanager

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from licensing import scenarios
from licensing.models import ApplicationKind
from portal.audit.chain import compute_hash, record, verify_chain
from portal.audit.context import request_ip
from portal.audit.models import GENESIS_HASH, AuditEvent

pytestmark = pytest.mark.django_db


@contextmanager
def as_database_owner():
    """An attacker with superuser rights on the database: user triggers do not fire."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = DEFAULT")
    else:
        yield


@pytest.fixture
def chain(firm, submitter):
    """Ten real events: a draft application and its sections."""
    app = scenarios.new_application(firm, ApplicationKind.NOC, actor=submitter)
    scenarios.complete_sections(app, actor=submitter)
    events = list(AuditEvent.objects.order_by("seq"))
    assert len(events) >= 9
    return events


def _verify_fails_at(seq):
    with pytest.raises(CommandError, match=rf"seq={seq}\b"):
        call_command("verify_audit")


def test_intact_chain_verifies(chain, capsys):
    call_command("checkpoint_audit")  # verify_audit also wants the rows checkpointed
    call_command("verify_audit")
    assert f"Audit chain intact: {len(chain)} rows" in capsys.readouterr().out
    assert chain[0].prev_hash == GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in zip(chain, chain[1:], strict=False))


def test_each_event_records_who_what_where(chain, submitter, firm):
    with request_ip("203.0.113.9"), transaction.atomic():
        event = record(actor=submitter, action="test.thing", obj=firm, reason="why not")
    assert event.actor == submitter
    assert event.actor_label == submitter.email
    assert event.firm == firm
    assert event.object_type == "licensing.firm"
    assert event.ip_address == "203.0.113.9"
    assert event.hash == compute_hash(event)


def test_edited_row_is_detected(chain):
    victim = chain[4]
    with as_database_owner():
        AuditEvent.objects.filter(pk=victim.pk).update(reason="nothing to see here")
    _verify_fails_at(victim.seq)
    report = verify_chain()
    assert "edited" in report.problem


def test_edited_row_with_recomputed_hash_is_detected_at_the_next_row(chain):
    victim = chain[4]
    victim.reason = "rewritten"
    new_hash = compute_hash(victim)
    with as_database_owner():
        AuditEvent.objects.filter(pk=victim.pk).update(reason="rewritten", hash=new_hash)
    _verify_fails_at(chain[5].seq)


def test_deleted_row_is_detected(chain):
    with as_database_owner():
        AuditEvent.objects.filter(pk=chain[3].pk).delete()
    _verify_fails_at(chain[4].seq)
    assert "missing" in verify_chain().problem


def test_inserted_row_is_detected(chain):
    """Make room in the middle, insert a well-formed forged row there."""
    position = chain[3].seq
    with as_database_owner():
        for event in reversed(chain[3:]):
            AuditEvent.objects.filter(pk=event.pk).update(seq=event.seq + 1)
        forged = AuditEvent(
            seq=position,
            created_at=chain[2].created_at,
            actor_label="nobody@example.com",
            object_type="licensing.application",
            object_id="999",
            object_repr="forged",
            action="application.approve",
            prev_hash=chain[2].hash,
        )
        forged.hash = compute_hash(forged)
        forged.save(force_insert=True)
    _verify_fails_at(position + 1)


@pytest.mark.postgres
def test_postgres_refuses_update_and_delete_of_audit_rows(require_postgres, chain):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=chain[0].pk).update(reason="x")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=chain[0].pk).delete()
    assert verify_chain().ok
