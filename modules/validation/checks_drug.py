"""Drug-level rules again at validation (defence in depth): every line of the prescription under
review against its drug's routes, containers and absolute maximum, and the never-events. The
prescription paths already refuse these at entry; a line recorded before those rules, or a
snapshot activated since, is caught here. Codes are drug_rules.py's.

A never-event finding is blocking and not liftable: no override accepts it (see
decisions.missing_overrides). The others block and may be lifted with a reason.
"""

from __future__ import annotations

from chemo_fallback.modules.prescription import drug_rules
from chemo_fallback.modules.validation.checks_common import where
from chemo_fallback.modules.validation.models import Finding, Severity, ValidationContext

DRUG_UNKNOWN = "drug_unknown"


def check_drug_rules(ctx: ValidationContext) -> list[Finding]:
    findings = []
    for line in ctx.prescription.lines:
        if not line.drug_id:
            continue  # hydration: no drug
        drug = ctx.drug_safety.get(line.drug_id)
        limit = drug.max_dose_per_administration if drug else None
        # The line's own maximum already includes the drug's when the line was made under
        # these rules: check_max_dose then reports it, once.
        covered = line.max_dose is not None and limit is not None and line.max_dose <= limit
        breaches = drug_rules.line_breaches(
            drug,
            inn=line.drug_inn,
            drug_id=line.drug_id,
            line_kind=line.line_kind,
            route=line.route,
            container=line.container,
            title=where(line),
            dose_basis=line.dose_basis,
            requested_dose=line.protocol_dose,
            final_dose=None if covered else line.final_dose,
        )
        findings.extend(
            Finding(
                code=b.code,
                severity=Severity.BLOCKING,
                message=b.message,
                line_id=line.line_id,
                values={"voie": line.route, "contenant": line.container},
                threshold_source="application (never-event)" if b.never_event else "médicament",
                liftable=not b.never_event,
            )
            for b in breaches
        )
        if drug is None and drug_rules.is_compounded(line.line_kind, line.route):
            findings.append(
                Finding(
                    code=DRUG_UNKNOWN,
                    severity=Severity.BLOCKING,
                    message=(
                        f"{where(line)} : médicament {line.drug_id} absent de l'instantané "
                        "actif, ses voies, contenants et dose maximale ne peuvent pas être "
                        "contrôlés. Vérifiez-les sur le résumé des caractéristiques du produit "
                        "avant de lever ce point."
                    ),
                    line_id=line.line_id,
                    threshold_source="médicament",
                )
            )
    return findings
