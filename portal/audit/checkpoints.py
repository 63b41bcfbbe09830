"""Checkpoints: the audit chain's row count and head, signed and published every few minutes.

The hash chain shows an edited, inserted or deleted row in the middle, but someone who can
write to the database can delete the newest rows, rewrite a row and recompute every hash after
it, or append a forged row with a valid hash, and the chain still verifies. A checkpoint fixes
what the chain looked like: its number, the number of rows, the last row's `seq` and id, the
head hash, the time and the digest of the checkpoint before it, signed with the audit checkpoint
key (Ed25519, outside the database: `checkpoint_key.py`). Beat writes one every five minutes
when the chain has grown (and at least every `PORTAL_AUDIT_CHECKPOINT_HEARTBEAT_MINUTES`).

Each checkpoint is kept in three places so that deleting it in one is seen from the others and a
copy leaves the server: the `AuditCheckpoint` table (the public, append-only feed
/transparency/audit-checkpoints reads it), one file in the checkpoint storage
(`PORTAL_AUDIT_CHECKPOINT_STORAGE`, a write-once bucket in production) and one JSON log line.
`verify_checkpoints()` checks them against each other, against an outside copy when given one,
and against the table (docs/adr/0008).
"""

import hashlib
import json
import logging
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction
from django.utils import timezone

from portal.audit import checkpoint_key
from portal.audit.chain import ChainReport, _lock_chain
from portal.audit.models import AuditCheckpoint, AuditEvent

PURPOSE = "portal.audit.checkpoint"
VERSION = 1
PREFIX = "audit-checkpoint-"
LOGGER = "portal.audit.checkpoint"
FEED_PAGE_SIZE = 500
_MAX_LISTED = 10  # problems of one kind listed before "and N more"
_MAX_FEED_PAGES = 10_000
CLOCK_TOLERANCE = timedelta(minutes=2)

log = logging.getLogger(LOGGER)


def checkpoint_storage():
    return storages.create_storage(settings.PORTAL_AUDIT_CHECKPOINT_STORAGE)


def file_name(number: int) -> str:
    return f"{PREFIX}{number:012d}.json"


def digest(payload: dict) -> str:
    """What the next checkpoint's `previous` names: the SHA-256 of this one's signed bytes."""
    return hashlib.sha256(checkpoint_key.canonical(payload)).hexdigest()


def _as_bytes(document: dict) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


class CheckpointStoreError(Exception):
    """The checkpoint could not be stored where it must be; nothing was written."""


def write_checkpoint(*, force: bool = False) -> AuditCheckpoint | None:
    """Sign the chain's current row count and head and publish them.

    Returns None (writes nothing) when the chain has not changed since the last checkpoint and
    that one is younger than the heartbeat, unless `force`.
    """
    with transaction.atomic():
        _lock_chain()  # no append between reading the head and counting the rows
        last = AuditEvent.objects.order_by("-seq").values("seq", "hash", "id").first() or {}
        rows = AuditEvent.objects.count()
        previous = AuditCheckpoint.objects.order_by("-number").first()
        now = timezone.now()
        heartbeat = timedelta(minutes=settings.PORTAL_AUDIT_CHECKPOINT_HEARTBEAT_MINUTES)
        unchanged = previous is not None and (previous.rows, previous.last_seq) == (rows, last.get("seq", 0))
        if unchanged and not force and now - previous.created_at < heartbeat:
            return None
        payload = {
            "purpose": PURPOSE,
            "version": VERSION,
            "number": previous.number + 1 if previous else 1,
            "previous": digest(previous.document["payload"]) if previous else "",
            "rows": rows,
            "last_seq": last.get("seq", 0),
            "last_id": last.get("id", 0),
            "head_hash": last.get("hash", ""),
            "created_at": now.isoformat(timespec="microseconds"),
        }
        signature, key_id = checkpoint_key.sign(payload)
        document = {
            "payload": payload,
            "signature": signature,
            "key_id": key_id,
            "algorithm": checkpoint_key.ALGORITHM,
        }
        checkpoint = AuditCheckpoint.objects.create(
            number=payload["number"],
            created_at=now,
            rows=rows,
            last_seq=payload["last_seq"],
            last_id=payload["last_id"],
            head_hash=payload["head_hash"],
            document=document,
        )
        # Inside the transaction: if the file cannot be written, the checkpoint is not kept either.
        wanted = file_name(checkpoint.number)
        stored = checkpoint_storage().save(wanted, ContentFile(_as_bytes(document)))
        if stored != wanted:
            raise CheckpointStoreError(
                f"{wanted} already exists in the checkpoint storage but not in the database "
                "(run `manage.py verify_audit`)."
            )
        line = _as_bytes(document).decode("utf-8")
        transaction.on_commit(lambda: log.info(line))
    return checkpoint


# --- Reading checkpoints wherever they are ---------------------------------------------------


@dataclass(frozen=True)
class Copy:
    """One checkpoint document as found in one place."""

    source: str  # "database", "checkpoint files", "outside copy"
    where: str  # which file or row, for messages
    document: dict

    @property
    def payload(self) -> dict:
        return self.document["payload"]

    @property
    def number(self) -> int:
        return self.payload["number"]


_FIELDS = {
    "number": int,
    "previous": str,
    "rows": int,
    "last_seq": int,
    "last_id": int,
    "head_hash": str,
    "created_at": str,
}


def check_document(document) -> str:
    """ "" when `document` is a well-formed checkpoint signed by a known key, else what is wrong."""
    if not isinstance(document, dict) or not isinstance(document.get("payload"), dict):
        return "it is not a checkpoint document"
    payload = document["payload"]
    if payload.get("purpose") != PURPOSE:
        return "it is not an audit checkpoint (wrong purpose)"
    for name, kind in _FIELDS.items():
        if not isinstance(payload.get(name), kind) or isinstance(payload.get(name), bool):
            return f"its field {name!r} is missing or malformed"
    try:
        datetime.fromisoformat(payload["created_at"])
    except ValueError:
        return "its time is malformed"
    if not document.get("signature") or not document.get("key_id"):
        return "it is unsigned"
    if not checkpoint_key.verify(payload, str(document["signature"]), str(document["key_id"])):
        return (
            f"its signature does not verify with key {document['key_id']} "
            "(forged, altered, or signed by a key this portal does not know)"
        )
    return ""


def database_copies() -> list[Copy]:
    return [
        Copy("database", f"database row {number}", document)
        for number, document in AuditCheckpoint.objects.order_by("number").values_list("number", "document")
    ]


def file_copies() -> tuple[list[Copy], list[str]]:
    """The checkpoint files, and a problem for each that cannot be read."""
    storage = checkpoint_storage()
    try:
        _dirs, files = storage.listdir("")
    except FileNotFoundError:  # a folder not made yet: nothing written
        return [], []
    copies, problems = [], []
    for name in sorted(f for f in files if f.startswith(PREFIX) and f.endswith(".json")):
        try:
            with storage.open(name, "rb") as handle:
                document = json.loads(handle.read().decode("utf-8"))
        except (OSError, ValueError) as exc:
            problems.append(f"checkpoint file {name} cannot be read: {exc}")
            continue
        copies.append(Copy("checkpoint files", f"file {name}", document))
    return copies, problems


def _documents_in(value) -> list:
    """Checkpoint documents inside one parsed JSON value: a document, a feed page, a list of
    either, or a JSON log line whose message is a document."""
    if isinstance(value, list):
        return [doc for item in value for doc in _documents_in(item)]
    if not isinstance(value, dict):
        return [value]
    if "checkpoints" in value:
        return _documents_in(value["checkpoints"])
    if "payload" not in value and isinstance(value.get("message"), str):
        if value.get("logger") not in (None, LOGGER):
            return []  # another logger's line in a shipped log file
        try:
            return [json.loads(value["message"])]
        except ValueError:
            return [value]
    return [value]


def parse_outside_copy(text: str) -> list[dict]:
    """Documents in an exported feed (JSON) or a log extract (one JSON object per line)."""
    try:
        return _documents_in(json.loads(text))
    except ValueError:
        pass
    documents = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            documents.extend(_documents_in(json.loads(line)))
        except ValueError:
            documents.append({"unreadable line": number})
    return documents


def load_outside_copy(location: str) -> list[Copy]:
    """An outside copy from a file, or from a feed URL (following its `next` links)."""
    if location.startswith(("http://", "https://")):
        documents, url, pages = [], location, 0
        while url and pages < _MAX_FEED_PAGES:
            with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - http(s) only
                page = json.loads(response.read().decode("utf-8"))
            documents.extend(_documents_in(page))
            url, pages = page.get("next") if isinstance(page, dict) else None, pages + 1
    else:
        documents = parse_outside_copy(Path(location).read_text(encoding="utf-8"))
    return [Copy("outside copy", f"{location} item {i}", doc) for i, doc in enumerate(documents, start=1)]


# --- Verifying -------------------------------------------------------------------------------


@dataclass
class CheckpointReport:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    latest: dict | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def _ranges(numbers) -> str:
    numbers = sorted(numbers)
    spans, start = [], None
    for i, n in enumerate(numbers):
        if start is None:
            start = n
        if i + 1 == len(numbers) or numbers[i + 1] != n + 1:
            spans.append(str(start) if start == n else f"{start}–{n}")
            start = None
    return ", ".join(spans)


def _capped(problems: list[str]) -> list[str]:
    if len(problems) <= _MAX_LISTED:
        return problems
    return [*problems[:_MAX_LISTED], f"… and {len(problems) - _MAX_LISTED} more of the same kind"]


def verify_checkpoints(
    chain: ChainReport,
    *,
    outside: list[Copy] | None = None,
    max_age_minutes: int | None = None,
    now: datetime | None = None,
) -> CheckpointReport:
    """Check every checkpoint (database, files, an outside copy) and the table against them.

    Call after `verify_chain()` found the chain intact (`chain`)."""
    report = CheckpointReport()
    files, unreadable = file_copies()
    report.problems.extend(unreadable)
    copies = [*database_copies(), *files, *(outside or [])]

    good: dict[int, dict] = {}
    held: dict[str, set[int]] = {"database": set(), "checkpoint files": set()}
    bad = []
    for copy in copies:
        problem = check_document(copy.document)
        if problem:
            bad.append(f"checkpoint in {copy.where}: {problem}")
            continue
        number = copy.number
        held.setdefault(copy.source, set()).add(number)
        if number in good and good[number] != copy.payload:
            bad.append(
                f"checkpoint {number} in {copy.where} differs from another copy of checkpoint {number}"
            )
            continue
        good.setdefault(number, copy.payload)
    report.problems.extend(_capped(bad))

    # Every checkpoint is in both local stores; a number missing from one was deleted there.
    for source in ("database", "checkpoint files"):
        missing = set(good) - held[source]
        if missing:
            report.problems.append(
                f"checkpoint(s) {_ranges(missing)} missing from the {source} (present elsewhere): deleted"
            )
    report.problems.extend(_capped(_order_problems(good)))

    rows = chain.rows_checked
    if not good:
        if rows:
            report.problems.append(
                f"no checkpoint found, but the table has {rows} rows: the checkpoints were deleted, or "
                "were never written (run `manage.py checkpoint_audit`; beat writes one every five minutes)"
            )
        else:
            report.notes.append(
                "no rows and no checkpoints (a new installation); if this portal has been in use, "
                "verify against an outside copy of the checkpoints (--checkpoints)"
            )
        return report
    report.problems.extend(_capped(_table_problems(good, rows)))

    latest = good[max(good)]
    report.latest = latest
    report.notes.append(
        f"checkpoints 1–{latest['number']} verified; the latest ({latest['created_at']}) covers "
        f"{latest['rows']} rows up to seq={latest['last_seq']}"
    )
    report.problems.extend(_uncovered_problems(latest, rows, report, max_age_minutes, now))
    return report


def _order_problems(good: dict[int, dict]) -> list[str]:
    problems = []
    numbers = sorted(good)
    absent = set(range(1, numbers[-1] + 1)) - set(numbers) if numbers else set()
    if absent:
        problems.append(f"checkpoint(s) {_ranges(absent)} missing everywhere: the sequence has a gap")
    for number in numbers:
        payload, before = good[number], good.get(number - 1)
        if number == 1 and payload["previous"] != "":
            problems.append("checkpoint 1 names a previous checkpoint: checkpoints before it were removed")
        if before is None:
            continue
        if payload["previous"] != digest(before):
            problems.append(
                f"checkpoint {number} does not follow checkpoint {number - 1} (its `previous` differs)"
            )
        if payload["rows"] < before["rows"] or payload["last_seq"] < before["last_seq"]:
            problems.append(
                f"checkpoints out of order: checkpoint {number} says {payload['rows']} rows, "
                f"fewer than checkpoint {number - 1}'s {before['rows']}"
            )
        if datetime.fromisoformat(payload["created_at"]) < datetime.fromisoformat(before["created_at"]):
            problems.append(
                f"checkpoints out of order: checkpoint {number} is dated before checkpoint {number - 1}"
            )
    return problems


def _table_problems(good: dict[int, dict], rows: int) -> list[str]:
    """Each checkpoint against the (already verified) chain: count, and the row at its head."""
    problems = []
    wanted = {p["last_seq"] for p in good.values() if p["last_seq"]}
    found: dict[int, tuple[int, str]] = {}
    ordered = sorted(wanted)
    for start in range(0, len(ordered), 1000):
        chunk = ordered[start : start + 1000]
        for seq, pk, row_hash in AuditEvent.objects.filter(seq__in=chunk).values_list("seq", "id", "hash"):
            found[seq] = (pk, row_hash)
    for number in sorted(good):
        payload = good[number]
        if payload["rows"] > rows or payload["last_seq"] > rows:
            problems.append(
                f"checkpoint {number} ({payload['created_at']}) says {payload['rows']} rows existed up to "
                f"seq={payload['last_seq']}; the table has {rows}: rows were deleted"
            )
            continue
        if payload["rows"] != payload["last_seq"]:
            problems.append(
                f"checkpoint {number} says {payload['rows']} rows up to seq={payload['last_seq']}; "
                f"the table has {payload['last_seq']} rows up to there"
            )
        if not payload["last_seq"]:
            continue
        pk, row_hash = found.get(payload["last_seq"], (None, None))
        if row_hash != payload["head_hash"] or pk != payload["last_id"]:
            problems.append(
                f"checkpoint {number}: row seq={payload['last_seq']} "
                + ("is missing" if row_hash is None else "has another hash or id than the checkpoint records")
                + ": the chain was rewritten up to there"
            )
    return problems


def _uncovered_problems(latest, rows, report, max_age_minutes, now) -> list[str]:
    """Rows after the latest checkpoint: verified by the chain only, and never older than the
    checkpoints' period or dated before the latest checkpoint was written."""
    if rows <= latest["last_seq"]:
        return []
    after = AuditEvent.objects.filter(seq__gt=latest["last_seq"])
    report.notes.append(
        f"{rows - latest['last_seq']} row(s) after checkpoint {latest['number']} "
        f"(seq={latest['last_seq'] + 1}–{rows}) not yet checkpointed: verified by the chain only"
    )
    problems = []
    # Web and worker machines' clocks may differ a little: only a clearly earlier time counts.
    written = datetime.fromisoformat(latest["created_at"]) - CLOCK_TOLERANCE
    backdated = after.filter(created_at__lt=written).order_by("seq").values_list("seq", flat=True).first()
    if backdated is not None:
        problems.append(
            f"row seq={backdated} is dated before checkpoint {latest['number']} was written but is not "
            "covered by it: it was appended afterwards with an earlier time"
        )
    if max_age_minutes is None:
        max_age_minutes = settings.PORTAL_AUDIT_CHECKPOINT_MAX_AGE_MINUTES
    if max_age_minutes:
        limit = (now or timezone.now()) - timedelta(minutes=max_age_minutes)
        stale = after.filter(created_at__lt=limit).order_by("seq").values_list("seq", flat=True).first()
        if stale is not None:
            problems.append(
                f"row seq={stale} is more than {max_age_minutes} minutes old and no checkpoint covers it: "
                "checkpoints have stopped (is beat running? `manage.py checkpoint_audit` writes one now)"
            )
    return problems
