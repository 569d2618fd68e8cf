"""What the preparation computation works on and returns. Pure frozen dataclasses: no database,
no UI. `rules.plan_preparation` turns a validated line, its drug and the drug's products into a
`PreparationPlan`: everything the fabrication sheet and the label print, with the findings that
refuse printing (a blocking finding is shown before anything prints).

Amounts (`dose`, `vial_content`, `amount`) are in the drug's dose unit (mg or UI); volumes in mL;
concentrations in that unit per mL (after reconstitution for a powder); masses in g.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chemo_fallback.errors import ChemoFallbackError


class FabricationError(ChemoFallbackError):
    """A computation refused: the French message says what is wrong and what to do."""


STORAGE_LABELS = {
    "2-8": "entre +2 et +8 °C (réfrigérateur)",
    "15-25": "entre +15 et +25 °C",
    "<25": "à une température ne dépassant pas +25 °C",
}
CONTAINER_LABELS = {
    "poche": "poche",
    "seringue": "seringue",
    "diffuseur": "diffuseur portable (élastomérique)",
}
# How the final volume is reached (rules.plan_preparation, docs/clinical-rules.md):
DILUTION_MODE_LABELS = {
    "added": "médicament ajouté à la poche de solvant",  # final = bag volume + drug volume
    "made_up": "compléter au volume final avec le solvant",  # final = the line's volume
    "pure": "non dilué",  # final = drug volume
}


# --- Reading snapshot rows (DuckDB rows as dicts, or CSV text) -------------------------------


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _number(value: Any) -> float | None:
    """A DOUBLE of the snapshot: None for a missing value (never 0)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    number = float(value)
    return None if math.isnan(number) else number


_TRUE = {"o", "oui", "y", "yes", "true", "t", "1", "vrai"}
_FALSE = {"n", "non", "no", "false", "f", "0", "faux"}


def _flag(value: Any) -> bool | None:
    """A BOOLEAN of the snapshot (True/False, or "O"/"N" in a CSV): None when not given."""
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().casefold()
    if not text:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"valeur oui/non illisible : {value!r}")


def _codes(value: Any) -> tuple[str, ...]:
    """"NACL09|G5" → ("NACL09", "G5"); a tuple or list as is; missing → ()."""
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(c.strip() for c in value.split("|") if c.strip())
    return tuple(str(c).strip() for c in value if str(c).strip())


# --- Snapshot data ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Product:
    """A presentation (vial) of a drug, from the snapshot's `products` table."""

    product_id: str
    drug_id: str
    name: str
    form: str  # solution, poudre, comprime
    vial_content: float  # in the drug's unit
    vial_volume_ml: float | None = None
    concentration: float | None = None  # per mL, after reconstitution for a powder
    reconstitution_diluent: str | None = None
    density_g_ml: float | None = None
    in_use_stability_hours: float | None = None  # once opened (reliquat)
    storage: str | None = None  # of the vial
    protect_from_light: bool | None = None
    gtin: str | None = None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Product:
        return cls(
            product_id=str(row["product_id"]),
            drug_id=str(row["drug_id"]),
            name=str(row["name"]),
            form=str(row["form"]),
            vial_content=float(row["vial_content"]),
            vial_volume_ml=_number(row.get("vial_volume_ml")),
            concentration=_number(row.get("concentration")),
            reconstitution_diluent=_text(row.get("reconstitution_diluent")),
            density_g_ml=_number(row.get("density_g_ml")),
            in_use_stability_hours=_number(row.get("in_use_stability_hours")),
            storage=_text(row.get("storage")),
            protect_from_light=_flag(row.get("protect_from_light")),
            gtin=_text(row.get("gtin")),
        )

    @property
    def is_powder(self) -> bool:
        return self.form == "poudre"


@dataclass(frozen=True)
class DrugPreparationData:
    """What the snapshot's `drugs` table says of a drug for its preparation."""

    drug_id: str
    inn: str
    dose_unit: str
    diluents: tuple[str, ...] = ()  # allowed diluents (codes); () when not given
    final_conc_min: float | None = None
    final_conc_max: float | None = None
    stability_hours: float | None = None  # of the preparation
    storage: str | None = None  # of the preparation
    protect_from_light: bool | None = None
    containers: tuple[str, ...] = ()  # allowed; () when not given
    routes: tuple[str, ...] = ()
    intrathecal_capable: bool = False

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> DrugPreparationData:
        return cls(
            drug_id=str(row["drug_id"]),
            inn=str(row["inn"]),
            dose_unit=str(row["dose_unit"]),
            diluents=_codes(row.get("diluents")),
            final_conc_min=_number(row.get("final_conc_min")),
            final_conc_max=_number(row.get("final_conc_max")),
            stability_hours=_number(row.get("stability_hours")),
            storage=_text(row.get("storage")),
            protect_from_light=_flag(row.get("protect_from_light")),
            containers=_codes(row.get("containers")),
            routes=_codes(row.get("routes")),
            intrathecal_capable=bool(_flag(row.get("intrathecal_capable"))),
        )


@dataclass(frozen=True)
class LineToPrepare:
    """What the computation reads of a validated prescription line (`of` takes a prescription
    `Line`, whose dose is `final_dose`)."""

    line_id: str | None
    drug_id: str | None
    dose: float | None
    dose_unit: str | None
    route: str | None
    container: str | None
    diluent: str | None = None
    volume_ml: float | None = None
    duration_min: float | None = None

    @classmethod
    def of(cls, line: Any) -> LineToPrepare:
        if isinstance(line, LineToPrepare):
            return line
        dose = line.final_dose if hasattr(line, "final_dose") else getattr(line, "dose", None)
        return cls(
            line_id=getattr(line, "line_id", None),
            drug_id=getattr(line, "drug_id", None),
            dose=dose,
            dose_unit=getattr(line, "dose_unit", None),
            route=getattr(line, "route", None),
            container=getattr(line, "container", None),
            diluent=getattr(line, "diluent", None),
            volume_ml=getattr(line, "volume_ml", None),
            duration_min=getattr(line, "duration_min", None),
        )


# --- Opened vials (reliquats) ----------------------------------------------------------------


@dataclass(frozen=True)
class OpenedVial:
    """A reliquat: what remains in a vial already opened, usable until its in-use expiry."""

    reliquat_id: str | None
    product_id: str
    lot: str | None
    amount: float  # remaining, in the drug's unit
    opened_at: datetime
    usable_until: datetime  # never offered at or after this moment


@dataclass(frozen=True)
class Remainder:
    """What is left in the last new vial of a plan (`rules.reliquat_after`): to record as a
    reliquat when `usable_until` is set, else to discard (no in-use stability known)."""

    product_id: str
    product_name: str
    amount: float
    volume_ml: float
    opened_at: datetime
    usable_until: datetime | None

    @property
    def keep(self) -> bool:
        return self.usable_until is not None and self.usable_until > self.opened_at


# --- Results ---------------------------------------------------------------------------------


class VialPlan(tuple):
    """The contents of the NEW vials to open, largest first (`vial_plan`'s result).

    It is a tuple (compares, iterates and indexes as the tuple of contents: `== (100, 100)`),
    with the rest of the plan as read-only attributes: `opened_used` (amount drawn from each
    opened vial used, in the order drawn), `opened_vials` (those vials, as given), `waste`
    (drug left in the last new vial), `dose`.
    """

    dose: float
    opened_used: tuple[float, ...]
    opened_vials: tuple[Any, ...]
    waste: float

    def __new__(
        cls,
        contents: Iterable[float],
        *,
        dose: float,
        opened_used: Iterable[float] = (),
        opened_vials: Iterable[Any] = (),
        waste: float = 0.0,
    ) -> VialPlan:
        plan = super().__new__(cls, contents)
        object.__setattr__(plan, "dose", dose)
        object.__setattr__(plan, "opened_used", tuple(opened_used))
        object.__setattr__(plan, "opened_vials", tuple(opened_vials))
        object.__setattr__(plan, "waste", waste)
        return plan

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"VialPlan is read-only ({name})")

    def __repr__(self) -> str:
        return (
            f"VialPlan({tuple(self)!r}, dose={self.dose!r}, opened_used={self.opened_used!r}, "
            f"waste={self.waste!r})"
        )

    @property
    def new_total(self) -> float:
        return float(sum(self))

    @property
    def opened_total(self) -> float:
        return float(sum(self.opened_used))


@dataclass(frozen=True)
class Finding:
    """One problem found. A blocking finding refuses printing the sheet and the label."""

    code: str
    message: str  # French: what is wrong and what to fix
    blocking: bool = True
    values: tuple[tuple[str, float | str | None], ...] = ()  # the numbers compared


@dataclass(frozen=True)
class VialUse:
    """A new vial to open and what is drawn from it (the last one may be drawn in part)."""

    product: Product
    content: float
    amount_drawn: float
    volume_ml: float  # to withdraw, at the product's own concentration
    whole: bool  # the whole vial is drawn
    # A powder: reconstitute with this diluent, giving this volume at product.concentration.
    reconstitution_diluent: str | None = None
    reconstituted_volume_ml: float | None = None


@dataclass(frozen=True)
class ReliquatUse:
    """An opened vial drawn from, before any new vial is opened."""

    reliquat: OpenedVial
    product: Product
    amount_drawn: float
    volume_ml: float
    remaining: float  # left in it afterwards (same usable_until)


@dataclass(frozen=True)
class PreparationPlan:
    """Everything the fabrication sheet prints for one line. Values that could not be computed
    (missing data) are None, and a blocking finding says what to fix."""

    line_id: str | None
    drug_id: str
    inn: str
    dose: float
    dose_unit: str
    route: str | None
    duration_min: float | None
    container: str | None
    prepared_at: datetime
    max_vials: int
    tolerance_pct: float
    findings: tuple[Finding, ...] = ()
    # Vials
    product: Product | None = None  # the main product (largest vial used)
    products: tuple[Product, ...] = ()  # every product drawn from (new vials and reliquats)
    concentration: float | None = None  # shared by the vials used; None when they differ
    vial_plan: VialPlan | None = None
    vials: tuple[VialUse, ...] = ()  # new vials, largest first
    reliquats_used: tuple[ReliquatUse, ...] = ()
    withdrawal_volume_ml: float | None = None
    waste: float | None = None  # drug left in the last new vial
    # Dilution
    diluent: str | None = None
    diluent_volume_ml: float | None = None
    dilution_mode: str | None = None  # added, made_up, pure (DILUTION_MODE_LABELS)
    final_volume_ml: float | None = None
    final_concentration: float | None = None
    final_conc_min: float | None = None
    final_conc_max: float | None = None
    concentration_in_range: bool | None = None
    # Keeping
    stability_hours: float | None = None
    expires_at: datetime | None = None
    storage: str | None = None
    protect_from_light: bool | None = None
    # Gravimetric control (of the withdrawn volume)
    density_g_ml: float | None = None  # shared by the vials used; None when they differ
    target_mass_g: float | None = None
    mass_low_g: float | None = None
    mass_high_g: float | None = None

    @property
    def blocking_findings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.blocking)

    @property
    def blocking(self) -> bool:
        return any(f.blocking for f in self.findings)

    @property
    def storage_label(self) -> str | None:
        return STORAGE_LABELS.get(self.storage or "")

    @property
    def dilution_label(self) -> str | None:
        return DILUTION_MODE_LABELS.get(self.dilution_mode or "")
