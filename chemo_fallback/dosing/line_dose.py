"""The dose of one prescription line, with every step visible, in this order:

1. theoretical dose from the basis (mg/m² or UI/m² × BSA, mg/kg or UI/kg × weight, AUC by
   Calvert, or flat), with the BSA cap and the GFR cap shown when they apply;
2. the maxima: the smaller of "max per dose" and "max per cycle minus what was already given";
3. modification in % (reduction or increase, with its reason) of the dose the patient would
   otherwise receive, i.e. AFTER the maxima: vincristine capped at 2 mg, −50 % gives 1 mg;
4. the maxima again (an increase never passes them);
5. rounding to a step, never above the maximum and never moving the dose by more than the
   tolerance (a finer step then), or the nearest allowed dose (banding), within the smaller of
   the band and the rounding tolerances.

A modification that leaves the final dose unchanged (+10 % on a dose already at its maximum, a
change the rounding erases) is refused with the explanation: the prescriber meant a change.

The BSA is used rounded to 0,01 m² and a Cockcroft-Gault clearance to 0,1 mL/min, as shown, so
that a pharmacist can redo the printed arithmetic by hand. Everything is checked before any
step is computed: an input out of range (including a height/weight pair whose BMI is
impossible) is refused, never computed around.
"""

from __future__ import annotations

from chemo_fallback.dosing import formulas as f
from chemo_fallback.dosing.body import body_mass_index
from chemo_fallback.dosing.checks import check_request
from chemo_fallback.dosing.clearance import gfr_step
from chemo_fallback.dosing.formulas import half_up
from chemo_fallback.dosing.limits import apply_maxima, pick_band, round_to_step
from chemo_fallback.dosing.models import (
    BASES,
    BASIS_LABELS,
    BSA_FORMULAS,
    DoseStep,
    LineDose,
    LineDoseRequest,
)
from chemo_fallback.french import format_dose_fr, format_number_fr

BSA_FUNCTIONS = {"mosteller": f.bsa_mosteller, "dubois": f.bsa_dubois}


def _clean(value: float) -> float:
    """Drops floating-point noise (156.39999999999998 → 156.4), keeps tiny values non-zero."""
    return float(f"{value:.12g}")


def bsa_shown_m2(formula: str, height_cm: float, weight_kg: float) -> float:
    """The BSA as the engine uses and prints it: the formula's value, half-up to 0,01 m²."""
    return half_up(BSA_FUNCTIONS[formula](height_cm, weight_kg), 2)


def _per_bsa(request: LineDoseRequest, unit: str, steps: list[DoseStep], out: dict) -> float:
    if request.height_cm is None or request.weight_kg is None:
        raise f.DoseInputError(
            f"Dose en {BASIS_LABELS[request.basis]} : la taille et le poids sont nécessaires "
            "pour la surface corporelle. Saisissez-les (obligatoires sur toute prescription).",
            code="dose_measure_missing",
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


def _theoretical(request: LineDoseRequest, unit: str, steps: list[DoseStep], out: dict) -> float:
    kind = BASES[request.basis][1]
    if kind == "bsa":
        return _per_bsa(request, unit, steps, out)
    if kind == "weight":
        if request.weight_kg is None:
            raise f.DoseInputError(
                f"Dose en {request.basis} : le poids est nécessaire. Saisissez-le "
                "(obligatoire sur toute prescription).",
                code="dose_measure_missing",
            )
        out["weight_kg"] = request.weight_kg
        dose = _clean(request.protocol_dose * request.weight_kg)
        text = (
            f"Dose théorique : {format_number_fr(request.protocol_dose, 3)} {request.basis} "
            f"× {format_number_fr(request.weight_kg, 2)} kg = {format_dose_fr(dose)} {unit}"
        )
    elif kind == "auc":
        gfr = gfr_step(request, steps, out)
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


def _modified(
    request: LineDoseRequest, capped: float, theoretical: float, unit: str, steps: list[DoseStep]
) -> float:
    """Step 3 then 4: the modification of the capped dose, then the maxima again."""
    pct = request.modification_pct or 0.0
    reason = (request.modification_reason or "").strip()
    dose = _clean(capped * (1 + pct / 100))
    word = "Réduction" if pct < 0 else "Augmentation"
    of = f"{format_dose_fr(capped)} {unit}"
    if capped < theoretical:
        of = f"la dose plafonnée, {of}"
    steps.append(
        DoseStep(
            rule="modification",
            value=dose,
            unit=unit,
            description=(
                f"{word} de {format_number_fr(abs(pct), 2)} % de {of} (motif : {reason}) : "
                f"{format_dose_fr(dose)} {unit}"
            ),
        )
    )
    dose, _, _, again = apply_maxima(
        dose,
        unit,
        request.max_dose_per_dose,
        request.max_dose_per_cycle,
        request.already_given_this_cycle,
        again=True,
    )
    steps.extend(again)
    return dose


def _rounded(request: LineDoseRequest, dose: float, unit: str, limit: float | None):
    """Step 5: the rounding or banding step, or None when neither is asked for."""
    if request.rounding_step is not None:
        return round_to_step(
            dose, unit, request.rounding_step, limit, request.rounding_tolerance_pct
        )
    if request.dose_bands is not None:
        # Rounding of any kind never moves a dose by more than the dose tolerance: a band
        # tolerance wider than the site's rounding tolerance (its dose_tolerance_pct) is held
        # to it (10 mg banded to 9 mg is -10 %, refused with a 5 % tolerance).
        tolerance = min(request.band_tolerance_pct, request.rounding_tolerance_pct)
        return pick_band(dose, unit, request.dose_bands, tolerance, limit)
    return None


def _refuse_a_modification_that_changes_nothing(
    request: LineDoseRequest, final: float, unmodified: float, limit: float | None, unit: str
) -> None:
    if half_up(final, 6) != half_up(unmodified, 6):
        return
    pct = request.modification_pct or 0.0
    shown = f"{'+' if pct > 0 else ''}{format_number_fr(pct, 2)} %"
    if pct > 0 and limit is not None and unmodified >= limit:
        why = (
            f"la dose est déjà à la dose maximale ({format_dose_fr(limit)} {unit}), qu'une "
            "augmentation ne peut pas dépasser"
        )
    else:
        why = "l'arrondi de la dose efface un écart aussi petit"
    raise f.DoseInputError(
        f"La modification de {shown} ne change pas la dose finale ({format_dose_fr(final)} "
        f"{unit}) : {why}. Retirez la modification (0 %) ou choisissez un pourcentage qui "
        "change réellement la dose.",
        code="dose_modification_no_effect",
    )


def compute_line_dose(request: LineDoseRequest) -> LineDose:
    """The dose to prepare for one line, or a DoseInputError (French) if an input is wrong."""
    check_request(request)
    unit = BASES[request.basis][0]
    steps: list[DoseStep] = []
    out: dict = {}
    if request.height_cm is not None and request.weight_kg is not None:
        out["bmi_kg_m2"] = half_up(body_mass_index(request.height_cm, request.weight_kg), 1)
    theoretical = _theoretical(request, unit, steps, out)

    capped, limit, limit_rule, limit_steps = apply_maxima(
        theoretical,
        unit,
        request.max_dose_per_dose,
        request.max_dose_per_cycle,
        request.already_given_this_cycle,
    )
    steps.extend(limit_steps)
    dose = capped
    if request.modification_pct:  # None or 0: no modification
        dose = _modified(request, capped, theoretical, unit, steps)
        out.update(
            modification_pct=request.modification_pct,
            modification_reason=(request.modification_reason or "").strip(),
        )
    before_rounding = dose
    last = _rounded(request, dose, unit, limit)
    if last is not None:
        steps.append(last)
        dose = last.value
    if request.modification_pct:
        plain = _rounded(request, capped, unit, limit)
        unmodified = plain.value if plain is not None else capped
        _refuse_a_modification_that_changes_nothing(request, dose, unmodified, limit, unit)

    return LineDose(
        final_dose=dose,
        unit=unit,
        steps=steps,
        basis=request.basis,
        protocol_dose=request.protocol_dose,
        theoretical_dose=theoretical,
        dose_before_rounding=before_rounding,
        dose_before_modification=capped,
        dose_limit=limit,
        dose_limit_rule=limit_rule,
        **out,
    )
