"""Celery tasks of the audit trail: the checkpoint every five minutes (schedule: migration 0004)."""

from celery import shared_task

from portal.audit.checkpoints import write_checkpoint


@shared_task(name="portal.audit.checkpoint")
def checkpoint_audit() -> int | None:
    """Sign the chain's row count and head and publish them; the checkpoint's number, or None
    when the chain has not changed since a recent one."""
    checkpoint = write_checkpoint()
    return checkpoint.number if checkpoint else None
