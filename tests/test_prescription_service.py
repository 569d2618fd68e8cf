"""Prescription use cases on the demo snapshot: drafts, doses, changes, signature, versions,
cancellation, notes, lists; refusals; the audit record of each."""

from __future__ import annotations

from datetime import timedelta

import pytest
from prescription_helpers import (
    RECENT_PATIENT,
    RITUXIMAB_PROTOCOL,
    STALE_PATIENT,
    TODAY,
    activate_demo,
    audit_rows,
)
from web_helpers import create_account

from chemo_fallback.auth.roles import PermissionDenied
from chemo_fallback.modules.prescription import drafts, lifecycle, line_edits, notes, queries
from chemo_fallback.modules.prescription.models import (
    DraftRequest,
    OffProtocolLine,
    PrescriptionError,
    Status,
)
from chemo_fallback.site_settings import SiteSettings

SETTINGS = SiteSettings()


@pytest.fixture
def demo(store):
    activate_demo(store)
    return store


def draft(store, user, patient=RECENT_PATIENT, protocol="MFOLFOX6", cycle=3, **more):
    request = DraftRequest(
        patient_id=patient, protocol_id=protocol, cycle_no=cycle, cycle_start_date=TODAY, **more
    )
    return drafts.start_draft(store, user, request, SETTINGS, TODAY)


def test_mfolfox6_cycle_3_has_every_line_with_its_dose(demo) -> None:
    prescriber = create_account(demo, "prescriber")
    rx = draft(demo, prescriber)
    assert rx.status == Status.DRAFT and rx.cycle_no == 3 and rx.version_no == 1
    assert rx.prescriber.name == "Test prescriber" and not rx.prescriber.transcribed
    # 185 cm, 85 kg: Mosteller √(185 × 85 / 3600) = 2,09 m²
    assert rx.dosing.height.value == 185 and rx.dosing.weight.value == 85
    doses = {(x.drug_id or x.label, x.protocol_dose): x.final_dose for x in rx.lines}
    assert doses[("OXALIPLATINE", 85.0)] == 178  # 177,65 → 178 mg
    assert doses[("ACIDE_FOLINIQUE", 400.0)] == 836
    assert doses[("FLUOROURACILE", 400.0)] == 836
    assert doses[("FLUOROURACILE", 2400.0)] == 5020  # 5016 → 5020 (10 mg step above 1 g)
    assert doses[("ONDANSETRON", 8.0)] == 8
    assert doses[("NaCl 0,9 % 250 mL (garde-veine)", 0.0)] is None  # a volume, not a dose
    oxali = next(x for x in rx.lines if x.drug_id == "OXALIPLATINE")
    assert [s.rule for s in oxali.derivation.steps] == ["bsa", "theoretical", "rounding"]
    assert all(x.planned_date == TODAY and x.day_no == 1 for x in rx.lines)
    [created] = audit_rows(demo, "prescription.draft_created")
    assert created["actor"] == "prescriber" and created["record_id"] == rx.prescription_id
    assert created["after_json"]["cycle_no"] == 3
    assert created["after_json"]["doses"][oxali.line_id] == 178
    stored = queries.read_prescription(demo, prescriber, rx.prescription_id)
    assert stored == rx


def test_dose_modification_needs_a_reason_and_is_audited(demo) -> None:
    user = create_account(demo, "prescriber")
    rx = draft(demo, user)
    oxali = next(x for x in rx.lines if x.drug_id == "OXALIPLATINE")
    with pytest.raises(PrescriptionError, match="motif de la modification est obligatoire"):
        line_edits.modify_dose(demo, user, rx.prescription_id, oxali.line_id, -20, " ", SETTINGS)
    line = line_edits.modify_dose(
        demo, user, rx.prescription_id, oxali.line_id, -20, "Neuropathie grade 2", SETTINGS
    )
    assert line.final_dose == 142  # 177,65 × 0,8 = 142,12
    assert [s.rule for s in line.derivation.steps] == [
        "bsa", "theoretical", "modification", "rounding"
    ]
    [audit] = audit_rows(demo, "prescription.dose_modified")
    assert audit["reason"] == "Neuropathie grade 2"
    assert audit["before_json"]["dose"] == 178 and audit["after_json"]["dose"] == 142
    back = line_edits.modify_dose(demo, user, rx.prescription_id, oxali.line_id, 0, None, SETTINGS)
    assert back.final_dose == 178 and back.modification_reason is None


def test_pharmacist_transcribes_for_a_named_prescriber(demo) -> None:
    pharmacist = create_account(demo, "pharmacist")
    with pytest.raises(PrescriptionError, match="choisissez le médecin prescripteur"):
        draft(demo, pharmacist)
    with pytest.raises(PrescriptionError, match="inconnu de l'annuaire"):
        draft(demo, pharmacist, prescriber_staff_id="PPH001")
    rx = draft(demo, pharmacist, prescriber_staff_id="MED003")
    assert rx.prescriber.transcribed and rx.prescriber.staff_id == "MED003"
    assert rx.prescriber.name == "Dr Jean-Claude FRANÇOIS"
    assert lifecycle.signature_meaning(pharmacist).value == "transcrit"


def test_refusals_say_what_is_wrong(demo) -> None:
    user = create_account(demo, "prescriber")
    with pytest.raises(PrescriptionError, match=r"Poids trop ancien.*08/11/2026.*15 jours"):
        draft(demo, user, patient=STALE_PATIENT)
    with pytest.raises(PrescriptionError, match="introuvable"):
        draft(demo, user, patient="IPP99999999")
    with pytest.raises(PrescriptionError, match="absent du thésaurus"):
        draft(demo, user, protocol="NOPE")
    with pytest.raises(PrescriptionError, match="Cycle 0 refusé : les cycles se numérotent"):
        draft(demo, user, cycle=0)
    with pytest.raises(PrescriptionError, match="Jours choisis absents du protocole : J2"):
        draft(demo, user, days=(1, 2))
    late = DraftRequest(
        patient_id=RECENT_PATIENT, protocol_id="MFOLFOX6", cycle_no=3,
        cycle_start_date=TODAY - timedelta(days=31),
    )
    with pytest.raises(PrescriptionError, match="invraisemblable"):
        drafts.start_draft(demo, user, late, SETTINGS, TODAY)
    nurse = create_account(demo, "nurse")
    with pytest.raises(PermissionDenied):
        draft(demo, nurse)
    assert audit_rows(demo, "prescription.draft_created") == []  # nothing half-written
    assert demo.cursor().execute("SELECT count(*) FROM rx_prescriptions").fetchone()[0] == 0


def test_liste_en_sus_code_required_to_sign_then_signed(demo) -> None:
    user = create_account(demo, "prescriber")
    rx = draft(demo, user, protocol=RITUXIMAB_PROTOCOL, cycle=1)
    ritux = next(x for x in rx.lines if x.drug_id == "RITUXIMAB")
    assert ritux.liste_en_sus and ritux.indication_code is None
    with pytest.raises(PrescriptionError, match=r"rituximab \(J1\) : médicament de la liste"):
        lifecycle.sign(demo, user, rx.prescription_id, SETTINGS, TODAY)
    with pytest.raises(PrescriptionError, match="I suivi de 6 chiffres"):
        line_edits.set_indication_code(demo, user, rx.prescription_id, "RITUXIMAB", "12345")
    line_edits.set_indication_code(demo, user, rx.prescription_id, "RITUXIMAB", "i000456")
    [audit] = audit_rows(demo, "prescription.indication_set")
    assert audit["after_json"] == {"drug_id": "RITUXIMAB", "code": "I000456"}
    signature = lifecycle.sign(demo, user, rx.prescription_id, SETTINGS, TODAY)
    assert signature.meaning == "prescrit"
    signed = queries.read_prescription(demo, user, rx.prescription_id)
    assert signed.status == Status.SIGNED and signed.signed_by == "prescriber"
    assert next(x for x in signed.lines if x.drug_id == "RITUXIMAB").indication_code == "I000456"
    assert audit_rows(demo, "prescription.signed")[0]["after_json"]["status"] == "signed"
    # past draft: read-only
    with pytest.raises(PrescriptionError, match="ne se modifie plus"):
        line_edits.modify_dose(demo, user, rx.prescription_id, ritux.line_id, -10, "tox", SETTINGS)


def test_off_protocol_line_needs_a_reason_and_is_flagged(demo) -> None:
    user = create_account(demo, "prescriber")
    rx = draft(demo, user)
    wanted = dict(drug_id="IRINOTECAN", dose=180, dose_basis="mg/m2", day_no=1, route="IV")
    with pytest.raises(PrescriptionError, match="motif d'une ligne hors protocole"):
        line_edits.add_off_protocol_line(
            demo, user, rx.prescription_id, OffProtocolLine(**wanted, reason=""), SETTINGS
        )
    line = line_edits.add_off_protocol_line(
        demo, user, rx.prescription_id,
        OffProtocolLine(**wanted, reason="FOLFIRINOX décidé en RCP"), SETTINGS,
    )
    assert line.off_protocol and line.protocol_line_no is None
    assert line.final_dose == 376  # 180 × 2,09 = 376,2
    with pytest.raises(PrescriptionError, match="hors du cycle"):
        line_edits.add_off_protocol_line(
            demo, user, rx.prescription_id,
            OffProtocolLine(**{**wanted, "day_no": 15}, reason="test"), SETTINGS,
        )
    [audit] = audit_rows(demo, "prescription.line_added")
    assert audit["reason"] == "FOLFIRINOX décidé en RCP" and audit["after_json"]["off_protocol"]


def test_correction_is_a_new_version_and_keeps_the_old_one(demo) -> None:
    user = create_account(demo, "prescriber")
    rx = draft(demo, user)
    lifecycle.sign(demo, user, rx.prescription_id, SETTINGS, TODAY)
    other = draft(demo, user)
    with pytest.raises(PrescriptionError, match="ne se corrige pas"):
        lifecycle.start_correction(demo, user, other.prescription_id, SETTINGS)
    v2 = lifecycle.start_correction(demo, user, rx.prescription_id, SETTINGS)
    assert v2.prescription_id == f"{rx.prescription_id}-2" and v2.version_no == 2
    assert v2.status == Status.DRAFT and v2.supersedes_id == rx.prescription_id
    assert lifecycle.start_correction(demo, user, rx.prescription_id, SETTINGS) == v2  # not twice
    oxali = next(x for x in v2.lines if x.drug_id == "OXALIPLATINE")
    line_edits.modify_dose(demo, user, v2.prescription_id, oxali.line_id, -25, "Tox", SETTINGS)
    assert queries.read_prescription(demo, user, rx.prescription_id).status == Status.SIGNED
    lifecycle.sign(demo, user, v2.prescription_id, SETTINGS, TODAY)
    old = queries.read_prescription(demo, user, rx.prescription_id)
    assert old.status == Status.SUPERSEDED
    assert old.status_reason == f"remplacée par la version corrigée {v2.prescription_id}"
    assert next(x for x in old.lines if x.drug_id == "OXALIPLATINE").final_dose == 178
    assert [v for _id, v, _s in queries.versions(demo, user, old)] == [1, 2]
    [superseded] = audit_rows(demo, "prescription.superseded")
    assert superseded["record_id"] == rx.prescription_id


def test_cancel_with_a_reason(demo) -> None:
    user = create_account(demo, "prescriber")
    rx = draft(demo, user)
    lifecycle.sign(demo, user, rx.prescription_id, SETTINGS, TODAY)
    with pytest.raises(PrescriptionError, match="motif d'annulation est obligatoire"):
        lifecycle.cancel(demo, user, rx.prescription_id, "")
    lifecycle.cancel(demo, user, rx.prescription_id, "Progression, arrêt du protocole")
    cancelled = queries.read_prescription(demo, user, rx.prescription_id)
    assert cancelled.status == Status.CANCELLED
    assert cancelled.status_reason == "Progression, arrêt du protocole"
    with pytest.raises(PrescriptionError, match="Impossible de passer"):
        lifecycle.cancel(demo, user, rx.prescription_id, "encore")
    [audit] = audit_rows(demo, "prescription.cancelled")
    assert audit["before_json"] == {"status": "signed"}
    assert audit["reason"] == "Progression, arrêt du protocole"


def test_signature_refused_when_a_newer_weight_exists(demo) -> None:
    from chemo_fallback.patients.measurements import record_measurement

    user = create_account(demo, "prescriber")
    rx = draft(demo, user)
    record_measurement(demo, user, RECENT_PATIENT, "weight", 80.0, TODAY, today=TODAY)
    with pytest.raises(PrescriptionError, match="Recalculer les doses"):
        lifecycle.sign(demo, user, rx.prescription_id, SETTINGS, TODAY)
    again = line_edits.recompute(demo, user, rx.prescription_id, SETTINGS, TODAY)
    assert again.dosing.weight.value == 80
    # √(185 × 80 / 3600) = 2,03 m²; 85 × 2,03 = 172,55 → 173 mg
    assert next(x for x in again.lines if x.drug_id == "OXALIPLATINE").final_dose == 173
    lifecycle.sign(demo, user, rx.prescription_id, SETTINGS, TODAY)
    assert audit_rows(demo, "prescription.recomputed")[0]["after_json"]["status"] == "draft"


def test_move_a_day_keeps_the_days_in_order(demo) -> None:
    user = create_account(demo, "pharmacist")
    rx = draft(demo, user, protocol="GEMCITABINE", cycle=1, prescriber_staff_id="MED001")
    assert [d for d, _ in rx.days] == [1, 8, 15]
    with pytest.raises(PrescriptionError, match="rester dans l'ordre"):
        line_edits.move_day(demo, user, rx.prescription_id, 8, TODAY + timedelta(days=14),
                            SETTINGS, TODAY)
    line_edits.move_day(demo, user, rx.prescription_id, 8, TODAY + timedelta(days=8), SETTINGS,
                        TODAY)
    moved = queries.read_prescription(demo, user, rx.prescription_id)
    assert dict(moved.days)[8] == TODAY + timedelta(days=8)
    assert audit_rows(demo, "prescription.day_moved")[0]["after_json"]["day_no"] == 8


def test_notes_on_patient_and_prescription(demo) -> None:
    prescriber = create_account(demo, "prescriber")
    nurse = create_account(demo, "nurse")
    rx = draft(demo, prescriber)
    notes.add_note(demo, prescriber, RECENT_PATIENT, "Patient anxieux, prévoir du temps.")
    notes.add_note(demo, nurse, RECENT_PATIENT, "Voie veineuse difficile", rx.prescription_id)
    with pytest.raises(PrescriptionError, match="Note vide"):
        notes.add_note(demo, nurse, RECENT_PATIENT, "   ")
    found = notes.notes_for(demo, nurse, RECENT_PATIENT)
    assert [(n.text, n.prescription_id, n.author_role) for n in found] == [
        ("Voie veineuse difficile", rx.prescription_id, "infirmier(e)"),
        ("Patient anxieux, prévoir du temps.", None, "médecin prescripteur"),
    ]
    assert len(audit_rows(demo, "note.added")) == 2


def test_worklist_by_day_and_ward_holds_both_sources(demo) -> None:
    user = create_account(demo, "prescriber")
    rx = draft(demo, user)
    entries = queries.worklist(demo, user, TODAY, TODAY + timedelta(days=6))
    assert entries == sorted(entries, key=lambda e: e.planned_date)
    own = [e for e in entries if e.source == "secours"]
    assert [(e.prescription_id, e.day_no, e.status) for e in own] == [
        (rx.prescription_id, 1, "brouillon")
    ]
    assert own[0].patient_name == "GARNIER Hamid" and "oxaliplatine" in own[0].drugs
    assert any(e.source == "instantané" for e in entries)
    ward = queries.worklist(demo, user, TODAY, TODAY + timedelta(days=6), "HGE")
    assert ward and {e.ward_id for e in ward} == {"HGE"}
    lifecycle.cancel(demo, user, rx.prescription_id, "Erreur de patient")
    after = queries.worklist(demo, user, TODAY, TODAY + timedelta(days=6))
    assert rx.prescription_id not in {e.prescription_id for e in after}


def test_a_draft_is_changed_and_signed_only_by_its_author_side(demo) -> None:
    author = create_account(demo, "prescriber")
    other = create_account(demo, "prescriber", "autre_medecin")
    pharmacist = create_account(demo, "pharmacist")
    own = draft(demo, author)
    oxali = next(x for x in own.lines if x.drug_id == "OXALIPLATINE")
    for intruder in (other, pharmacist):
        with pytest.raises(PrescriptionError, match="lui seul le modifie et le signe"):
            line_edits.modify_dose(demo, intruder, own.prescription_id, oxali.line_id, -10, "tox",
                                   SETTINGS)
        with pytest.raises(PrescriptionError, match="lui seul le modifie et le signe"):
            lifecycle.sign(demo, intruder, own.prescription_id, SETTINGS, TODAY)
    transcribed = draft(demo, pharmacist, prescriber_staff_id="MED003")
    with pytest.raises(PrescriptionError, match="seul un pharmacien le modifie"):
        lifecycle.sign(demo, author, transcribed.prescription_id, SETTINGS, TODAY)
    lifecycle.sign(demo, pharmacist, transcribed.prescription_id, SETTINGS, TODAY)
    # a pharmacist's correction of a physician's prescription is a transcription in its name
    lifecycle.sign(demo, author, own.prescription_id, SETTINGS, TODAY)
    correction = lifecycle.start_correction(demo, pharmacist, own.prescription_id, SETTINGS)
    assert correction.prescriber.transcribed
    assert correction.prescriber.name == "Test prescriber"


def test_impossible_values_are_refused_not_computed(demo) -> None:
    user = create_account(demo, "prescriber")
    rx = draft(demo, user)
    oxali = next(x for x in rx.lines if x.drug_id == "OXALIPLATINE")
    with pytest.raises(PrescriptionError, match="pourcentage de modification"):
        line_edits.modify_dose(demo, user, rx.prescription_id, oxali.line_id, -150, "tox", SETTINGS)
    with pytest.raises(PrescriptionError, match="doit être positive"):
        line_edits.add_off_protocol_line(
            demo, user, rx.prescription_id,
            OffProtocolLine(drug_id="IRINOTECAN", dose=0, dose_basis="mg/m2", day_no=1,
                            route="IV", reason="RCP"),
            SETTINGS,
        )
    with pytest.raises(PrescriptionError, match="volume final"):
        line_edits.add_off_protocol_line(
            demo, user, rx.prescription_id,
            OffProtocolLine(drug_id="IRINOTECAN", dose=180, dose_basis="mg/m2", day_no=1,
                            route="IV", reason="RCP", volume_ml=-250),
            SETTINGS,
        )
    unchanged = queries.read_prescription(demo, user, rx.prescription_id)
    assert unchanged == rx


def test_take_over_a_production_prescription_of_the_snapshot(demo) -> None:
    """GARNIER Hamid's cycle 5 (ORD01000250, 03/12/2026, Dr KLEIN) was prescribed in the
    production software before the outage: a pharmacist continues it in the fallback."""
    pharmacist = create_account(demo, "pharmacist")
    rx = drafts.take_over(demo, pharmacist, "ORD01000250", SETTINGS, TODAY)
    assert (rx.protocol_id, rx.cycle_no, rx.cycle_start_date) == (
        "MFOLFOX6", 5, TODAY + timedelta(days=10)
    )
    assert rx.prescriber.transcribed and rx.prescriber.staff_id == "MED016"
    assert rx.snapshot_prescription_id == "ORD01000250" and rx.status == Status.DRAFT
    assert next(x for x in rx.lines if x.drug_id == "OXALIPLATINE").final_dose == 178
    assert drafts.take_over(demo, pharmacist, "ORD01000250", SETTINGS, TODAY) == rx  # once
    [created] = audit_rows(demo, "prescription.draft_created")
    assert created["after_json"]["continues"] == "ORD01000250"
    day = TODAY + timedelta(days=10)
    rows = [e for e in queries.worklist(demo, pharmacist, day, day) if e.patient_id ==
            RECENT_PATIENT]
    assert [(e.source, e.prescription_id, e.continues) for e in rows] == [
        ("secours", rx.prescription_id, "ORD01000250")
    ]
    with pytest.raises(PrescriptionError, match="déjà administrée"):
        drafts.take_over(demo, pharmacist, "ORD01000244", SETTINGS, TODAY)
    with pytest.raises(PrescriptionError, match="absente de l'instantané"):
        drafts.take_over(demo, pharmacist, "ORD0", SETTINGS, TODAY)
