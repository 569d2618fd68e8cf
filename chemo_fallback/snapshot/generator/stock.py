"""Vial lots (used by the register and left in stock) and the suppliers' referencing."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from chemo_fallback.snapshot.generator.catalogue import CODES_SEED, PRODUCTS, SUPPLIERS
from chemo_fallback.snapshot.generator.preparations import (
    LOT_ORIGIN_DAY,
    LOT_PERIOD_DAYS,
    LOT_PERIODS,
    Preparations,
)

_LETTERS = np.array(list("ABCDEFGHJKLMNPRSTUVWXZ"), dtype=object)
# Wholesalers deliver next day; laboratories ship from their own warehouse.
_WHOLESALERS = ("ONCOPHARM", "MEDILINE")


@dataclass
class LotPool:
    code: np.ndarray  # (products, periods) lot numbers
    expiry_day: np.ndarray  # (products, periods) days after the export day


def make_lot_pool(rng: np.random.Generator) -> LotPool:
    shape = (len(PRODUCTS), LOT_PERIODS)
    letters = _LETTERS[rng.integers(0, len(_LETTERS), (*shape, 2))]
    # Drawn without replacement: (product, lot) is the stock's key.
    digits = (10_000 + rng.choice(90_000, size=shape[0] * shape[1], replace=False)).reshape(shape)
    code = letters[..., 0] + letters[..., 1] + digits.astype(str).astype(object)
    period_start = LOT_ORIGIN_DAY + LOT_PERIOD_DAYS * np.arange(LOT_PERIODS)
    # Expiry well after the lot's period of use, at most about three years ahead.
    expiry = period_start + rng.integers(300, 1100, shape)
    return LotPool(code=code, expiry_day=np.minimum(expiry, 1095))


def stock_lots_frame(
    rng: np.random.Generator, pool: LotPool, prep: Preparations, day0: np.datetime64
) -> pd.DataFrame:
    n_products = len(PRODUCTS)
    recent = prep.day >= -28
    per_day = (
        np.bincount(prep.product[recent], weights=prep.vials[recent], minlength=n_products) / 28
    )
    # Two to five weeks of cover, with a floor so rarely used vials are still on the shelf.
    target = np.ceil(per_day * rng.uniform(14, 35, n_products) + rng.integers(2, 12, n_products))
    lots_kept = rng.integers(1, 5, n_products)
    expired_left = rng.random(n_products) < 0.12  # a few expired lots not yet destroyed
    rows = []
    for p, product in enumerate(PRODUCTS):
        periods = list(range(LOT_PERIODS - 1, LOT_PERIODS - 1 - lots_kept[p], -1))
        share = np.sort(rng.dirichlet(np.ones(len(periods))))[::-1]
        for k, frac in zip(periods, share, strict=True):
            rows.append(
                (
                    product.product_id,
                    pool.code[p, k],
                    int(pool.expiry_day[p, k]),
                    float(np.round(target[p] * frac)),
                    product.storage,
                )
            )
        if expired_left[p]:
            k = LOT_PERIODS - 5  # used up months ago, so it expired after its last use
            rows.append(
                (
                    product.product_id,
                    pool.code[p, k],
                    -int(rng.integers(1, 45)),
                    float(rng.integers(1, 6)),
                    product.storage,
                )
            )
    frame = pd.DataFrame(rows, columns=["product_id", "lot", "expiry_day", "quantity", "where"])
    location = np.where(
        frame["where"] == "2-8", "Réfrigérateur UPAC", "Réserve UPAC — armoire cytotoxiques"
    )
    return pd.DataFrame(
        {
            "product_id": frame["product_id"],
            "lot": frame["lot"],
            "expiry_date": day0 + frame["expiry_day"].to_numpy(np.int64),
            "quantity": frame["quantity"],
            "location": location,
        }
    )


def supplier_products_frame() -> pd.DataFrame:
    """Every product referenced by one to three suppliers, exactly one of them preferred.

    Referencing is the site's purchasing data, not activity: it does not depend on the seed.
    """
    rng = np.random.default_rng(CODES_SEED + 1)
    rows = []
    for product in PRODUCTS:
        count = int(rng.integers(1, 4))
        chosen = rng.choice(len(SUPPLIERS), size=count, replace=False)
        for rank, s in enumerate(chosen):
            supplier = SUPPLIERS[s]
            price = product.unit_price * (1 if rank == 0 else rng.uniform(0.92, 1.18))
            pack = 1 if product.unit_price > 100 else int(rng.choice([1, 5, 10]))
            lead = (
                rng.integers(1, 3) if supplier.supplier_id in _WHOLESALERS else rng.integers(3, 11)
            )
            rows.append(
                (
                    supplier.supplier_id,
                    product.product_id,
                    f"{supplier.supplier_id[:3]}-{int(rng.integers(100_000, 999_999))}",
                    pack,
                    round(float(price), 2),
                    int(lead),
                    bool(rank == 0 or rng.random() < 0.6),
                    rank == 0,
                )
            )
    return pd.DataFrame(
        rows,
        columns=[
            "supplier_id",
            "product_id",
            "supplier_ref",
            "pack_size",
            "unit_price",
            "lead_time_days",
            "formulary",
            "preferred",
        ],
    )
