"""Real-browser walk through the patient pages added for the outage (see test_browser.py for
the server and Chromium set-up): a possible duplicate refused then confirmed, and a weight
entered with a decimal comma. Screenshots are kept in test-artifacts/."""

from __future__ import annotations

import re

# Fixtures and helpers shared with the other walk (it skips when Playwright or Chromium lack).
from test_browser import (
    ARTIFACTS,
    browser,
    first_demo_patient,
    live_app,
    page,
    pytestmark,
    sign_in,
)

__all__ = ["browser", "live_app", "page", "pytestmark"]


def test_duplicate_warning_then_a_weight_on_the_record(live_app, page) -> None:
    base, outbound = live_app
    patient = first_demo_patient()
    sign_in(page, base, "pharmacien", "Demo-Pharma-2026!")
    page.goto(f"{base}/patients/{patient['patient_id']}")
    born = page.get_by_text(re.compile(r"Née? le \d\d/\d\d/\d{4}")).inner_text()
    birth_date = re.search(r"\d\d/\d\d/\d{4}", born).group(0)

    page.goto(f"{base}/patients/nouveau")
    page.get_by_label("Nom d'usage").fill(patient["last_name"].upper())
    page.get_by_label("Prénom").fill(patient["first_name"].lower())
    page.get_by_text("Femme" if patient["sex"] == "F" else "Homme", exact=True).click()
    page.get_by_label("Date de naissance (JJ/MM/AAAA)").fill(birth_date)
    page.get_by_role("button", name="Créer le patient").click()
    page.get_by_text("Doublon possible").wait_for(timeout=15_000)
    assert page.get_by_role("row").filter(has_text=patient["patient_id"]).is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "new-patient-duplicate.png"), full_page=True)
    page.get_by_label("Pourquoi est-ce un autre patient").fill(
        "Homonyme : autre adresse, pièce d'identité vérifiée"
    )
    page.get_by_role("button", name="Confirmer").click()
    page.wait_for_url("**/patients/SEC*")
    page.get_by_text("créé pendant la panne").first.wait_for(timeout=15_000)
    page.screenshot(path=str(ARTIFACTS / "new-patient-record.png"), full_page=True)

    page.goto(f"{base}/patients/{patient['patient_id']}")
    page.get_by_text("Saisir une mesure").wait_for(timeout=15_000)
    page.get_by_label("Valeur").fill("6250")
    page.get_by_role("button", name="Enregistrer la mesure").click()
    page.get_by_text("Poids invraisemblable : 6\u00a0250 kg").wait_for(timeout=15_000)
    page.screenshot(path=str(ARTIFACTS / "measurement-refused.png"), full_page=True)
    page.get_by_label("Valeur").fill("62,5")
    page.get_by_role("button", name="Enregistrer la mesure").click()
    page.get_by_text("enregistrée : Poids 62,5 kg").wait_for(timeout=15_000)
    page.screenshot(path=str(ARTIFACTS / "measurement-recorded.png"), full_page=True)
    assert outbound.read_text() == ""
