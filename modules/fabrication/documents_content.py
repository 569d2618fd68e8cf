"""What the fabrication sheet and the preparation label print, as data (pydantic), built from a
`PreparationPlan` and the preparation's record. Every value is already worded and formatted the
French way (chemo_fallback.french) here, once: the renderers only lay the text out, so a stored
document reprints exactly as it was first printed.

A plan with a blocking finding is never printed: `sheet_content` and `label_content`
(documents_label.py) refuse it with every blocking finding listed (`preparation_blocked`).
"""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from chemo_fallback import french
from chemo_fallback.modules.fabrication.dilution import conc_fr, diluent_label
from chemo_fallback.modules.fabrication.models import (
    CONTAINER_LABELS,
    FabricationError,
    PreparationPlan,
)
from chemo_fallback.modules.fabrication.rules import reliquat_after
from chemo_fallback.modules.prescription.wording import duration_text
from chemo_fallback.patients.models import PatientIdentity
from chemo_fallback.site_settings import SiteSettings

PREPARATION_BLOCKED = "preparation_blocked"
# Vinca alkaloids: fatal if injected intrathecally (7 deaths in France 2000-2006).
VINCA_ALKALOIDS = ("vincristine", "vinblastine", "vinorelbine", "vindesine", "vinflunine")
VINCA_WARNING = "VOIE INTRAVEINEUSE STRICTE — MORTEL PAR UNE AUTRE VOIE"
LIGHT_WARNING = "Protéger de la lumière"
ROUTE_LABELS = {
    "IV": "Voie intraveineuse (IV)",
    "SC": "Voie sous-cutanée (SC)",
    "IM": "Voie intramusculaire (IM)",
    "IT": "Voie intrathécale (IT)",
    "IVES": "Voie intravésicale",
}

Fixed = ConfigDict(extra="forbid", frozen=True)


class SheetVial(BaseModel):
    """One row of the sheet's vial table: a reliquat drawn from or a new vial to open."""

    model_config = Fixed
    kind: str  # "reliquat" / "neuf"
    product: str
    drawn: str  # "70 mg (partiel)"
    volume: str  # "14 mL"
    preparation: str  # a reliquat: what is left in it, its opening and in-use expiry
    lot: str | None  # known for a reliquat; else a blank to write (or scan)


class SheetContent(BaseModel):
    model_config = Fixed
    preparation_id: str
    register_no: int
    printed_for: str  # "Préparation prévue le 23/11/2026 à 09:00"
    patient_name: str  # "BARRÉ Marie-Hélène (née TESSIER)"
    patient_born: str  # "née le 09/04/1957"
    patient_id: str
    ward: str
    prescriber: str
    prescription: str  # number, version, protocol, cycle, day, date
    drug_inn: str
    dose: str
    products: list[str]
    route: str
    duration: str
    container: str
    warnings: list[str]
    calculation: list[str]  # the whole computation, step by step
    vials: list[SheetVial] = Field(min_length=1)
    withdrawal: str
    diluent: str
    diluent_volume: str
    dilution_mode: str
    final_volume: str
    final_concentration: str
    concentration_range: str
    expiry: str
    storage: str
    target_mass: str
    mass_bounds: str
    remainder: str | None
    notes: list[str]  # findings that do not block: printed, so the preparer sees them


class LabelContent(BaseModel):
    model_config = Fixed
    preparation_id: str
    register_no: int
    patient_name: str
    patient_born: str
    patient_id: str
    ward: str
    drug: str  # "OXALIPLATINE 170 mg"
    composition: str  # "dans Glucose 5 % 250 mL (poche)"
    volume: str  # "Volume total 284 mL — 0,599 mg/mL"
    route: str  # "Voie intraveineuse (IV) — en 2 h"
    prepared: str  # "Préparée le 23/11/2026 à 09:00"
    expiry: str  # "25/11/2026 à 09:00"
    storage: str
    warnings: tuple[str, ...]
    pharmacy_name: str
    pharmacy_address: str
    width_mm: float = Field(gt=0)
    height_mm: float = Field(gt=0)


class BatchItem(BaseModel):
    model_config = Fixed
    sheet: SheetContent
    label: LabelContent


class BatchContent(BaseModel):
    model_config = Fixed
    items: list[BatchItem] = Field(min_length=1)


# --- Wording ----------------------------------------------------------------------------------


def _plain(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()


def is_vinca_alkaloid(inn: str) -> bool:
    name = _plain(inn)
    return any(vinca in name for vinca in VINCA_ALKALOIDS)


def warnings_of(plan: PreparationPlan) -> list[str]:
    found = []
    if is_vinca_alkaloid(plan.inn):
        found.append(VINCA_WARNING)
    if plan.protect_from_light:
        found.append(LIGHT_WARNING)
    return found


def ml(value: float | None) -> str:
    return french.quantity(value, "mL", 2)


def grams(value: float | None) -> str:
    return french.quantity(value, "g", 2)


def concentration(value: float | None, unit: str) -> str:
    return "—" if value is None else f"{conc_fr(value)}{french.NBSP}{unit}/mL"


def patient_name(who: PatientIdentity) -> str:
    name = f"{who.last_name.upper()} {who.first_name}"
    return f"{name} ({who.born_word} {who.birth_name.upper()})" if who.birth_name else name


def route_text(route: str | None) -> str:
    return ROUTE_LABELS.get(route or "", f"Voie {route}" if route else "Voie non renseignée")


def ward_of(prescription: dict, who: PatientIdentity) -> str:
    return (
        prescription.get("ward_name")
        or prescription.get("ward_id")
        or who.ward_name
        or who.ward_id
        or "Unité non renseignée"
    )


def _day(value: Any) -> str:
    return french.day(value) if isinstance(value, date) else str(value or "—")


def refuse_blocked(plan: PreparationPlan, preparation_id: str) -> None:
    """A plan that cannot be printed (a blocking finding, or a value the sheet needs that is
    missing) is refused with every reason at once."""
    reasons = [f.message for f in plan.blocking_findings]
    needed = {
        "volume à prélever": plan.withdrawal_volume_ml,
        "volume final": plan.final_volume_ml,
        "concentration finale": plan.final_concentration,
        "date de péremption": plan.expires_at,
        "conservation": plan.storage_label,
        "masse cible": plan.target_mass_g,
    }
    missing = [what for what, value in needed.items() if value is None]
    if missing and not reasons:
        reasons.append(f"Valeurs non calculées : {', '.join(missing)}.")
    if plan.concentration_in_range is False and not reasons:
        reasons.append("Concentration finale hors de la plage de stabilité.")
    if not plan.vials and not plan.reliquats_used and not reasons:
        reasons.append("Aucun flacon n'est prévu.")
    if reasons:
        raise FabricationError(
            f"Préparation {preparation_id} ({plan.inn} {french.dose(plan.dose, plan.dose_unit)}) "
            f"non imprimable : {' '.join(reasons)} Rien n'a été imprimé : faites corriger ces "
            "points, puis imprimez de nouveau.",
            code=PREPARATION_BLOCKED,
        )


# --- The calculation ---------------------------------------------------------------------------


def _vial_rows(plan: PreparationPlan) -> list[SheetVial]:
    unit = plan.dose_unit
    rows = [
        SheetVial(
            kind="reliquat",
            product=u.product.name,
            drawn=french.dose(u.amount_drawn, unit),
            volume=ml(u.volume_ml),
            preparation=(
                f"reste {french.dose(u.reliquat.amount, unit)}, ouvert le "
                f"{french.moment(u.reliquat.opened_at)}, utilisable jusqu'au "
                f"{french.moment(u.reliquat.usable_until)}"
            ),
            lot=u.reliquat.lot,
        )
        for u in plan.reliquats_used
    ]
    rows += [
        SheetVial(
            kind="neuf",
            product=u.product.name,
            drawn=french.dose(u.amount_drawn, unit),
            volume=ml(u.volume_ml),
            preparation="",
            lot=None,
        )
        for u in plan.vials
    ]
    return rows


def _reconstitution_steps(plan: PreparationPlan) -> list[str]:
    """Once per powder product (its vials are reconstituted alike)."""
    done: dict[str, str] = {}
    for u in plan.vials:
        if u.reconstitution_diluent and u.product.product_id not in done:
            done[u.product.product_id] = (
                f"Reconstitution : chaque flacon de {u.product.name} avec "
                f"{ml(u.reconstituted_volume_ml)} de {diluent_label(u.reconstitution_diluent)} "
                f"→ {concentration(u.product.concentration, plan.dose_unit)}"
            )
    return list(done.values())


def _withdrawal_step(plan: PreparationPlan) -> str:
    unit = plan.dose_unit
    dose = french.dose(plan.dose, unit)
    if plan.concentration is not None:
        return (
            f"Volume à prélever : {dose} ÷ {concentration(plan.concentration, unit)} = "
            f"{ml(plan.withdrawal_volume_ml)}"
        )
    parts = " + ".join(
        ml(u.volume_ml) for u in (*plan.reliquats_used, *plan.vials)
    )
    return (
        f"Volume à prélever : {parts} = {ml(plan.withdrawal_volume_ml)} (chaque flacon à la "
        "concentration de son produit)"
    )


def _vials_step(plan: PreparationPlan) -> list[str]:
    unit = plan.dose_unit
    steps = []
    if plan.reliquats_used:
        taken = " + ".join(french.dose(u.amount_drawn, unit) for u in plan.reliquats_used)
        steps.append(f"Reliquat(s) utilisé(s) d'abord : {taken}")
    if plan.vials:
        count = len(plan.vials)
        contents = " + ".join(french.dose(u.content, unit) for u in plan.vials)
        total = sum(u.content for u in plan.vials)
        waste = plan.waste or 0.0
        rest = f", reste {french.dose(waste, unit)} dans le dernier flacon" if waste else ""
        steps.append(
            f"Flacons neufs : {count} flacon{'s' if count > 1 else ''}, {contents} = "
            f"{french.dose(total, unit)}{rest} (au plus {plan.max_vials} par préparation)"
        )
    return steps


def _dilution_steps(plan: PreparationPlan) -> list[str]:
    withdrawn, final = ml(plan.withdrawal_volume_ml), ml(plan.final_volume_ml)
    solvent = diluent_label(plan.diluent)
    if plan.dilution_mode == "added":
        return [
            f"Solvant : poche de {ml(plan.diluent_volume_ml)} de {solvent} ; médicament ajouté "
            "à la poche",
            f"Volume final : {ml(plan.diluent_volume_ml)} + {withdrawn} = {final}",
        ]
    if plan.dilution_mode == "made_up":
        return [
            f"Solvant : {solvent}, compléter au volume final ({ml(plan.diluent_volume_ml)} de "
            "solvant)",
            f"Volume final : {withdrawn} + {ml(plan.diluent_volume_ml)} = {final}",
        ]
    return ["Solvant : aucun (non dilué)", f"Volume final : {final} (volume prélevé)"]


def concentration_range(plan: PreparationPlan) -> str:
    unit = plan.dose_unit
    low, high = plan.final_conc_min, plan.final_conc_max
    if low is not None and high is not None:
        return f"[{conc_fr(low)} – {conc_fr(high)}] {unit}/mL"
    if low is not None:
        return f"au moins {concentration(low, unit)}"
    return f"au plus {concentration(high, unit)}"


def _mass_step(plan: PreparationPlan) -> str:
    if plan.density_g_ml is not None:
        how = f"{ml(plan.withdrawal_volume_ml)} × {french.number(plan.density_g_ml, 3)} g/mL"
    else:
        how = "Σ volume de chaque flacon × sa densité"
    return (
        f"Masse cible (volume prélevé) : {how} = {grams(plan.target_mass_g)} ; acceptée de "
        f"{grams(plan.mass_low_g)} à {grams(plan.mass_high_g)} "
        f"(± {french.percent(plan.tolerance_pct)})"
    )


def _expiry_step(plan: PreparationPlan) -> str:
    hours = french.number(plan.stability_hours, 1)
    return (
        f"Péremption : préparation le {french.moment(plan.prepared_at)} + {hours} h de "
        f"stabilité = {french.moment(plan.expires_at)}"
    )


def _remainder(plan: PreparationPlan) -> str | None:
    left = reliquat_after(plan)
    if left is None:
        return None
    amount = f"{french.dose(left.amount, plan.dose_unit)} ({ml(left.volume_ml)})"
    if left.keep:
        return (
            f"Reste du dernier flacon {left.product_name} : {amount}, à garder en reliquat "
            f"(étiqueter le flacon : lot, ouverture, utilisable jusqu'au "
            f"{french.moment(left.usable_until)})"
        )
    return (
        f"Reste du dernier flacon {left.product_name} : {amount}, à jeter (pas de stabilité "
        "après ouverture connue)"
    )


def calculation(plan: PreparationPlan) -> list[str]:
    unit = plan.dose_unit
    check = "CONFORME" if plan.concentration_in_range else "HORS PLAGE"
    return [
        f"Dose à préparer : {french.dose(plan.dose, unit)}",
        *_vials_step(plan),
        *_reconstitution_steps(plan),
        _withdrawal_step(plan),
        *_dilution_steps(plan),
        f"Concentration finale : {french.dose(plan.dose, unit)} ÷ {ml(plan.final_volume_ml)} = "
        f"{concentration(plan.final_concentration, unit)} ; plage de stabilité "
        f"{concentration_range(plan)} : {check}",
        _expiry_step(plan),
        _mass_step(plan),
    ]


# --- The builders the fabrication service calls -------------------------------------------------


def sheet_content(
    *,
    preparation: dict,
    plan: PreparationPlan,
    patient: PatientIdentity,
    prescription: dict,
    settings: SiteSettings,
) -> SheetContent:
    """The fabrication sheet of `preparation` (preparation_id, register_no, created_at) made
    from `plan`; refused (FabricationError) when the plan has a blocking finding."""
    preparation_id = str(preparation["preparation_id"])
    refuse_blocked(plan, preparation_id)
    unit = plan.dose_unit
    version = prescription.get("version_no")
    rx_number = prescription.get("rx_number") or prescription.get("prescription_id")
    day_no = prescription.get("day_no")
    return SheetContent(
        preparation_id=preparation_id,
        register_no=int(preparation["register_no"]),
        printed_for=f"Préparation prévue le {french.moment(plan.prepared_at)}",
        patient_name=patient_name(patient),
        patient_born=f"{patient.born_word} le {french.day(patient.birth_date)}",
        patient_id=patient.patient_id,
        ward=ward_of(prescription, patient),
        prescriber=prescription.get("prescriber_name") or "Prescripteur non renseigné",
        prescription=(
            f"n° {rx_number}" + (f" version {version}" if version else "")
            + f" — {prescription.get('protocol_name') or 'hors protocole'}, cycle "
            f"{prescription.get('cycle_no') or '—'}"
            + (f", J{day_no}" if day_no else "")
            + f" du {_day(prescription.get('planned_date'))}"
        ),
        drug_inn=plan.inn.upper(),
        dose=french.dose(plan.dose, unit),
        products=[p.name for p in plan.products],
        route=route_text(plan.route),
        duration=duration_text(plan.duration_min) if plan.duration_min else "non précisée",
        container=CONTAINER_LABELS.get(plan.container or "", plan.container or "—"),
        warnings=warnings_of(plan),
        calculation=calculation(plan),
        vials=_vial_rows(plan),
        withdrawal=ml(plan.withdrawal_volume_ml),
        diluent=diluent_label(plan.diluent) if plan.diluent else "aucun (non dilué)",
        diluent_volume=ml(plan.diluent_volume_ml) if plan.diluent_volume_ml else "—",
        dilution_mode=plan.dilution_label or "—",
        final_volume=ml(plan.final_volume_ml),
        final_concentration=concentration(plan.final_concentration, unit),
        concentration_range=concentration_range(plan),
        expiry=french.moment(plan.expires_at),
        storage=f"Conserver {plan.storage_label}",
        target_mass=grams(plan.target_mass_g),
        mass_bounds=(
            f"de {grams(plan.mass_low_g)} à {grams(plan.mass_high_g)} "
            f"(± {french.percent(settings.gravimetric_tolerance_pct)})"
        ),
        remainder=_remainder(plan),
        notes=[f.message for f in plan.findings if not f.blocking],
    )


def batch_content(items: list[tuple[SheetContent, LabelContent]]) -> BatchContent:
    """The day's batch: each preparation's sheet then its label, in the order given (the
    queue's)."""
    if not items:
        raise FabricationError(
            "Aucune préparation sélectionnée : le lot à imprimer est vide. Cochez les "
            "préparations dans la file de production.",
            code="batch_empty",
        )
    for sheet, label in items:
        if sheet.preparation_id != label.preparation_id:
            raise FabricationError(
                f"La fiche {sheet.preparation_id} et l'étiquette {label.preparation_id} ne "
                "concernent pas la même préparation : impression refusée. Prévenez "
                "l'administrateur.",
                code="batch_mismatch",
            )
    return BatchContent(items=[BatchItem(sheet=s, label=lab) for s, lab in items])

