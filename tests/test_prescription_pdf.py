"""The prescription's printed summary: read back with pdftotext, it shows the patient, the
protocol, every dose and the prescriber; a reprint is the same PDF marked DUPLICATA."""

from __future__ import annotations

import subprocess
from pathlib import Path

from prescription_helpers import RECENT_PATIENT, TODAY, activate_demo, audit_rows
from web_helpers import create_account

from chemo_fallback.modules.prescription import drafts, lifecycle, line_edits, notes, printing
from chemo_fallback.modules.prescription.models import DraftRequest
from chemo_fallback.site_settings import SiteSettings

SETTINGS = SiteSettings()


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "summary.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, check=True, text=True
    )
    return done.stdout


def test_summary_shows_patient_protocol_doses_and_prescriber(store, tmp_path: Path) -> None:
    activate_demo(store)
    pharmacist = create_account(store, "pharmacist")
    request = DraftRequest(
        patient_id=RECENT_PATIENT, protocol_id="RCHOP21", cycle_no=2, cycle_start_date=TODAY,
        prescriber_staff_id="MED003",
    )
    rx = drafts.start_draft(store, pharmacist, request, SETTINGS, TODAY)
    vincristine = next(x for x in rx.lines if x.drug_id == "VINCRISTINE")
    line_edits.modify_dose(
        store, pharmacist, rx.prescription_id, vincristine.line_id, -50, "Neuropathie", SETTINGS
    )
    line_edits.set_indication_code(store, pharmacist, rx.prescription_id, "RITUXIMAB", "I000456")
    lifecycle.sign(store, pharmacist, rx.prescription_id, SETTINGS, TODAY)
    notes.add_note(store, pharmacist, RECENT_PATIENT, "Prévoir antiémétique renforcé",
                   rx.prescription_id)
    document, pdf = printing.print_summary(store, pharmacist, rx.prescription_id, TODAY)
    (Path(__file__).parent.parent / "test-artifacts").mkdir(exist_ok=True)
    (Path(__file__).parent.parent / "test-artifacts" / "prescription-summary.pdf").write_bytes(pdf)
    text = pdf_text(pdf, tmp_path)
    flat = " ".join(text.split())
    for expected in (
        "Prescription de chimiothérapie",
        "GARNIER Hamid",
        "IPP10002366",
        "16/03/1956",
        "R-CHOP 21 — cycle 2",
        "Dr Jean-Claude FRANÇOIS (transcrite par Test pharmacist",
        "Transcrit par Test pharmacist",
        "185 cm",
        "85 kg",
        "Mosteller",
        "Liste en sus, indication I000456",
        "Modifiée de -50 % : Neuropathie",
        "Prévoir antiémétique renforcé",
        "Page 1 sur",
    ):
        assert expected in flat, expected
    # every dose of the prescription, as the screen shows it (2,09 m²); vincristine 2,926 mg
    # capped at 2 mg, then −50 %: 1 mg (issue 9: the % applies after the maximum)
    for dose in ("784 mg", "1 570 mg", "105 mg", "1 mg", "100 mg", "8 mg", "1 000 mg"):
        assert dose in flat, dose
    # a reprint: the same pages, marked DUPLICATA
    reprinted = printing.reprint_summary(store, pharmacist, document.document_id)
    assert reprinted == document.render(duplicata=True) != pdf
    assert "DUPLICATA" in pdf_text(reprinted, tmp_path) and "DUPLICATA" not in text
    assert [d.document_id for d in printing.printed_summaries(store, pharmacist,
                                                              rx.prescription_id)] == [
        document.document_id
    ]
    assert len(audit_rows(store, "document.printed")) == 1
    assert len(audit_rows(store, "document.reprinted")) == 1
