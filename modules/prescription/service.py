"""What the prescription use cases share: loading a prescription or refusing, the draft a user
may change, the protocol that may be prescribed, every line's dose through the drug rules and the
engine (`dose_now`: the one path of a dose), and the audit summary. The use cases themselves live
in drafts.py (creating a draft), line_edits.py (changing a draft's lines and dates) and
lifecycle.py (signing, cancelling, correcting). Doses come from the dose engine only
(chemo_fallback.dosing)."""

from __future__ import annotations

from datetime import date

from chemo_fallback.auth.accounts import User
from chemo_fallback.dosing import DoseInputError
from chemo_fallback.modules.prescription import drug_checks, rules
from chemo_fallback.modules.prescription import repository as repo
from chemo_fallback.modules.prescription.dosing_inputs import current_inputs, first_day
from chemo_fallback.modules.prescription.models import (
    DosingInputs,
    Line,
    Prescription,
    PrescriptionError,
    Protocol,
)
from chemo_fallback.site_settings import SiteSettings

RECORD = "prescription"


def prescription_or_refuse(cur, prescription_id: str) -> Prescription:
    rx = repo.load_prescription(cur, prescription_id)
    if rx is None:
        raise PrescriptionError(
            f"Prescription {prescription_id} introuvable : rouvrez-la depuis la liste."
        )
    return rx


def draft_or_refuse(cur, prescription_id: str, user: User) -> Prescription:
    """A draft this user may change: a prescriber's own draft, or a pharmacist's transcription
    (a pharmacist never edits a physician's own prescription, nor another physician)."""
    rx = prescription_or_refuse(cur, prescription_id)
    if not rx.editable:
        raise PrescriptionError(
            f"La prescription {prescription_id} est « {rx.status_label} » : elle ne se modifie "
            "plus. Pour la changer, créez une version corrigée."
        )
    refusal = rules.edit_refusal(rx, user.username, user.role)
    if refusal:
        raise PrescriptionError(refusal)
    return rx


def _dose_lines(lines: list[Line], inputs, settings: SiteSettings) -> list[Line]:
    """Every line's dose recomputed; every line's problem reported at once."""
    done, problems, codes = [], [], []
    for line in lines:
        try:
            derivation = rules.compute_dose(line, inputs, settings)
        except DoseInputError as exc:
            problems.append(f"{line.title} (J{line.day_no}) : {exc}")
            codes.append(exc.code)
            continue
        done.append(
            line.model_copy(
                update={
                    "derivation": derivation,
                    "final_dose": derivation.final_dose if derivation else None,
                    "dose_unit": derivation.unit if derivation else None,
                }
            )
        )
    if problems:
        raise PrescriptionError(
            "Dose impossible à calculer. " + " ".join(problems),
            code=next((code for code in codes if code), None),  # the engine's rule, if any
        )
    return done


def dose_now(
    cur,
    protocol: Protocol,
    identity,
    lines: list[Line],
    settings: SiteSettings,
    today: date,
    cycle_start: date,
) -> tuple[DosingInputs, list[Line]]:
    """Today's inputs (the latest measurements, the age on the first day of administration of
    these `lines`) and every line's dose from them, through the drug rules and the engine. The
    one path of start_draft, recompute and move_day, and of the check at signature: a dose
    recorded is always the dose these rules give for its dates."""
    inputs = current_inputs(
        cur, identity, protocol, settings, today, age_on=first_day(lines, cycle_start)
    )
    return inputs, _dose_lines(drug_checks.limited(cur, lines), inputs, settings)


def audit_summary(rx: Prescription) -> dict:
    return {
        "patient_id": rx.patient_id,
        "protocol": rx.protocol_id,
        "cycle_no": rx.cycle_no,
        "cycle_start_date": rx.cycle_start_date.isoformat(),
        "version": rx.version_no,
        "status": rx.status.value,
        "prescriber": rx.prescriber.name,
        "doses": {line.line_id: line.final_dose for line in rx.lines},
    }


def prescribable_protocol(cur, protocol_id: str) -> Protocol:
    protocol = repo.load_protocol(cur, protocol_id)
    if protocol is None:
        raise PrescriptionError(
            f"Protocole « {protocol_id} » absent du thésaurus de l'instantané : choisissez-le "
            "dans la liste."
        )
    problems = rules.protocol_problems(protocol)
    if problems:
        raise PrescriptionError(
            f"Le protocole {protocol.name} ne peut pas être prescrit tel quel : "
            + " ; ".join(problems)
            + ". Faites corriger le thésaurus par un pharmacien, ou prescrivez la ligne hors "
            "protocole avec un produit disponible.",
            code="protocol_not_prescribable",
        )
    return protocol


