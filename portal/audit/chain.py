"""Writing to and verifying the audit hash chain."""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from portal.audit.context import current_ip
from portal.audit.models import GENESIS_HASH, AuditEvent
from portal.audit.visibility import warn_if_undeclared

# Any fixed number: the key of the PostgreSQL advisory lock that serialises appends.
_CHAIN_LOCK_KEY = 7_431_201_559


def _normalise(details) -> dict:
    """What the database will give back: JSON-native types only."""
    return json.loads(json.dumps(details or {}, cls=DjangoJSONEncoder))


def compute_hash(event: AuditEvent) -> str:
    content = {
        "seq": event.seq,
        "created_at": event.created_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "firm_id": event.firm_id,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "action": event.action,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "reason": event.reason,
        "ip_address": event.ip_address,
        "details": event.details,
        "prev_hash": event.prev_hash,
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _lock_chain() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])
    # SQLite: transactions are IMMEDIATE (see settings), so the writer already holds the lock.


def record(
    *,
    actor,
    action: str,
    obj=None,
    firm=None,
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
    details: dict | None = None,
    ip_address: str | None = None,
) -> AuditEvent:
    """Append one event to the chain, inside the caller's transaction.

    Call it after the caller has locked every row it will change: the chain lock is held
    until the transaction ends, so taking row locks after it invites deadlocks.
    """
    warn_if_undeclared(action)
    if firm is None and obj is not None:
        firm = getattr(obj, "audit_firm", None)
    with transaction.atomic():
        _lock_chain()
        last = AuditEvent.objects.order_by("-seq").values("seq", "hash").first()
        event = AuditEvent(
            seq=(last["seq"] + 1) if last else 1,
            created_at=timezone.now(),
            actor=actor if actor is not None and actor.pk else None,
            actor_label=(actor.email if actor is not None and actor.pk else "system"),
            firm=firm,
            object_type=obj._meta.label_lower if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            object_repr=str(obj)[:300] if obj is not None else "",
            action=action,
            from_state=from_state or "",
            to_state=to_state or "",
            reason=reason or "",
            ip_address=ip_address if ip_address is not None else current_ip(),
            details=_normalise(details),
            prev_hash=last["hash"] if last else GENESIS_HASH,
        )
        event.hash = compute_hash(event)
        event.save(force_insert=True)
    return event


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    rows_checked: int
    problem: str = ""
    bad_seq: int | None = None
    bad_id: int | None = None
    head_hash: str = GENESIS_HASH


def verify_chain(chunk_size: int = 2000) -> ChainReport:
    """Walk the chain in order; report the first row that breaks it."""
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=chunk_size):
        if event.seq != expected_seq:
            kind = "missing before it" if event.seq > expected_seq else "duplicated"
            return ChainReport(
                False,
                checked,
                f"sequence jumps from {expected_seq - 1} to {event.seq}: a row is {kind}",
                event.seq,
                event.pk,
                expected_prev,
            )
        if event.prev_hash != expected_prev:
            return ChainReport(
                False,
                checked,
                "its previous-row hash does not match the row "
                "before it: a row before it was deleted, inserted or rewritten",
                event.seq,
                event.pk,
                expected_prev,
            )
        if compute_hash(event) != event.hash:
            return ChainReport(
                False,
                checked,
                "its content does not match its hash: the row was edited",
                event.seq,
                event.pk,
                expected_prev,
            )
        expected_prev = event.hash
        expected_seq += 1
        checked += 1
    return ChainReport(True, checked, head_hash=expected_prev)
