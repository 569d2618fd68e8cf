"""The dose engine fails closed (issue 9, items 4, 5, 6): an impossible height/weight pair, the
Cockcroft-Gault weight the site chose, a stale creatinine for an AUC dose, modifications applied
after the maximum, and rounding that never moves a dose beyond the tolerance. Each threshold just
inside and just outside; a property test over random requests. Pure: no database, no UI."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chemo_fallback.dosing import DoseInputError, LineDoseRequest, compute_line_dose
from chemo_fallback.dosing.body import cockcroft_gault_weight, ideal_body_weight_devine
from chemo_fallback.french import NBSP, format_dose_fr

DAY = date(2026, 11, 23)


def step(dose, rule: str):
    return next(s for s in dose.steps if s.rule == rule)


def rules(dose) -> list[str]:
    return [s.rule for s in dose.steps]


# --- item 4: BMI plausibility (below 10 or above 120 kg/m² refused) ----------------------------


@pytest.mark.parametrize(
    ("height_cm", "weight_kg", "refused"),
    [
        (200.0, 40.0, False),  # 40 / 2² = 10,0: the lower bound, accepted
        (200.0, 39.9, True),  # 9,975
        (100.0, 120.0, False),  # 120,0: the upper bound, accepted
        (100.0, 120.1, True),  # 120,1
        (70.0, 175.0, True),  # height and weight swapped: 357 kg/m²
    ],
)
def test_an_impossible_bmi_is_refused_whatever_the_basis(height_cm, weight_kg, refused) -> None:
    for basis, dose in (("mg/m2", 100.0), ("mg/kg", 5.0), ("mg", 50.0)):
        request = LineDoseRequest(
            protocol_dose=dose, basis=basis, height_cm=height_cm, weight_kg=weight_kg
        )
        if refused:
            with pytest.raises(DoseInputError, match="indice de masse corporelle") as error:
                compute_line_dose(request)
            assert "physiologiquement impossible (limites : 10 à 120 kg/m²)" in str(error.value)
            assert "inversés" in str(error.value)
            assert error.value.code == "dose_bmi_impossible"
        else:
            assert compute_line_dose(request).bmi_kg_m2 == round(weight_kg / height_cm**2 * 1e4, 1)


def test_bmi_is_recorded_when_both_measures_are_given_only() -> None:
    dose = compute_line_dose(
        LineDoseRequest(protocol_dose=85, basis="mg/m2", height_cm=170, weight_kg=72)
    )
    assert dose.bmi_kg_m2 == 24.9  # 72 / 1,7² = 24,91
    flat = compute_line_dose(LineDoseRequest(protocol_dose=200, basis="mg", weight_kg=72))
    assert flat.bmi_kg_m2 is None


# --- item 4: Cockcroft-Gault weight (site setting) -------------------------------------------

CARBO = dict(protocol_dose=5.0, basis="AUC", age_years=60.0, serum_creatinine_umol_l=80.0)


def test_devine_ideal_body_weight() -> None:
    # 50 kg (men) / 45,5 kg (women) + 0,9 kg per cm above 152,4 cm
    assert ideal_body_weight_devine(170, "M") == 65.8  # 50 + 0,9 × 17,6 = 65,84
    assert ideal_body_weight_devine(170, "F") == 61.3  # 45,5 + 15,84 = 61,34
    assert ideal_body_weight_devine(152.4, "F") == 45.5
    assert ideal_body_weight_devine(150, "M") == 47.8  # the line extended below 152,4 cm
    with pytest.raises(DoseInputError, match="Le poids idéal de Devine pour 95 cm") as error:
        ideal_body_weight_devine(95, "M")  # 50 − 51,66: no ideal weight, nothing guessed
    assert error.value.code == "dose_ideal_weight_undefined"


def test_actual_weight_is_the_default_and_the_step_says_so() -> None:
    dose = compute_line_dose(LineDoseRequest(**CARBO, height_cm=170, weight_kg=100, sex="M"))
    # (140 − 60) × 100 × 1,23 / 80 = 123 mL/min
    assert (dose.gfr_weight_kind, dose.gfr_weight_kg, dose.gfr_ml_min) == ("actual", 100, 123)
    assert "poids réel 100 kg" in step(dose, "gfr").description


def test_ideal_weight_is_used_unless_the_patient_weighs_less() -> None:
    heavy = compute_line_dose(
        LineDoseRequest(
            **CARBO, height_cm=170, weight_kg=100, sex="M", cockcroft_gault_weight="ideal"
        )
    )
    # 80 × 65,8 × 1,23 / 80 = 80,934 → 80,9 mL/min; 5 × (80,9 + 25) = 529,5 mg
    assert (heavy.gfr_weight_kind, heavy.gfr_weight_kg, heavy.gfr_ml_min) == ("ideal", 65.8, 80.9)
    assert heavy.final_dose == pytest.approx(529.5)
    assert "poids idéal (Devine) 65,8 kg, poids réel 100 kg" in step(heavy, "gfr").description
    light = compute_line_dose(
        LineDoseRequest(
            **CARBO, height_cm=170, weight_kg=55, sex="F", cockcroft_gault_weight="ideal"
        )
    )
    assert (light.gfr_weight_kind, light.gfr_weight_kg) == ("actual", 55)
    assert "poids réel 55 kg, inférieur au poids idéal (Devine) 61,3 kg" in (
        step(light, "gfr").description
    )


@pytest.mark.parametrize(
    ("weight_kg", "kind", "used_kg"),
    [
        (86.5, "actual", 86.5),  # 86,5 / 1,7² = 29,93 → IMC 29,9: below 30, the actual weight
        (86.7, "adjusted", 74.2),  # 30,0 (as printed): 65,8 + 0,4 × (86,7 − 65,8) = 74,16
    ],
)
def test_adjusted_weight_only_from_a_bmi_of_30(weight_kg, kind, used_kg) -> None:
    dose = compute_line_dose(
        LineDoseRequest(
            **CARBO, height_cm=170, weight_kg=weight_kg, sex="M", cockcroft_gault_weight="adjusted"
        )
    )
    assert (dose.gfr_weight_kind, dose.gfr_weight_kg) == (kind, used_kg)
    text = step(dose, "gfr").description
    assert ("poids ajusté 74,2 kg" in text) is (kind == "adjusted")
    assert ("< 30 : pas d'ajustement" in text) is (kind == "actual")


def test_adjusted_weight_worked_value_and_its_threshold() -> None:
    def weight_used(weight_kg: float) -> tuple[str, float, str]:
        w = cockcroft_gault_weight("adjusted", weight_kg, 170, "M")
        return w.kind, w.weight_kg, w.text

    # 86,4 kg → IMC 29,9: actual; 86,7 kg → IMC 30,0: adjusted 65,8 + 0,4 × 20,9 = 74,16 → 74,2
    assert weight_used(86.4)[:2] == ("actual", 86.4)
    kind, used, text = weight_used(86.7)
    assert (kind, used) == ("adjusted", 74.2)
    assert text == (
        "poids ajusté 74,2 kg (IMC 30 kg/m² ≥ 30 : idéal (Devine) 65,8 kg + 0,4 × (86,7 − 65,8))"
    )
    with pytest.raises(DoseInputError, match="la taille est nécessaire"):
        cockcroft_gault_weight("ideal", 80, None, "M")


# --- item 4: creatinine age for AUC doses (site limit, default 7 days) --------------------------


@pytest.mark.parametrize(("days_old", "refused"), [(0, False), (7, False), (8, True)])
def test_a_stale_creatinine_refuses_an_auc_dose(days_old: int, refused: bool) -> None:
    request = LineDoseRequest(
        **CARBO,
        weight_kg=70.0,
        sex="M",
        creatinine_sampled_on=DAY - timedelta(days=days_old),
        administration_date=DAY,
        creatinine_max_age_days=7,
    )
    if refused:
        with pytest.raises(DoseInputError) as error:
            compute_line_dose(request)
        assert str(error.value) == (
            "Dose en ASC (Calvert) : la créatininémie du 15/11/2026 aura 8 jours le jour "
            "d'administration (23/11/2026), au-delà de la limite du site (7 jours). Faites doser "
            "la créatinine et saisissez le résultat : aucune dose n'est calculée sur une "
            "créatininémie ancienne."
        )
        assert error.value.code == "dose_creatinine_too_old"
    else:
        dose = compute_line_dose(request)
        sampled = DAY - timedelta(days=days_old)
        assert f"créatininémie 80 µmol/L du {sampled:%d/%m/%Y}" in step(dose, "gfr").description
        assert dose.creatinine_sampled_on == sampled


def test_the_creatinine_age_limit_is_the_sites_and_needs_both_dates() -> None:
    dated = dict(**CARBO, weight_kg=70.0, sex="M", administration_date=DAY)
    old = DAY - timedelta(days=10)
    assert compute_line_dose(
        LineDoseRequest(**dated, creatinine_sampled_on=old, creatinine_max_age_days=10)
    ).final_dose
    with pytest.raises(DoseInputError, match="la date de la créatininémie est inconnue"):
        compute_line_dose(LineDoseRequest(**dated))
    # a measured GFR does not use the creatinine: no age check
    given_gfr = compute_line_dose(
        LineDoseRequest(protocol_dose=5.0, basis="AUC", gfr_ml_min=80.0, administration_date=DAY)
    )
    assert given_gfr.final_dose == 525
    # a non-AUC dose never looks at the creatinine
    assert compute_line_dose(
        LineDoseRequest(protocol_dose=8.0, basis="mg", creatinine_sampled_on=old,
                        administration_date=DAY)
    ).final_dose == 8
    with pytest.raises(DoseInputError, match="nombre entier de jours"):
        LineDoseRequest(**dated, creatinine_max_age_days=7.5)


# --- item 5: a modification is a % of the dose the patient would otherwise receive -------------

VINCRISTINE = dict(
    protocol_dose=1.4, basis="mg/m2", height_cm=185.0, weight_kg=85.0, max_dose_per_dose=2.0,
    rounding_step=0.1,
)  # 1,4 × 2,09 = 2,926 mg, capped at 2 mg


@pytest.mark.parametrize(("pct", "final"), [(-50.0, 1.0), (-25.0, 1.5), (-1.0, 2.0)])
def test_vincristine_reduction_applies_after_the_cap(pct: float, final: float) -> None:
    request = LineDoseRequest(**VINCRISTINE, modification_pct=pct, modification_reason="neuro")
    if pct == -1.0:  # 1,98 mg rounded at 0,1 mg: 2 mg, the reduction erased → refused
        with pytest.raises(DoseInputError, match="l'arrondi de la dose efface"):
            compute_line_dose(request)
        return
    dose = compute_line_dose(request)
    assert dose.final_dose == final
    assert rules(dose) == ["bsa", "theoretical", "max_per_dose", "modification", "rounding"]
    assert step(dose, "modification").description == (
        f"Réduction de {abs(pct):g} % de la dose plafonnée, 2 mg (motif : neuro) : "
        f"{final:g}".replace(".", ",") + " mg"
    )
    assert dose.dose_before_modification == 2.0 and dose.theoretical_dose == pytest.approx(2.926)


def test_an_increase_on_a_capped_dose_is_refused_with_the_reason() -> None:
    request = LineDoseRequest(**VINCRISTINE, modification_pct=10.0, modification_reason="RCP")
    with pytest.raises(DoseInputError) as error:
        compute_line_dose(request)
    assert error.value.code == "dose_modification_no_effect"
    assert str(error.value) == (
        "La modification de +10 % ne change pas la dose finale (2 mg) : la dose est déjà à la "
        "dose maximale (2 mg), qu'une augmentation ne peut pas dépasser. Retirez la "
        "modification (0 %) ou choisissez un pourcentage qui change réellement la dose."
    )


def test_an_increase_is_capped_again_after_the_modification() -> None:
    # 1,4 × 1,3 m² (150 cm, 40,6 kg) = 1,82 mg, under the cap; +20 % = 2,184 → capped at 2 mg
    dose = compute_line_dose(
        LineDoseRequest(
            **{**VINCRISTINE, "height_cm": 150.0, "weight_kg": 40.6},
            modification_pct=20.0,
            modification_reason="reprise",
        )
    )
    assert dose.bsa_m2 == 1.3 and dose.final_dose == 2.0
    assert rules(dose) == ["bsa", "theoretical", "modification", "max_per_dose", "rounding"]
    assert step(dose, "max_per_dose").description == (
        "Dose modifiée plafonnée de nouveau à la dose maximale par administration (2 mg) : 2 mg"
    )


# --- item 6: rounding never moves the dose by more than the tolerance -------------------------


def test_atropine_keeps_a_finer_step_and_says_so() -> None:
    dose = compute_line_dose(LineDoseRequest(protocol_dose=0.25, basis="mg", rounding_step=0.1))
    assert dose.final_dose == 0.25
    assert step(dose, "rounding").description == (
        "Arrondi au pas de 0,01 mg au lieu de 0,1 mg (ce pas aurait donné 0,3 mg, soit +20 %, "
        "au-delà de la tolérance de 5 %) : 0,25 mg"
    )


@pytest.mark.parametrize(("tolerance", "final"), [(5.0, 21.0), (4.99, 20.1)])
def test_rounding_just_inside_and_just_outside_the_tolerance(tolerance, final) -> None:
    # 20 mg at a 3 mg step: 21 mg is exactly +5 %
    dose = compute_line_dose(
        LineDoseRequest(
            protocol_dose=20, basis="mg", rounding_step=3, rounding_tolerance_pct=tolerance
        )
    )
    assert dose.final_dose == pytest.approx(final)


def test_a_step_too_big_for_the_dose_is_refined_not_zero() -> None:
    # 85 × 1,81 = 153,85 mg at a 500 mg step would give 0: 50 mg gives 150 mg (−2,5 %)
    dose = compute_line_dose(
        LineDoseRequest(protocol_dose=85, basis="mg/m2", height_cm=170, weight_kg=70,
                        rounding_step=500)
    )
    assert dose.final_dose == 150
    assert step(dose, "rounding").description.startswith("Arrondi au pas de 50 mg au lieu de 500")


def test_with_no_tolerance_at_all_a_dose_is_never_kept_with_hidden_decimals() -> None:
    """Tolerance 0 (the engine accepts it; the site's setting is 0,5 % at least): a dose that
    prints exactly is kept at the printed precision; one that does not (1/3 mg, printed
    "0,333 mg") is refused, never recorded as 0,333333… (the sheet would differ)."""
    dose = compute_line_dose(
        LineDoseRequest(protocol_dose=2.926, basis="mg", rounding_step=0.1,
                        rounding_tolerance_pct=0.0)
    )
    assert dose.final_dose == 2.926
    assert step(dose, "rounding").description.startswith("Arrondi au pas de 0,001 mg au lieu")
    with pytest.raises(DoseInputError) as refused:
        compute_line_dose(
            LineDoseRequest(protocol_dose=1 / 3, basis="mg", rounding_step=0.1,
                            rounding_tolerance_pct=0.0)
        )
    assert refused.value.code == "dose_rounding_out_of_tolerance"
    assert "écrite à 0,001 mg près (la précision de la dose imprimée), elle deviendrait " \
        "0,333 mg, soit -0,1 %, au-delà de la tolérance de 0 %" in str(refused.value)


@pytest.mark.parametrize(
    ("dose", "tolerance", "final"),
    # 0,1 mg at 0,001 mg is exact; 0,0999 → 0,1 (+0,1 %); 0,0991 → 0,099 (−0,1 %) within
    # 0,5 %; 0,0021 → 0,002 (−4,8 %) only within 5 %
    [(0.1, 0.5, 0.1), (0.0999, 0.5, 0.1), (0.0991, 0.5, 0.099), (0.0021, 5.0, 0.002),
     (0.0021, 4.7, None), (1 / 3, 0.5, 0.333), (123.456789, 0.5, 123.5), (12.3456, 0.2, 12.35)],
)
def test_the_dose_recorded_is_the_dose_printed(dose, tolerance, final) -> None:
    request = LineDoseRequest(protocol_dose=dose, basis="mg", rounding_step=0.1,
                              rounding_tolerance_pct=tolerance)
    if final is None:
        with pytest.raises(DoseInputError, match="au-delà de la tolérance de 4,7 %"):
            compute_line_dose(request)
        return
    result = compute_line_dose(request)
    assert result.final_dose == final
    assert format_dose_fr(result.final_dose).replace(",", ".").replace(NBSP, "") == repr(final)


def test_rounding_never_exceeds_the_maximum_even_when_refined() -> None:
    dose = compute_line_dose(
        LineDoseRequest(protocol_dose=0.26, basis="mg", max_dose_per_dose=0.255, rounding_step=0.1)
    )
    assert dose.final_dose <= 0.255 and dose.final_dose == pytest.approx(0.25)


# --- property: for any valid request, no maximum is passed and the last step is the dose ---------

STEPS = [0.01, 0.1, 0.25, 0.3, 0.5, 1.0, 5.0, 10.0, 25.0, 100.0]


@st.composite
def requests(draw) -> LineDoseRequest:
    basis = draw(st.sampled_from(["mg/m2", "mg/kg", "AUC", "mg", "UI/m2"]))
    height = draw(st.floats(140, 200))
    weight = draw(st.floats(height**2 * 16e-4, height**2 * 45e-4))  # BMI 16 to 45
    fields = {
        "protocol_dose": draw(st.floats(1, 12) if basis == "AUC" else st.floats(0.05, 3000)),
        "basis": basis,
        "height_cm": height,
        "weight_kg": weight,
        "age_years": draw(st.floats(18, 95)),
        "sex": draw(st.sampled_from(["M", "F"])),
        "serum_creatinine_umol_l": draw(st.floats(40, 400)),
        "cockcroft_gault_weight": draw(st.sampled_from(["actual", "ideal", "adjusted"])),
        "bsa_cap_m2": draw(st.none() | st.floats(1.5, 2.2)),
        "max_dose_per_dose": draw(st.none() | st.floats(0.5, 5000)),
        "max_dose_per_cycle": draw(st.none() | st.floats(1, 10000)),
        "already_given_this_cycle": draw(st.floats(0, 500)),
        "modification_pct": draw(st.none() | st.floats(-99, 100)),
        "modification_reason": "toxicité",
        "rounding_tolerance_pct": draw(st.sampled_from([0.0, 2.5, 5.0, 10.0])),
        "creatinine_sampled_on": DAY - timedelta(days=draw(st.integers(0, 7))),
        "administration_date": DAY,
    }
    if draw(st.booleans()):
        fields["rounding_step"] = draw(st.sampled_from(STEPS))
    return LineDoseRequest(**fields)


@settings(max_examples=400, deadline=None)
@given(requests())
def test_final_dose_never_exceeds_a_maximum_and_is_the_last_printed_step(request) -> None:
    try:
        dose = compute_line_dose(request)
    except DoseInputError:
        return  # refused in French (cycle maximum reached, clearance implausible, no-op change)
    assert dose.final_dose > 0
    assert dose.final_dose == dose.steps[-1].value  # what is printed last is what is made
    if request.max_dose_per_dose is not None:
        assert dose.final_dose <= request.max_dose_per_dose
    if request.max_dose_per_cycle is not None:
        assert dose.final_dose + request.already_given_this_cycle <= (
            request.max_dose_per_cycle + 1e-9
        )
    # rounding moves the dose by the tolerance at most
    moved = abs(dose.final_dose - dose.dose_before_rounding) / dose.dose_before_rounding * 100
    assert moved <= request.rounding_tolerance_pct + 1e-9
    if request.rounding_step is not None:  # what is printed is what is recorded
        printed = format_dose_fr(dose.final_dose).replace(NBSP, "").replace(",", ".")
        assert float(printed) == dose.final_dose
    if request.modification_pct:  # applied to the capped dose, then capped again
        expected = dose.dose_before_modification * (1 + request.modification_pct / 100)
        if dose.dose_limit is not None:
            expected = min(expected, dose.dose_limit)
        assert dose.dose_before_rounding == pytest.approx(expected, rel=1e-9)


def test_without_a_rounding_step_every_printed_step_is_its_value() -> None:
    # 175 mg/m² × 1,79 m² = 313,25 mg, printed 313,25 (never 313,3: what is printed is the dose)
    dose = compute_line_dose(
        LineDoseRequest(protocol_dose=175, basis="mg/m2", height_cm=165, weight_kg=70)
    )
    assert dose.final_dose == 313.25
    assert dose.steps[-1].description.endswith("313,25 mg")
