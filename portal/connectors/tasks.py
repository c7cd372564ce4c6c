from celery import shared_task

from portal.connectors import notify


@shared_task(name="portal.connectors.tasks.notification_deliver", autoretry_for=(ConnectionError,),
             retry_backoff=True, max_retries=5)
def notification_deliver(notification_id: int) -> bool:
    return notify.notification_deliver(notification_id)
