"""Screenshots of the key pages, for docs/screenshots/ (`make screenshots`).

Drives Debian's Chromium through Playwright against a running portal with the demo bank
(`make screenshots` starts one). Each shot logs in as the demo login named after its role.
"""

import argparse
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

PASSWORD = "QcDemo#2026"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
        "--no-first-run", "--disable-component-update", "--disable-sync"]
DESKTOP = {"width": 1400, "height": 1000}
PHONE = {"width": 390, "height": 844}

# (file name, login or None, path, viewport, language)
SHOTS = [
    ("login-zh.png", None, "/accounts/login/", DESKTOP, "zh-hans"),
    ("dashboard-overview-zh.png", "branch_manager", "/dashboard/", DESKTOP, "zh-hans"),
    ("dashboard-overview-head-office-zh.png", "head_office", "/dashboard/", DESKTOP, "zh-hans"),
    ("dashboard-branches-zh.png", "head_office", "/dashboard/branches/", DESKTOP, "zh-hans"),
    ("dashboard-kpi-drilldown-zh.png", "head_office", "/dashboard/kpi/services.csat/", DESKTOP, "zh-hans"),
    ("dashboard-plan-zh.png", "head_office", "/dashboard/plan/", DESKTOP, "zh-hans"),
    ("dashboard-overview-en.png", "branch_manager", "/dashboard/", DESKTOP, "en"),
    ("services-board-zh.png", "branch_manager", "/services/board/", DESKTOP, "zh-hans"),
    ("services-staffing-zh.png", "branch_manager", "/services/staffing/", DESKTOP, "zh-hans"),
    ("track-phone-zh.png", None, "/track/", PHONE, "zh-hans"),
    ("my-applications-phone-zh.png", "customer", "/", PHONE, "zh-hans"),
    ("credit-queue-zh.png", "risk_initial", "/", DESKTOP, "zh-hans"),
    ("credit-npl-zh.png", "risk_manager", "/credit/npl/", DESKTOP, "zh-hans"),
    ("integration-health-zh.png", "integration_admin", "/", DESKTOP, "zh-hans"),
    ("training-plan-zh.png", "hr_trainer", "/", DESKTOP, "zh-hans"),
    ("assistant-zh.png", "customer", "/assistant/", PHONE, "zh-hans"),
]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--out", default="docs/screenshots")
    parser.add_argument("--only", nargs="*")
    options = parser.parse_args()
    out = Path(options.out)
    out.mkdir(parents=True, exist_ok=True)
    failures = 0
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for name, login, path, viewport, language in SHOTS:
            if options.only and name not in options.only:
                continue
            context = browser.new_context(viewport=viewport, locale=language)
            context.add_cookies([{"name": "django_language", "value": language, "url": options.base}])
            page = context.new_page()
            errors = []
            page.on("console", lambda m, errors=errors: m.type == "error" and errors.append(m.text))
            if login:
                page.goto(f"{options.base}/accounts/login/")
                page.fill("#id_username", login)
                page.fill("#id_password", PASSWORD)
                page.click("button[type=submit]")
                page.wait_for_load_state("networkidle")
            response = page.goto(f"{options.base}{path}")
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(600)  # let ECharts finish its entry animation
            page.screenshot(path=str(out / name), full_page=True)
            status = response.status if response else "?"
            print(f"{name}: {page.url} HTTP {status}" + (f" console errors: {errors}" if errors else ""))
            failures += bool(errors) or (response is not None and response.status >= 400)
            context.close()
        browser.close()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
