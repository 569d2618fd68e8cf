"""Issue 10, the prescription's side (service level): who signed and decided what (signatures,
points lifted with their reasons, single-pharmacist mark, feux verts) on the record and in its
PDF; the body surface area printed; a request for a change on the prescriber's worklist and
on the version that answers it; the signature's blockers known before any password; a
correction started twice gives one draft."""

from __future__ import annotations

import shutil
import subprocess
from datetime import datetime, timedelta

import pytest
from prescription_helpers import RECENT_PATIENT, TODAY, activate_demo, audit_rows
from web_helpers import create_account

from chemo_fallback.documents import reprint
from chemo_fallback.modules.prescription import drafts, lifecycle, line_edits, printing, queries
from chemo_fallback.modules.prescription.models import DraftRequest, PrescriptionError, Status
from chemo_fallback.modules.validation import decisions
from chemo_fallback.modules.validation import service as validation
from chemo_fallback.modules.validation.go_ahead import record_go_ahead
from chemo_fallback.modules.validation.models import Override, Severity
from chemo_fallback.site_settings import SiteSettings

SETTINGS = SiteSettings()
LIFT_REASON = "Report du C4 décidé en RCP"


@pytest.fixture
def demo(store):
    activate_demo(store)
    return store


def at(day, hours: float = 0.0) -> datetime:
    return datetime.combine(day, datetime.min.time()) + timedelta(hours=hours)


def signed_mfolfox6(store, cycle: int = 6):
    """GARNIER Hamid's mFOLFOX6 today, signed: 4 days after his cycle 4 of the snapshot, so
    the validation has blocking points to lift."""
    prescriber = create_account(store, "prescriber", f"dr{cycle}")
    request = DraftRequest(
        patient_id=RECENT_PATIENT, protocol_id="MFOLFOX6", cycle_no=cycle, cycle_start_date=TODAY
    )
    rx = drafts.start_draft(store, prescriber, request, SETTINGS, TODAY)
    lifecycle.sign(store, prescriber, rx.prescription_id, SETTINGS, TODAY)
    # created at the real clock's now; the demo's day is pinned to TODAY (feu vert checks)
    store.cursor().execute(
        "UPDATE rx_prescriptions SET created_at = ? WHERE prescription_id = ?",
        [at(TODAY, 7), rx.prescription_id],
    )
    return prescriber, rx.prescription_id


def validated_mfolfox6(store):
    prescriber, rx_id = signed_mfolfox6(store)
    pharmacist = create_account(store, "pharmacist", "ph-valide")
    _rx, findings = validation.findings_of(store, pharmacist, rx_id, SETTINGS, TODAY)
    lifted = [Override(key=f.key, reason=LIFT_REASON) for f in findings
              if f.severity == Severity.BLOCKING]
    assert lifted
    assert decisions.validate(store, pharmacist, rx_id, lifted, SETTINGS, TODAY) == "validated"
    nurse = create_account(store, "nurse", "ide")
    record_go_ahead(store, nurse, rx_id, 1, "Dr Colin (HDJ)", at(TODAY, 8.5),
                    "PNN du matin OK", now=at(TODAY, 9))
    return prescriber, pharmacist, rx_id


def pdf_text(pdf: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed")
    path = tmp_path / "summary.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout
    return " ".join(text.replace("\u00a0", " ").split())


def test_the_trail_names_both_signers_the_points_lifted_and_the_feu_vert(demo) -> None:
    prescriber, _pharmacist, rx_id = validated_mfolfox6(demo)
    rx = queries.read_prescription(demo, prescriber, rx_id)
    trail = queries.trail(demo, prescriber, rx)
    assert [(s.display_name, s.meaning) for s in trail.signatures] == [
        ("Test prescriber", "prescrit"), ("Test pharmacist", "validé")
    ]
    assert trail.signatures[0].text.startswith("Prescrit par Test prescriber (")
    [decision] = trail.decisions
    assert (decision.decision, decision.pharmacist_name) == ("validated", "Test pharmacist")
    assert not decision.single_pharmacist
    assert {p.reason for p in decision.lifted} == {LIFT_REASON}
    keys = {p.key for p in decision.lifted}
    assert "interval_short" in keys
    interval = next(p for p in decision.lifted if p.key == "interval_short")
    assert "19/11/2026" in interval.message  # the finding as the pharmacist saw it
    [go_ahead] = trail.go_aheads
    assert (go_ahead.day_no, go_ahead.given_by, go_ahead.recorded_by_name) == (
        1, "Dr Colin (HDJ)", "Test nurse"
    )
    assert trail.answers is None


def test_the_pdf_after_validation_says_who_signed_what_was_lifted_and_the_bsa(
    demo, tmp_path
) -> None:
    prescriber, rx_id = signed_mfolfox6(demo)
    before, before_pdf = printing.print_summary(demo, prescriber, rx_id, TODAY)
    pharmacist = create_account(demo, "pharmacist", "ph-valide")
    _rx, findings = validation.findings_of(demo, pharmacist, rx_id, SETTINGS, TODAY)
    lifted = [Override(key=f.key, reason=LIFT_REASON) for f in findings
              if f.severity == Severity.BLOCKING]
    decisions.validate(demo, pharmacist, rx_id, lifted, SETTINGS, TODAY)
    nurse = create_account(demo, "nurse", "ide")
    record_go_ahead(demo, nurse, rx_id, 1, "Dr Colin (HDJ)", at(TODAY, 8.5),
                    now=at(TODAY, 9))
    _after, after_pdf = printing.print_summary(demo, prescriber, rx_id, TODAY)
    text = pdf_text(after_pdf, tmp_path)
    assert "Prescrit par Test prescriber" in text
    assert "Validé par Test pharmacist" in text
    assert "Validation pharmaceutique par Test pharmacist le" in text
    assert LIFT_REASON in text
    assert "Point levé" in text and f"motif : {LIFT_REASON}" in text
    assert "feu vert de Dr Colin (HDJ) le 23/11/2026 à 08:30, enregistré par Test nurse" in text
    assert "2,09 m² (Mosteller, 185 cm, 85 kg)" in text  # the BSA, not only the formula
    # the print made before the validation is reprinted as it was, byte for byte (plus the
    # DUPLICATA mark of a reprint)
    old_text = pdf_text(before_pdf, tmp_path)
    assert "Validé par" not in old_text
    assert "aucune décision pharmaceutique à l'impression" in old_text
    assert reprint(demo, prescriber, before.document_id) == before.render(duplicata=True)


def test_a_change_requested_shows_on_the_worklist_with_the_question(demo) -> None:
    prescriber, rx_id = signed_mfolfox6(demo)
    pharmacist = create_account(demo, "pharmacist", "ph-question")
    decisions.request_change(demo, pharmacist, rx_id, "4", "Oxaliplatine : réduire à 75 %")
    rx = queries.read_prescription(demo, prescriber, rx_id)
    assert rx.status == Status.CHANGE_REQUESTED
    far = TODAY + timedelta(days=40)  # the filter shows them whatever the period
    entries = queries.worklist(demo, prescriber, far, far, None, change_requested=True)
    assert {e.prescription_id for e in entries} == {rx_id}
    entry = entries[0]
    assert entry.status == "modification demandée" and entry.status_code == "change_requested"
    assert entry.question.startswith("Modification demandée par Test pharmacist le ")
    assert entry.question.endswith("Surdosage — Oxaliplatine : réduire à 75 %")
    assert queries.change_requested_count(demo, prescriber) == 1
    # the same prescription in the ordinary list of its day carries the question too
    day = queries.worklist(demo, prescriber, TODAY, TODAY)
    mine = [e for e in day if e.prescription_id == rx_id]
    assert mine and all(e.question == entry.question for e in mine)
    assert all(e.question is None for e in day if e.prescription_id != rx_id)
    # the corrected version shows the question it answers
    correction = lifecycle.start_correction(demo, prescriber, rx_id, SETTINGS)
    answers = queries.trail(demo, prescriber, correction).answers
    assert answers is not None and answers.prescription_id == rx_id
    assert queries.question_text(answers) == entry.question


def test_start_correction_twice_gives_one_draft(demo) -> None:
    prescriber, _pharmacist, rx_id = validated_mfolfox6(demo)
    first = lifecycle.start_correction(demo, prescriber, rx_id, SETTINGS, request_key="k" * 16)
    again = lifecycle.start_correction(demo, prescriber, rx_id, SETTINGS, request_key="k" * 16)
    plain = lifecycle.start_correction(demo, prescriber, rx_id, SETTINGS)
    assert first.prescription_id == again.prescription_id == plain.prescription_id
    assert len(audit_rows(demo, "prescription.correction_started")) == 1
    # the same request sent again after the draft was cancelled finds that draft, not a new one
    lifecycle.cancel(demo, prescriber, first.prescription_id, "Doublon")
    late = lifecycle.start_correction(demo, prescriber, rx_id, SETTINGS, request_key="k" * 16)
    assert late.prescription_id == first.prescription_id
    assert len(audit_rows(demo, "prescription.correction_started")) == 1


def test_sign_blockers_are_the_refusals_of_sign(demo) -> None:
    prescriber = create_account(demo, "prescriber")
    request = DraftRequest(
        patient_id=RECENT_PATIENT, protocol_id="RCHOP21", cycle_no=1, cycle_start_date=TODAY
    )
    rx = drafts.start_draft(demo, prescriber, request, SETTINGS, TODAY)
    blockers = lifecycle.sign_blockers(demo, prescriber, rx.prescription_id, SETTINGS, TODAY)
    assert any("liste en sus" in b and "code indication est obligatoire" in b for b in blockers)
    with pytest.raises(PrescriptionError) as refused:
        lifecycle.sign(demo, prescriber, rx.prescription_id, SETTINGS, TODAY)
    assert all(b in str(refused.value) for b in blockers)
    line_edits.set_indication_code(demo, prescriber, rx.prescription_id, "RITUXIMAB", "I000456")
    assert lifecycle.sign_blockers(demo, prescriber, rx.prescription_id, SETTINGS, TODAY) == []
    lifecycle.sign(demo, prescriber, rx.prescription_id, SETTINGS, TODAY)
    # once signed, the blocker says why there is nothing left to sign
    [late] = lifecycle.sign_blockers(demo, prescriber, rx.prescription_id, SETTINGS, TODAY)
    assert late
