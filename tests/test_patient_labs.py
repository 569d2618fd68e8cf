"""Lab results entered from a paper report (issue 9, items 3 and 11), the creatinine doses use
(one source of truth, item 2) and the BMI asked at height/weight entry (item 4), through the
services the patient record page calls."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from factory import write_snapshot
from prescription_helpers import audit_rows
from test_measurements import HELENE, TODAY, lab
from test_patient_search import snapshot_rows
from web_helpers import create_account

from chemo_fallback.auth.roles import PermissionDenied
from chemo_fallback.patients.lab_rules import max_plausible_clearance_ml_min
from chemo_fallback.patients.lab_units import normalise
from chemo_fallback.patients.labs import record_lab_result
from chemo_fallback.patients.local import create_local_patient
from chemo_fallback.patients.measurements import latest_measurements, record_measurement
from chemo_fallback.patients.models import InvalidEntry, NeedsConfirmation, NewPatient
from chemo_fallback.patients.record import load_patient_record
from chemo_fallback.snapshot.activation import activate_snapshot

NOW = datetime(2026, 11, 20, 12, 0)
MORNING = datetime(2026, 11, 20, 8, 0)
MOREAU = "IPP00000002"  # man born 02/07/1949 (77 years), 178 cm, 81 kg on 10/11/2026


@pytest.fixture
def active(store, tmp_path):
    rows = snapshot_rows()
    rows["lab_results"] += [
        lab("CR1", HELENE, 70, "µmol/L", "2026-11-12 08:00:00"),
        lab("CR2", HELENE, 74, "µmol/L", "2026-11-18 08:00:00"),
        lab("CR9", MOREAU, 90, "µmol/L", "2026-11-10 08:00:00"),
        lab("CR8", MOREAU, 1.1, "mmol/L", "2026-11-15 08:00:00"),  # a unit never guessed at
    ]
    activate_snapshot(store, write_snapshot(tmp_path / "snap", rows=rows))
    return store


@pytest.fixture
def nurse(store):
    return create_account(store, "nurse")


def enter(store, user, test, value, unit, at=MORNING, **kwargs):
    return record_lab_result(store, user, HELENE, test, value, unit, at, now=NOW, **kwargs)


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (1200, "/mm³", 1.2),
        (1200, "/µL", 1.2),
        (1.2, "10³/µL", 1.2),
        (1.2, "10⁹/L", 1.2),
        (1.2, "G/L", 1.2),
    ],
)
def test_a_count_is_stored_as_typed_and_in_g_per_l(active, nurse, value, unit, expected) -> None:
    recorded = enter(active, nurse, "PNN", value, unit, comment="compte rendu du labo de ville")
    assert (recorded.value, recorded.unit) == (value, unit)
    assert (recorded.value_normalised, recorded.unit_normalised) == (expected, "G/L")
    [row] = audit_rows(active, "lab.recorded")
    assert (row["actor"], row["record_type"], row["reason"]) == (
        "nurse",
        "patient_lab_result",
        None,
    )
    after = row["after_json"]
    assert (after["value"], after["unit"], after["value_normalised"]) == (value, unit, expected)
    assert after["sampled_at"].startswith("2026-11-20")


def test_every_spelling_of_a_count_unit_is_understood_and_others_refused() -> None:
    for unit in ("10^9/L", "10e9/L", "x10^9/L", "/mm3", "/uL", "10^3/µL", "10³/mm³", "g/l"):
        assert normalise("PNN", 1500, unit).value in (1.5, 1500), unit
    assert normalise("PNN", 1200, "/mm3").value == 1.2
    assert normalise("PNN", 1, "10^6/L") is None and normalise("CREAT", 1, "mmol/L") is None
    assert normalise("CREAT", 1.1, "mg/dL").value == pytest.approx(97.24)


def test_refusals_say_what_is_wrong(active, nurse) -> None:
    cases = [
        (("PNN", 1.2, "mg/L"), "lab_unit_not_allowed", "choisissez l'unité du compte rendu"),
        (("CREAT", 19.9, "µmol/L"), "lab_value_implausible", "attendu entre 20 et 2\u00a0000"),
        (("CREAT", 226.3, "mg/L"), "lab_value_implausible", "soit 2\u00a0000,49 µmol/L"),
        (("XXX", 1, "G/L"), "lab_test_unknown", "Examen inconnu"),
    ]
    for (test, value, unit), code, text in cases:
        with pytest.raises(InvalidEntry) as refused:
            enter(active, nurse, test, value, unit)
        assert code in refused.value.codes and text in " ".join(refused.value.problems)
    with pytest.raises(InvalidEntry, match="Prélèvement dans le futur") as future:
        enter(active, nurse, "PNN", 2, "G/L", at=datetime(2026, 11, 20, 12, 1))
    assert future.value.codes == ["lab_sampled_in_future"]
    with pytest.raises(InvalidEntry, match="antérieur à la naissance") as before:
        enter(active, nurse, "PNN", 2, "G/L", at=datetime(1958, 3, 13, 8, 0))
    assert before.value.codes == ["lab_sampled_before_birth"]
    # just inside the range: 20 and 2 000 µmol/L (226,2 mg/L = 1 999,6 µmol/L)
    enter(active, nurse, "CREAT", 2000, "µmol/L")
    enter(active, nurse, "CREAT", 226.2, "mg/L")
    assert audit_rows(active, "lab.recorded")[-1]["after_json"]["value_normalised"] == 1999.608
    for role in ("preparer", "buyer", "admin"):
        with pytest.raises(PermissionDenied):
            enter(active, create_account(active, role), "PNN", 2, "G/L")


def test_a_creatinine_implying_an_implausible_clearance_asks_to_check_the_unit(
    active, nurse
) -> None:
    # Moreau, 77 years on 20/11, 81 kg: (140 − 77) × 81 × 1,23 / 30 = 209 mL/min, above the
    # 163 mL/min believable at 77; 40 µmol/L gives 157 mL/min: plausible.
    assert max_plausible_clearance_ml_min(77) == 163
    with pytest.raises(NeedsConfirmation, match="Vérifiez l'unité") as asked:
        record_lab_result(active, nurse, MOREAU, "CREAT", 30, "µmol/L", MORNING, now=NOW)
    assert asked.value.codes == ["creatinine_clearance_implausible"]
    assert "209 mL/min" in str(asked.value) and "163 mL/min au plus" in str(asked.value)
    assert audit_rows(active, "lab.recorded") == []
    plausible = record_lab_result(active, nurse, MOREAU, "CREAT", 40, "µmol/L", MORNING, now=NOW)
    assert plausible.confirm_codes is None
    confirmed = record_lab_result(
        active,
        nurse,
        MOREAU,
        "CREAT",
        30,
        "µmol/L",
        MORNING,
        now=NOW,
        confirm_reason="compte rendu relu : 30 µmol/L, patient dénutri",
    )
    assert confirmed.confirm_codes == "creatinine_clearance_implausible"
    row = audit_rows(active, "lab.recorded")[-1]
    assert row["reason"] == "compte rendu relu : 30 µmol/L, patient dénutri"
    assert row["after_json"]["confirm_codes"] == "creatinine_clearance_implausible"


def test_the_dose_uses_the_latest_creatinine_wherever_it_was_recorded(active, nurse) -> None:
    assert latest_measurements(active, HELENE).creatinine.value == 74  # snapshot, 18/11
    # an old creatinine measurement (before creatinine became a lab result) is still read
    active.cursor().execute(
        "INSERT INTO patient_measurements (patient_id, kind, value, unit, measured_on, "
        "recorded_at, recorded_by, recorded_by_name) VALUES (?, 'creatinine', 95, 'µmol/L', "
        "?, ?, 'nurse', 'Test nurse')",
        [HELENE, date(2026, 11, 19), NOW],
    )
    old = latest_measurements(active, HELENE).creatinine
    assert (old.value, old.source) == (95, "fallback")
    entered = enter(active, nurse, "CREAT", 2.5, "mg/dL")  # 221 µmol/L
    latest = latest_measurements(active, HELENE).creatinine
    assert (latest.value, latest.unit, latest.source) == (221.0, "µmol/L", "fallback_lab")
    assert latest.label_fr == (
        f"biologie saisie pendant la panne (résultat n° {entered.lab_record_id}, prélèvement du "
        "20/11/2026 à 08:00, par Test nurse), converti de 2,5 mg/dL"
    )
    # corrected by a new result; the wrong one stays visible
    fixed = enter(
        active,
        nurse,
        "CREAT",
        25,
        "mg/L",
        replaces_id=entered.lab_record_id,
        reason="unité mal lue",
    )
    assert latest_measurements(active, HELENE).creatinine.value == 221.0  # 25 × 8,84
    record = load_patient_record(active, "nurse", HELENE, today=TODAY)
    assert [(r.lab_record_id, r.replaced_by) for r in record.recorded_labs] == [
        (fixed.lab_record_id, None),
        (entered.lab_record_id, fixed.lab_record_id),
    ]
    [row] = audit_rows(active, "lab.corrected")
    assert row["before_json"]["value"] == 2.5 and row["reason"] == "unité mal lue"
    with pytest.raises(InvalidEntry, match="a déjà été corrigé"):
        enter(
            active, nurse, "CREAT", 80, "µmol/L", replaces_id=entered.lab_record_id, reason="encore"
        )
    with pytest.raises(InvalidEntry, match="Motif de la correction manquant"):
        enter(active, nurse, "CREAT", 80, "µmol/L", replaces_id=fixed.lab_record_id)
    with pytest.raises(InvalidEntry, match="même examen"):
        enter(active, nurse, "PNN", 2, "G/L", replaces_id=fixed.lab_record_id, reason="x")


def test_an_old_creatinine_measurement_is_corrected_by_a_lab_result(active, nurse) -> None:
    (measurement_id,) = (
        active.cursor()
        .execute(
            "INSERT INTO patient_measurements (patient_id, kind, value, unit, measured_on, "
            "recorded_at, recorded_by, recorded_by_name) VALUES (?, 'creatinine', 9.5, 'µmol/L', "
            "?, ?, 'nurse', 'Test nurse') RETURNING measurement_id",
            [HELENE, date(2026, 11, 20), NOW],
        )
        .fetchone()
    )
    enter(
        active,
        nurse,
        "CREAT",
        84,
        "µmol/L",
        replaces_measurement_id=measurement_id,
        reason="saisi en mg/L",
    )
    assert latest_measurements(active, HELENE).creatinine.value == 84
    [row] = audit_rows(active, "lab.corrected")
    assert row["before_json"]["measurement_id"] == measurement_id
    record = load_patient_record(active, "nurse", HELENE, today=TODAY)
    assert record.recorded[0].replaced  # no longer counts, still shown


def test_a_creatinine_in_an_unknown_unit_is_not_used_and_said(active) -> None:
    latest = latest_measurements(active, MOREAU)
    assert latest.creatinine.value == 90  # 10/11: the 15/11 one is in mmol/L
    assert latest.notes == [
        "Créatininémie du 15/11/2026 à 08:00 (instantané, 1,1 « mmol/L ») non utilisée : unité "
        "inconnue. Saisissez le résultat avec son unité (biologie) pour qu'il soit pris en "
        "compte."
    ]


# BMI at entry (Hélène: 165 cm on 19/11/2026)
@pytest.mark.parametrize(
    ("weight", "outcome"),
    [
        (27.2, "refused"),  # BMI 9,99
        (27.3, "bmi_unusual"),  # 10,03
        (35.3, "bmi_unusual"),  # 12,97
        (35.4, "recorded"),  # 13,0
        (163.3, "recorded"),  # 59,98
        (163.4, "bmi_unusual"),  # 60,02
        (326.6, "bmi_unusual+height_weight_swapped"),  # 119,96; swapped: 15,5
        (326.8, "refused"),  # 120,04
    ],
)
def test_bmi_at_weight_entry(active, nurse, weight, outcome) -> None:
    def record(**kwargs):
        return record_measurement(
            active, nurse, HELENE, "weight", weight, TODAY, today=TODAY, **kwargs
        )

    if outcome == "refused":
        with pytest.raises(InvalidEntry, match="Indice de masse corporelle impossible") as e:
            record()
        assert e.value.codes == ["bmi_impossible"]
    elif outcome == "recorded":
        assert record().confirm_codes is None
    else:
        with pytest.raises(NeedsConfirmation) as asked:
            record()
        assert asked.value.codes == outcome.split("+")
        assert audit_rows(active, "measurement.recorded") == []
        kept = record(confirm_reason="pesée vérifiée deux fois")
        codes = outcome.replace("+", ",")
        assert (kept.confirm_codes, kept.confirm_reason) == (codes, "pesée vérifiée deux fois")
        [row] = audit_rows(active, "measurement.recorded")
        assert row["reason"] == "pesée vérifiée deux fois"
        assert row["after_json"]["confirm_codes"] == codes


def test_a_likely_swap_of_height_and_weight_asks_for_confirmation(active, nurse) -> None:
    patient = create_local_patient(
        active,
        create_account(active, "pharmacist"),
        NewPatient(last_name="Aaron", first_name="Luc", sex="M", birth_date=date(1970, 1, 1)),
        today=TODAY,
    ).patient_id
    record_measurement(active, nurse, patient, "height", 70, TODAY, today=TODAY)  # no weight
    # 70 cm and 170 kg: BMI 347, refused, saying they look swapped
    with pytest.raises(InvalidEntry, match="semblent inversés"):
        record_measurement(active, nurse, patient, "weight", 170, TODAY, today=TODAY)
    record_measurement(active, nurse, patient, "height", 175, TODAY, today=TODAY)
    # 175 cm and 180 kg: BMI 58,8 (usual) but swapped 54: asked
    with pytest.raises(NeedsConfirmation) as asked:
        record_measurement(active, nurse, patient, "weight", 180, TODAY, today=TODAY)
    assert asked.value.codes == ["height_weight_swapped"]
    assert "inversés, ils donneraient un indice de masse corporelle de 54" in str(asked.value)
    assert record_measurement(active, nurse, patient, "weight", 174, TODAY, today=TODAY)


def test_unit_and_entry_rules_are_pure() -> None:
    import subprocess
    import sys

    code = (
        "import sys, chemo_fallback.patients.lab_units, chemo_fallback.patients.lab_rules; "
        "print(' '.join(sorted(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert not {"duckdb", "nicegui", "pandas", "reportlab"} & set(out.stdout.split())
