"""Pure rules of the prescription module: days, transitions, measurements, signature checks,
indication codes, and the line dose with the site's rounding."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from chemo_fallback.dosing import DoseInputError
from chemo_fallback.modules.prescription import rules
from chemo_fallback.modules.prescription.models import (
    TRANSITIONS,
    DosingInputs,
    Line,
    MeasureUsed,
    Prescriber,
    Prescription,
    PrescriptionError,
    Protocol,
    ProtocolLine,
    Status,
)
from chemo_fallback.site_settings import RoundingStep, SiteSettings

TODAY = date(2026, 11, 23)


def measure(value: float, on: date = TODAY) -> MeasureUsed:
    return MeasureUsed(value=value, measured_on=on, source="test")


def inputs(**changes) -> DosingInputs:
    values = dict(
        computed_on=TODAY,
        height=measure(170),
        weight=measure(70),
        creatinine=measure(80),
        age_years=60,
        sex="M",
        bsa_formula="mosteller",
        bsa_formula_source="protocole",
        bsa_cap_m2=None,
        bsa_cap_source=None,
        gfr_cap_ml_min=125.0,
        weight_max_age_days=14,
    )
    values.update(changes)
    return DosingInputs(**values)


def line(**changes) -> Line:
    values = dict(
        line_id="PS1-L1", prescription_id="PS1", line_no=1, protocol_line_no=4,
        line_kind="chemotherapy", drug_id="OXALIPLATINE", drug_inn="OXALIPLATINE", label=None,
        day_no=1, planned_date=TODAY, route="IV", duration_min=120.0, diluent="G5",
        volume_ml=250.0, container="poche", dose_basis="mg/m2", protocol_dose=85.0,
        max_dose=None, modification_pct=None, modification_reason=None, final_dose=None,
        dose_unit=None, derivation=None, off_protocol=False, off_protocol_reason=None,
        liste_en_sus=False, indication_code=None, comment=None,
    )
    values.update(changes)
    return Line(**values)


def protocol_line(**changes) -> ProtocolLine:
    values = dict(
        line_no=1, line_kind="chemotherapy", drug_id="X", drug_inn="X", drug_known=True,
        has_products=True, liste_en_sus=False, label=None, dose=1.0, dose_basis="mg/m2",
        days="1", route="IV", duration_min=None, diluent=None, volume_ml=None, container=None,
        max_dose=None, comment=None,
    )
    values.update(changes)
    return ProtocolLine(**values)


@pytest.mark.parametrize(
    ("days", "expected"),
    [("1", [1]), ("1-5", [1, 2, 3, 4, 5]), ("1,8,15", [1, 8, 15]), ("1;8; 15", [1, 8, 15]),
     ("1-3,3-4", [1, 2, 3, 4])],
)
def test_days_of_a_protocol_line(days: str, expected: list[int]) -> None:
    assert rules.parse_days(days) == expected


@pytest.mark.parametrize("days", ["", "J1", "5-1", "0", "1,,2"])
def test_unreadable_days_are_refused(days: str) -> None:
    with pytest.raises(PrescriptionError, match="Jours d'administration"):
        rules.parse_days(days)


def test_planned_date_day_one_is_the_start() -> None:
    assert rules.planned_date(TODAY, 1) == TODAY
    assert rules.planned_date(TODAY, 8) == date(2026, 11, 30)


def test_every_transition_outside_the_table_is_refused() -> None:
    for current in Status:
        for target in Status:
            if target in TRANSITIONS[current]:
                rules.check_transition(current, target)
            else:
                with pytest.raises(PrescriptionError, match="Impossible de passer"):
                    rules.check_transition(current, target)
    assert not TRANSITIONS[Status.CANCELLED] and not TRANSITIONS[Status.SUPERSEDED]


def test_protocol_lines_must_name_a_drug_the_pharmacy_can_make() -> None:
    protocol = Protocol(
        protocol_id="P", name="P", cycle_length_days=21, cycles_planned=None, indication=None,
        bsa_formula=None, bsa_cap_m2=None,
        lines=[
            protocol_line(line_no=1, line_kind="premedication", has_products=False),
            protocol_line(line_no=2, drug_id="GHOST", drug_inn=None, drug_known=False),
            protocol_line(line_no=3, drug_id="NOVIAL", drug_inn="NOVIAL", has_products=False),
            protocol_line(line_no=4),
            protocol_line(line_no=5, drug_id="PRED", route="PO", has_products=False),
        ],
    )
    problems = rules.protocol_problems(protocol)
    assert len(problems) == 2
    assert "ligne 2" in problems[0] and "GHOST" in problems[0]
    assert "ligne 3" in problems[1] and "aucun produit" in problems[1]


def test_missing_and_stale_measurements_are_all_reported() -> None:
    assert len(rules.measure_problems(None, None, TODAY, 14)) == 2
    assert rules.measure_problems(measure(170), measure(70, date(2026, 11, 9)), TODAY, 14) == []
    [stale] = rules.measure_problems(measure(170), measure(70, date(2026, 11, 8)), TODAY, 14)
    assert "Poids trop ancien" in stale and "15 jours" in stale and "(14 jours)" in stale


def test_indication_codes() -> None:
    assert rules.check_indication_code(" i000123 ") == "I000123"
    for bad in ("", "I12345", "X000123", "I0001234"):
        with pytest.raises(PrescriptionError, match="I suivi de 6 chiffres"):
            rules.check_indication_code(bad)


def test_sign_problems_list_everything_missing() -> None:
    rx = Prescription(
        prescription_id="PS1", rx_number=1, version_no=1, supersedes_id=None, patient_id="P",
        protocol_id="R", protocol_name="R", cycle_length_days=21, cycle_no=1,
        cycle_start_date=TODAY, ward_id=None,
        prescriber=Prescriber(staff_id=None, name="Dr X", transcribed=False),
        status=Status.DRAFT, dosing=inputs(), created_at=datetime(2026, 11, 23, 8),
        created_by="u", created_by_name="U", signed_at=None, signed_by=None, status_reason=None,
        status_changed_at=None, status_changed_by=None,
        lines=[
            line(liste_en_sus=True, drug_inn="RITUXIMAB"),
            line(line_id="PS1-L2", line_no=2, liste_en_sus=True, indication_code="I000001"),
        ],
    )
    [problem] = rules.sign_problems(rx)
    assert "RITUXIMAB (J1)" in problem and "code indication" in problem
    assert rules.sign_problems(rx.model_copy(update={"lines": []})) == [
        "La prescription n'a aucune ligne."
    ]


def test_line_dose_uses_the_site_rounding_for_its_size() -> None:
    settings = SiteSettings()
    # Mosteller √(170 × 70 / 3600) = 1,82 m²; 85 × 1,82 = 154,7 → 155 mg (step 1 mg)
    dose = rules.compute_dose(line(), inputs(), settings)
    assert dose.bsa_m2 == 1.82
    assert dose.final_dose == 155
    # 2400 × 1,82 = 4368 → 4370 mg (step 10 mg at 1000 mg and above)
    assert rules.compute_dose(line(protocol_dose=2400), inputs(), settings).final_dose == 4370
    # vincristine 1,4 × 1,82 = 2,548 mg, capped at 2 mg, never rounded above it
    capped = rules.compute_dose(line(protocol_dose=1.4, max_dose=2.0), inputs(), settings)
    assert capped.final_dose == 2.0
    assert [s.rule for s in capped.steps][-2:] == ["max_per_dose", "rounding"]
    custom = SiteSettings(rounding=(RoundingStep(below=1e9, step=5),))
    assert rules.compute_dose(line(), inputs(), custom).final_dose == 155


def test_line_without_a_dose_and_carboplatin_without_creatinine() -> None:
    hydration = line(
        protocol_dose=0.0, dose_basis="mg", line_kind="hydration", drug_id=None, drug_inn=None,
        label="NaCl 0,9 %",
    )
    assert rules.compute_dose(hydration, inputs(), SiteSettings()) is None
    # a line naming a drug is never dose-less, whatever its kind (see test_review_round3_rx.py)
    with pytest.raises(DoseInputError, match="sans dose") as refused:
        rules.compute_dose(line(protocol_dose=0.0, line_kind="premedication"), inputs(),
                           SiteSettings())
    assert refused.value.code == "dose_missing_for_drug"
    with pytest.raises(DoseInputError, match="créatininémie est nécessaire"):
        rules.compute_dose(
            line(dose_basis="AUC", protocol_dose=5.0), inputs(creatinine=None), SiteSettings()
        )
    # Calvert: CG (140-60) × 70 × 1,23 / 80 = 86,1 mL/min; 5 × (86,1 + 25) = 555,5 → 556 mg
    carbo = rules.compute_dose(line(dose_basis="AUC", protocol_dose=5.0), inputs(), SiteSettings())
    assert carbo.gfr_ml_min == 86.1
    assert carbo.final_dose == 556


def test_rounding_steps_must_be_in_order() -> None:
    with pytest.raises(ValueError, match="croissant"):
        SiteSettings(rounding=(RoundingStep(below=100, step=1), RoundingStep(below=10, step=0.1)))
    assert SiteSettings().rounding_step_for(9.99) == 0.1
    assert SiteSettings().rounding_step_for(10) == 1


def test_the_patient_record_shows_the_bsa_the_engine_uses() -> None:
    from chemo_fallback.dosing import LineDoseRequest, compute_line_dose
    from chemo_fallback.patients.record import mosteller_bsa_m2

    for height in range(140, 200, 3):
        for weight in (41.3, 55.5, 62.25, 70.0, 88.8, 104.6):
            request = LineDoseRequest(
                protocol_dose=1.0, basis="mg/m2", height_cm=float(height), weight_kg=weight
            )
            assert mosteller_bsa_m2(height, weight) == compute_line_dose(request).bsa_m2
    assert mosteller_bsa_m2(None, 70) is None
