from celery import shared_task

from portal.core.idempotency import idempotency_purge as _purge


@shared_task(name="portal.core.tasks.idempotency_purge")
def idempotency_purge() -> int:
    return _purge()
