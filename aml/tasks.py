"""Celery tasks: screening a person on entry or change, and re-screening after an import.

Both are idempotent (an alert is unique per subject, entry and fingerprints, so running a
task twice raises nothing new) and acknowledged late, so a worker that dies mid-task leaves
the task to be delivered again.
"""

from celery import shared_task

from aml import screening


@shared_task(name="aml.screen_subject", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def screen_subject_task(kind: str, pk: int) -> int:
    """Screen one key individual or beneficial owner; returns how many alerts it raised."""
    model = screening.SUBJECT_MODELS[kind]
    subject = model.objects.select_related("application").filter(pk=pk).first()
    if subject is None:  # removed before the task ran
        return 0
    return len(screening.screen_subject(subject))


@shared_task(name="aml.rescreen_after_import", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def rescreen_after_import_task(version_id: int) -> dict:
    """Screen every subject against the entries a list version added or changed."""
    run = screening.rescreen_version(version_id)
    return {
        "entries": run.entries,
        "subjects_scored": run.subjects_scored,
        "pairs_scored": run.pairs_scored,
        "alerts": len(run.alerts),
    }
