"""The forecast of what to order, step by step: the planned doses → vials (fabrication's
`vial_plan`, no reliquats: conservative) → the need with its margin, the history of what is not
planned and the site's minimum → less the usable stock and what is already ordered → whole
packs of the chosen supplier, raised to its minimum order. Pure: no database, no UI.

Every suggestion keeps every number of its computation (`explanation`, JSON-serialisable) and
the one-line French text of it: the buyer sees how each quantity was reached."""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from chemo_fallback import french
from chemo_fallback.modules.fabrication.models import FabricationError, Product
from chemo_fallback.modules.fabrication.rules import COMPOUNDED_FORMS, CONCENTRATION_MATCH_PCT
from chemo_fallback.modules.fabrication.vial_plans import tolerance, vial_plan
from chemo_fallback.modules.ordering.models import ProductStock, Referencing, Supplier

NO_SUPPLIER = "aucun fournisseur référencé : commande impossible"
EPS = 1e-9


# --- Planned lines → vials --------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedLine:
    """A planned administration of a drug (or `count` identical ones the SQL added up: same
    drug, dose, unit and route), from a fallback prescription or from the snapshot."""

    drug_id: str | None
    dose: float | None
    unit: str | None
    route: str | None = None
    count: int = 1
    source: str = "fallback"  # "fallback" (rx_lines) or "snapshot" (ref.prescription_lines)
    prescription_id: str | None = None
    line_id: str | None = None
    patient_id: str | None = None
    planned_date: date | None = None
    drug_inn: str | None = None


@dataclass(frozen=True)
class UncomputedLine:
    """A planned line the forecast does not turn into vials, and why (counted nowhere)."""

    line: PlannedLine
    reason: str


@dataclass(frozen=True)
class PlannedNeed:
    """Per product: vials planned and how many planned lines use it."""

    vials: dict[str, float]
    lines: dict[str, int]
    uncomputed: tuple[UncomputedLine, ...]
    computed_lines: int


def is_absolute(unit: str | None) -> bool:
    """mg, g, µg, UI…: a dose in this unit is an amount of drug, vials can be counted.
    mg/m², mg/kg, AUC… need the patient's measurements: never guessed here."""
    return bool(unit) and "/" not in unit and unit.strip().upper() != "AUC"


def usable_products(products: Iterable[Product]) -> list[Product]:
    """The products fabrication may open (same exclusions as fabrication's rules)."""
    usable = []
    for product in products:
        content, conc = product.vial_content, product.concentration
        if product.form not in COMPOUNDED_FORMS:
            continue
        if not (isinstance(content, int | float) and 0 < content < math.inf):
            continue
        if conc is None or not 0 < conc < math.inf:
            continue
        if product.is_powder and not product.reconstitution_diluent:
            continue
        usable.append(product)
    return sorted(usable, key=lambda p: p.product_id)


def concentration_groups(products: Sequence[Product]) -> list[list[Product]]:
    """Products combinable in one preparation, as fabrication groups them (concentrations
    within CONCENTRATION_MATCH_PCT of the group's lowest)."""
    groups: list[list[Product]] = []
    for product in sorted(products, key=lambda p: (p.concentration, p.product_id)):
        conc = product.concentration or 0.0
        first = groups[-1][0].concentration if groups else None
        if first and conc <= first * (1 + CONCENTRATION_MATCH_PCT / 100):
            groups[-1].append(product)
        else:
            groups.append([product])
    return groups


@functools.lru_cache(maxsize=65536)
def _plan(dose: float, contents: tuple[float, ...], max_vials: int) -> tuple[float, ...] | str:
    """vial_plan's new vials for `dose` (a refusal: its message). vial_plan is pure: the same
    dose of the same contents always gives the same plan, so it is kept for the next forecast."""
    try:
        return tuple(vial_plan(dose, contents, max_vials=max_vials))
    except FabricationError as refusal:
        return str(refusal)


def dose_vials(
    dose: float, groups: Sequence[Sequence[Product]], max_vials: int, rank: Mapping[str, int]
) -> dict[str, int]:
    """Vials per product to open for `dose`: fabrication's choice among the concentration
    `groups` (the one opening the least drug, then the fewest vials), each content mapped to
    its product (two products of the same content: the better ranked one, e.g. the preferred
    supplier's). Raises FabricationError when no combination covers the dose."""
    best: tuple[Sequence[Product], tuple[float, ...]] | None = None
    refusals = []
    eps = tolerance(dose)
    for group in groups:
        plan = _plan(dose, tuple(float(p.vial_content) for p in group), max_vials)
        if isinstance(plan, str):
            refusals.append(plan)
            continue
        if best is None or sum(plan) < sum(best[1]) - eps or (
            sum(plan) <= sum(best[1]) + eps and len(plan) < len(best[1])
        ):
            best = (group, plan)
    if best is None:
        raise FabricationError(" ".join(refusals), code="vial_plan_impossible")
    group, plan = best
    by_content: dict[float, Product] = {}
    for product in sorted(group, key=lambda p: (rank.get(p.product_id, 9), p.product_id)):
        by_content.setdefault(float(product.vial_content), product)
    found: dict[str, int] = {}
    for content in plan:
        product_id = by_content[float(content)].product_id
        found[product_id] = found.get(product_id, 0) + 1
    return found


def _unit_reason(line: PlannedLine, drug_unit: str | None) -> str | None:
    shown = french.unit_label(line.unit) if line.unit else None
    if line.dose is None:
        return "dose non calculée : rien n'est compté pour cette ligne"
    if not line.unit:
        return "unité de dose absente : la dose n'est pas devinée"
    if not is_absolute(line.unit):
        return (f"dose en {shown} : la dose absolue (surface corporelle, poids) n'est pas "
                "encore calculée ; elle n'est pas devinée")
    if drug_unit and line.unit != drug_unit:
        return (f"dose en {shown}, le médicament est dosé en {french.unit_label(drug_unit)} "
                "(flacons) : aucun flacon ne peut être compté")
    return None


def planned_need(
    lines: Iterable[PlannedLine],
    products_by_drug: Mapping[str, Sequence[Product]],
    drug_units: Mapping[str, str | None],
    max_vials: int,
    rank: Mapping[str, int] | None = None,
    plans: dict[tuple[str, float], dict[str, int] | str] | None = None,
) -> PlannedNeed:
    """Vials per product for the planned lines. A line whose drug the pharmacy has no product
    of is not a stock matter (skipped); an oral line is delivered as is (skipped); a line with
    no dose, a relative unit or a dose no vial combination covers is listed, never guessed.
    `plans` caches each (drug, dose)'s vials or refusal: many lines share a dose."""
    rank = rank or {}
    plans = {} if plans is None else plans
    groups_of: dict[str, list[list[Product]]] = {}
    vials: dict[str, float] = {}
    used: dict[str, int] = {}
    uncomputed: list[UncomputedLine] = []
    computed = 0
    for line in lines:
        own = products_by_drug.get(line.drug_id or "")
        if not own or (line.route or "").upper() == "PO":
            continue
        reason = _unit_reason(line, drug_units.get(line.drug_id or ""))
        if reason is None:
            key = (line.drug_id or "", float(line.dose or 0.0))
            if key not in plans:
                if key[0] not in groups_of:
                    groups_of[key[0]] = concentration_groups(usable_products(own))
                try:
                    if not groups_of[key[0]]:
                        raise FabricationError(
                            "aucun produit de l'instantané n'est utilisable pour la préparation "
                            "(forme, quantité par flacon, concentration ou solvant manquants)",
                            code="no_product",
                        )
                    plans[key] = dose_vials(key[1], groups_of[key[0]], max_vials, rank)
                except FabricationError as refusal:
                    plans[key] = str(refusal)
            plan = plans[key]
            if isinstance(plan, str):
                reason = plan
            else:
                computed += line.count
                for product_id, n in plan.items():
                    vials[product_id] = vials.get(product_id, 0.0) + n * line.count
                    used[product_id] = used.get(product_id, 0) + line.count
                continue
        uncomputed.append(UncomputedLine(line=line, reason=reason))
    return PlannedNeed(vials=vials, lines=used, uncomputed=tuple(uncomputed),
                       computed_lines=computed)


# --- Need → packs -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """The site settings the computation uses (from SiteSettings)."""

    horizon_days: int
    margin_pct: float
    history_days: int
    minimums: Mapping[str, float] = field(default_factory=dict)
    minimum_packs: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Suggestion:
    """What to order of one product (packs 0: covered), from which supplier, and why."""

    product_id: str
    product_name: str
    referencing: Referencing | None  # None: no formulary referencing, cannot be ordered
    to_order: float  # vials still needed (≤ 0: covered)
    packs: int
    vials: int
    explanation: dict[str, Any]

    @property
    def supplier_id(self) -> str | None:
        return self.referencing.supplier_id if self.referencing else None

    @property
    def covered(self) -> bool:
        return self.packs == 0 and self.referencing is not None

    @property
    def orderable(self) -> bool:
        return self.referencing is not None

    @property
    def flag(self) -> str | None:
        return None if self.referencing else NO_SUPPLIER

    @property
    def unit_price(self) -> float | None:
        return self.referencing.unit_price if self.referencing else None

    @property
    def amount(self) -> float | None:
        price = self.unit_price
        return None if price is None else self.vials * price

    @property
    def text(self) -> str:
        return self.explanation["text"]


def choose_referencing(offers: Iterable[Referencing]) -> Referencing | None:
    """The formulary referencing to order from: the preferred one, else the first formulary
    one (by supplier). Never a non-formulary pair."""
    formulary = sorted((r for r in offers if r.formulary),
                       key=lambda r: (not r.preferred, r.supplier_id))
    return formulary[0] if formulary else None


def product_rank(offers: Iterable[Referencing]) -> dict[str, int]:
    """0: a preferred formulary referencing, 1: a formulary one, 2: none (for products of the
    same content)."""
    rank: dict[str, int] = {}
    for offer in offers:
        value = 0 if offer.formulary and offer.preferred else 1 if offer.formulary else 2
        rank[offer.product_id] = min(rank.get(offer.product_id, 2), value)
    return rank


def _n(value: float) -> str:
    return french.number(value, 2)


def _vials(value: float) -> str:
    return f"{_n(value)} flacon{'s' if abs(value) >= 2 else ''}"


def packs_for(to_order: float, pack_size: int, minimum_packs: int) -> tuple[int, int]:
    """(packs for the need, packs ordered: raised to the supplier's minimum)."""
    if to_order <= EPS:
        return 0, 0
    packs = math.ceil(to_order / pack_size - EPS)
    return packs, max(packs, minimum_packs)


def suggestion(
    product_id: str,
    product_name: str,
    *,
    planned_vials: float,
    planned_lines: int,
    history_vials: float,
    stock: ProductStock | None,
    awaited: float,
    referencing: Referencing | None,
    settings: Settings,
    last_day: date,
) -> Suggestion:
    """One product's suggestion with every number of its computation."""
    margin = settings.margin_pct
    with_margin = planned_vials * (1 + margin / 100)
    daily = history_vials / settings.history_days if planned_vials <= 0 else 0.0
    history_need = daily * settings.horizon_days
    minimum = float(settings.minimums.get(product_id) or 0.0)
    usable = stock.usable_after(last_day) if stock is not None else 0.0
    raw_need = with_margin + history_need + minimum
    to_order = raw_need - usable - awaited
    pack_size = referencing.pack_size if referencing else None
    minimum_packs = int(settings.minimum_packs.get(referencing.supplier_id, 0) or 0) \
        if referencing else 0
    packs_need, packs = packs_for(to_order, pack_size, minimum_packs) if pack_size else (0, 0)
    vials = packs * (pack_size or 0)
    parts = []
    if planned_vials > 0:
        parts.append(f"{_vials(planned_vials)} prévu{'s' if planned_vials >= 2 else ''} "
                     f"({french.number(planned_lines, 0)} ligne{'s' if planned_lines > 1 else ''}) "
                     f"+ {french.percent(margin)} = {_n(with_margin)}")
    elif history_vials > 0:
        parts.append(f"aucun flacon prévu ; historique {_n(history_vials)} flacons en "
                     f"{settings.history_days} j, soit {_n(daily)}/j × "
                     f"{settings.horizon_days} j = {_n(history_need)}")
    else:
        parts.append("aucun flacon prévu ni consommé")
    if minimum:
        parts.append(f"+ minimum {_n(minimum)}")
    parts.append(f"− stock utilisable {_n(usable)}")
    parts.append(f"− en commande {_n(awaited)} = {_n(to_order)}")
    text = " ; ".join(parts)
    if referencing is None:
        text += f" → {NO_SUPPLIER}" if to_order > EPS else " → couvert"
    elif packs == 0:
        text += " → couvert, rien à commander"
    else:
        text += (f" → {french.number(packs_need, 0)} boîte{'s' if packs_need > 1 else ''} "
                 f"de {french.number(pack_size, 0)}")
        if packs > packs_need:
            text += f", portée(s) au minimum de commande de {minimum_packs} boîtes"
        text += f" ({_vials(vials)})"
    explanation = {
        "product_id": product_id,
        "horizon_days": settings.horizon_days,
        "last_day": last_day.isoformat(),
        "planned_vials": planned_vials,
        "planned_lines": planned_lines,
        "margin_pct": margin,
        "with_margin": with_margin,
        "history_vials": history_vials,
        "history_days": settings.history_days,
        "history_daily": daily,
        "history_need": history_need,
        "minimum": minimum,
        "usable_stock": usable,
        "awaited": awaited,
        "raw_need": raw_need,
        "to_order": to_order,
        "supplier_id": referencing.supplier_id if referencing else None,
        "pack_size": pack_size,
        "packs_for_need": packs_need,
        "minimum_packs": minimum_packs,
        "packs": packs,
        "vials": vials,
        "text": text,
    }
    return Suggestion(product_id=product_id, product_name=product_name,
                      referencing=referencing, to_order=to_order, packs=packs, vials=vials,
                      explanation=explanation)


# --- Grouping ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SupplierGroup:
    supplier: Supplier
    suggestions: tuple[Suggestion, ...]

    @property
    def to_order(self) -> tuple[Suggestion, ...]:
        return tuple(s for s in self.suggestions if s.packs > 0)

    @property
    def total(self) -> float:
        return sum(s.amount or 0.0 for s in self.to_order)

    @property
    def preferred(self) -> bool:
        return any(s.referencing and s.referencing.preferred for s in self.suggestions)


def group_by_supplier(
    suggestions: Iterable[Suggestion], suppliers: Mapping[str, Supplier]
) -> tuple[tuple[SupplierGroup, ...], tuple[Suggestion, ...]]:
    """(groups per supplier — those holding preferred referencings first, then by name; in
    each, what to order first, then by product —, the suggestions no supplier can fill)."""
    by_supplier: dict[str, list[Suggestion]] = {}
    unsupplied = []
    for item in suggestions:
        if item.supplier_id is None:
            unsupplied.append(item)
        else:
            by_supplier.setdefault(item.supplier_id, []).append(item)
    groups = [
        SupplierGroup(
            supplier=suppliers.get(supplier_id) or Supplier(supplier_id, supplier_id),
            suggestions=tuple(sorted(items, key=lambda s: (s.packs == 0, s.product_name))),
        )
        for supplier_id, items in by_supplier.items()
    ]
    groups.sort(key=lambda g: (not g.preferred, not g.to_order, g.supplier.name))
    unsupplied.sort(key=lambda s: (s.to_order <= EPS, s.product_name))
    return tuple(groups), tuple(unsupplied)


def horizon(today: date, days: int) -> tuple[date, date]:
    """(first day, last day) of a horizon of `days` days starting today."""
    return today, today + timedelta(days=days - 1)
