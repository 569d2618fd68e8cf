"""Issue 10, the prescription's day list in Chromium: the take-over is a visible button on
each production row, and a double click (on that button, then on the dialog's confirmation)
takes the prescription over once. The app runs as `make run` runs it (test_browser's
live_app: demo mode, nothing leaves loopback)."""

from __future__ import annotations

import pytest
from test_browser import ARTIFACTS, browser, live_app, page, sign_in  # noqa: F401 (fixtures)

playwright = pytest.importorskip("playwright.sync_api")


def test_a_double_click_takes_a_production_prescription_over_once(live_app, page) -> None:  # noqa: F811
    base, outbound = live_app
    sign_in(page, base, "pharmacien", "Demo-Pharma-2026!")
    page.goto(f"{base}/prescriptions")
    buttons = page.locator(".take-over-button")
    buttons.first.wait_for(timeout=15_000)
    row = page.get_by_role("row").filter(has=buttons.first)
    patient = row.locator("td").nth(1).inner_text()  # "NOM Prénom (IPP…)"
    patient_id = patient.rsplit("(", 1)[1].rstrip(")")
    buttons.first.dblclick()
    dialogs = page.get_by_text("du logiciel de production", exact=False).filter(
        has_text="Prescription "
    )
    dialogs.first.wait_for(timeout=15_000)
    confirm = page.locator(".q-dialog").get_by_role("button", name="Reprendre dans le secours")
    assert confirm.count() == 1  # one dialog for a double click
    confirm.dblclick()
    page.wait_for_url("**/prescriptions/PS*", timeout=30_000)
    page.get_by_text("Reprend la prescription").wait_for(timeout=15_000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "i10-take-over.png"), full_page=True)
    # one fallback prescription for this patient, not two
    page.goto(f"{base}/patients/{patient_id}")
    table = page.locator(".q-table").filter(has_text="Prescription")
    page.get_by_text("Prescriptions faites pendant la panne").wait_for(timeout=15_000)
    rows = page.locator("tr").filter(has_text="PS0")
    rows.first.wait_for(timeout=15_000)
    assert rows.count() == 1, table.inner_text()
    assert outbound.read_text() == ""
