"""Screenshots of the key pages, for docs/screenshots/ (`make screenshots`).

Drives Debian's Chromium through Playwright against a running portal with the demo bank
(`make screenshots` seeds it and starts one). Each shot signs in as the demo login named after
its role (risk roles and integration admins pass the second factor with the demo authenticator
secret). A shot fails the run when its page logs a JavaScript error, a request fails or the
file exceeds 300 KB. The browser journeys (tests/e2e) save their own set into a temp dir.

    .venv/bin/python bin/screenshots.py --base http://127.0.0.1:8000 [--only NAME ...]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import os
import struct
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

PASSWORD = "QcDemo#2026"
CHROMIUM = os.environ.get("QC_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}
MAX_BYTES = 300 * 1024
ZH, EN = "zh-hans", "en"


def track(page):
    page.fill("#reference", "TRACKDEM26")
    page.fill("#access_code", "TRACK2026")
    with page.expect_navigation():
        page.click("main form button[type=submit]")


def ask(page):
    page.fill("#assistant-message", "怎么办理信用卡？")
    with page.expect_response(lambda r: r.url.endswith("/assistant/ask/")):
        page.click("form.assistant-form button[type=submit]")
    page.locator(".assistant-turn").last.wait_for()


def open_first_application(page):
    with page.expect_navigation():
        page.locator("main table a").last.click()


# name, login (None: signed out), path, viewport, language, full page, then-do
SHOTS = [
    # The README's dashboard set.
    ("dashboard-overview.png", "head_office", "/dashboard/", DESKTOP, ZH, False, None),
    ("dashboard-branch-manager.png", "branch_manager", "/dashboard/", DESKTOP, ZH, False, None),
    (
        "dashboard-drilldown.png",
        "head_office",
        "/dashboard/kpi/services.csat/",
        DESKTOP,
        ZH,
        True,
        None,
    ),
    ("dashboard-plan.png", "head_office", "/dashboard/plan/", DESKTOP, ZH, False, None),
    ("dashboard-branches.png", "head_office", "/dashboard/branches/", DESKTOP, ZH, False, None),
    ("dashboard-report.png", "head_office", "/dashboard/report/", DESKTOP, ZH, False, None),
    ("dashboard-overview-en.png", "branch_manager", "/dashboard/", DESKTOP, EN, False, None),
    # Branch manager's day.
    ("alerts.png", "branch_manager", "/alerts/", DESKTOP, ZH, False, None),
    ("services-board.png", "branch_manager", "/services/board/", DESKTOP, ZH, False, None),
    ("services-staffing.png", "branch_manager", "/services/staffing/", DESKTOP, ZH, False, None),
    # The customer, on a phone.
    ("track-phone.png", None, "/track/", PHONE, ZH, False, track),
    ("my-applications-phone.png", "customer", "/transparency/my/", PHONE, ZH, False, None),
    (
        "my-application-timeline-phone.png",
        "customer",
        "/transparency/my/TRACKDEM26/",
        PHONE,
        ZH,
        False,
        None,
    ),
    ("rate-service-phone.png", "customer", "/services/rate/", PHONE, ZH, False, None),
    ("assistant-phone.png", "customer", "/assistant/", PHONE, ZH, False, ask),
    ("track-phone-en.png", None, "/track/", PHONE, EN, False, track),
    # Credit approval.
    ("credit-queue.png", "risk_initial", "/credit/queue/", DESKTOP, ZH, False, None),
    (
        "credit-application.png",
        "risk_initial",
        "/credit/queue/",
        DESKTOP,
        ZH,
        True,
        open_first_application,
    ),
    ("credit-npl.png", "risk_manager", "/credit/npl/", DESKTOP, ZH, False, None),
    # Integration and training.
    ("integration-health.png", "integration_admin", "/integration/", DESKTOP, ZH, False, None),
    ("training-plan.png", "hr_trainer", "/training/plan/", DESKTOP, ZH, False, None),
]


def demo_totp_secret() -> str | None:
    """The documented secret the demo logins' authenticators are enrolled with."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    try:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qc_portal.settings.base")
        import django

        django.setup()
        import qc_portal.demo
    except Exception:  # noqa: BLE001 - no Django here: no second factor to pass
        return None
    return getattr(qc_portal.demo, "DEMO_TOTP_SECRET", None)


def totp(secret: str, at: float) -> str:
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", int(at // 30)), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return str((struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 10**6).zfill(6)


def sign_in(browser, base: str, login: str, secret: str | None) -> dict:
    """Sign in once per login (a one-time code is accepted only once); return the session."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", login)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    code_field = page.locator("main input[autocomplete=one-time-code]")
    if code_field.count():
        if not secret:
            raise SystemExit(f"{login} must pass a second factor, but no demo secret is known")
        code_field.fill(totp(secret, time.time()))
        with page.expect_navigation():
            page.click("main form button[type=submit]")
    if "/accounts/login/" in page.url or page.locator("main input[type=password]").count():
        raise SystemExit(f"could not sign in as {login} ({page.url})")
    state = context.storage_state()
    context.close()
    return state


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--out", default="docs/screenshots")
    parser.add_argument("--only", nargs="*")
    options = parser.parse_args()
    out = Path(options.out)
    out.mkdir(parents=True, exist_ok=True)
    secret = demo_totp_secret()
    sessions: dict[str, dict] = {}
    failures = 0
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for name, login, path, viewport, language, full_page, then in SHOTS:
            if options.only and name not in options.only:
                continue
            if login and login not in sessions:
                sessions[login] = sign_in(browser, options.base, login, secret)
            context = browser.new_context(
                viewport=viewport,
                locale="zh-CN" if language == ZH else "en-GB",
                storage_state=sessions.get(login),
                is_mobile=viewport is PHONE,
                has_touch=viewport is PHONE,
            )
            context.add_cookies(
                [{"name": "django_language", "value": language, "url": options.base}]
            )
            page = context.new_page()
            problems: list[str] = []
            page.on("console", lambda m, p=problems: m.type == "error" and p.append(m.text))
            page.on("pageerror", lambda e, p=problems: p.append(str(e)))
            page.on("requestfailed", lambda r, p=problems: p.append(f"{r.url} {r.failure}"))
            page.on(
                "response",
                lambda r, p=problems: r.status >= 400 and p.append(f"HTTP {r.status} {r.url}"),
            )
            page.goto(f"{options.base}{path}")
            page.wait_for_load_state("networkidle")
            if then:
                then(page)
                page.wait_for_load_state("networkidle")
            page.wait_for_timeout(700)  # let ECharts finish its entry animation
            target = out / name
            page.screenshot(path=str(target), full_page=full_page)
            size = target.stat().st_size
            if size > MAX_BYTES:
                problems.append(f"{size // 1024} KB is over {MAX_BYTES // 1024} KB")
            print(
                f"{name}: {page.url} {size // 1024} KB"
                + (f"  PROBLEMS: {problems}" if problems else "")
            )
            failures += bool(problems)
            context.close()
        browser.close()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
