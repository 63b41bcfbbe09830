"""Importing a sanctions list file as a new version of the list.

`import_list()` parses the whole file first (aml.sanctions): a malformed file raises
`RuleBroken` naming the line or element, and nothing changes: the previous version stays
in force. A good file becomes one `ListVersion` in one transaction: entries are upserted by
reference, entries no longer in the file are marked removed (kept, with `removed_in`),
and the version counts what was added, removed and changed (by `content_hash`). Each
entry's blocking keys (`match_keys`) are computed here, once. One audit event records the
import; after commit, the entries added or changed are re-screened by a Celery task.
"""

import hashlib
import json
import logging
import os

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aml import matching, sanctions
from aml.models import ListEntry, ListFormat, ListVersion, SanctionsList
from portal.audit.chain import record
from portal.errors import RuleBroken
from portal.transitions import lock

log = logging.getLogger(__name__)

# The list a format goes to when no list is named, and the names of the usual lists.
DEFAULT_LIST = {ListFormat.UN_XML: "un", ListFormat.CSV: "national"}
LIST_NAMES = {
    "un": gettext_lazy("UN Security Council Consolidated List"),
    "national": gettext_lazy("National sanctions list"),
}
_BATCH = 1000
_ENTRY_FIELDS = ["kind", "name", "aliases", "dates_of_birth", "nationalities", "details"]


def content_hash(entry: sanctions.ParsedEntry) -> str:
    data = [
        entry.kind,
        entry.name,
        entry.aliases,
        entry.dates_of_birth,
        entry.nationalities,
        entry.details,
    ]
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _read(path, file) -> tuple[bytes, str]:
    if (path is None) == (file is None):
        raise ValueError("give either path or file")
    if path is not None:
        with open(path, "rb") as handle:
            return handle.read(), os.path.basename(str(path))
    content = file.read()
    if isinstance(content, str):
        content = content.encode("utf-8")
    return content, os.path.basename(getattr(file, "name", "") or "upload")


def import_list(
    *, actor, fmt: str, list_code: str = "", path=None, file=None, source_name: str = ""
) -> ListVersion:
    """Import a list file (`path` or an open binary `file`) as the list's new version."""
    content, default_name = _read(path, file)
    entries = sanctions.parse(fmt, content)  # refuses a malformed file before anything changes
    return _store(
        actor=actor,
        fmt=fmt,
        list_code=list_code or DEFAULT_LIST[fmt],
        source_name=(source_name or default_name)[:255],
        sha256=hashlib.sha256(content).hexdigest(),
        parsed=entries,
    )


def _the_list(list_code: str, fmt: str) -> SanctionsList:
    the_list, _created = SanctionsList.objects.get_or_create(
        code=list_code,
        defaults={"name": str(LIST_NAMES.get(list_code, list_code)), "source_format": fmt},
    )
    the_list = lock(SanctionsList.objects, the_list.pk)  # one import of a list at a time
    if the_list.source_format != fmt:
        raise RuleBroken(
            _("The list “%(list)s” is imported from %(theirs)s files, not %(ours)s.")
            % {"list": the_list.name, "theirs": the_list.source_format, "ours": fmt}
        )
    return the_list


def _fill(row: ListEntry, parsed: sanctions.ParsedEntry, digest: str) -> ListEntry:
    for name in _ENTRY_FIELDS:
        setattr(row, name, getattr(parsed, name))
    row.content_hash = digest
    row.match_keys = matching.entry_keys([parsed.name, *parsed.aliases], parsed.kind)
    return row


@transaction.atomic
def _store(*, actor, fmt, list_code, source_name, sha256, parsed) -> ListVersion:
    the_list = _the_list(list_code, fmt)
    version = ListVersion.objects.create(
        sanctions_list=the_list,
        imported_by=actor if actor is not None and actor.pk else None,
        source_name=source_name,
        sha256=sha256,
    )
    existing = {
        ref: (pk, digest, removed)
        for pk, ref, digest, removed in ListEntry.objects.filter(sanctions_list=the_list).values_list(
            "pk", "reference", "content_hash", "removed_in_id"
        )
    }
    new, updated, added, changed = [], [], 0, 0
    for entry in parsed:
        digest = content_hash(entry)
        known = existing.get(entry.reference)
        if known is None:
            row = ListEntry(sanctions_list=the_list, reference=entry.reference, added_in=version)
            new.append(_fill(row, entry, digest))
            row.changed_in = version
            added += 1
        elif known[2] is not None or known[1] != digest:
            row = _fill(ListEntry(pk=known[0]), entry, digest)
            row.changed_in, row.removed_in = version, None
            updated.append(row)
            if known[2] is not None:
                added += 1  # back on the list
            else:
                changed += 1
    in_file = {entry.reference for entry in parsed}
    gone = [pk for ref, (pk, _d, removed) in existing.items() if removed is None and ref not in in_file]
    ListEntry.objects.bulk_create(new, batch_size=_BATCH)
    ListEntry.objects.bulk_update(
        updated,
        [*_ENTRY_FIELDS, "content_hash", "match_keys", "changed_in", "removed_in"],
        batch_size=_BATCH,
    )
    for start in range(0, len(gone), _BATCH):
        ListEntry.objects.filter(pk__in=gone[start : start + _BATCH]).update(removed_in=version)

    version.entries, version.added, version.removed, version.changed = len(parsed), added, len(gone), changed
    version.save(update_fields=["entries", "added", "removed", "changed"])
    record(
        actor=actor,
        action="sanctionslist.import",
        obj=version,
        reason=_("Imported %(file)s.") % {"file": source_name},
        details={
            "list": the_list.code,
            "format": fmt,
            "sha256": sha256,
            "entries": version.entries,
            "added": added,
            "removed": version.removed,
            "changed": changed,
        },
    )
    if added or changed:
        transaction.on_commit(lambda: queue_rescreen(version.pk))
    return version


def queue_rescreen(version_id: int) -> bool:
    """Hand the re-screening of a version's new and changed entries to Celery. A broker
    outage is logged, not raised: `manage.py` / the admin can re-screen later."""
    from aml.tasks import rescreen_after_import_task

    try:
        rescreen_after_import_task.delay(version_id)
    except Exception:  # noqa: BLE001 - any broker failure; the import itself stands
        log.warning("Could not queue the re-screening after list version %s.", version_id)
        return False
    return True


def current_version(list_code: str) -> ListVersion | None:
    return ListVersion.objects.filter(sanctions_list__code=list_code).order_by("-imported_at", "-pk").first()
