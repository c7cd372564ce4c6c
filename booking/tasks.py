"""Periodic work of the booking domain (schedule in settings.CELERY_BEAT_SCHEDULE, documented in
docs/booking.md). Every task is idempotent: running it twice changes nothing the second time."""

from __future__ import annotations

from celery import shared_task
from celery.signals import beat_init

from booking import actions


@shared_task(name="booking.tasks.slots_generate")
def slots_generate() -> int:
    return actions.slots_generate()


@shared_task(name="booking.tasks.reminders_send")
def reminders_send() -> int:
    return actions.reminders_send()


@shared_task(name="booking.tasks.no_shows_mark")
def no_shows_mark() -> int:
    return actions.no_shows_mark()


@shared_task(name="booking.tasks.bookings_complete")
def bookings_complete() -> int:
    return actions.bookings_complete()


@shared_task(name="booking.tasks.waitlist_offers_expire")
def waitlist_offers_expire() -> int:
    return actions.waitlist_offers_expire()


@beat_init.connect
def _generate_slots_at_start(sender=None, **kwargs) -> None:
    """Slots exist as soon as the scheduler starts, not only after its first hourly run."""
    slots_generate.delay()
