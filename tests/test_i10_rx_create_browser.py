"""Issue 10, item 1 in a real browser (Chromium through Playwright, the demo app as `make run`
starts it): a double click on "Créer le brouillon et calculer les doses" creates one draft, and
the back button to the form then a click on the button creates none."""

from __future__ import annotations

import time

# Fixtures and helpers shared with the other walks (it skips when Playwright or Chromium lack).
from test_browser import (
    ARTIFACTS,
    browser,
    live_app,
    page,
    pytestmark,
    sign_in,
)

__all__ = ["browser", "live_app", "page", "pytestmark"]

PATIENT = "IPP10002366"  # GARNIER Hamid (demo), weighed recently
CREATE = "Créer le brouillon et calculer les doses"


def fallback_prescriptions(page, base: str) -> list[str]:
    """The patient's fallback prescriptions, as the patient record lists them."""
    page.goto(f"{base}/patients/{PATIENT}")
    page.get_by_text("Prescriptions faites pendant la panne").wait_for(timeout=15_000)
    deadline = time.monotonic() + 15
    rows: list[str] = []
    while time.monotonic() < deadline:
        rows = [
            text.split()[0]
            for text in page.get_by_role("row").all_inner_texts()
            if text.strip().startswith("PS")
        ]
        if rows or page.get_by_text("Aucune.").count():
            break
        time.sleep(0.2)
    return rows


def choose_protocol(page, name: str) -> None:
    page.get_by_label("Protocole (thésaurus de l'instantané)").click()
    page.get_by_role("option").filter(has_text=name).first.click()
    page.get_by_text("Jours prescrits").wait_for(timeout=15_000)


def test_a_double_click_on_create_makes_one_draft_and_back_makes_none(live_app, page) -> None:
    base, outbound = live_app
    sign_in(page, base, "medecin", "Demo-Medecin-2026!")
    assert fallback_prescriptions(page, base) == []
    page.goto(f"{base}/prescriptions/nouvelle?patient={PATIENT}")
    page.get_by_role("button", name=CREATE).wait_for(timeout=15_000)
    choose_protocol(page, "AC 60")
    page.get_by_text("Aucun cycle connu de AC 60 pour ce patient").wait_for()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "i10-new-prescription.png"), full_page=True)
    page.get_by_role("button", name=CREATE).dblclick()
    page.wait_for_url("**/prescriptions/PS*", timeout=15_000)
    first = page.url.rsplit("/", 1)[1]
    page.get_by_text("BROUILLON").first.wait_for(timeout=15_000)
    # back to the form: whatever the browser shows (the old form or a new one), a click
    # creates no second draft of it
    page.go_back()
    page.get_by_role("button", name=CREATE).wait_for(timeout=15_000)
    page.get_by_role("button", name=CREATE).click()
    page.wait_for_timeout(1500)
    page.screenshot(path=str(ARTIFACTS / "i10-back-to-the-form.png"), full_page=True)
    assert "/prescriptions/nouvelle" in page.url
    if not page.get_by_text("Cette prescription a déjà été créée").count():
        # a new, empty form: choosing the protocol again names the draft already made
        choose_protocol(page, "AC 60")
        page.get_by_text(f"Déjà prescrit dans le secours pour ce patient : {first}").wait_for()
    assert fallback_prescriptions(page, base) == [first]
    assert outbound.read_text() == ""
