"""Celery tasks of the audit trail: the daily anchor (schedule: migration 0003)."""

from celery import shared_task

from portal.audit.anchoring import write_anchor


@shared_task(name="portal.audit.anchor")
def anchor_audit() -> str:
    """Sign the chain's head and row count and write them outside the database."""
    return write_anchor().name
