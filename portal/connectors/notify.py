"""Notifications to residents: an outbox row plus a delivery task queued after commit."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from portal.connectors.models import Notification

logger = logging.getLogger(__name__)


def notification_queue(*, user, template: str, title: str, body: str, data: dict[str, Any] | None = None,
                       dedupe_key: str | None = None) -> Notification | None:
    """Record a notification and deliver it after the surrounding transaction commits.

    ``dedupe_key`` makes the call idempotent (a task that runs twice notifies once): a second
    call with the same key returns None.
    """
    try:
        with transaction.atomic():
            note = Notification.objects.create(user=user, template=template, title=title, body=body,
                                               data=data or {}, dedupe_key=dedupe_key)
    except IntegrityError:
        return None
    from portal.connectors.tasks import notification_deliver

    transaction.on_commit(lambda: notification_deliver.delay(note.pk))
    return note


class LogNotifyBackend:
    """Default backend: writes the notification to the log (personal data masked by the filter)."""

    def send(self, note: Notification) -> None:
        logger.info("notify user=%s template=%s title=%s", note.user_id, note.template, note.title)


def notification_deliver(notification_id: int) -> bool:
    """Send one pending notification; safe to run twice."""
    with transaction.atomic():
        note = Notification.objects.select_for_update().filter(pk=notification_id).first()
        if note is None or note.status == Notification.Status.SENT:
            return False
        note.attempts += 1
        try:
            import_string(settings.NOTIFY_BACKEND)().send(note)
        except Exception:
            logger.exception("notification %s failed", notification_id)
            note.status = Notification.Status.FAILED
            note.save(update_fields=["attempts", "status"])
            return False
        note.status = Notification.Status.SENT
        note.sent_at = timezone.now()
        note.save(update_fields=["attempts", "status", "sent_at"])
        return True
