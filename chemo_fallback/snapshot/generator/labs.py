"""Blood tests drawn one or two days before each treatment day that needs a check."""

from __future__ import annotations

import numpy as np
import pandas as pd

from chemo_fallback.snapshot.generator.history import DAY, History, group_rows
from chemo_fallback.snapshot.generator.people import Cohort
from chemo_fallback.snapshot.generator.protocols import PROTOCOLS

TESTS = ("PNN", "PLQ", "HB", "CREAT", "BILI", "ASAT", "ALAT")
UNITS = ("G/L", "G/L", "g/dL", "µmol/L", "µmol/L", "UI/L", "UI/L")
_UNIT_NAMES = tuple(dict.fromkeys(UNITS))
_UNIT_CODES = np.array([_UNIT_NAMES.index(u) for u in UNITS])
# The lab interface keeps five weeks of results per patient in the export.
WINDOW_DAYS = 35


def _values(rng: np.random.Generator, test: int, creatinine: np.ndarray) -> np.ndarray:
    n = len(creatinine)
    low = rng.random(n)
    if test == 0:  # neutrophils: about 5 % below the usual 1.5 G/L threshold
        v = np.clip(np.exp(rng.normal(np.log(3.4), 0.35, n)), 1.5, 12)
        return np.round(np.where(low < 0.05, rng.uniform(0.4, 1.49, n), v), 2)
    if test == 1:  # platelets: a few under 100 G/L
        v = np.clip(rng.normal(250, 65, n), 150, 480)
        v = np.where(low < 0.08, rng.uniform(100, 149, n), v)
        return np.round(np.where(low < 0.03, rng.uniform(30, 99, n), v))
    if test == 2:
        return np.round(np.clip(rng.normal(11.9, 1.3, n), 7.2, 16.5), 1)
    if test == 3:
        return np.round(creatinine * rng.normal(1, 0.06, n))
    median, spread = {4: (9, 0.35), 5: (24, 0.35), 6: (22, 0.4)}[test]
    v = np.exp(rng.normal(np.log(median), spread, n))
    return np.round(np.where(low < 0.04, v * 3, v))


def make_labs(rng: np.random.Generator, c: Cohort, h: History, day0: np.datetime64) -> pd.DataFrame:
    n = len(c)
    lab_days = [p.lab_days for p in PROTOCOLS]
    count = np.array([len(d) for d in lab_days])
    first = np.cumsum(count) - count
    flat = np.array([d for days in lab_days for d in days])
    pp, within = group_rows(count[h.presc_protocol])
    target = h.presc_start[pp] + flat[first[h.presc_protocol[pp]] + within] - 1
    # Today's and tomorrow's treatments already have their results; later ones do not.
    keep = (target >= -WINDOW_DAYS) & (target <= 1)
    patient = h.presc_patient[pp[keep]]
    sample_day = np.minimum(target[keep] - rng.integers(1, 3, len(patient)), -1)
    # A few patients' recent results never reached the export: missing or only old labs.
    stale = rng.random(n) < 0.04
    keep = ~(stale[patient] & (sample_day >= -12))
    patient, sample_day = patient[keep], sample_day[keep]
    sample_sec = sample_day * DAY + rng.integers(7 * 3600, 12 * 3600, len(patient))

    hepatic = rng.random(n) < 0.3
    panel, test = group_rows(np.where(hepatic[patient], len(TESTS), 4))
    pat = patient[panel]
    value = np.empty(len(panel))
    for t in range(len(TESTS)):
        sel = test == t
        value[sel] = _values(rng, t, c.creatinine[pat[sel]])
    return pd.DataFrame(
        {
            "lab_id": "LAB" + pd.Series(np.arange(1, len(panel) + 1)).astype(str).str.zfill(9),
            "patient_id": c.patient_id[pat],
            "test_code": pd.Categorical.from_codes(test, TESTS),
            "value": value,
            "unit": pd.Categorical.from_codes(_UNIT_CODES[test], _UNIT_NAMES),
            "sampled_at": day0 + sample_sec[panel].astype("timedelta64[s]"),
        }
    )
