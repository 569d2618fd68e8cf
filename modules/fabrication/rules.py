"""The preparation computation (`chemo_fallback.modules.fabrication.rules`): volumes, vials,
reliquats, dilution, final concentration, expiry, storage and gravimetric target of one
compounded line. Pure: no database, no UI. Other parts of the application and an independent
set of reference cases call `withdrawal_volume_ml`, `vial_plan` and `target_mass_g`. The parts:
`vial_plans` (vials, reliquats), `dilution` (diluent, container, final volume and
concentration), `keeping` (expiry, storage, light, never-events, the last vial's rest).

Conventions (docs/clinical-rules.md, "Fabrication"):
- Vials of several products of the drug are combined in one preparation only when their
  concentrations agree within `CONCENTRATION_MATCH_PCT` (paclitaxel 6 and 5,9988 mg/mL: yes;
  2 and 10 mg/mL: never). Each vial's volume is computed at its own product's concentration
  and its mass at its own density, so combining never approximates a volume. Among the groups
  of products, the plan opening the least new drug is chosen (reliquats used, then waste), then
  the one with the fewest new vials. Two products with the same content: the first product_id.
- Opened vials (reliquats) of the group, still usable at the preparation time, are drawn first,
  the earliest in-use expiry first. A reliquat's in-use expiry limits when it can be drawn,
  not the preparation: the preparation's expiry is its preparation time + the drug's
  `stability_hours`.
- The final volume depends on the container (see `dilution`).
- The remainder of the last new vial is the reliquat `reliquat_after` computes: usable until
  its opening + the product's `in_use_stability_hours` (never after the vial's own expiry).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from chemo_fallback import french
from chemo_fallback.modules.fabrication.dilution import (
    conc_fr,
    concentration_findings,
    diluent_label,
    dilute,
)
from chemo_fallback.modules.fabrication.keeping import (
    expiry_and_storage,
    light_protection,
    never_event_findings,
    remainder_findings,
)
from chemo_fallback.modules.fabrication.models import (
    DrugPreparationData,
    FabricationError,
    Finding,
    LineToPrepare,
    OpenedVial,
    PreparationPlan,
    Product,
    ReliquatUse,
    Remainder,
    VialPlan,
    VialUse,
)
from chemo_fallback.modules.fabrication.vial_plans import (
    VALUE_INVALID,
    positive,
    tolerance,
    usable_reliquats,
    vial_plan,
)

__all__ = [
    "CONCENTRATION_MATCH_PCT",
    "describe_vials",
    "mass_bounds_g",
    "plan_preparation",
    "reliquat_after",
    "target_mass_g",
    "usable_reliquats",
    "vial_plan",
    "withdrawal_volume_ml",
]

CONCENTRATION_MATCH_PCT = 1.0  # shipped: products combined in one preparation
COMPOUNDED_FORMS = ("solution", "poudre")


def withdrawal_volume_ml(dose: float, concentration: float) -> float:
    """The volume (mL) holding `dose` at `concentration` (per mL, after reconstitution for a
    powder). Refused for a missing, non-finite, zero or negative input."""
    return positive(dose, "Dose") / positive(concentration, "Concentration du produit")


def target_mass_g(volume_ml: float, density_g_ml: float) -> float:
    """The gravimetric target (g) of the withdrawn volume: volume × density."""
    return positive(volume_ml, "Volume prélevé") * positive(density_g_ml, "Densité du produit")


def mass_bounds_g(target: float, tolerance_pct: float) -> tuple[float, float]:
    """(low, high) masses accepted around `target` at ± `tolerance_pct`."""
    mass = positive(target, "Masse cible")
    pct = positive(tolerance_pct, "Tolérance gravimétrique (%)")
    if pct >= 100:
        raise FabricationError(
            f"Tolérance gravimétrique invalide ({french.percent(pct)}) : elle doit être "
            "inférieure à 100 % (paramètre du site gravimetric_tolerance_pct).",
            code=VALUE_INVALID,
        )
    return mass * (1 - pct / 100), mass * (1 + pct / 100)


# --- Which products ---------------------------------------------------------------------------


def _exclusion(product: Product) -> str | None:
    """Why a product of the drug cannot be used for a preparation (None: it can)."""
    if product.form not in COMPOUNDED_FORMS:
        return f"forme « {product.form} » non préparable"
    content, conc = product.vial_content, product.concentration
    if not (isinstance(content, int | float) and 0 < content < float("inf")):
        return "quantité par flacon invalide"
    if conc is None or not 0 < conc < float("inf"):
        return "concentration (après reconstitution) non renseignée"
    if product.is_powder and not product.reconstitution_diluent:
        return "solvant de reconstitution non renseigné"
    return None


def _candidates(
    drug: DrugPreparationData, products: Iterable[Product]
) -> tuple[list[Product], list[Finding]]:
    own = sorted((p for p in products if p.drug_id == drug.drug_id), key=lambda p: p.product_id)
    usable, excluded = [], []
    for product in own:
        reason = _exclusion(product)
        if reason is None:
            usable.append(product)
        else:
            excluded.append(f"{product.name} ({product.product_id}) : {reason}")
    findings = []
    if not usable:
        detail = f" ({'; '.join(excluded)})" if excluded else ""
        findings.append(Finding(
            code="no_product",
            message=(
                f"{drug.inn} : aucun produit de l'instantané n'est utilisable pour la "
                f"préparation{detail}. Faites compléter la table des produits de l'instantané."
            ),
        ))
    elif excluded:
        findings.append(Finding(
            code="product_data_incomplete",
            blocking=False,
            message=(
                f"{drug.inn} : produit(s) écarté(s) du calcul des flacons : "
                f"{'; '.join(excluded)}. Faites compléter l'instantané pour les proposer."
            ),
        ))
    return usable, findings


def _concentration_groups(products: Sequence[Product]) -> list[list[Product]]:
    """Products whose concentrations agree within CONCENTRATION_MATCH_PCT of the group's
    lowest, lowest concentration first."""
    groups: list[list[Product]] = []
    for product in sorted(products, key=lambda p: (p.concentration, p.product_id)):
        conc = product.concentration or 0.0
        first = groups[-1][0].concentration if groups else None
        if first and conc <= first * (1 + CONCENTRATION_MATCH_PCT / 100):
            groups[-1].append(product)
        else:
            groups.append([product])
    return groups


def _choose(
    dose: float, groups: list[list[Product]], opened: Iterable[OpenedVial], max_vials: int,
    at: datetime,
) -> tuple[list[Product], VialPlan] | Finding:
    """The group and vial plan opening the least new drug, then the fewest new vials."""
    opened = tuple(opened)
    best: tuple[list[Product], VialPlan] | None = None
    refusals = []
    eps = tolerance(dose)
    for group in groups:
        reliquats = usable_reliquats(opened, [p.product_id for p in group], at)
        try:
            plan = vial_plan(dose, [p.vial_content for p in group], max_vials=max_vials,
                             opened=reliquats, at=at)
        except FabricationError as refusal:
            refusals.append(str(refusal))
            continue
        if best is None:
            best = (group, plan)
            continue
        kept = best[1]
        if plan.new_total < kept.new_total - eps or (
            plan.new_total <= kept.new_total + eps and len(plan) < len(kept)
        ):
            best = (group, plan)
    if best is not None:
        return best
    return Finding(code="vial_plan_impossible", message=" ".join(refusals))


def _uses(group: list[Product], plan: VialPlan) -> tuple[list[ReliquatUse], list[VialUse]]:
    by_id = {p.product_id: p for p in group}
    by_content: dict[float, Product] = {}
    for product in group:  # sorted by product_id: the first wins
        by_content.setdefault(float(product.vial_content), product)
    eps = tolerance(plan.dose)
    reliquats = []
    for vial, amount in zip(plan.opened_vials, plan.opened_used, strict=True):
        product = by_id[vial.product_id]
        left = vial.amount - amount
        reliquats.append(ReliquatUse(
            reliquat=vial,
            product=product,
            amount_drawn=amount,
            volume_ml=withdrawal_volume_ml(amount, product.concentration),
            remaining=left if left > eps else 0.0,
        ))
    vials = []
    for index, content in enumerate(plan):
        product = by_content[float(content)]
        last = index == len(plan) - 1
        drawn = content - plan.waste if last and plan.waste > eps else content
        conc = product.concentration or 0.0
        vials.append(VialUse(
            product=product,
            content=content,
            amount_drawn=drawn,
            volume_ml=withdrawal_volume_ml(drawn, conc),
            whole=drawn == content,
            reconstitution_diluent=product.reconstitution_diluent if product.is_powder else None,
            reconstituted_volume_ml=content / conc if product.is_powder else None,
        ))
    return reliquats, vials


# --- The plan ---------------------------------------------------------------------------------


def _refuse_uncompounded(line: LineToPrepare, drug: DrugPreparationData) -> float:
    if line.route == "PO" or line.container == "per os":
        raise FabricationError(
            f"{drug.inn} par voie orale : une ligne per os ne se prépare pas (le médicament est "
            "délivré tel quel) ; elle n'a ni fiche de fabrication ni étiquette de préparation.",
            code="oral_not_compounded",
        )
    if line.drug_id != drug.drug_id:
        raise FabricationError(
            f"La ligne porte sur le médicament {line.drug_id or '(aucun)'} et non sur "
            f"{drug.inn} ({drug.drug_id}) : le calcul est refusé. Rechargez la ligne.",
            code="preparation_drug_mismatch",
        )
    if line.dose is None:
        raise FabricationError(
            f"{drug.inn} : la ligne n'a pas de dose calculée ; rien ne peut être préparé. "
            "Faites calculer la dose (prescription) avant la fabrication.",
            code="preparation_line_without_dose",
        )
    return positive(line.dose, "Dose de la ligne")


def _mass(
    uses: Sequence[ReliquatUse | VialUse], tolerance_pct: float
) -> tuple[dict, list[Finding]]:
    missing = sorted({u.product.name for u in uses if not u.product.density_g_ml
                      or not 0 < u.product.density_g_ml < float("inf")})
    if missing:
        return {}, [Finding(
            code="density_missing",
            message=(
                f"Densité non renseignée pour {', '.join(missing)} (products.density_g_ml) : la "
                "masse cible du contrôle gravimétrique ne peut pas être calculée. Faites "
                "compléter l'instantané."
            ),
        )]
    target = sum(target_mass_g(u.volume_ml, u.product.density_g_ml or 0.0) for u in uses)
    low, high = mass_bounds_g(target, tolerance_pct)
    densities = {u.product.density_g_ml for u in uses}
    return {
        "density_g_ml": densities.pop() if len(densities) == 1 else None,
        "target_mass_g": target,
        "mass_low_g": low,
        "mass_high_g": high,
    }, []


def plan_preparation(
    line: Any,
    drug: DrugPreparationData,
    products: Iterable[Product],
    settings: Any,
    *,
    prepared_at: datetime,
    opened: Iterable[OpenedVial] = (),
) -> PreparationPlan:
    """Everything the fabrication sheet prints for `line` (a `LineToPrepare` or a prescription
    `Line`), made at `prepared_at`, drawing first from the usable `opened` vials. Data problems
    are findings (blocking ones refuse printing); an oral line, a line of another drug or
    without a dose are refused (`FabricationError`)."""
    line = LineToPrepare.of(line)
    dose = _refuse_uncompounded(line, drug)
    unit = drug.dose_unit
    base: dict[str, Any] = {
        "line_id": line.line_id, "drug_id": drug.drug_id, "inn": drug.inn, "dose": dose,
        "dose_unit": unit, "route": line.route, "duration_min": line.duration_min,
        "container": line.container, "prepared_at": prepared_at,
        "max_vials": settings.max_vials, "tolerance_pct": settings.gravimetric_tolerance_pct,
        "final_conc_min": drug.final_conc_min, "final_conc_max": drug.final_conc_max,
    }
    never = never_event_findings(line, drug)  # listed first, whatever else is found
    keeping, findings = expiry_and_storage(drug, prepared_at)
    base.update(keeping)
    if line.dose_unit and line.dose_unit != unit:
        findings.insert(0, Finding(
            code="dose_unit_mismatch",
            message=(
                f"{drug.inn} : dose prescrite en {line.dose_unit}, le médicament est dosé en "
                f"{unit} (drugs.dose_unit) : aucun flacon ne peut être calculé. Faites corriger "
                "la prescription ou l'instantané."
            ),
        ))
        return PreparationPlan(**base, findings=tuple(never + findings))
    candidates, product_findings = _candidates(drug, products)
    findings[:0] = product_findings
    choice = (_choose(dose, _concentration_groups(candidates), opened, settings.max_vials,
                      prepared_at) if candidates else None)
    if not isinstance(choice, tuple):
        if choice is not None:
            findings.insert(0, choice)
        findings.extend(dilute(line, drug, 0.0).findings)  # every problem at once
        light, light_findings = light_protection(drug, ())
        return PreparationPlan(**base, protect_from_light=light,
                               findings=tuple(never + findings + light_findings))
    group, plan = choice
    reliquat_uses, vial_uses = _uses(group, plan)
    uses: list[ReliquatUse | VialUse] = [*reliquat_uses, *vial_uses]
    used = list(dict.fromkeys(u.product for u in uses))
    withdrawn = sum(u.volume_ml for u in uses)
    dilution = dilute(line, drug, withdrawn)
    conc, in_range, conc_findings = concentration_findings(drug, dose, unit, dilution, withdrawn)
    light, light_findings = light_protection(drug, used)
    mass, mass_findings = _mass(uses, settings.gravimetric_tolerance_pct)
    concentrations = {p.concentration for p in used}
    main = vial_uses[0].product if vial_uses else reliquat_uses[0].product
    return PreparationPlan(
        **base,
        findings=tuple(
            never + conc_findings + list(dilution.findings) + findings + mass_findings
            + light_findings + remainder_findings(vial_uses, plan.waste, unit)
        ),
        product=main,
        products=tuple(used),
        concentration=concentrations.pop() if len(concentrations) == 1 else None,
        vial_plan=plan,
        vials=tuple(vial_uses),
        reliquats_used=tuple(reliquat_uses),
        withdrawal_volume_ml=withdrawn,
        waste=plan.waste,
        diluent=dilution.diluent,
        diluent_volume_ml=dilution.diluent_volume_ml,
        dilution_mode=dilution.mode,
        final_volume_ml=dilution.final_volume_ml,
        final_concentration=conc,
        concentration_in_range=in_range,
        protect_from_light=light,
        **mass,
    )


# --- What is left ------------------------------------------------------------------------------


def _vial_expiry_end(expiry: date | datetime, like: datetime) -> datetime:
    """A vial expiry date is usable through that day: the end bound is the next midnight."""
    if isinstance(expiry, datetime):
        return expiry
    return datetime.combine(expiry + timedelta(days=1), time.min, tzinfo=like.tzinfo)


def reliquat_after(
    plan: PreparationPlan,
    *,
    opened_at: datetime | None = None,
    vial_expiry: date | datetime | None = None,
) -> Remainder | None:
    """What remains of the last new vial the plan opens (None: no new vial, or drawn whole).
    Usable until `opened_at` (default: the preparation time) + the product's in-use stability,
    never after the vial's own expiry (`vial_expiry`, from its scanned code); without an in-use
    stability, `usable_until` is None: to discard."""
    if not plan.vials or plan.waste is None or plan.vials[-1].whole:
        return None
    last = plan.vials[-1]
    at = opened_at or plan.prepared_at
    hours = last.product.in_use_stability_hours
    until = None
    if hours is not None and 0 < hours < float("inf"):
        until = at + timedelta(hours=hours)
        if vial_expiry is not None:
            until = min(until, _vial_expiry_end(vial_expiry, at))
    amount = last.content - last.amount_drawn
    return Remainder(
        product_id=last.product.product_id,
        product_name=last.product.name,
        amount=amount,
        volume_ml=withdrawal_volume_ml(amount, last.product.concentration or 0.0),
        opened_at=at,
        usable_until=until,
    )


def describe_vials(plan: PreparationPlan) -> list[str]:
    """The vials of the plan in French, one line each (for screens and messages)."""
    unit = plan.dose_unit
    lines = [
        f"Reliquat {u.product.name} (lot {u.reliquat.lot or '—'}) : "
        f"{french.dose(u.amount_drawn, unit)} = {french.quantity(u.volume_ml, 'mL', 2)}"
        for u in plan.reliquats_used
    ]
    for u in plan.vials:
        how = "en entier" if u.whole else f"{french.dose(u.amount_drawn, unit)}"
        prep = (f", reconstituer avec {diluent_label(u.reconstitution_diluent)} "
                f"({conc_fr(u.product.concentration or 0.0)} {unit}/mL)"
                if u.reconstitution_diluent else "")
        lines.append(f"1 flacon {u.product.name}{prep} : {how} = "
                     f"{french.quantity(u.volume_ml, 'mL', 2)}")
    return lines
