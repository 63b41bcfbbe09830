"""Screening key individuals and beneficial owners against the sanctions lists in force.

- `screen_subject(person)`: one person or owner, on entry and on change (queued by
  licensing.services.application_people after commit). Candidates come from the database
  through the entries' blocking keys (PostgreSQL: `match_keys ?| keys`).
- `screen_all()`: every subject against every entry in force, in memory through a key index.
- `rescreen_entries(ids)`: after an import, only the entries added or changed against every
  subject; subjects that share no blocking key with them are never scored.

Names in other scripts (Urdu, Arabic, Cyrillic, Chinese, ...) are transliterated by the
matcher first. A name of which nothing is left to compare (no letter or digit in any script)
is never skipped silently: it raises an alert without a list entry, "the name could not be
screened", which an AML officer checks by hand and clears with a reason.

A hit at or above `matching.ALERT_THRESHOLD` becomes a `ScreeningAlert` unless an alert for
the same subject, entry, subject fingerprint and entry fingerprint exists in any status: a
cleared alert is not raised again until the person's screened data or the entry changes. An
open alert for the same person and entry is refreshed in place instead of duplicated.

Screening results are staff-only (a firm must never learn that one of its people matched a
list: "tipping off"). Audit events about alerts are therefore written without a firm, so the
firm's activity page, which lists its firm's events, never shows them.
"""

import logging
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aml import matching
from aml.models import AlertStatus, EntryKind, ListEntry, ScreeningAlert
from licensing.models import ApplicationStatus, BeneficialOwner, KeyIndividual
from licensing.models.applications import OPEN_STATUSES
from licensing.models.people import OwnerKind
from licensing.services.common import require_reason
from portal.audit.chain import record
from portal.errors import NotPermitted, RuleBroken
from portal.transitions import lock

log = logging.getLogger(__name__)

DECIDE_PERMISSION = "aml.decide_screeningalert"
KEY_INDIVIDUAL, BENEFICIAL_OWNER = "key_individual", "beneficial_owner"
SUBJECT_MODELS = {KEY_INDIVIDUAL: KeyIndividual, BENEFICIAL_OWNER: BeneficialOwner}
_ENTRY_COLUMNS = ("pk", "kind", "name", "aliases", "dates_of_birth", "nationalities")
# Stored in the alert's reasons (in the language screening runs in: English in workers).
UNSCREENABLE_REASON = gettext_lazy(
    "The name could not be screened: no letter or digit is left to compare in any script. "
    "Check the name by hand against the lists, then clear the alert with what you found."
)


class StaffOnly:
    """An object as the audit trail records it, but without its firm (see the module doc)."""

    def __init__(self, obj):
        self._meta, self.pk, self._text = obj._meta, obj.pk, str(obj)

    def __str__(self):
        return self._text


@dataclass(frozen=True)
class SubjectRow:
    kind: str  # KEY_INDIVIDUAL or BENEFICIAL_OWNER
    pk: int
    firm_id: int
    subject: matching.Subject


@dataclass
class Run:
    """What one screening did: the figures the benchmark and the tests read."""

    subjects: int = 0
    entries: int = 0
    subjects_scored: int = 0
    pairs_scored: int = 0
    alerts: list[ScreeningAlert] = field(default_factory=list)


def subject_row(obj) -> SubjectRow:
    if isinstance(obj, KeyIndividual):
        subject = matching.Subject.of(obj.full_name, matching.PERSON, obj.date_of_birth, obj.nationality)
        return SubjectRow(KEY_INDIVIDUAL, obj.pk, obj.application.firm_id, subject)
    person = obj.kind == OwnerKind.PERSON
    subject = matching.Subject.of(
        obj.name,
        matching.PERSON if person else matching.ENTITY,
        obj.date_of_birth if person else None,
        obj.country if person else "",
    )
    return SubjectRow(BENEFICIAL_OWNER, obj.pk, obj.application.firm_id, subject)


def all_subjects() -> list[SubjectRow]:
    rows = [
        SubjectRow(KEY_INDIVIDUAL, pk, firm, matching.Subject.of(name, matching.PERSON, born, nationality))
        for pk, name, born, nationality, firm in KeyIndividual.objects.values_list(
            "pk", "full_name", "date_of_birth", "nationality", "application__firm_id"
        ).iterator(chunk_size=5000)
    ]
    for pk, name, kind, born, country, firm in BeneficialOwner.objects.values_list(
        "pk", "name", "kind", "date_of_birth", "country", "application__firm_id"
    ).iterator(chunk_size=5000):
        person = kind == OwnerKind.PERSON
        kind = matching.PERSON if person else matching.ENTITY
        subject = matching.Subject.of(name, kind, born if person else None, country if person else "")
        rows.append(SubjectRow(BENEFICIAL_OWNER, pk, firm, subject))
    return rows


def entries_in_force():
    return ListEntry.objects.filter(removed_in__isnull=True, sanctions_list__is_active=True)


def _entry(row) -> matching.Entry:
    pk, kind, name, aliases, dates, nationalities = row
    kind = matching.PERSON if kind == EntryKind.PERSON else matching.ENTITY
    return matching.Entry.of(pk, kind, name, aliases, dates, nationalities)


def _candidates_from_database(keys: list[str]) -> list[matching.Entry]:
    if not keys:
        return []
    if connection.vendor == "postgresql":
        rows = entries_in_force().filter(match_keys__has_any_keys=keys).values_list(*_ENTRY_COLUMNS)
        return [_entry(row) for row in rows]
    wanted = set(keys)  # elsewhere (SQLite on a laptop): read the keys and filter here
    ids = [pk for pk, found in entries_in_force().values_list("pk", "match_keys") if wanted & set(found)]
    return [_entry(row) for row in ListEntry.objects.filter(pk__in=ids).values_list(*_ENTRY_COLUMNS)]


def _score_all(run: Run, rows: list[SubjectRow], candidates_for) -> list[tuple]:
    """(subject row, entry, match) for every candidate pair that scores an alert, and
    (subject row, None, None) for every subject whose name could not be screened."""
    hits = []
    for row in rows:
        if not row.subject.screenable:
            hits.append((row, None, None))
            continue
        candidates = candidates_for(row)
        if candidates:
            run.subjects_scored += 1
        for entry in candidates:
            run.pairs_scored += 1
            quick = matching.score(row.subject, entry, explain=False, minimum=matching.ALERT_THRESHOLD)
            if quick is not None and quick.score >= matching.ALERT_THRESHOLD:
                hits.append((row, entry, matching.score(row.subject, entry)))
    return hits


def _screen_in_memory(rows: list[SubjectRow], entry_rows) -> Run:
    run = Run(subjects=len(rows))
    index, raw, prepared = matching.Index(), {}, {}
    for pk, keys, *data in entry_rows:
        index.add(pk, keys)
        raw[pk] = (pk, *data)
    run.entries = len(raw)

    def candidates_for(row):
        found = []
        for pk in index.candidates(row.subject.lookup_keys()):
            if pk not in prepared:
                prepared[pk] = _entry(raw[pk])
            found.append(prepared[pk])
        return found

    run.alerts = _save_hits(_score_all(run, rows, candidates_for))
    return run


def screen_all() -> Run:
    """Every subject against every entry in force."""
    columns = ("pk", "match_keys", *_ENTRY_COLUMNS[1:])
    entry_rows = entries_in_force().values_list(*columns).iterator(chunk_size=5000)
    return _screen_in_memory(all_subjects(), entry_rows)


def _rescreen(entries) -> Run:
    entry_rows = list(entries.values_list("pk", "match_keys", *_ENTRY_COLUMNS[1:]))
    if not entry_rows:
        return Run()
    return _screen_in_memory(all_subjects(), entry_rows)


def rescreen_entries(entry_ids) -> Run:
    """Only these entries against every subject."""
    return _rescreen(entries_in_force().filter(pk__in=list(entry_ids)))


def rescreen_version(version_id: int) -> Run:
    """Only the entries a list version added or changed, against every subject."""
    return _rescreen(entries_in_force().filter(changed_in_id=version_id))


def screen_subject(obj) -> list[ScreeningAlert]:
    """Screen one key individual or beneficial owner; returns the alerts raised or refreshed."""
    row = subject_row(obj)
    run = Run(subjects=1)
    candidates = _candidates_from_database(row.subject.lookup_keys()) if row.subject.screenable else []
    run.entries = len(candidates)
    return _save_hits(_score_all(run, [row], lambda _row: candidates))


# --- Turning hits into alerts.


def _subject_field(kind: str) -> str:
    return f"{kind}_id"


@transaction.atomic
def _save_hits(hits) -> list[ScreeningAlert]:
    if not hits:
        return []
    fingerprints = {}
    entry_data = {
        pk: matching.entry_fingerprint(kind, name, aliases, dates, nats)
        for pk, kind, name, aliases, dates, nats in ListEntry.objects.filter(
            pk__in={entry.id for _row, entry, _m in hits if entry is not None}
        ).values_list(*_ENTRY_COLUMNS)
    }
    entry_data[None] = ""  # "could not be screened": no entry
    existing: dict[tuple, list[ScreeningAlert]] = {}
    for kind in (KEY_INDIVIDUAL, BENEFICIAL_OWNER):
        pks = {row.pk for row, _e, _m in hits if row.kind == kind}
        if pks:
            entry_ids = {e.id for _r, e, _m in hits if e is not None}
            query = ScreeningAlert.objects.filter(
                Q(entry_id__in=entry_ids) | Q(entry__isnull=True), **{f"{_subject_field(kind)}__in": pks}
            )
            for alert in query:
                key = (kind, getattr(alert, _subject_field(kind)), alert.entry_id)
                existing.setdefault(key, []).append(alert)
    new, refreshed = [], []
    for row, entry, match in hits:
        subject_fp = fingerprints.setdefault((row.kind, row.pk), row.subject.fingerprint())
        entry_id = entry.id if entry is not None else None
        entry_fp = entry_data.get(entry_id)
        if entry_fp is None:
            continue  # the entry went away meanwhile
        alerts = existing.get((row.kind, row.pk, entry_id), [])
        if any(a.subject_fingerprint == subject_fp and a.entry_hash == entry_fp for a in alerts):
            continue  # already raised (and maybe cleared or confirmed) for this data
        if match is None:
            match = matching.Match(0.0, [UNSCREENABLE_REASON])
        values = {
            "subject_name": row.subject.name[:300],
            "subject_fingerprint": subject_fp,
            "entry_hash": entry_fp,
            "score": Decimal(str(match.score)).quantize(Decimal("0.01")),
            "reasons": [str(reason) for reason in match.reasons],
        }
        open_alert = next((a for a in alerts if a.status == AlertStatus.OPEN), None)
        if open_alert is not None and _refresh(open_alert, values):
            refreshed.append(open_alert)
        else:
            new.append(
                ScreeningAlert(
                    firm_id=row.firm_id, entry_id=entry_id, **{_subject_field(row.kind): row.pk}, **values
                )
            )
    ScreeningAlert.objects.bulk_create(new, batch_size=500, ignore_conflicts=True)
    raised = _fetch_new(new)
    if raised or refreshed:
        record(
            actor=None,
            action="screening.alerts_raised",
            details={"raised": [a.pk for a in raised], "refreshed": [a.pk for a in refreshed]},
        )
    return raised + refreshed


def _refresh(alert: ScreeningAlert, values: dict) -> bool:
    """Bring an open alert up to date, unless an officer decided it meanwhile (the update is
    conditional on the status, and waits for the officer's row lock): a decided alert keeps
    the data it was decided on, and the caller raises a new one."""
    try:
        with transaction.atomic():
            updated = ScreeningAlert.objects.filter(pk=alert.pk, status=AlertStatus.OPEN).update(**values)
    except IntegrityError:  # another screening raised this very alert meanwhile
        return False
    for name, value in values.items():
        setattr(alert, name, value)
    return updated == 1


def _fetch_new(new: list[ScreeningAlert]) -> list[ScreeningAlert]:
    """bulk_create(ignore_conflicts=True) sets no primary keys: read the rows back."""
    if not new:
        return []

    def key(a):
        return (a.key_individual_id, a.beneficial_owner_id, a.entry_id, a.subject_fingerprint, a.entry_hash)

    wanted = {key(a) for a in new}
    entry_ids = {a.entry_id for a in new}
    which = Q(entry_id__in=entry_ids - {None})
    if None in entry_ids:
        which |= Q(entry__isnull=True)
    found = ScreeningAlert.objects.filter(
        which,
        subject_fingerprint__in={a.subject_fingerprint for a in new},
        status=AlertStatus.OPEN,
    )
    return [a for a in found if key(a) in wanted]


# --- The AML officer's decisions.


def _case_for(alert: ScreeningAlert):
    """The application a confirmed match is flagged on: the subject's own, if still open
    (or a draft), else the firm's newest open application, else the subject's own."""
    subject = alert.key_individual or alert.beneficial_owner
    own = subject.application if subject is not None else None  # None: the firm removed the person
    if own is not None and own.status in (ApplicationStatus.DRAFT, *OPEN_STATUSES):
        return own
    newest = alert.firm.applications.filter(status__in=OPEN_STATUSES).order_by("-pk").first()
    return newest or own or alert.firm.applications.order_by("-pk").first()


def _decide(*, actor, alert_id: int, reason: str, status: str, verb: str) -> ScreeningAlert:
    alert = lock(
        # Only inner joins under FOR UPDATE: an alert about a name that could not be screened has
        # no list entry, and PostgreSQL cannot lock the nullable side of an outer join.
        ScreeningAlert.objects.select_related("firm"),
        alert_id,
        expected_state=AlertStatus.OPEN,
    )
    if actor is None or not actor.has_perm(DECIDE_PERMISSION):
        raise NotPermitted(_("Only an AML officer may clear or confirm a screening alert."))
    reason = require_reason(reason)
    alert.status, alert.decided_by, alert.decided_at = status, actor, timezone.now()
    alert.decision_reason = reason
    alert.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    record(
        actor=actor,
        action=f"screeningalert.{verb}",
        obj=StaffOnly(alert),
        from_state=AlertStatus.OPEN,
        to_state=status,
        reason=reason,
        details={
            "firm": alert.firm_id,
            "entry": alert.entry.reference if alert.entry else None,
            "score": str(alert.score),
        },
    )
    return alert


@transaction.atomic
def alert_clear(*, actor, alert_id: int, reason: str) -> ScreeningAlert:
    """A false positive: cleared with a reason; not raised again for the same data."""
    return _decide(actor=actor, alert_id=alert_id, reason=reason, status=AlertStatus.CLEARED, verb="clear")


@transaction.atomic
def alert_confirm(*, actor, alert_id: int, reason: str) -> ScreeningAlert:
    """A true match: confirmed with a reason, and the firm's case is flagged for the approver."""
    unscreened = ScreeningAlert.objects.filter(pk=alert_id, entry__isnull=True).exists()
    if unscreened:
        raise RuleBroken(
            _(
                "This alert says the name could not be screened; there is no list entry to confirm. "
                "Check the name by hand and clear the alert with what you found."
            )
        )
    alert = _decide(
        actor=actor, alert_id=alert_id, reason=reason, status=AlertStatus.CONFIRMED, verb="confirm"
    )
    app = _case_for(alert)
    entry = alert.entry
    summary = _(
        "Screening match confirmed: %(subject)s matches %(entry)s (%(list)s, reference %(ref)s), "
        "score %(score)s. Reason: %(reason)s"
    ) % {
        "subject": alert.subject_name,
        "entry": entry.name,
        "list": entry.sanctions_list.name,
        "ref": entry.reference,
        "score": alert.score,
        "reason": alert.decision_reason,
    }
    record(
        actor=actor,
        action="screening.confirmed",
        obj=StaffOnly(app),
        reason=alert.decision_reason,
        details={"alert": alert.pk, "entry": entry.reference, "list": entry.sanctions_list.code},
    )
    try:
        from licensing.staff.models import CaseNote
    except ImportError:  # the staff workspace is not installed
        return alert
    CaseNote.objects.create(application=app, author=actor, body=summary)
    return alert


def queue_subject_screening(kind: str, pk: int) -> bool:
    """Hand the screening of one person or owner to Celery (called after commit). A broker
    outage is logged, not raised: the next list import or `screen_all` covers them."""
    from aml.tasks import screen_subject_task

    try:
        screen_subject_task.delay(kind, pk)
    except Exception:  # noqa: BLE001 - any broker failure; the person is saved regardless
        log.warning("Could not queue the screening of %s %s.", kind, pk)
        return False
    return True
