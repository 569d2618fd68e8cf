"""Pure rules of the prescription: days of a protocol line, allowed status moves, what must be
present before doses are computed or a prescription is signed, and each line's dose request.

No database, no UI: everything here is tested with plain values.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from chemo_fallback.dosing import DoseInputError, LineDose, LineDoseRequest, compute_line_dose
from chemo_fallback.french import dose_decimals, format_dose_fr
from chemo_fallback.modules.prescription import drug_rules
from chemo_fallback.modules.prescription.models import (
    LINE_KIND_LABELS,
    STATUS_LABELS,
    TRANSITIONS,
    DosingInputs,
    Line,
    MeasureUsed,
    Prescription,
    PrescriptionError,
    Protocol,
    Status,
)
from chemo_fallback.site_settings import SiteSettings

# French "liste en sus" indication codes: the letter I and six digits (e.g. I000123).
INDICATION_CODE = re.compile(r"^I\d{6}$")
DAY_RANGE = re.compile(r"^(\d{1,3})(?:-(\d{1,3}))?$")


def parse_days(days: str) -> list[int]:
    """"1" → [1]; "1-5" → [1..5]; "1,8,15" or "1;8;15" → [1, 8, 15] (sorted, no repeats)."""
    found: set[int] = set()
    for part in re.split(r"[,;]", days):
        match = DAY_RANGE.match(part.strip())
        if not match:
            raise PrescriptionError(
                f"Jours d'administration illisibles dans le protocole : « {days} ». Attendu par "
                "exemple « 1 », « 1-5 » ou « 1,8,15 » : faites corriger le thésaurus."
            )
        first = int(match.group(1))
        last = int(match.group(2) or first)
        if first < 1 or last < first:
            raise PrescriptionError(
                f"Jours d'administration impossibles dans le protocole : « {days} »."
            )
        found.update(range(first, last + 1))
    return sorted(found)


def protocol_days(protocol: Protocol) -> list[int]:
    return sorted({d for line in protocol.lines for d in parse_days(line.days)})


def planned_date(cycle_start: date, day_no: int) -> date:
    """Day 1 is the cycle's first day."""
    return cycle_start + timedelta(days=day_no - 1)


def check_transition(current: Status, target: Status) -> None:
    if target not in TRANSITIONS[current]:
        raise PrescriptionError(
            f"Impossible de passer une prescription « {STATUS_LABELS[current]} » à l'état "
            f"« {STATUS_LABELS[target]} ». Une prescription signée ne se modifie plus : créez "
            "une version corrigée."
        )


def edit_refusal(rx: Prescription, username: str, role: str) -> str | None:
    """Why this user may not change or sign this draft (None: they may). A physician's own
    draft is theirs alone; a transcription belongs to the pharmacists."""
    if rx.prescriber.transcribed and role != "pharmacist":
        return (
            f"Brouillon transcrit par un pharmacien pour {rx.prescriber.name} : seul un "
            "pharmacien le modifie et le signe."
        )
    if not rx.prescriber.transcribed and username != rx.created_by:
        return (
            f"Brouillon de {rx.prescriber.name} : lui seul le modifie et le signe. Pour une "
            "prescription papier d'un autre médecin, créez une prescription transcrite."
        )
    return None


def protocol_problems(protocol: Protocol) -> list[str]:
    """Why this protocol cannot be prescribed as is: no line of it was rejected at activation
    (it would be missing, silently); every line keeps its drug's rules (routes, containers,
    maximum, never-events); every compounded line (an injectable chemotherapy) names a drug the
    pharmacy can make (known, with at least one product)."""
    problems = [
        f"ligne {rejected.line_no or '?'} rejetée à l'activation de l'instantané "
        f"({rejected.reason})"
        for rejected in protocol.rejected_lines
    ]
    for line in protocol.lines:
        if line.drug_id:
            problems.extend(
                f"ligne {line.line_no} : {breach.message}"
                for breach in drug_rules.line_breaches(
                    line.drug_safety,
                    inn=line.drug_inn,
                    line_kind=line.line_kind,
                    route=line.route,
                    container=line.container,
                    title=line.drug_inn or line.drug_id,
                    dose_basis=line.dose_basis,
                    requested_dose=line.dose,
                    drug_id=line.drug_id,
                )
            )
        if not drug_rules.is_compounded(line.line_kind, line.route):
            continue  # premedication, hydration and oral drugs come from the ward's stock
        if not line.drug_id or not line.drug_known:
            problems.append(
                f"ligne {line.line_no} : le médicament « {line.drug_id or '(aucun)'} » est "
                "absent de la liste des médicaments de l'instantané"
            )
        elif not line.has_products:
            problems.append(
                f"ligne {line.line_no} : aucun produit (flacon) de {line.drug_inn or line.drug_id} "
                "dans l'instantané, la pharmacie ne peut pas le préparer"
            )
    return problems


LINE_KIND_MISMATCH = "line_kind_mismatch"


def line_kind_mismatch(line_kind: str, inn: str, markers: dict) -> str | None:
    """Why a drug the snapshot marks as a chemotherapy cannot be typed otherwise (French), or
    None. The kind decides which checks a line gets: a doxorubicin 500 mg/m² typed
    "premedication" would escape the drug-specific checks. A chemotherapy is a drug given as a
    chemotherapy line in any protocol of the thesaurus, or one with a lifetime cumulative
    limit or concentration limits (a cytotoxic, prepared by the pharmacy)."""
    if line_kind == "chemotherapy":
        return None
    why = []
    if markers.get("chemotherapy_in"):
        why.append(
            "prescrit comme chimiothérapie dans le thésaurus ("
            + ", ".join(markers["chemotherapy_in"][:5])
            + (", …" if len(markers["chemotherapy_in"]) > 5 else "")
            + ")"
        )
    if markers.get("cumulative_limit") is not None:
        why.append("dose cumulée maximale sur la vie entière")
    if markers.get("final_conc_min") is not None or markers.get("final_conc_max") is not None:
        why.append("concentrations finales à respecter en préparation")
    if not why:
        return None
    kind = LINE_KIND_LABELS.get(line_kind, line_kind)
    return (
        f"{inn} ne peut pas être prescrit en « {kind} » : c'est une chimiothérapie ("
        + " ; ".join(why)
        + "). Choisissez le type « chimiothérapie », pour que la dose et la préparation soient "
        "contrôlées comme telles."
    )


def measure_problems(
    height: MeasureUsed | None, weight: MeasureUsed | None, today: date, max_age_days: int
) -> list[str]:
    """Height and weight are mandatory on every prescription; the weight must be recent."""
    problems = []
    if height is None:
        problems.append(
            "Taille manquante : saisissez la taille du patient sur son dossier (obligatoire sur "
            "toute prescription)."
        )
    if weight is None:
        problems.append(
            "Poids manquant : saisissez le poids du patient sur son dossier (obligatoire sur "
            "toute prescription)."
        )
    elif (today - weight.measured_on).days > max_age_days:
        age = (today - weight.measured_on).days
        problems.append(
            f"Poids trop ancien : {format_dose_fr(weight.value)} kg mesuré le "
            f"{weight.measured_on:%d/%m/%Y} (il y a {age} jours), au-delà de la limite du site "
            f"({max_age_days} jours). Pesez le patient et saisissez le poids du jour sur son "
            "dossier."
        )
    elif weight.measured_on > today:
        problems.append(
            f"Poids daté du {weight.measured_on:%d/%m/%Y}, dans le futur : corrigez la date de "
            "la pesée."
        )
    return problems


def check_indication_code(code: str) -> str:
    cleaned = code.strip().upper()
    if not INDICATION_CODE.match(cleaned):
        raise PrescriptionError(
            f"Code indication « {code} » invalide : un code de la liste en sus s'écrit I suivi "
            "de 6 chiffres (par exemple I000123). Reprenez-le sur la prescription papier ou "
            "auprès du prescripteur."
        )
    return cleaned


def required_text(value: str | None, what: str) -> str:
    text = (value or "").strip()
    if len(text) < 3:
        raise PrescriptionError(f"{what} est obligatoire : écrivez-le en quelques mots.")
    return text


def sign_problems(rx: Prescription) -> list[str]:
    """What must be fixed before the prescription can be signed, all at once."""
    problems = []
    if not rx.lines:
        problems.append("La prescription n'a aucune ligne.")
    for line in rx.lines:
        where = f"{line.title} (J{line.day_no})"
        if line.liste_en_sus and not line.indication_code:
            problems.append(
                f"{where} : médicament de la liste en sus, le code indication est obligatoire."
            )
        if line.off_protocol and not line.off_protocol_reason:
            problems.append(f"{where} : ligne hors protocole sans motif.")
        if line.modification_pct and not line.modification_reason:
            problems.append(f"{where} : modification de dose sans motif.")
    return problems


def dose_request(
    line: Line,
    inputs: DosingInputs,
    rounding_step: float | None,
    rounding_tolerance_pct: float = 5.0,
) -> LineDoseRequest:
    """What the engine is asked for this line: the prescription's frozen inputs (age on the
    cycle's first day, Cockcroft-Gault weight setting, the creatinine and its date against the
    line's day of administration), the line's modification and maximum, the site's rounding."""
    creatinine = inputs.creatinine
    return LineDoseRequest(
        protocol_dose=float(line.protocol_dose),
        basis=line.dose_basis,
        height_cm=inputs.height.value if inputs.height else None,
        weight_kg=inputs.weight.value if inputs.weight else None,
        bsa_formula=inputs.bsa_formula,
        bsa_cap_m2=inputs.bsa_cap_m2,
        age_years=float(inputs.age_years),
        serum_creatinine_umol_l=creatinine.value if creatinine else None,
        sex=inputs.sex,
        gfr_cap_ml_min=inputs.gfr_cap_ml_min,
        modification_pct=line.modification_pct,
        modification_reason=line.modification_reason,
        max_dose_per_dose=line.max_dose,
        rounding_step=rounding_step,
        rounding_tolerance_pct=float(rounding_tolerance_pct),
        cockcroft_gault_weight=inputs.cockcroft_gault_weight,
        creatinine_sampled_on=creatinine.measured_on if creatinine else None,
        administration_date=line.planned_date,
        creatinine_max_age_days=inputs.creatinine_max_age_days,
    )


def compute_dose(line: Line, inputs: DosingInputs, settings: SiteSettings) -> LineDose | None:
    """The line's dose, rounded to the site's practical step for its size (or, with none, to
    the precision the dose is printed with) but never by more than the site's dose tolerance;
    None for a line without a dose and without a drug (a hydration bag is a volume, not a
    dose). A line that names a drug with no dose is refused, whatever its kind: a docetaxel line
    mis-typed "premedication" with dose 0 would otherwise sign and validate as dose-less."""
    if line.protocol_dose <= 0 and line.drug_id:
        raise DoseInputError(
            f"ligne de {line.drug_inn or line.drug_id} sans dose (dose nulle ou négative : "
            f"{format_dose_fr(float(line.protocol_dose))}), quel que soit son type. Un "
            "médicament se prescrit toujours avec sa dose : faites corriger le thésaurus par un "
            "pharmacien, ou prescrivez la ligne hors protocole avec sa dose.",
            code="dose_missing_for_drug",
        )
    if line.protocol_dose <= 0:
        return None
    if line.dose_basis == "AUC" and inputs.creatinine is None:
        raise DoseInputError(
            f"{line.title} : dose par ASC (Calvert), la créatininémie est nécessaire pour le DFG "
            "(Cockcroft-Gault). Saisissez la créatinine du patient sur son dossier.",
            code="dose_creatinine_missing",
        )
    tolerance = settings.dose_tolerance_pct
    raw = compute_line_dose(dose_request(line, inputs, None, tolerance))
    step = settings.rounding_step_for(raw.dose_before_rounding)
    if step is None:  # no site step for a dose this size: the precision it is printed with,
        # so that the dose recorded is never one the sheet shows otherwise
        step = 10.0 ** -dose_decimals(raw.dose_before_rounding)
    return compute_line_dose(dose_request(line, inputs, step, tolerance))
