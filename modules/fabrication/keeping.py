"""What the sheet and the label say of keeping a preparation (expiry, storage, light), the
never-events checked again on what is made, and what becomes of the last vial's rest. Pure:
findings, never exceptions (`rules.plan_preparation` gathers them)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from chemo_fallback import french
from chemo_fallback.modules.fabrication.models import (
    STORAGE_LABELS,
    DrugPreparationData,
    Finding,
    LineToPrepare,
    Product,
    VialUse,
)
from chemo_fallback.modules.prescription.drug_rules import DrugSafety, never_events


def expiry_and_storage(
    drug: DrugPreparationData, prepared_at: datetime
) -> tuple[dict, list[Finding]]:
    """Expiry = preparation time + the drug's stability; the preparation's storage."""
    findings = []
    hours = drug.stability_hours
    expires = None
    if hours is None or not 0 < hours < float("inf"):
        findings.append(Finding(
            code="stability_missing",
            message=(
                f"{drug.inn} : l'instantané ne donne pas la stabilité de la préparation "
                "(drugs.stability_hours) : la date de péremption ne peut pas être calculée. "
                "Faites compléter l'instantané."
            ),
        ))
        hours = None
    else:
        expires = prepared_at + timedelta(hours=hours)
    if drug.storage is None:
        findings.append(Finding(
            code="storage_missing",
            message=(
                f"{drug.inn} : l'instantané ne donne pas la conservation de la préparation "
                "(drugs.storage) : l'étiquette ne peut pas être établie. Faites compléter "
                "l'instantané."
            ),
        ))
    elif drug.storage not in STORAGE_LABELS:
        findings.append(Finding(
            code="storage_unknown",
            message=(
                f"{drug.inn} : conservation « {drug.storage} » inconnue (codes connus : "
                f"{', '.join(STORAGE_LABELS)}). Faites corriger l'instantané."
            ),
        ))
    keeping = {"stability_hours": hours, "expires_at": expires, "storage": drug.storage}
    return keeping, findings


def light_protection(
    drug: DrugPreparationData, used: Sequence[Product]
) -> tuple[bool, list[Finding]]:
    """Protected from light if the drug or a product used says so; when the drug does not say,
    protected anyway (it never harms) and said."""
    if drug.protect_from_light or any(p.protect_from_light for p in used):
        return True, []
    if drug.protect_from_light is None:
        return True, [Finding(
            code="light_protection_unknown",
            blocking=False,
            message=(
                f"{drug.inn} : l'instantané ne dit pas si la préparation craint la lumière "
                "(drugs.protect_from_light) : elle est protégée de la lumière par précaution."
            ),
        )]
    return False, []


def never_event_findings(line: LineToPrepare, drug: DrugPreparationData) -> list[Finding]:
    """The shipped never-events (vinca alkaloids IV in a minibag only, intrathecal only for a
    drug marked so), checked again on what is about to be made."""
    safety = DrugSafety(
        drug_id=drug.drug_id, inn=drug.inn, dose_unit=drug.dose_unit,
        routes=drug.routes or None, containers=drug.containers or None,
        intrathecal_capable=drug.intrathecal_capable,
    )
    breaches = never_events(drug.inn, safety, line.route, line.container, drug.inn,
                            drug.drug_id)
    return [Finding(code=b.code, message=b.message) for b in breaches]


def remainder_findings(vials: Sequence[VialUse], waste: float, unit: str) -> list[Finding]:
    if not vials or vials[-1].whole:
        return []
    product = vials[-1].product
    hours = product.in_use_stability_hours
    if hours is not None and 0 < hours < float("inf"):
        return []
    return [Finding(
        code="in_use_stability_missing",
        blocking=False,
        message=(
            f"{product.name} : stabilité après ouverture non renseignée "
            f"(products.in_use_stability_hours) : le reste du dernier flacon "
            f"({french.dose(waste, unit)}) sera à jeter, il ne peut pas être gardé en reliquat."
        ),
    )]
