"""The drug-level rules (drug_rules.py) applied to lines about to be recorded: every path that
creates or rewrites a line (protocol draft, take-over, recompute and day moved through
service.dose_now; off-protocol line; dose modification; correction) calls `limited` before the
dose engine, so none of them can skip the rules. The snapshot is read here, through the caller's
cursor; the rules themselves stay pure."""

from __future__ import annotations

from chemo_fallback.modules.prescription import drug_rules
from chemo_fallback.modules.prescription import repository as repo
from chemo_fallback.modules.prescription.models import Line, PrescriptionError


def _safety(cur, lines: list[Line]) -> dict[str, drug_rules.DrugSafety]:
    return repo.drug_safety(cur, [line.drug_id for line in lines if line.drug_id])


def breaches(
    cur, lines: list[Line], *, check_final_dose: bool, safety: dict | None = None
) -> list[str]:
    """French reasons, one per rule broken, for every line at once. `check_final_dose`: also
    compare the recorded dose with the drug's maximum (a line copied, not recomputed)."""
    return [b.message for b in _breaches(cur, lines, check_final_dose, safety)]


def _breaches(
    cur, lines: list[Line], check_final_dose: bool, safety: dict | None
) -> list[drug_rules.DrugBreach]:
    safety = _safety(cur, lines) if safety is None else safety
    problems = []
    for line in lines:
        if not line.drug_id:
            continue  # hydration: no drug, no drug rule
        found = drug_rules.line_breaches(
            safety.get(line.drug_id),
            inn=line.drug_inn,
            line_kind=line.line_kind,
            route=line.route,
            container=line.container,
            title=f"{line.title} (J{line.day_no})",
            dose_basis=line.dose_basis,
            requested_dose=line.protocol_dose,
            final_dose=line.final_dose if check_final_dose else None,
            drug_id=line.drug_id,
        )
        problems.extend(found)
    return problems


def limited(cur, lines: list[Line], *, refusal: str = "Ligne refusée") -> list[Line]:
    """The lines with their effective maximum (the smaller of the line's own and the drug's
    absolute maximum per administration), for the dose engine to cap with; refused with every
    reason when a line breaks a drug rule."""
    safety = _safety(cur, lines)
    found = _breaches(cur, lines, False, safety)
    if found:
        # The code names the gravest rule broken: a never-event first.
        first = min(found, key=lambda b: not b.never_event)
        raise PrescriptionError(
            f"{refusal} : " + " ".join(b.message for b in found), code=first.code
        )
    return [
        line.model_copy(
            update={"max_dose": drug_rules.effective_max(line.max_dose, safety.get(line.drug_id))}
        )
        for line in lines
    ]
