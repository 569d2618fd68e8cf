"""The dose of one prescription line, with every step visible, in this order:

1. theoretical dose from the basis (mg/m² or UI/m² × BSA, mg/kg or UI/kg × weight, AUC by
   Calvert, or flat), with the BSA cap and the GFR cap shown when they apply;
2. modification in % (reduction or increase), which requires a reason;
3. the smaller of "max per dose" and "max per cycle minus what was already given";
4. rounding to a step, or the nearest allowed dose (banding), never above that maximum.

The BSA is used rounded to 0,01 m² and a Cockcroft-Gault clearance to 0,1 mL/min, as shown, so
that a pharmacist can redo the printed arithmetic by hand. Everything is checked before any
step is computed: an input out of range is refused, never computed around.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from chemo_fallback.dosing import formulas as f
from chemo_fallback.dosing.checks import check_request
from chemo_fallback.dosing.french import format_dose_fr, format_number_fr
from chemo_fallback.dosing.limits import apply_maxima, pick_band, round_to_step
from chemo_fallback.dosing.models import (
    BASES,
    BASIS_LABELS,
    BSA_FORMULAS,
    DoseStep,
    LineDose,
    LineDoseRequest,
)

BSA_FUNCTIONS = {"mosteller": f.bsa_mosteller, "dubois": f.bsa_dubois}
SEX_WORDS = {"M": "homme", "F": "femme"}


def _clean(value: float) -> float:
    """Drops floating-point noise (156.39999999999998 → 156.4), keeps tiny values non-zero."""
    return float(f"{value:.12g}")


def half_up(value: float, decimals: int) -> float:
    quantum = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def bsa_shown_m2(formula: str, height_cm: float, weight_kg: float) -> float:
    """The BSA as the engine uses and prints it: the formula's value, half-up to 0,01 m²."""
    return half_up(BSA_FUNCTIONS[formula](height_cm, weight_kg), 2)


def _per_bsa(request: LineDoseRequest, unit: str, steps: list[DoseStep], out: dict) -> float:
    if request.height_cm is None or request.weight_kg is None:
        raise f.DoseInputError(
            f"Dose en {BASIS_LABELS[request.basis]} : la taille et le poids sont nécessaires "
            "pour la surface corporelle. Saisissez-les (obligatoires sur toute prescription)."
        )
    name = BSA_FORMULAS[request.bsa_formula]
    bsa = bsa_shown_m2(request.bsa_formula, request.height_cm, request.weight_kg)
    steps.append(
        DoseStep(
            rule="bsa",
            value=bsa,
            unit="m2",
            description=(
                f"Surface corporelle ({name}, {format_number_fr(request.height_cm, 1)} cm, "
                f"{format_number_fr(request.weight_kg, 2)} kg) : {format_number_fr(bsa, 2)} m²"
            ),
        )
    )
    out.update(
        bsa_formula=request.bsa_formula,
        bsa_computed_m2=bsa,
        bsa_m2=bsa,
        bsa_cap_m2=request.bsa_cap_m2,
    )
    if request.bsa_cap_m2 is not None and bsa > request.bsa_cap_m2:
        bsa = request.bsa_cap_m2
        out["bsa_m2"] = bsa
        steps.append(
            DoseStep(
                rule="bsa_cap",
                value=bsa,
                unit="m2",
                description=(
                    f"Surface corporelle plafonnée à {format_number_fr(bsa, 2)} m² (calculée : "
                    f"{format_number_fr(out['bsa_computed_m2'], 2)} m²)"
                ),
            )
        )
    dose = _clean(request.protocol_dose * bsa)
    steps.append(
        DoseStep(
            rule="theoretical",
            value=dose,
            unit=unit,
            description=(
                f"Dose théorique : {format_number_fr(request.protocol_dose, 3)} "
                f"{BASIS_LABELS[request.basis]} × {format_number_fr(bsa, 2)} m² = "
                f"{format_dose_fr(dose)} {unit}"
            ),
        )
    )
    return dose


def _gfr(request: LineDoseRequest, steps: list[DoseStep], out: dict) -> float:
    cap = request.gfr_cap_ml_min
    cap_text = f"plafond : {format_number_fr(cap, 1)} mL/min" if cap is not None else "sans plafond"
    if request.gfr_ml_min is not None:
        gfr = request.gfr_ml_min
        out["gfr_source"] = "given"
        text = f"DFG saisi : {format_number_fr(gfr, 1)} mL/min ({cap_text})"
    else:
        data = {
            "l'âge": request.age_years,
            "le poids": request.weight_kg,
            "la créatininémie": request.serum_creatinine_umol_l,
            "le sexe": request.sex,
        }
        missing = [name for name, value in data.items() if value is None]
        if missing:
            raise f.DoseInputError(
                "Dose en ASC (Calvert) : il faut un DFG, ou pour l'estimer par Cockcroft-Gault "
                f"l'âge, le poids, la créatininémie et le sexe (manque : {', '.join(missing)}). "
                "Saisissez le DFG ou les données manquantes."
            )
        assert request.sex is not None and request.age_years is not None  # for type checkers
        gfr = half_up(
            f.creatinine_clearance_cockcroft_gault(
                request.age_years,
                request.weight_kg,
                request.serum_creatinine_umol_l,
                request.sex,
            ),
            1,
        )
        f.check_gfr_ml_min(gfr, "La clairance estimée par Cockcroft-Gault")
        out["gfr_source"] = "cockcroft_gault"
        text = (
            f"DFG estimé par Cockcroft-Gault ({SEX_WORDS[request.sex]}, "
            f"{format_number_fr(request.age_years, 1)} ans, "
            f"{format_number_fr(request.weight_kg or 0, 2)} kg, créatininémie "
            f"{format_number_fr(request.serum_creatinine_umol_l or 0, 1)} µmol/L) : "
            f"{format_number_fr(gfr, 1)} mL/min ({cap_text})"
        )
    steps.append(DoseStep(rule="gfr", value=gfr, unit="mL/min", description=text))
    out.update(gfr_computed_ml_min=gfr, gfr_ml_min=gfr, gfr_cap_ml_min=cap)
    if cap is not None and gfr > cap:
        out["gfr_ml_min"] = cap
        steps.append(
            DoseStep(
                rule="gfr_cap",
                value=cap,
                unit="mL/min",
                description=(
                    f"DFG plafonné à {format_number_fr(cap, 1)} mL/min (valeur : "
                    f"{format_number_fr(gfr, 1)} mL/min)"
                ),
            )
        )
        return cap
    return gfr


def _theoretical(request: LineDoseRequest, unit: str, steps: list[DoseStep], out: dict) -> float:
    kind = BASES[request.basis][1]
    if kind == "bsa":
        return _per_bsa(request, unit, steps, out)
    if kind == "weight":
        if request.weight_kg is None:
            raise f.DoseInputError(
                f"Dose en {request.basis} : le poids est nécessaire. Saisissez-le "
                "(obligatoire sur toute prescription)."
            )
        out["weight_kg"] = request.weight_kg
        dose = _clean(request.protocol_dose * request.weight_kg)
        text = (
            f"Dose théorique : {format_number_fr(request.protocol_dose, 3)} {request.basis} "
            f"× {format_number_fr(request.weight_kg, 2)} kg = {format_dose_fr(dose)} {unit}"
        )
    elif kind == "auc":
        gfr = _gfr(request, steps, out)
        dose = _clean(f.carboplatin_dose_calvert(request.protocol_dose, gfr, None))
        text = (
            f"Dose théorique (Calvert) : ASC {format_number_fr(request.protocol_dose, 2)} × "
            f"({format_number_fr(gfr, 1)} mL/min + 25) = {format_dose_fr(dose)} {unit}"
        )
    else:
        dose = _clean(request.protocol_dose)
        text = f"Dose fixe : {format_dose_fr(dose)} {unit}"
    steps.append(DoseStep(rule="theoretical", value=dose, unit=unit, description=text))
    return dose


def compute_line_dose(request: LineDoseRequest) -> LineDose:
    """The dose to prepare for one line, or a DoseInputError (French) if an input is wrong."""
    check_request(request)
    unit = BASES[request.basis][0]
    steps: list[DoseStep] = []
    out: dict = {}
    theoretical = _theoretical(request, unit, steps, out)

    dose = theoretical
    pct = request.modification_pct
    if pct:  # None or 0: no modification
        reason = (request.modification_reason or "").strip()
        dose = _clean(theoretical * (1 + pct / 100))
        word = "Réduction" if pct < 0 else "Augmentation"
        steps.append(
            DoseStep(
                rule="modification",
                value=dose,
                unit=unit,
                description=(
                    f"{word} de {format_number_fr(abs(pct), 2)} % (motif : {reason}) : "
                    f"{format_dose_fr(dose)} {unit}"
                ),
            )
        )
        out.update(modification_pct=pct, modification_reason=reason)

    dose, limit, limit_rule, limit_steps = apply_maxima(
        dose,
        unit,
        request.max_dose_per_dose,
        request.max_dose_per_cycle,
        request.already_given_this_cycle,
    )
    steps.extend(limit_steps)
    before_rounding = dose
    if request.rounding_step is not None:
        steps.append(round_to_step(dose, unit, request.rounding_step, limit))
        dose = steps[-1].value
    elif request.dose_bands is not None:
        steps.append(pick_band(dose, unit, request.dose_bands, request.band_tolerance_pct, limit))
        dose = steps[-1].value

    return LineDose(
        final_dose=dose,
        unit=unit,
        steps=steps,
        basis=request.basis,
        protocol_dose=request.protocol_dose,
        theoretical_dose=theoretical,
        dose_before_rounding=before_rounding,
        dose_limit=limit,
        dose_limit_rule=limit_rule,
        **out,
    )
