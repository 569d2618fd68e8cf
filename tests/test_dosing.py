"""The dose engine: published formulas, the order of the steps, the maxima, refusals in French.

Pure unit tests, no database, no UI.
"""

from __future__ import annotations

import math
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from chemo_fallback.dosing import (
    DoseInputError,
    LineDoseRequest,
    bsa_dubois,
    bsa_mosteller,
    carboplatin_dose_calvert,
    compute_line_dose,
    creatinine_clearance_cockcroft_gault,
    format_number_fr,
)
from chemo_fallback.errors import ChemoFallbackError

NBSP = "\u00a0"


def rules(dose) -> list[str]:
    return [step.rule for step in dose.steps]


def step(dose, rule: str):
    return next(s for s in dose.steps if s.rule == rule)


# --- formulas against published worked values -------------------------------------------------


def test_mosteller_worked_values() -> None:
    assert bsa_mosteller(170, 70) == pytest.approx(1.8181, abs=1e-4)
    assert round(bsa_mosteller(170, 70), 2) == 1.82
    assert bsa_mosteller(180, 80) == pytest.approx(2.0, abs=1e-12)
    # Formula of Mosteller, N Engl J Med 1987;317:1098; 160 cm, 60 kg → √(9600/3600) = 1.633.
    assert bsa_mosteller(160, 60) == pytest.approx(1.633, abs=1e-3)


def test_dubois_worked_values() -> None:
    assert bsa_dubois(170, 70) == pytest.approx(1.810, abs=1e-3)
    # Formula of DuBois & DuBois, Arch Intern Med 1916;17:863; 180 cm, 80 kg → 1.996 m², just
    # under Mosteller's 2.0 as the two formulas agree within a few % for average adults.
    assert bsa_dubois(180, 80) == pytest.approx(1.996, abs=1e-3)
    assert bsa_dubois(180.5, 80.25) == pytest.approx(bsa_dubois(180.5, 80.25))  # floats ok


def test_cockcroft_gault_worked_values() -> None:
    assert creatinine_clearance_cockcroft_gault(60, 72, 90, "M") == pytest.approx(78.72)
    assert creatinine_clearance_cockcroft_gault(60, 72, 90, "F") == pytest.approx(
        80 * 72 * 1.04 / 90
    )
    # Cockcroft & Gault, Nephron 1976;16:31, in mg/dL: (140 − age) × weight / (72 × Scr),
    # × 0.85 for women. 1 mg/dL = 88.4 µmol/L, so the µmol/L form agrees within 0.5 %.
    assert creatinine_clearance_cockcroft_gault(60, 72, 88.4, "M") == pytest.approx(
        80 * 72 / (72 * 1.0), rel=5e-3
    )
    assert creatinine_clearance_cockcroft_gault(60, 72, 88.4, "F") == pytest.approx(
        0.85 * 80 * 72 / 72, rel=5e-3
    )


def test_calvert_worked_values() -> None:
    assert carboplatin_dose_calvert(5, 100) == pytest.approx(625)
    assert carboplatin_dose_calvert(5, 150) == pytest.approx(750)  # capped at 125
    assert carboplatin_dose_calvert(5, 125) == pytest.approx(750)  # exactly at the cap
    assert carboplatin_dose_calvert(5, 150, None) == pytest.approx(875)  # no cap
    # FDA carboplatin dosing letter (2010): with GFR capped at 125 mL/min the maximum dose is
    # AUC × 150: AUC 6 → 900 mg, AUC 4 → 600 mg.
    assert carboplatin_dose_calvert(6, 200) == pytest.approx(900)
    assert carboplatin_dose_calvert(4, 126) == pytest.approx(600)
    # Formula of Calvert et al., J Clin Oncol 1989;7:1748; AUC 7, GFR 60 → 7 × 85 = 595 mg.
    assert carboplatin_dose_calvert(7, 60) == pytest.approx(595)


def test_french_number_format() -> None:
    assert format_number_fr(1.818) == "1,82"
    assert format_number_fr(2400) == f"2{NBSP}400"
    assert format_number_fr(1.25, 1) == "1,3"  # half up, not banker's
    assert format_number_fr(-0.0001) == "0"


# --- formula refusals ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda: bsa_mosteller(29.9, 70), "La taille (29,9 cm) est hors des limites"),
        (lambda: bsa_mosteller(251, 70), "entre 30 et 250 cm"),
        (lambda: bsa_dubois(170, 0.4), "Le poids (0,4 kg)"),
        (lambda: bsa_dubois(170, 351), "entre 0,5 et 350 kg"),
        (lambda: bsa_mosteller(-170, 70), "La taille (-170 cm)"),
        (lambda: bsa_mosteller(math.nan, 70), "La taille n'est pas un nombre fini"),
        (lambda: bsa_mosteller(170, math.inf), "Le poids n'est pas un nombre fini"),
        (lambda: bsa_mosteller(True, 70), "La taille doit être un nombre"),
        (lambda: bsa_mosteller("170", 70), "La taille doit être un nombre"),
        (lambda: creatinine_clearance_cockcroft_gault(121, 70, 90, "M"), "L'âge (121 ans)"),
        (lambda: creatinine_clearance_cockcroft_gault(-1, 70, 90, "M"), "entre 0 et 120 ans"),
        (lambda: creatinine_clearance_cockcroft_gault(60, 70, 9, "M"), "La créatininémie (9"),
        (lambda: creatinine_clearance_cockcroft_gault(60, 70, 2001, "F"), "µmol/L, pas mg/L"),
        (lambda: creatinine_clearance_cockcroft_gault(60, 70, 90, "X"), "Sexe « X » non reconnu"),
        (lambda: creatinine_clearance_cockcroft_gault(60, 70, 90, "m"), "indiquez « M »"),
        (lambda: carboplatin_dose_calvert(0, 100), "L'ASC cible (0 mg/mL·min)"),
        (lambda: carboplatin_dose_calvert(12.5, 100), "au plus 12 mg/mL·min"),
        (lambda: carboplatin_dose_calvert(5, 0), "Le DFG (0 mL/min)"),
        (lambda: carboplatin_dose_calvert(5, 301), "Le DFG (301 mL/min)"),
        (lambda: carboplatin_dose_calvert(5, -10), "Le DFG (-10 mL/min)"),
        (lambda: carboplatin_dose_calvert(5, False), "Le DFG doit être un nombre"),
    ],
)
def test_formulas_refuse_out_of_range_in_french(call, expected: str) -> None:
    with pytest.raises(DoseInputError) as refused:
        call()
    assert expected in str(refused.value)
    assert isinstance(refused.value, ChemoFallbackError)


def test_formula_bounds_are_inclusive() -> None:
    assert bsa_mosteller(30, 0.5) > 0
    assert bsa_mosteller(250, 350) > 0
    assert creatinine_clearance_cockcroft_gault(0, 70, 10, "F") > 0
    assert creatinine_clearance_cockcroft_gault(120, 70, 2000, "M") > 0
    assert carboplatin_dose_calvert(12, 300) == pytest.approx(12 * 150)


# --- line dose: the steps, in order -----------------------------------------------------------


def test_oxaliplatin_reduced_and_rounded_shows_every_step_in_french() -> None:
    dose = compute_line_dose(
        LineDoseRequest(
            protocol_dose=85,
            basis="mg/m2",
            height_cm=170,
            weight_kg=72,
            modification_pct=-20,
            modification_reason="neutropénie grade 3",
            rounding_step=5,
        )
    )
    assert rules(dose) == ["bsa", "theoretical", "modification", "rounding"]
    assert [s.description for s in dose.steps] == [
        "Surface corporelle (Mosteller, 170 cm, 72 kg) : 1,84 m²",
        "Dose théorique : 85 mg/m² × 1,84 m² = 156,4 mg",
        "Réduction de 20 % de 156,4 mg (motif : neutropénie grade 3) : 125,12 mg",
        "Arrondi au pas de 5 mg : 125 mg",
    ]
    assert (dose.final_dose, dose.unit, dose.bsa_m2, dose.bsa_formula) == (
        125,
        "mg",
        1.84,
        "mosteller",
    )
    assert dose.theoretical_dose == pytest.approx(156.4)
    assert dose.dose_before_rounding == pytest.approx(125.12)
    assert dose.modification_reason == "neutropénie grade 3"


def test_dubois_increase_and_no_modification_when_zero() -> None:
    up = compute_line_dose(
        LineDoseRequest(
            protocol_dose=100,
            basis="mg/m2",
            height_cm=170,
            weight_kg=70,
            bsa_formula="dubois",
            modification_pct=10,
            modification_reason="reprise après report",
        )
    )
    assert step(up, "bsa").description.startswith("Surface corporelle (DuBois")
    assert up.bsa_m2 == 1.81
    assert step(up, "modification").description == (
        "Augmentation de 10 % de 181 mg (motif : reprise après report) : 199,1 mg"
    )
    same = compute_line_dose(
        LineDoseRequest(
            protocol_dose=100, basis="mg/m2", height_cm=170, weight_kg=70, modification_pct=0
        )
    )
    assert "modification" not in rules(same)


@pytest.mark.parametrize(
    ("height_cm", "weight_kg", "capped"), [(180, 96.8, True), (171, 76, False)]
)
def test_bsa_cap_applies_above_the_cap_only(height_cm, weight_kg, capped: bool) -> None:
    dose = compute_line_dose(
        LineDoseRequest(
            protocol_dose=100,
            basis="mg/m2",
            height_cm=height_cm,
            weight_kg=weight_kg,
            bsa_cap_m2=2.0,
        )
    )
    if capped:  # Mosteller 2.2 m²
        assert dose.bsa_computed_m2 == 2.2 and dose.bsa_m2 == 2.0
        assert step(dose, "bsa_cap").description == (
            "Surface corporelle plafonnée à 2 m² (calculée : 2,2 m²)"
        )
        assert dose.final_dose == 200
    else:  # Mosteller 1.9 m²
        assert dose.bsa_m2 == 1.9 and "bsa_cap" not in rules(dose)
        assert dose.final_dose == 190
    assert dose.bsa_cap_m2 == 2.0


def test_weight_flat_and_units() -> None:
    trastuzumab = compute_line_dose(LineDoseRequest(protocol_dose=8, basis="mg/kg", weight_kg=65))
    assert trastuzumab.final_dose == 520
    assert step(trastuzumab, "theoretical").description == (
        "Dose théorique : 8 mg/kg × 65 kg = 520 mg"
    )
    pembro = compute_line_dose(LineDoseRequest(protocol_dose=200, basis="mg"))
    assert (pembro.final_dose, rules(pembro)) == (200, ["theoretical"])
    assert pembro.steps[0].description == "Dose fixe : 200 mg"
    bleomycin = compute_line_dose(
        LineDoseRequest(protocol_dose=10000, basis="UI/m2", height_cm=180, weight_kg=80)
    )
    assert (bleomycin.final_dose, bleomycin.unit) == (20000, "UI")
    assert step(bleomycin, "theoretical").description == (
        f"Dose théorique : 10{NBSP}000 UI/m² × 2 m² = 20{NBSP}000 UI"
    )


def test_carboplatin_from_cockcroft_gault_says_so() -> None:
    dose = compute_line_dose(
        LineDoseRequest(
            protocol_dose=5,
            basis="AUC",
            age_years=60,
            weight_kg=72,
            serum_creatinine_umol_l=90,
            sex="M",
        )
    )
    assert dose.gfr_source == "cockcroft_gault"
    assert dose.gfr_ml_min == 78.7 and dose.gfr_cap_ml_min == 125
    assert step(dose, "gfr").description == (
        "DFG estimé par Cockcroft-Gault (homme, 60 ans, poids réel 72 kg, créatininémie "
        "90 µmol/L) : "
        "78,7 mL/min (plafond : 125 mL/min)"
    )
    assert step(dose, "theoretical").description == (
        "Dose théorique (Calvert) : ASC 5 × (78,7 mL/min + 25) = 518,5 mg"
    )
    assert dose.final_dose == pytest.approx(518.5)


def test_carboplatin_given_gfr_wins_and_is_capped_visibly() -> None:
    dose = compute_line_dose(
        LineDoseRequest(
            protocol_dose=5,
            basis="AUC",
            gfr_ml_min=150,
            age_years=60,
            weight_kg=72,
            serum_creatinine_umol_l=90,
            sex="M",
        )
    )
    assert dose.gfr_source == "given"
    assert rules(dose) == ["gfr", "gfr_cap", "theoretical"]
    assert step(dose, "gfr_cap").description == "DFG plafonné à 125 mL/min (valeur : 150 mL/min)"
    assert (dose.gfr_computed_ml_min, dose.gfr_ml_min, dose.final_dose) == (150, 125, 750)
    at_cap = compute_line_dose(LineDoseRequest(protocol_dose=5, basis="AUC", gfr_ml_min=125))
    assert "gfr_cap" not in rules(at_cap) and at_cap.final_dose == 750
    uncapped = compute_line_dose(
        LineDoseRequest(protocol_dose=5, basis="AUC", gfr_ml_min=150, gfr_cap_ml_min=None)
    )
    assert uncapped.final_dose == 875
    assert "(sans plafond)" in step(uncapped, "gfr").description


# --- maxima and rounding ----------------------------------------------------------------------


def test_vincristine_capped_at_2_mg() -> None:
    dose = compute_line_dose(
        LineDoseRequest(
            protocol_dose=1.4,
            basis="mg/m2",
            height_cm=189,
            weight_kg=84,
            max_dose_per_dose=2,
            rounding_step=0.1,
        )
    )
    assert dose.bsa_m2 == 2.1 and dose.theoretical_dose == pytest.approx(2.94)
    assert step(dose, "max_per_dose").description == (
        "Dose plafonnée à la dose maximale par administration (2 mg) : 2 mg"
    )
    assert dose.final_dose == 2 and dose.dose_limit_rule == "max_per_dose"


def test_rounding_up_past_the_maximum_rounds_down_instead() -> None:
    wide = {"rounding_tolerance_pct": 50.0}  # the site's tolerance at its widest
    dose = compute_line_dose(
        LineDoseRequest(
            protocol_dose=1.98, basis="mg", max_dose_per_dose=2, rounding_step=0.3, **wide
        )
    )
    # nearest multiple of 0.3 is 2.1 > 2 mg: the step below, 1.8, is used
    assert dose.final_dose == pytest.approx(1.8)
    assert step(dose, "rounding").description == (
        "Arrondi au pas de 0,3 mg, vers le bas pour ne pas dépasser la dose maximale (2 mg) : "
        "1,8 mg"
    )
    # with the default 5 % tolerance, 1,8 mg (−9,1 %) is too far: the step 0,03 mg gives 1,98
    finer = compute_line_dose(
        LineDoseRequest(protocol_dose=1.98, basis="mg", max_dose_per_dose=2, rounding_step=0.3)
    )
    assert finer.final_dose == pytest.approx(1.98)


def test_max_per_dose_and_per_cycle_the_smaller_applies() -> None:
    base = {
        "protocol_dose": 1.4,
        "basis": "mg/m2",
        "height_cm": 189,
        "weight_kg": 84,
        "max_dose_per_dose": 2.0,
    }
    by_cycle = compute_line_dose(
        LineDoseRequest(
            **base, max_dose_per_cycle=3, already_given_this_cycle=1.5, rounding_step=0.1
        )
    )
    assert by_cycle.final_dose == 1.5 and by_cycle.dose_limit_rule == "max_per_cycle"
    assert step(by_cycle, "max_per_cycle").description == (
        "Dose plafonnée à la dose maximale par cycle (3 mg, dont 1,5 mg déjà administrés : "
        "reste 1,5 mg) : 1,5 mg"
    )
    assert "max_per_dose" not in rules(by_cycle)
    by_dose = compute_line_dose(
        LineDoseRequest(**base, max_dose_per_cycle=6, already_given_this_cycle=1, rounding_step=0.1)
    )
    assert by_dose.final_dose == 2 and by_dose.dose_limit_rule == "max_per_dose"
    # cycle limit 1.9 mg, not a multiple of the 0.25 mg step: 2.0 would pass it, so 1.75
    tight = compute_line_dose(
        LineDoseRequest(
            **base, max_dose_per_cycle=4, already_given_this_cycle=2.1, rounding_step=0.25,
            rounding_tolerance_pct=50.0,
        )
    )
    assert tight.dose_limit == pytest.approx(1.9) and tight.final_dose == 1.75


def test_banding_picks_the_nearest_allowed_dose_under_the_maximum() -> None:
    carbo = {"protocol_dose": 5, "basis": "AUC", "gfr_ml_min": 78.7}  # 518.5 mg
    banded = compute_line_dose(LineDoseRequest(**carbo, dose_bands=[450, 500, 550, 600]))
    assert banded.final_dose == 500 and rules(banded)[-1] == "banding"
    assert step(banded, "banding").description == (
        "Dose standardisée la plus proche (écart -3,6 %, tolérance 5 %) : 500 mg"
    )
    tie = compute_line_dose(LineDoseRequest(protocol_dose=525, basis="mg", dose_bands=[500, 550]))
    assert tie.final_dose == 500  # equidistant: the lower band
    under_max = compute_line_dose(
        LineDoseRequest(
            protocol_dose=548,
            basis="mg",
            dose_bands=[500, 550],
            max_dose_per_dose=540,
            band_tolerance_pct=10,
            rounding_tolerance_pct=10,  # the smaller of the two tolerances applies
        )
    )
    assert under_max.final_dose == 500
    with pytest.raises(DoseInputError, match="au-delà de la tolérance de 5 %"):
        compute_line_dose(LineDoseRequest(**carbo, dose_bands=[400, 700]))
    with pytest.raises(DoseInputError, match="Aucune dose standardisée ne respecte"):
        compute_line_dose(LineDoseRequest(**carbo, dose_bands=[600], max_dose_per_dose=550))


# --- line dose refusals -----------------------------------------------------------------------

M2 = {"protocol_dose": 85.0, "basis": "mg/m2", "height_cm": 170.0, "weight_kg": 70.0}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"basis": "mg/m²"}, "Base de calcul « mg/m² » inconnue : choisissez mg/m², UI/m²"),
        ({"basis": "AUC", "protocol_dose": 5.0}, "il faut un DFG, ou pour l'estimer"),
        (
            {"basis": "AUC", "protocol_dose": 5.0, "age_years": 60.0, "sex": "F"},
            "(manque : la créatininémie)",
        ),
        ({"basis": "AUC", "protocol_dose": 13.0, "gfr_ml_min": 90.0}, "L'ASC cible (13"),
        ({"height_cm": None}, "la taille et le poids sont nécessaires"),
        ({"basis": "mg/kg", "weight_kg": None}, "Dose en mg/kg : le poids est nécessaire"),
        ({"height_cm": 260.0}, "La taille (260 cm) est hors des limites acceptées"),
        ({"weight_kg": math.nan}, "Le poids n'est pas un nombre fini"),
        ({"weight_kg": -70.0}, "Le poids (-70 kg)"),
        ({"protocol_dose": 0.0}, "La dose du protocole (0 mg/m²)"),
        ({"age_years": 130.0}, "L'âge (130 ans)"),
        ({"serum_creatinine_umol_l": 5.0}, "La créatininémie (5 µmol/L)"),
        ({"sex": "H"}, "Sexe « H » non reconnu"),
        ({"bsa_formula": "haycock"}, "Formule de surface corporelle « haycock » inconnue"),
        ({"bsa_cap_m2": 0.0}, "Le plafond de surface corporelle (0 m²)"),
        ({"gfr_cap_ml_min": 0.0}, "Le plafond de DFG (0 mL/min)"),
        ({"modification_pct": -20.0}, "Une modification de dose (-20 %) exige un motif"),
        ({"modification_pct": 10.0, "modification_reason": "   "}, "exige un motif"),
        (
            {"modification_pct": -100.0, "modification_reason": "arrêt"},
            "Le pourcentage de modification (-100 %) est hors des limites",
        ),
        ({"modification_pct": 101.0, "modification_reason": "x"}, "au plus 100 %"),
        ({"max_dose_per_dose": 0.0}, "La dose maximale par administration (0 mg)"),
        (
            {"max_dose_per_cycle": 200.0, "already_given_this_cycle": 200.0},
            "La dose maximale par cycle (200 mg) est déjà atteinte",
        ),
        ({"already_given_this_cycle": -1.0}, "La dose déjà administrée sur le cycle (-1 mg)"),
        ({"height_cm": 100.0, "weight_kg": 121.0}, "indice de masse corporelle de 121 kg/m²"),
        ({"cockcroft_gault_weight": "lean"}, "Poids de Cockcroft-Gault « lean » inconnu"),
        ({"rounding_tolerance_pct": 51.0}, "La tolérance de l'arrondi (51 %)"),
        ({"creatinine_max_age_days": -1}, "L'ancienneté maximale de la créatininémie (-1"),
        ({"rounding_step": 5.0, "dose_bands": (150.0,)}, "soit un pas d'arrondi, soit des doses"),
        ({"dose_bands": ()}, "La liste des doses standardisées est vide"),
        ({"dose_bands": (150.0, -1.0)}, "Une dose standardisée (-1 mg)"),
    ],
)
def test_line_dose_refusals_are_french(changes: dict, expected: str) -> None:
    with pytest.raises(DoseInputError) as refused:
        compute_line_dose(LineDoseRequest(**{**M2, **changes}))
    assert expected in str(refused.value)


def test_implausible_cockcroft_gault_clearance_is_refused() -> None:
    request = LineDoseRequest(
        protocol_dose=5,
        basis="AUC",
        age_years=20,
        weight_kg=150,
        serum_creatinine_umol_l=20,
        sex="M",
    )
    with pytest.raises(DoseInputError, match="La clairance estimée par Cockcroft-Gault"):
        compute_line_dose(request)


@pytest.mark.parametrize("bad", [True, "170", None])
def test_request_refuses_what_is_not_a_number_in_french(bad) -> None:
    if bad is None:  # a required field missing is a programming error, not a user's input
        with pytest.raises(ValidationError):
            LineDoseRequest(basis="mg")
        return
    with pytest.raises(DoseInputError, match="La taille doit être un nombre"):
        LineDoseRequest(**{**M2, "height_cm": bad})


# --- properties -------------------------------------------------------------------------------

STEPS = [0.1, 0.25, 0.3, 0.5, 1.0, 5.0, 10.0, 25.0]


@st.composite
def requests(draw) -> LineDoseRequest:
    fields = {
        "protocol_dose": draw(st.floats(0.5, 3000)),
        "basis": "mg/m2",
        "height_cm": draw(st.floats(140, 200)),
        "weight_kg": draw(st.floats(35, 150)),
        "bsa_formula": draw(st.sampled_from(["mosteller", "dubois"])),
        "bsa_cap_m2": draw(st.none() | st.floats(1.5, 2.2)),
        "max_dose_per_dose": draw(st.none() | st.floats(0.5, 5000)),
        "max_dose_per_cycle": draw(st.none() | st.floats(1, 10000)),
        "already_given_this_cycle": draw(st.floats(0, 500)),
        "modification_pct": draw(st.none() | st.floats(-99, 100)),
        "modification_reason": "toxicité",
    }
    if draw(st.booleans()):
        fields["rounding_step"] = draw(st.sampled_from(STEPS))
    elif draw(st.booleans()):
        fields["dose_bands"] = tuple(draw(st.lists(st.floats(1, 5000), min_size=1, max_size=8)))
        fields["band_tolerance_pct"] = 50.0
        fields["rounding_tolerance_pct"] = 50.0  # banding is held to the smaller tolerance
    return LineDoseRequest(**fields)


def _computed(request: LineDoseRequest):
    try:
        return compute_line_dose(request)
    except DoseInputError:  # e.g. cycle max already reached, or no band under the max
        return None


@settings(max_examples=300, deadline=None)
@given(requests())
def test_final_dose_never_exceeds_the_maxima(request: LineDoseRequest) -> None:
    dose = _computed(request)
    if dose is None:
        return
    if request.max_dose_per_dose is not None:
        assert dose.final_dose <= request.max_dose_per_dose
    if request.max_dose_per_cycle is not None:
        assert dose.final_dose + request.already_given_this_cycle <= (
            request.max_dose_per_cycle + 1e-9
        )
    if dose.dose_limit is not None:
        assert dose.final_dose <= dose.dose_limit


@settings(max_examples=300, deadline=None)
@given(requests(), st.floats(-99.9, -0.01))
def test_a_reduction_never_increases_the_dose(request: LineDoseRequest, pct: float) -> None:
    plain = _computed(request.model_copy(update={"modification_pct": None}))
    reduced = _computed(request.model_copy(update={"modification_pct": pct}))
    if plain is not None and reduced is not None:
        assert reduced.final_dose <= plain.final_dose


@settings(max_examples=200, deadline=None)
@given(requests())
def test_recomputation_is_deterministic(request: LineDoseRequest) -> None:
    first = _computed(request)
    again = _computed(LineDoseRequest(**request.model_dump()))
    assert first == again
    if first is not None:
        assert first.model_dump_json() == again.model_dump_json()


@settings(max_examples=300, deadline=None)
@given(requests(), st.sampled_from(STEPS))
def test_rounding_moves_the_dose_by_at_most_one_step(request, rounding_step: float) -> None:
    request = request.model_copy(update={"rounding_step": rounding_step, "dose_bands": None})
    dose = _computed(request)
    if dose is not None:
        assert abs(dose.final_dose - dose.dose_before_rounding) <= rounding_step + 1e-9
        assert rules(dose)[-1] == "rounding"


# --- architecture -----------------------------------------------------------------------------


def test_dosing_imports_no_ui_database_dataframe_or_pdf_library() -> None:
    code = "import sys, chemo_fallback.dosing; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = {name.split(".")[0] for name in out.stdout.split()}
    assert "pydantic" in loaded
    assert not loaded & {"nicegui", "duckdb", "pandas", "reportlab"}
