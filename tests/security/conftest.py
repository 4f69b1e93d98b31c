import json
import logging

import pytest
from django.core.cache import cache
from django.test import Client


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(record.getMessage())


@pytest.fixture
def security_log():
    """The JSON lines written to the `qc_portal.security` logger during the test, parsed.
    `security_log.events("login_failed")` -> the records of that event."""
    handler = _Collect()
    logger = logging.getLogger("qc_portal.security")
    logger.addHandler(handler)

    class Log:
        @property
        def records(self):
            return [json.loads(line) for line in handler.lines]

        def events(self, name=None):
            return [r for r in self.records if name is None or r["event"] == name]

        def clear(self):
            handler.lines.clear()

    yield Log()
    logger.removeHandler(handler)


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def client_from():
    """client_from("10.0.0.1") -> a test client whose requests come from that address."""

    def make(address: str = "127.0.0.1") -> Client:
        return Client(REMOTE_ADDR=address)

    return make
