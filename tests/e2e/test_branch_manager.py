"""Branch manager: dashboard, period switch, missed-KPI drill-down, staffing, an alert, XLSX."""

import io

import openpyxl
import pytest

from tests.e2e.conftest import LANGUAGES, tr

pytestmark = pytest.mark.postgres


@pytest.mark.parametrize("language", LANGUAGES)
def test_branch_manager_journey(visit, language, tmp_path):
    v = visit(language)
    page = v.page
    v.login("branch_manager")

    # The overview: all five measures, in the chosen language.
    assert page.url.endswith("/dashboard/")
    assert page.locator("html").get_attribute("lang") == language
    assert tr(language, "Quality-control dashboard") in page.locator("h1").inner_text()
    measures = page.locator("section.measure h2")
    assert measures.count() == 5
    assert [text.split(".")[0] for text in measures.all_inner_texts()] == list("12345")
    assert page.locator("article.kpi-card").count() >= 10
    v.shot("dashboard-overview")

    # Switch to the previous month with the picker.
    picker = page.locator("form.picker")
    months = picker.locator("select[name=period] option").all_inner_texts()
    previous = months[1]
    picker.locator("select[name=period]").select_option(previous)
    v.submit(picker.locator("button[type=submit]"))
    assert f"period={previous}" in page.url
    assert picker.locator("select[name=period]").input_value() == previous
    assert previous in page.locator("form.picker .muted").inner_text()

    # Drill into a missed KPI: its detail shows numerator, denominator and the trend table.
    missed = page.locator("article.kpi-missed h3 a")
    if not missed.count():  # this month met everything: the current month has misses
        v.goto("/dashboard/")
        missed = page.locator("article.kpi-missed h3 a")
    assert missed.count(), "the demo bank has a missed KPI to drill into"
    title = missed.first.inner_text()
    v.submit(missed.first)
    assert "/dashboard/kpi/" in page.url
    assert title in page.locator("h1").inner_text()
    assert page.locator(".status-missed").count()
    assert tr(language, "Numerator") in page.locator("main").inner_text()
    assert page.locator("main table tbody tr").count() >= 2
    v.shot("dashboard-kpi-drilldown")

    # The branch's staffing page, from the main navigation.
    v.submit(page.locator("nav.mainnav a[href='/services/staffing/']"))
    assert tr(language, "Peaks & staffing") in page.locator("h1").inner_text()
    branch_name = page.locator("h1").inner_text().split("·")[-1].strip()
    assert branch_name
    assert page.locator("main table").count()
    v.shot("services-staffing")

    # Acknowledge the first open alert, with a note.
    v.goto("/alerts/")
    form = page.locator("form[action*='/handle/']").first
    action = form.get_attribute("action")
    form.locator("input[name=note]").fill(f"e2e {language}: staffing reviewed")
    v.submit(form.locator("button[value=acknowledged]"))
    assert tr(language, "Alert updated.") in page.locator("ul.messages").inner_text()
    assert not page.locator(f"form[action='{action}'] button[value=acknowledged]").count()
    v.goto("/alerts/?status=acknowledged")
    assert f"e2e {language}: staffing reviewed" in page.locator("main").inner_text()

    # Download the dashboard as Excel: a real workbook with a row per KPI.
    v.goto("/dashboard/")
    with page.expect_download() as download_info:
        page.locator("a[href*='export.xlsx']").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    workbook = openpyxl.load_workbook(io.BytesIO(target.read_bytes()))
    sheet = workbook.active
    assert sheet.max_row >= 10
    v.check()


@pytest.mark.parametrize("language", LANGUAGES)
def test_switching_the_language_from_the_header(visit, language):
    other = "en" if language == "zh-hans" else "zh-hans"
    v = visit(language)
    v.login("branch_manager")
    page = v.page
    with page.expect_navigation():
        page.locator("#language-select").select_option(other)
    v.check()
    assert page.url.endswith("/dashboard/")
    assert page.locator("html").get_attribute("lang") == other
    assert tr(other, "Quality-control dashboard") in page.locator("h1").inner_text()
