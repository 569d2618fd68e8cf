"""Issue 9 through the services a click reaches, on the demo snapshot: a modification is a % of
the capped dose (vincristine), a no-op save records nothing, rounding keeps within the
tolerance (atropine), a stale creatinine refuses carboplatin, the Cockcroft-Gault weight and the
age on the cycle's first day are the ones recorded, an impossible height/weight pair is refused;
and validation reads the modification in the engine's order."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from prescription_helpers import RECENT_PATIENT, TODAY, activate_demo, audit_rows
from web_helpers import create_account

from chemo_fallback.modules.prescription import drafts, lifecycle, line_edits, queries
from chemo_fallback.modules.prescription.models import DraftRequest, PrescriptionError
from chemo_fallback.modules.validation import service as validation
from chemo_fallback.modules.validation.models import Severity
from chemo_fallback.site_settings import SiteSettings

SETTINGS = SiteSettings()
# PAYET Baptiste, man born 26/11/1958, 183 cm, 89,4 kg on 19/11/2026, creatinine 85 µmol/L on
# 19/11/2026: 67 years old on 25/11/2026, 68 on 26/11 (when the creatinine is 7 days old).
PAYET = "IPP10007442"


@pytest.fixture
def demo(store):
    activate_demo(store)
    return store


def draft(store, user, protocol: str, patient: str = RECENT_PATIENT, start=TODAY,
          settings: SiteSettings = SETTINGS):
    request = DraftRequest(
        patient_id=patient, protocol_id=protocol, cycle_no=2, cycle_start_date=start
    )
    return drafts.start_draft(store, user, request, settings, TODAY)


def drug_line(rx, drug_id: str):
    return next(line for line in rx.lines if line.drug_id == drug_id)


# --- item 5: modifications -------------------------------------------------------------------


def test_vincristine_reduction_is_a_percentage_of_the_capped_dose(demo) -> None:
    user = create_account(demo, "prescriber")
    rx = draft(demo, user, "RCHOP21")  # GARNIER Hamid 2,09 m²: 1,4 × 2,09 = 2,926 → 2 mg
    vinc = drug_line(rx, "VINCRISTINE")
    assert vinc.final_dose == 2.0
    half = line_edits.modify_dose(demo, user, rx.prescription_id, vinc.line_id, -50, "Neuro G2",
                                  SETTINGS)
    assert half.final_dose == 1.0  # was 1,5 mg when the % applied before the cap
    assert [s.rule for s in half.derivation.steps] == [
        "bsa", "theoretical", "max_per_dose", "modification", "rounding"
    ]
    assert "Réduction de 50 % de la dose plafonnée, 2 mg" in half.derivation.steps[3].description
    quarter = line_edits.modify_dose(demo, user, rx.prescription_id, vinc.line_id, -25, "Neuro G2",
                                     SETTINGS)
    assert quarter.final_dose == 1.5  # was 2 mg: −25 % changed nothing, silently
    audits = audit_rows(demo, "prescription.dose_modified")
    assert [(a["before_json"]["dose"], a["after_json"]["dose"]) for a in audits] == [
        (2.0, 1.0), (1.0, 1.5)
    ]
    assert audits[1]["after_json"]["modification_pct"] == -25
    stored = queries.read_prescription(demo, user, rx.prescription_id)
    assert drug_line(stored, "VINCRISTINE").final_dose == 1.5


def test_a_modification_that_changes_nothing_is_refused_and_not_recorded(demo) -> None:
    user = create_account(demo, "prescriber")
    rx = draft(demo, user, "RCHOP21")
    vinc = drug_line(rx, "VINCRISTINE")
    with pytest.raises(PrescriptionError) as refused:
        line_edits.modify_dose(demo, user, rx.prescription_id, vinc.line_id, 10, "RCP", SETTINGS)
    assert "La modification de +10 % ne change pas la dose finale (2 mg)" in str(refused.value)
    assert refused.value.code == "dose_modification_no_effect"
    assert "dose maximale (2 mg)" in str(refused.value)
    assert audit_rows(demo, "prescription.dose_modified") == []
    assert drug_line(queries.read_prescription(demo, user, rx.prescription_id),
                     "VINCRISTINE").modification_pct is None


def test_saving_the_dialog_unchanged_records_nothing(demo) -> None:
    user = create_account(demo, "prescriber")
    rx = draft(demo, user, "MFOLFOX6")
    oxali = drug_line(rx, "OXALIPLATINE")
    # nothing to nothing: no write, no audit, no error
    same = line_edits.modify_dose(demo, user, rx.prescription_id, oxali.line_id, 0, None, SETTINGS)
    assert same == oxali and audit_rows(demo, "prescription.dose_modified") == []
    first = line_edits.modify_dose(demo, user, rx.prescription_id, oxali.line_id, -20, "Neuro",
                                   SETTINGS)
    again = line_edits.modify_dose(demo, user, rx.prescription_id, oxali.line_id, -20.0,
                                   " Neuro ", SETTINGS)
    assert again == first
    assert len(audit_rows(demo, "prescription.dose_modified")) == 1
    # a new reason alone is a change: recorded
    line_edits.modify_dose(demo, user, rx.prescription_id, oxali.line_id, -20, "Neuropathie G2",
                           SETTINGS)
    assert len(audit_rows(demo, "prescription.dose_modified")) == 2


# --- item 6: rounding within the tolerance ----------------------------------------------------


def test_atropine_is_not_rounded_beyond_the_tolerance(demo) -> None:
    user = create_account(demo, "prescriber")
    rx = draft(demo, user, "FOLFIRI")
    atropine = drug_line(rx, "ATROPINE")
    assert atropine.final_dose == 0.25  # not 0,3 mg (+20 %)
    rounding = atropine.derivation.steps[-1]
    assert rounding.description.startswith("Arrondi au pas de 0,01 mg au lieu de 0,1 mg")
    # a site allowing 20 % gets 0,3 mg, just inside
    wide = SiteSettings(dose_tolerance_pct=20)
    assert drug_line(draft(demo, user, "FOLFIRI", settings=wide), "ATROPINE").final_dose == 0.3


# --- item 4: creatinine age, Cockcroft-Gault weight; item 8: age on the cycle's first day -----


@pytest.mark.parametrize(("start_offset", "age", "dose"), [(2, 67, 597.0), (3, 68, 591.0)])
def test_carboplatin_uses_the_age_on_day_1_and_a_creatinine_up_to_7_days(
    demo, start_offset: int, age: int, dose: float
) -> None:
    user = create_account(demo, "prescriber")
    start = TODAY + timedelta(days=start_offset)
    rx = draft(demo, user, "CARBO_PACLI", patient=PAYET, start=start)
    assert (rx.dosing.age_years, rx.dosing.age_on) == (age, start)
    carbo = drug_line(rx, "CARBOPLATINE")
    # (140 − age) × 89,4 × 1,23 / 85: 94,4 mL/min at 67, 93,1 at 68; × 5 (+ 25)
    assert carbo.final_dose == dose
    gfr = next(s for s in carbo.derivation.steps if s.rule == "gfr")
    assert f"homme, {age} ans, poids réel 89,4 kg" in gfr.description
    assert "créatininémie 85 µmol/L du 19/11/2026" in gfr.description
    [created] = audit_rows(demo, "prescription.draft_created")
    assert created["after_json"]["doses"][carbo.line_id] == dose


def test_carboplatin_refused_on_a_creatinine_8_days_old(demo) -> None:
    user = create_account(demo, "prescriber")
    with pytest.raises(PrescriptionError) as refused:
        draft(demo, user, "CARBO_PACLI", patient=PAYET, start=TODAY + timedelta(days=4))
    assert "la créatininémie du 19/11/2026 aura 8 jours le jour d'administration " in str(
        refused.value
    )
    assert "(27/11/2026), au-delà de la limite du site (7 jours)" in str(refused.value)
    assert refused.value.code == "dose_creatinine_too_old"
    assert audit_rows(demo, "prescription.draft_created") == []
    # a site allowing 8 days accepts it
    lenient = SiteSettings(creatinine_max_age_days=8)
    rx = draft(demo, user, "CARBO_PACLI", patient=PAYET, start=TODAY + timedelta(days=4),
               settings=lenient)
    assert rx.dosing.creatinine_max_age_days == 8 and drug_line(rx, "CARBOPLATINE").final_dose


def test_the_sites_cockcroft_gault_weight_is_recorded_and_shown(demo) -> None:
    user = create_account(demo, "prescriber")
    ideal = SiteSettings(cockcroft_gault_weight="ideal")
    rx = draft(demo, user, "CARBO_PACLI", patient=PAYET, start=TODAY + timedelta(days=2),
               settings=ideal)
    assert rx.dosing.cockcroft_gault_weight == "ideal"
    carbo = drug_line(rx, "CARBOPLATINE")
    # Devine: 50 + 0,9 × (183 − 152,4) = 77,54 → 77,5 kg; 73 × 77,5 × 1,23 / 85 = 81,9 mL/min
    assert (carbo.derivation.gfr_weight_kind, carbo.derivation.gfr_weight_kg) == ("ideal", 77.5)
    assert carbo.derivation.gfr_ml_min == 81.9
    assert carbo.final_dose == 535  # 5 × (81,9 + 25) = 534,5 → 535 mg (1 mg step, half up)
    gfr = next(s for s in carbo.derivation.steps if s.rule == "gfr")
    assert "poids idéal (Devine) 77,5 kg, poids réel 89,4 kg" in gfr.description
    # signing with another setting in force asks for a recomputation (same inputs as validated)
    with pytest.raises(PrescriptionError, match="Recalculer les doses"):
        lifecycle.sign(demo, user, rx.prescription_id, SETTINGS, TODAY)


# --- item 4: an impossible height/weight pair ------------------------------------------------


def test_an_impossible_bmi_refuses_every_dose(demo) -> None:
    user = create_account(demo, "prescriber")
    # a weight of 30 kg for a 185 cm patient (BMI 8,8), as it could come from an old record
    demo.cursor().execute(
        """INSERT INTO patient_measurements (patient_id, kind, value, unit, measured_on,
               recorded_at, recorded_by, recorded_by_name)
           VALUES (?, 'weight', 30, 'kg', ?, ?, 'legacy', 'Import')""",
        [RECENT_PATIENT, TODAY, datetime(2026, 11, 23, 8)],
    )
    with pytest.raises(PrescriptionError) as refused:
        draft(demo, user, "MFOLFOX6")
    assert "indice de masse corporelle de 8,77 kg/m², physiologiquement impossible" in str(
        refused.value
    )
    assert refused.value.code == "dose_bmi_impossible"
    assert audit_rows(demo, "prescription.draft_created") == []


# --- validation reads the modification in the engine's order --------------------------------


def test_validation_explains_a_reduction_of_the_capped_dose(demo) -> None:
    user = create_account(demo, "prescriber")
    pharmacist = create_account(demo, "pharmacist")
    rx = draft(demo, user, "RCHOP21")
    vinc = drug_line(rx, "VINCRISTINE")
    line_edits.modify_dose(demo, user, rx.prescription_id, vinc.line_id, -50, "Neuropathie G2",
                           SETTINGS)
    line_edits.set_indication_code(demo, user, rx.prescription_id, "RITUXIMAB", "I000456")
    lifecycle.sign(demo, user, rx.prescription_id, SETTINGS, TODAY)
    _rx, findings = validation.findings_of(demo, pharmacist, rx.prescription_id, SETTINGS, TODAY)
    [deviation] = [f for f in findings if f.code == "dose_deviation"]
    assert deviation.line_id == vinc.line_id
    assert deviation.severity == Severity.INFO  # 1 mg = 2 mg − 50 %: explained
    assert "dose réduite de 50 % par le prescripteur : Neuropathie G2" in deviation.message


@pytest.mark.parametrize(("final", "severity"), [
    (1.0, Severity.INFO), (1.05, Severity.INFO), (1.051, Severity.BLOCKING),
    (1.463, Severity.BLOCKING),  # the old order's dose (2,926 × 0,5) is no longer explained
])
def test_dose_deviation_reference_is_the_capped_dose_then_the_modification(final, severity):
    from test_validation_rules import context, derivation, found, line, prescription

    vinc = line(
        final, 2.926, max_dose=2.0, drug_id="VINCRISTINE", drug_inn="VINCRISTINE",
        modification_pct=-50.0, modification_reason="neuropathie",
        derivation=derivation(2.926, final, dose_limit=2.0, modification_pct=-50.0,
                              modification_reason="neuropathie"),
    )
    [finding] = found(context(prescription(lines=[vinc])), "dose_deviation")
    assert finding.severity == severity
    if severity == Severity.BLOCKING:
        assert "ne correspond pas à la modification" in finding.message
