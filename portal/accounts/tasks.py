"""Periodic account housekeeping (schedule in settings.CELERY_BEAT_SCHEDULE; idempotent)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="portal.accounts.tasks.revoked_sessions_purge")
def revoked_sessions_purge() -> int:
    """Forget logouts whose tokens have all expired (the bearer check reads a small table)."""
    from portal.accounts.actions import revoked_sessions_purge as purge

    return purge()
