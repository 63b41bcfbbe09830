"""Anchors: the audit chain's head, signed and kept outside the database.

The hash chain shows an edited, inserted or deleted row in the middle, but someone who can
write to the database can delete the newest rows and leave a shorter chain that still
verifies. Once a day (Celery beat, and `manage.py anchor_audit` on demand) the head, its
sequence number and the row count are signed with the regulator's Ed25519 key (the
certificate key, with a purpose field of its own so an anchor can never pass for a
certificate; docs/adr/0008) and written as a small JSON file through Django's storage API
(`settings.PORTAL_AUDIT_ANCHOR_STORAGE`, a folder by default, an object store later).
`verify_audit` checks the chain against the latest anchor.
"""

import json
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction
from django.utils import timezone

from licensing.certificates import signing
from portal.audit.chain import _lock_chain
from portal.audit.models import AuditEvent

PURPOSE = "portal.audit.anchor"
VERSION = 1
PREFIX = "audit-anchor-"


def anchor_storage():
    return storages.create_storage(settings.PORTAL_AUDIT_ANCHOR_STORAGE)


@dataclass(frozen=True)
class Anchor:
    name: str
    seq: int
    rows: int
    head_hash: str
    created_at: str
    key_id: str
    signature_ok: bool


def write_anchor() -> Anchor:
    """Sign the current head and row count and store them; returns what was written."""
    with transaction.atomic():
        _lock_chain()  # no append between reading the head and counting the rows
        last = AuditEvent.objects.order_by("-seq").values("seq", "hash").first()
        rows = AuditEvent.objects.count()
    now = timezone.now()
    payload = {
        "purpose": PURPOSE,
        "version": VERSION,
        "seq": last["seq"] if last else 0,
        "head_hash": last["hash"] if last else "",
        "rows": rows,
        "created_at": now.isoformat(timespec="microseconds"),
    }
    signature, key_id = signing.sign(payload)
    document = {"payload": payload, "signature": signature, "key_id": key_id, "algorithm": signing.ALGORITHM}
    name = f"{PREFIX}{now:%Y%m%dT%H%M%S%fZ}-{payload['seq']:012d}.json"
    stored = anchor_storage().save(name, ContentFile(json.dumps(document, indent=2, sort_keys=True).encode()))
    return Anchor(stored, payload["seq"], rows, payload["head_hash"], payload["created_at"], key_id, True)


class BadAnchor(Exception):
    """An anchor file that cannot be read as one."""


def _names() -> list[str]:
    try:
        _dirs, files = anchor_storage().listdir("")
    except FileNotFoundError:  # a folder not made yet: no anchor written
        return []
    return sorted(f for f in files if f.startswith(PREFIX) and f.endswith(".json"))


def read_anchor(name: str) -> Anchor:
    try:
        with anchor_storage().open(name, "rb") as handle:
            document = json.loads(handle.read().decode("utf-8"))
        payload = document["payload"]
        seq, rows, head_hash = int(payload["seq"]), int(payload["rows"]), str(payload["head_hash"])
        signature = str(document["signature"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BadAnchor(f"anchor {name} cannot be read: {exc}") from exc
    ok = payload.get("purpose") == PURPOSE and signing.verify(payload, signature)
    return Anchor(
        name, seq, rows, head_hash, str(payload.get("created_at", "")), str(document.get("key_id")), ok
    )


def latest_anchor() -> Anchor | None:
    names = _names()
    return read_anchor(names[-1]) if names else None


@dataclass(frozen=True)
class AnchorCheck:
    ok: bool
    message: str
    anchor: Anchor | None = None


def check_against_latest_anchor() -> AnchorCheck:
    """Compare the table with the latest anchor (call after the chain itself verified)."""
    try:
        anchor = latest_anchor()
    except BadAnchor as exc:
        return AnchorCheck(False, str(exc))
    if anchor is None:
        return AnchorCheck(True, "no anchor written yet (run `manage.py anchor_audit`)")
    if not anchor.signature_ok:
        return AnchorCheck(
            False, f"anchor {anchor.name}: its signature does not verify (forged or damaged)", anchor
        )
    rows = AuditEvent.objects.count()
    if rows < anchor.rows:
        return AnchorCheck(
            False,
            f"rows deleted since anchor {anchor.name} (anchor says {anchor.rows} rows, table has {rows})",
            anchor,
        )
    if anchor.seq:
        row_hash = AuditEvent.objects.filter(seq=anchor.seq).values_list("hash", flat=True).first()
        if row_hash != anchor.head_hash:
            return AnchorCheck(
                False,
                f"anchor {anchor.name}: row seq={anchor.seq} "
                + ("is missing" if row_hash is None else "has another hash than the anchor records")
                + ": the chain was rewritten since the anchor",
                anchor,
            )
    return AnchorCheck(
        True,
        f"matches anchor {anchor.name} ({anchor.rows} rows up to seq={anchor.seq}, {anchor.created_at})",
        anchor,
    )
