"""The GFR an AUC (Calvert) dose uses: given, or estimated by Cockcroft-Gault from the age, the
weight the site chose (actual, ideal or adjusted, see body.py), the creatinine and the sex.

A Cockcroft-Gault estimate from a creatinine older than the site's limit on the day of
administration is refused: kidney function changes within days under platinum, and an old
creatinine gives a dose for a patient who no longer exists. The step text shows the weight used
and the creatinine's date, so the printed arithmetic can be redone and its freshness checked.
"""

from __future__ import annotations

from chemo_fallback.dosing import formulas as f
from chemo_fallback.dosing.body import cockcroft_gault_weight
from chemo_fallback.dosing.models import DoseStep, LineDoseRequest
from chemo_fallback.french import format_number_fr

SEX_WORDS = {"M": "homme", "F": "femme"}



def check_creatinine_age(request: LineDoseRequest) -> None:
    """Refuses a creatinine older than the limit on the day of administration (when dated)."""
    sampled, given_on = request.creatinine_sampled_on, request.administration_date
    if sampled is None and given_on is None:
        return  # an undated request (a direct engine call): nothing to compare
    if sampled is None or given_on is None:
        missing = "de la créatininémie" if sampled is None else "d'administration"
        raise f.DoseInputError(
            f"Dose en ASC (Calvert) : la date {missing} est inconnue, l'ancienneté de la "
            "créatininémie ne peut pas être vérifiée. Saisissez une créatininémie datée.",
            code="dose_creatinine_undated",
        )
    age_days = (given_on - sampled).days
    limit = request.creatinine_max_age_days
    if age_days > limit:
        raise f.DoseInputError(
            f"Dose en ASC (Calvert) : la créatininémie du {sampled:%d/%m/%Y} aura {age_days} "
            f"jours le jour d'administration ({given_on:%d/%m/%Y}), au-delà de la limite du "
            f"site ({limit} jours). Faites doser la créatinine et saisissez le résultat : aucune "
            "dose n'est calculée sur une créatininémie ancienne.",
            code="dose_creatinine_too_old",
        )


def gfr_step(request: LineDoseRequest, steps: list[DoseStep], out: dict) -> float:
    """The GFR used (capped when above the cap), its steps appended, its values in `out`."""
    cap = request.gfr_cap_ml_min
    cap_text = f"plafond : {format_number_fr(cap, 1)} mL/min" if cap is not None else "sans plafond"
    if request.gfr_ml_min is not None:
        gfr = request.gfr_ml_min
        out["gfr_source"] = "given"
        text = f"DFG saisi : {format_number_fr(gfr, 1)} mL/min ({cap_text})"
    else:
        gfr, text = _cockcroft_gault(request, cap_text, out)
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


def _cockcroft_gault(request: LineDoseRequest, cap_text: str, out: dict) -> tuple[float, str]:
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
            "Saisissez le DFG ou les données manquantes.",
            code="dose_gfr_inputs_missing",
        )
    # for type checkers: all four are known here
    assert request.sex is not None and request.age_years is not None
    assert request.weight_kg is not None and request.serum_creatinine_umol_l is not None
    check_creatinine_age(request)
    weight = cockcroft_gault_weight(
        request.cockcroft_gault_weight, request.weight_kg, request.height_cm, request.sex
    )
    gfr = f.half_up(
        f.creatinine_clearance_cockcroft_gault(
            request.age_years, weight.weight_kg, request.serum_creatinine_umol_l, request.sex
        ),
        1,
    )
    f.check_gfr_ml_min(gfr, "La clairance estimée par Cockcroft-Gault")
    out.update(
        gfr_source="cockcroft_gault",
        gfr_weight_kg=weight.weight_kg,
        gfr_weight_kind=weight.kind,
        creatinine_sampled_on=request.creatinine_sampled_on,
    )
    dated = (
        f" du {request.creatinine_sampled_on:%d/%m/%Y}" if request.creatinine_sampled_on else ""
    )
    text = (
        f"DFG estimé par Cockcroft-Gault ({SEX_WORDS[request.sex]}, "
        f"{format_number_fr(request.age_years, 1)} ans, {weight.text}, créatininémie "
        f"{format_number_fr(request.serum_creatinine_umol_l, 1)} µmol/L{dated}) : "
        f"{format_number_fr(gfr, 1)} mL/min ({cap_text})"
    )
    return gfr, text
