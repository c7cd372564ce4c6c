"""Periodic chat housekeeping (idempotent: running twice deletes nothing more)."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone


@shared_task(name="portal.chat.tasks.chat_sessions_purge")
def chat_sessions_purge() -> int:
    """Forget anonymous conversations idle for ``CHAT_ANONYMOUS_RETENTION_DAYS`` (data
    minimisation); conversations handed to staff stay with their ticket."""
    from portal.chat.models import ChatSession

    cutoff = timezone.now() - timedelta(days=settings.CHAT_ANONYMOUS_RETENTION_DAYS)
    stale = ChatSession.objects.filter(user__isnull=True, updated_at__lt=cutoff, handoffs__isnull=True)
    deleted, _ = stale.delete()
    return deleted
