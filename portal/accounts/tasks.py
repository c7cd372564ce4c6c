"""Periodic account housekeeping (schedule in settings.CELERY_BEAT_SCHEDULE; idempotent)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="portal.accounts.tasks.revoked_sessions_purge")
def revoked_sessions_purge() -> int:
    """Forget logouts whose tokens have all expired (the bearer check reads a small table)."""
    from portal.accounts.actions import revoked_sessions_purge as purge

    return purge()


@shared_task(name="portal.accounts.tasks.expired_tokens_flush")
def expired_tokens_flush() -> int:
    """Delete the refresh tokens simplejwt keeps for rotation and logout (outstanding, and with them
    the blacklisted) once they have expired: an expired token is refused anyway, and the tables
    would otherwise grow by a row or two on every login and refresh. simplejwt's own
    ``flushexpiredtokens`` command; returns how many outstanding tokens remain."""
    from django.core.management import call_command
    from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

    call_command("flushexpiredtokens")
    return OutstandingToken.objects.count()
