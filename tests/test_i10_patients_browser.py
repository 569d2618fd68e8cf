"""Issue 10, items 1 and 9 in a real browser (Chromium through Playwright, the demo app as
`make run` starts it, see test_browser.py): a double click on "Enregistrer la mesure", on
"Enregistrer le résultat" and on "Créer le patient" records once; the new patient is then
found by "sec", and a demo patient by the digits of its IPP."""

from __future__ import annotations

import re
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

PATIENT = "IPP10002266"  # CARON Hugo (demo), 163 cm and 55,7 kg in the snapshot
SETTLE_S = 2  # what a second request, had it been sent, needs to be recorded


def rows_with(page, text: str, unless: str | None = None) -> list[str]:
    """The table rows of the page holding `text` (and not `unless`), once the page settled."""
    page.wait_for_load_state("networkidle")
    found = [r for r in page.get_by_role("row").all_inner_texts() if text in r]
    return [r for r in found if unless is None or unless not in r]


def open_record(page, base: str) -> None:
    page.goto(f"{base}/patients/{PATIENT}")
    page.get_by_text("Saisir une mesure").wait_for(timeout=15_000)


def test_a_double_click_records_one_measurement_and_one_lab_result(live_app, page) -> None:
    base, outbound = live_app
    sign_in(page, base, "infirmier", "Demo-Infirmier-2026!")
    open_record(page, base)
    page.get_by_label("Valeur").fill("55,9")
    page.get_by_role("button", name="Enregistrer la mesure").dblclick()
    page.get_by_text("enregistrée : Poids 55,9 kg").wait_for(timeout=15_000)
    time.sleep(SETTLE_S)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "i10-measurement-double-click.png"), full_page=True)
    open_record(page, base)  # what the database holds, not what the form last showed
    # the recorded measurements (the table of the values used says "saisie pendant la panne")
    recorded = rows_with(page, "55,9 kg", unless="saisie pendant la panne")
    assert len(recorded) == 1, recorded

    lab_form = page.locator(".q-card").filter(has_text="Saisir un résultat de biologie")
    lab_form.get_by_label("Résultat", exact=True).fill("1,9")
    lab_form.get_by_label("Unité").click()
    page.get_by_role("option", name="G/L", exact=True).click()
    lab_form.get_by_label("Heure (HH:MM)").fill("07:45")
    lab_form.get_by_role("button", name="Enregistrer le résultat").dblclick()
    page.get_by_text(re.compile(r"Résultat n° \d+ enregistré : .*1,9 G/L")).wait_for(timeout=15_000)
    time.sleep(SETTLE_S)
    open_record(page, base)
    entered = rows_with(page, "1,9 G/L", unless="saisi pendant la panne")
    assert len(entered) == 1, entered
    assert outbound.read_text() == ""


def test_a_double_click_creates_one_patient_found_by_sec(live_app, page) -> None:
    base, outbound = live_app
    sign_in(page, base, "pharmacien", "Demo-Pharma-2026!")
    page.goto(f"{base}/patients/nouveau")
    page.get_by_label("Nom d'usage").fill("Quesnel")
    page.get_by_label("Prénom").fill("Albane")
    page.get_by_text("Femme", exact=True).click()
    page.get_by_label("Date de naissance (JJ/MM/AAAA)").fill("02/03/1971")
    page.get_by_role("button", name="Créer le patient").dblclick()
    page.wait_for_url("**/patients/SEC*")
    created = page.url.rsplit("/", 1)[1]
    time.sleep(SETTLE_S)

    page.goto(f"{base}/patients?q=sec")
    page.get_by_text(re.compile(r"patients? trouvés?")).wait_for(timeout=15_000)
    page.screenshot(path=str(ARTIFACTS / "i10-search-sec.png"), full_page=True)
    assert [r.split("\t")[0].strip() for r in rows_with(page, "QUESNEL")] == [created]
    page.goto(f"{base}/patients?q=10002266")
    page.get_by_text("1 patient trouvé.").wait_for(timeout=15_000)
    assert rows_with(page, PATIENT)
    assert outbound.read_text() == ""
