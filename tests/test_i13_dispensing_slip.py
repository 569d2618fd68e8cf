"""Issue 13 item 2, the delivery slip (kind `dispensing_slip`): what pdftotext reads on it —
ward, day, round, each preparation (patient's name, birth date and IPP, drug, dose, register
number, expiry, storage), the times, who hands over, who carries it, the receiver's lines — and a
reprint marked DUPLICATA, otherwise the same. Its first page is kept as a PNG in
test-artifacts/ to be looked at."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from prescription_helpers import TODAY
from test_i13_dispensing_helpers import WARD, account, released
from test_validation_service import at

from chemo_fallback.documents.store import documents_for, reprint
from chemo_fallback.modules.release import dispensing, dispensing_handover

ARTIFACTS = Path(__file__).parent.parent / "test-artifacts"
pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")


def text_of(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "slip.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                         check=True, text=True).stdout
    return " ".join(out.replace("\u00a0", " ").split())


def test_the_slip_shows_every_mention_and_a_reprint_is_a_duplicata(store, tmp_path) -> None:
    preps = released(store)
    pharmacist = account(store, "pharmacist")
    round_id = dispensing.create_round(store, pharmacist, WARD, TODAY, "tournée de 10 h",
                                       now=at(TODAY, 9))
    for name in ("oxaliplatin", "folinic", "bolus", "pump"):
        dispensing.add_by_scan(store, pharmacist, round_id, preps[name], now=at(TODAY, 9.25))
    slip = dispensing_handover.hand_over(store, pharmacist, round_id, "Marc Coursier",
                                         at(TODAY, 10 + 5 / 60), now=at(TODAY, 10.25))
    text = text_of(slip.pdf, tmp_path)
    for mention in (
        "Bordereau de délivrance — Hépato-gastro-entérologie — 23/11/2026 — tournée de 10 h",
        "Hépato-gastro-entérologie (HGE)", "tournée de 10 h — n° 1", "4 préparations",
        "du 23/11/2026 à 09:15 au 23/11/2026 à 09:15", "Tournée créée le", "23/11/2026 à 09:00",
        "Remise", "le 23/11/2026 à 10:05", "Test pharmacist (pharmacie) à Marc Coursier",
        "GARNIER Hamid", "né(e) le 16/03/1956", "IPP IPP10002366",
        "OXALIPLATINE 178 mg", "ACIDE FOLINIQUE 836 mg", "FLUOROURACILE 836 mg",
        "FLUOROURACILE 5 020 mg", "diffuseur portable (élastomérique)", "230 mL",
        "poche — 285,6 mL", "seringue — 16,7 mL",
        "25/11/2026 à", "24/11/2026 à", "30/11/2026 à", "08:00",
        "entre +2 et +8 °C", "entre +15 et +25 °C", "à l'abri de la lumière",
        "☐ Reçu", "Remis par (pharmacie)", "Emporté par", "Reçu dans le service par",
        "Nom : ____", "le ____/____/________ à ____ h ____", "Signature : ____",
        "vérifiez chaque étiquette (patient, médicament, dose, péremption, aspect)",
        "Page 1 sur 1", "Imprimé le",
    ):
        assert mention in text, mention
    for prep_id in preps.values():
        assert prep_id in text and prep_id.removeprefix("FAB") in text
    assert "DUPLICATA" not in text
    content = slip.content()  # the data the slip is rendered from, as stored
    assert (content.ward_name, content.day, content.label, content.handed_over_at,
            content.handed_over_by_name, content.carried_by_name) == (
        "Hépato-gastro-entérologie", "23/11/2026", "tournée de 10 h", "23/11/2026 à 10:05",
        "Test pharmacist", "Marc Coursier")
    first = content.rows[0]
    assert (first.register_no, first.patient_name, first.birth_date, first.patient_id,
            first.drug, first.expires_at, first.storage) == (
        preps["oxaliplatin"][3:], "GARNIER Hamid", "16/03/1956", "IPP10002366", "oxaliplatine",
        "25/11/2026 à 08:00", "entre +2 et +8 °C (réfrigérateur)")
    [stored] = documents_for(store, "dispensing_round", str(round_id))
    again = reprint(store, pharmacist, stored.document_id, "bordereau taché")
    copy = text_of(again, tmp_path)
    assert "DUPLICATA" in copy and "GARNIER Hamid" in copy
    assert stored.render() == slip.pdf  # the stored data renders the first print again
    if shutil.which("pdftoppm"):
        ARTIFACTS.mkdir(exist_ok=True)
        (tmp_path / "slip.pdf").write_bytes(slip.pdf)
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1",
                        str(tmp_path / "slip.pdf"), str(ARTIFACTS / "i13-dispensing-slip")],
                       check=True)
