"""Every input of a line dose checked before anything is computed: out of range is refused
with a French DoseInputError saying what is wrong and what to do, never computed around."""

from __future__ import annotations

from chemo_fallback.dosing import formulas as f
from chemo_fallback.dosing.body import CG_WEIGHT_SETTINGS, check_bmi
from chemo_fallback.dosing.models import BASES, BASIS_LABELS, BSA_FORMULAS, LineDoseRequest
from chemo_fallback.french import format_number_fr


def check_request(request: LineDoseRequest) -> None:
    """Refuses, in French, anything out of range, before any computation."""
    setting = "vérifiez le paramétrage du protocole ou du site"
    if request.basis not in BASES:
        raise f.DoseInputError(
            f"Base de calcul « {request.basis} » inconnue : choisissez mg/m², UI/m², mg/kg, "
            "UI/kg, ASC (carboplatine, formule de Calvert), mg ou UI (dose fixe).",
            code="dose_basis_unknown",
        )
    if request.basis == "AUC":
        f.check_auc(request.protocol_dose)
    else:
        f.check_number(
            request.protocol_dose,
            "La dose du protocole",
            BASIS_LABELS.get(request.basis, request.basis),
            0.0,
            low_exclusive=True,
            advice="vérifiez la ligne du protocole",
        )
    if request.height_cm is not None:
        f.check_height_cm(request.height_cm)
    if request.weight_kg is not None:
        f.check_weight_kg(request.weight_kg)
    if request.height_cm is not None and request.weight_kg is not None:
        check_bmi(request.height_cm, request.weight_kg)  # an impossible pair is a typing error
    if request.age_years is not None:
        f.check_age_years(request.age_years)
    if request.serum_creatinine_umol_l is not None:
        f.check_creatinine_umol_l(request.serum_creatinine_umol_l)
    if request.sex is not None:
        f.check_sex(request.sex)
    if request.gfr_ml_min is not None:
        f.check_gfr_ml_min(request.gfr_ml_min)
    if request.gfr_cap_ml_min is not None:
        f.check_gfr_cap_ml_min(request.gfr_cap_ml_min)
    if request.bsa_formula not in BSA_FORMULAS:
        raise f.DoseInputError(
            f"Formule de surface corporelle « {request.bsa_formula} » inconnue : choisissez "
            "« mosteller » ou « dubois » dans le paramétrage du protocole ou du site.",
            code="dose_bsa_formula_unknown",
        )
    if request.bsa_cap_m2 is not None:
        f.check_number(
            request.bsa_cap_m2,
            "Le plafond de surface corporelle",
            "m²",
            0.0,
            5.0,
            low_exclusive=True,
            advice=setting,
        )
    if request.cockcroft_gault_weight not in CG_WEIGHT_SETTINGS:
        raise f.DoseInputError(
            f"Poids de Cockcroft-Gault « {request.cockcroft_gault_weight} » inconnu : le "
            "paramètre du site doit valoir « actual », « ideal » ou « adjusted ».",
            code="dose_cg_weight_setting_unknown",
        )
    f.check_number(
        request.creatinine_max_age_days,
        "L'ancienneté maximale de la créatininémie",
        "jours",
        0.0,
        365.0,
        advice=setting,
    )
    f.check_number(
        request.rounding_tolerance_pct,
        "La tolérance de l'arrondi",
        "%",
        0.0,
        50.0,
        advice=setting,
    )
    if request.modification_pct is not None:
        f.check_number(
            request.modification_pct,
            "Le pourcentage de modification",
            "%",
            -100.0,
            100.0,
            low_exclusive=True,
            advice="une réduction s'écrit par exemple -20, une augmentation +10",
        )
        if request.modification_pct != 0 and not (request.modification_reason or "").strip():
            raise f.DoseInputError(
                f"Une modification de dose ({format_number_fr(request.modification_pct, 2)} %) "
                "exige un motif : saisissez la raison (par exemple toxicité, état général).",
                code="dose_modification_without_reason",
            )
    unit = BASES[request.basis][0]
    for value, label in (
        (request.max_dose_per_dose, "La dose maximale par administration"),
        (request.max_dose_per_cycle, "La dose maximale par cycle"),
        (request.rounding_step, "Le pas d'arrondi"),
    ):
        if value is not None:
            f.check_number(value, label, unit, 0.0, low_exclusive=True, advice=setting)
    f.check_number(
        request.already_given_this_cycle,
        "La dose déjà administrée sur le cycle",
        unit,
        0.0,
        advice="vérifiez les administrations du cycle",
    )
    if request.dose_bands is not None:
        if not request.dose_bands:
            raise f.DoseInputError(f"La liste des doses standardisées est vide : {setting}.")
        for band in request.dose_bands:
            f.check_number(
                band, "Une dose standardisée", unit, 0.0, low_exclusive=True, advice=setting
            )
        f.check_number(
            request.band_tolerance_pct,
            "La tolérance des doses standardisées",
            "%",
            0.0,
            50.0,
            low_exclusive=True,
            advice=setting,
        )
        if request.rounding_step is not None:
            raise f.DoseInputError(
                "Choisissez soit un pas d'arrondi, soit des doses standardisées, pas les deux : "
                f"{setting}."
            )
