"""Browser journeys against a real server process.

How it runs (and why):
- `portal` starts gunicorn (2 workers) in a subprocess, with DJANGO_SETTINGS_MODULE=
  qc_portal.settings.test (the same MD5 password hasher the seeded test data was written
  with), DEBUG=true (static files served from the finders, no HTTPS redirect or secure-only
  cookies on plain http://127.0.0.1) and DATABASE_URL pointing at pytest's *test* database.
  SQLite's in-memory test database cannot be shared with another process, so every test that
  needs the server is marked `postgres`: deselected on a quick local SQLite run, run in CI.
- The demo bank (`seed_demo --scale small`, ~20 s) is seeded once per session into the test
  database and flushed at the end. The journey tests deliberately carry no `django_db`
  marker: a transactional test flushes every table when it ends, which would wipe the seed
  between journeys. Without the marker pytest-django orders them after every database test,
  so the committed seed never leaks into another test either. Tests read or prepare data
  through `orm` (django_db_blocker), never through a test transaction the server cannot see.
- Chromium is Debian's package (/usr/bin/chromium); Playwright never downloads a browser.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import socket
import struct
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings

ROOT = Path(settings.BASE_DIR)  # the checkout being tested
# Playwright's sync API keeps an event loop running in this thread; Django would otherwise
# refuse the ORM calls the tests make to prepare and inspect data (nothing here is async).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
CHROMIUM = os.environ.get("QC_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "QcDemo#2026"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
LANGUAGES = ["zh-hans", "en"]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def _unblocked(django_db_blocker):
    with django_db_blocker.unblock():
        yield


# The database named by the settings before pytest-django swaps in the test database.
_CONFIGURED_DATABASE = settings.DATABASES["default"]["NAME"]


@pytest.fixture(scope="session")
def e2e_database(django_db_setup, django_db_blocker):
    """The test database. pytest-django creates it only when a collected test is marked
    `django_db`; run on their own, these unmarked tests must create it themselves (never seed
    or flush the configured, real database)."""
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    created = None
    with django_db_blocker.unblock():
        if connection.settings_dict["NAME"] == _CONFIGURED_DATABASE:
            created = setup_databases(
                verbosity=0, interactive=False, aliases={"default"}, serialized_aliases=set()
            )
    assert connection.settings_dict["NAME"] != _CONFIGURED_DATABASE
    yield
    if created is not None:
        with django_db_blocker.unblock():
            teardown_databases(created, verbosity=0)


@pytest.fixture(scope="session")
def orm(e2e_database, django_db_blocker):
    """`with orm(): ...` reads and writes the (committed) test database the server uses."""
    return lambda: _unblocked(django_db_blocker)


@pytest.fixture(scope="session")
def portal(e2e_database, django_db_blocker, request):
    """Base URL of gunicorn serving the seeded test database."""
    # Every test using this fixture is marked `postgres` (deselected on SQLite), so reaching it
    # on another database is a wiring mistake, not a reason to skip.
    assert settings.DATABASES["default"]["ENGINE"].endswith("postgresql"), (
        "the browser journeys need PostgreSQL (a database another process can open)"
    )
    from django.core.management import call_command

    started = time.monotonic()
    with django_db_blocker.unblock():
        _restore_reference_data()
    # pytest-django turns DEBUG off during tests; seed_demo refuses to run without it.
    with django_db_blocker.unblock(), override_settings(DEBUG=True):
        call_command("seed_demo", scale="small", stdout=open(os.devnull, "w"))  # noqa: SIM115
    print(f"\ne2e: demo bank seeded in {time.monotonic() - started:.1f} s")

    db = settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    url = (
        f"postgres://{db['USER'] or 'postgres'}{password}@{db['HOST'] or '127.0.0.1'}"
        f":{db['PORT'] or 5432}/{db['NAME']}"
    )
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "qc_portal.settings.test",
        "DATABASE_URL": url,
        "DEBUG": "true",
        "CONN_MAX_AGE": "0",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("CELERY_BROKER_URL", None)  # tasks run eagerly inside the web process
    (ROOT / "var").mkdir(exist_ok=True)
    log = open(ROOT / "var" / "e2e-gunicorn.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "qc_portal.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--timeout",
            "60",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {log.name}")
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not answer /healthz within 30 s; see {log.name}")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        if request.config.getoption("reuse_db", False):  # the database outlives the run
            with django_db_blocker.unblock():
                call_command("flush", interactive=False, verbosity=0)


def _restore_reference_data() -> None:
    """A transactional test ends by flushing every table, including what the data migrations
    wrote (roles, departments, templates...); the next such test reloads it (serialized
    rollback), but these unmarked tests run after the last one. Reload it the same way."""
    from django.contrib.auth.models import Group
    from django.db import connection

    if Group.objects.exists():
        return
    from tests.conftest import REFERENCE_SNAPSHOT

    contents = getattr(connection, "_test_serialized_contents", None) or REFERENCE_SNAPSHOT.get(
        "default"
    )
    assert contents, "the test database lost its reference data and has no serialized copy"
    connection.creation.deserialize_db_from_string(contents)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture(scope="session")
def shots(tmp_path_factory) -> Path:
    """Where the journeys save their screenshots (QC_E2E_SCREENSHOTS overrides)."""
    where = os.environ.get("QC_E2E_SCREENSHOTS")
    path = Path(where) if where else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


# --- a guarded page: every page visited is checked for console errors and failed requests ----


class Visit:
    """A browser tab that records, per page, JavaScript errors and failed requests."""

    def __init__(self, context, base: str, language: str, shots: Path):
        self.context = context
        self.base = base
        self.language = language
        self.shots = shots
        self.page = context.new_page()
        self.problems: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.page.on("response", self._response)
        self.page.on("requestfailed", self._failed)

    def _console(self, message):
        if message.type == "error":
            self.problems.append(f"console error: {message.text} ({message.location.get('url')})")

    def _response(self, response):
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status} {response.request.method} {response.url}")

    def _failed(self, request):
        failure = request.failure or ""
        # A download ends the navigation that fetched it: Chromium reports that as aborted.
        if "ERR_ABORTED" in failure and "/export." in request.url:
            return
        self.problems.append(f"request failed: {request.method} {request.url} {failure}")

    def check(self, expect_status: set[int] | None = None) -> None:
        """Assert the page visited since the last check was clean, then start afresh."""
        self.page.wait_for_load_state("networkidle")
        problems = [p for p in self.problems if not _expected(p, expect_status)]
        self.problems.clear()
        assert not problems, f"{self.page.url}: " + "; ".join(problems)

    def goto(self, path: str, *, expect_status: set[int] | None = None):
        response = self.page.goto(self.base + path)
        self.check(expect_status)
        return response

    def submit(self, locator) -> None:
        """Click a submit button and wait for the next page, then check it."""
        with self.page.expect_navigation():
            locator.click()
        self.check()

    def press_enter(self, locator) -> None:
        with self.page.expect_navigation():
            locator.press("Enter")
        self.check()

    def login(self, username: str, password: str = PASSWORD, *, totp_secret=None) -> None:
        self.goto("/accounts/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", password)
        self.submit(self.page.locator("main form button[type=submit]").first)
        self.pass_second_factor(username, totp_secret)

    def pass_second_factor(self, username: str, totp_secret=None) -> None:
        """Risk roles sign in with a one-time code: enter it when the portal asks for one.
        Test users are enrolled with the demo authenticator secret (qc_portal.demo)."""
        field = self.page.locator("main input[autocomplete=one-time-code]")
        if not field.count():
            return
        if totp_secret is None:
            import qc_portal.demo

            totp_secret = getattr(qc_portal.demo, "DEMO_TOTP_SECRET", None)
        assert totp_secret, f"the portal asks {username} for a one-time code but no secret is known"
        field.first.fill(_fresh_code(username, totp_secret))
        self.submit(self.page.locator("main form button[type=submit]").first)
        assert not self.page.locator("main input[autocomplete=one-time-code]").count(), (
            f"one-time code refused for {username}"
        )

    def shot(self, name: str, *, full_page: bool = False) -> Path:
        path = self.shots / f"{name}-{'zh' if self.language == 'zh-hans' else 'en'}.png"
        self.page.wait_for_timeout(300)  # let ECharts finish its entry animation
        self.page.screenshot(path=str(path), full_page=full_page)
        return path

    def axe(self, *, impacts=("serious", "critical")) -> list[str]:
        """Run axe-core on the current page; return the serious/critical violations."""
        if not self.page.evaluate("typeof window.axe !== 'undefined'"):
            self.page.add_script_tag(path=str(AXE))
        result = self.page.evaluate(
            "async () => await axe.run(document, {resultTypes: ['violations']})"
        )
        return [
            f"{v['id']} ({v['impact']}): {v['help']} — "
            + ", ".join(" ".join(node["target"]) for node in v["nodes"][:5])
            for v in result["violations"]
            if v["impact"] in impacts
        ]


def _expected(problem: str, expect_status: set[int] | None) -> bool:
    if not expect_status:
        return False
    match = re.match(r"HTTP (\d+) ", problem)
    if match and int(match.group(1)) in expect_status:
        return True
    # Chromium also logs the expected error status of the document itself to the console.
    return problem.startswith("console error: Failed to load resource") and any(
        f"status of {status}" in problem for status in expect_status
    )


@pytest.fixture
def visit(browser, portal, shots):
    """visit(language, viewport=DESKTOP) -> a fresh browser context with that UI language."""
    contexts = []

    def open_visit(language: str, viewport=DESKTOP, **options) -> Visit:
        context = browser.new_context(
            viewport=viewport,
            locale="zh-CN" if language == "zh-hans" else "en-GB",
            accept_downloads=True,
            **options,
        )
        context.set_default_timeout(15_000)
        context.add_cookies([{"name": "django_language", "value": language, "url": portal}])
        contexts.append(context)
        return Visit(context, portal, language, shots)

    yield open_visit
    for context in contexts:
        context.close()


_LAST_STEP: dict[str, int] = {}


def _fresh_code(username: str, secret: str) -> str:
    """A code the server has not seen for this user: django-otp refuses a code twice, and
    accepts one step ahead (tolerance 1), so a second sign-in within 30 s uses the next one."""
    step = int(time.time() // 30)
    if _LAST_STEP.get(username, -1) >= step:
        step = _LAST_STEP[username] + 1
    if step > int(time.time() // 30) + 1:  # two sign-ins already used this window and the next
        time.sleep(30 - time.time() % 30 + 0.1)
        step = int(time.time() // 30)
    _LAST_STEP[username] = step
    return totp(secret, at=step * 30)


def totp(secret: str, *, at: float | None = None, digits: int = 6, step: int = 30) -> str:
    """RFC 6238 one-time code from a base32 secret (what an authenticator app shows)."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = int((time.time() if at is None else at) // step)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 10**digits
    return str(code).zfill(digits)


def tr(language: str, msgid: str, **params) -> str:
    """The UI text for `msgid` in the journey's language, from the apps' own catalogues."""
    from django.utils import translation

    with translation.override(language):
        text = translation.gettext(msgid)
    if language != "en":
        assert text != msgid, f"no {language} translation for {msgid!r}"
    return text % params if params else text
