"""The preparation register (ordonnancier): one record per compounded line."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from chemo_fallback.snapshot.generator.catalogue import DRUG_INDEX, DRUGS, PRODUCTS
from chemo_fallback.snapshot.generator.people import Staff

DAY = 86_400
PREPARATION_STATUS = ("released", "administered", "destroyed")
RELEASED, ADMINISTERED_PREP, DESTROYED = range(3)
FIRST_REGISTER_NO = 250_001

# Each product's lots follow one another: lot k is the one in use during period k.
LOT_ORIGIN_DAY = -480
LOT_PERIOD_DAYS = 60
LOT_PERIODS = 9


def lot_period(day: np.ndarray) -> np.ndarray:
    return np.clip((day - LOT_ORIGIN_DAY) // LOT_PERIOD_DAYS, 0, LOT_PERIODS - 1)


@dataclass
class Preparations:
    frame: pd.DataFrame  # in register order
    product: np.ndarray  # product index of each preparation
    day: np.ndarray  # day prepared, relative to the export day
    vials: np.ndarray  # vials opened (for the stock's recent consumption)


def _pick_products(drug: np.ndarray, dose: np.ndarray) -> np.ndarray:
    """The largest vial not above the dose (fewest vials, least waste), else the smallest."""
    product = np.full(len(drug), -1)
    for d in DRUGS:
        sel = drug == DRUG_INDEX[d.drug_id]
        if not sel.any():
            continue
        mine = sorted((p.content, i) for i, p in enumerate(PRODUCTS) if p.drug_id == d.drug_id)
        contents = np.array([content for content, _ in mine])
        j = np.clip(np.searchsorted(contents, dose[sel], side="right") - 1, 0, None)
        product[sel] = np.array([i for _, i in mine])[j]
    return product


def make_preparations(
    rng: np.random.Generator,
    staff: Staff,
    lots: np.ndarray,
    day0: np.datetime64,
    line_id: np.ndarray,
    drug: np.ndarray,
    dose: np.ndarray,
    planned_day: np.ndarray,
    status: np.ndarray,
) -> Preparations:
    n = len(line_id)
    product = _pick_products(drug, dose)
    content = np.array([p.content for p in PRODUCTS])[product]
    vials = np.ceil(dose / content - 1e-9)
    # Made the morning of administration; anticipated ones the afternoon before.
    early = status == RELEASED
    sec = np.where(
        early,
        -DAY + rng.integers(14 * 3600, 18 * 3600 + 1800, n),
        planned_day * DAY + rng.integers(7 * 3600 + 1800, 15 * 3600 + 1800, n),
    )
    # The register number follows preparation time: sequential, unique, no gap.
    order = np.lexsort((np.arange(n), sec))
    product, vials, sec = product[order], vials[order], sec[order]
    day = sec // DAY
    stability = np.array([d.stability_hours or 24 for d in DRUGS])[drug[order]]
    register = FIRST_REGISTER_NO + np.arange(n)
    frame = pd.DataFrame(
        {
            "preparation_id": "FAB" + pd.Series(register).astype(str),
            "line_id": line_id[order],
            "register_no": register,
            "prepared_at": day0 + sec.astype("timedelta64[s]"),
            "dose": dose[order],
            "product_id": pd.Categorical.from_codes(product, [p.product_id for p in PRODUCTS]),
            "lot": lots[product, lot_period(day)],
            "operator_id": staff.preparers[rng.integers(0, len(staff.preparers), n)],
            "controller_id": staff.pharmacists[rng.integers(0, len(staff.pharmacists), n)],
            "status": pd.Categorical.from_codes(status[order], PREPARATION_STATUS),
            "expires_at": day0
            + (sec + (stability * 3600).astype(np.int64)).astype("timedelta64[s]"),
        }
    )
    return Preparations(frame, product, day, vials)
