"""Pluggable SMS sending. `settings.QC_SMS_BACKEND` names the class (dotted path).

A production backend wraps the bank's SMS gateway; it must raise on failure so the outbox
keeps the message pending and tries again.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class BaseSmsBackend:
    def send(self, phone: str, text: str) -> None:
        raise NotImplementedError


class ConsoleSmsBackend(BaseSmsBackend):
    """Development: prints the message."""

    def send(self, phone: str, text: str) -> None:
        sys.stdout.write(f"[SMS to {phone}] {text}\n")
        sys.stdout.flush()


class FileSmsBackend(BaseSmsBackend):
    """Development: appends one line per message to QC_SMS_FILE_PATH (default var/sms.log)."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(
            path or getattr(settings, "QC_SMS_FILE_PATH", settings.BASE_DIR / "var" / "sms.log")
        )

    def send(self, phone: str, text: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as file:
            file.write(f"{timezone.now().isoformat()}\t{phone}\t{text}\n")


class LocmemSmsBackend(BaseSmsBackend):
    """Tests: keeps messages in `LocmemSmsBackend.outbox`."""

    outbox: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        LocmemSmsBackend.outbox.append((phone, text))


def get_backend() -> BaseSmsBackend:
    return import_string(settings.QC_SMS_BACKEND)()
