"""Pluggable SMS backends (``SMS_BACKEND``). The console backend prints the message for development."""

from __future__ import annotations

import sys

from portal.masking import mask_phone


class ConsoleSmsBackend:
    def send(self, phone: str, message: str) -> None:
        sys.stdout.write(f"[sms to {mask_phone(phone)}] {message}\n")
        sys.stdout.flush()


class MemorySmsBackend:
    """Keeps messages in memory (tests read them from ``outbox``)."""

    outbox: list[tuple[str, str]] = []

    def send(self, phone: str, message: str) -> None:
        self.outbox.append((phone, message))


def get_backend():
    from django.conf import settings
    from django.utils.module_loading import import_string

    return import_string(settings.SMS_BACKEND)()
