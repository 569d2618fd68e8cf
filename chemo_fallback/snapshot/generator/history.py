"""Treatment histories: prescriptions, their lines and the preparations, all vectorised.

Every patient is in the middle of one regimen: past cycles (administered), the current cycle
around the export date and one or two planned cycles. Times are kept as integers relative to
the export day's midnight (days, or seconds) and turned into dates once, at the end.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from chemo_fallback.snapshot.generator.catalogue import DRUG_INDEX, DRUGS
from chemo_fallback.snapshot.generator.people import REGIMENS, Cohort, Staff, regimen_protocol
from chemo_fallback.snapshot.generator.preparations import (
    ADMINISTERED_PREP,
    DESTROYED,
    RELEASED,
    Preparations,
    make_preparations,
)
from chemo_fallback.snapshot.generator.protocols import PROTOCOL_INDEX, PROTOCOLS, expand_days

DAY = 86_400  # seconds
PRESCRIPTION_STATUS = ("planned", "validated", "administered", "cancelled")
PLANNED, VALIDATED, ADMINISTERED, CANCELLED = range(4)
LINE_STATUS = ("planned", "validated", "prepared", "administered", "cancelled")
L_PLANNED, L_VALIDATED, L_PREPARED, L_ADMINISTERED, L_CANCELLED = range(5)
BASES = ("mg/m2", "UI/m2", "mg/kg", "AUC", "mg")
REDUCTION_REASONS = (
    "Neutropénie grade 3 au cycle précédent",
    "Thrombopénie grade 2 persistante",
    "Neuropathie périphérique grade 2",
    "Mucite grade 3",
    "Diarrhée grade 3",
    "Altération de l'état général (OMS 2)",
    "Cytolyse hépatique grade 2",
)


@dataclass(frozen=True)
class _Template:
    """The chemotherapy lines of every protocol, one entry per (line, day), flattened."""

    start: np.ndarray  # per protocol: first entry
    count: np.ndarray  # per protocol: number of entries
    line_no: np.ndarray
    drug: np.ndarray
    day: np.ndarray
    dose: np.ndarray
    basis: np.ndarray
    route: np.ndarray  # object
    max_dose: np.ndarray  # inf when none


def _template() -> _Template:
    rows = []
    for p in PROTOCOLS:
        entries = [
            (
                day,
                no,
                DRUG_INDEX[ln.drug_id],
                ln.dose,
                BASES.index(ln.basis),
                ln.route,
                ln.max_dose or np.inf,
            )
            for no, ln in enumerate(p.lines, start=1)
            if ln.kind == "chemotherapy"
            for day in expand_days(ln.days)
        ]
        rows.append(sorted(entries))  # chronological, then in administration order
    count = np.array([len(r) for r in rows])
    flat = [e for r in rows for e in r]

    def col(i: int, kind: type = float) -> np.ndarray:
        return np.array([e[i] for e in flat], dtype=kind)

    return _Template(
        start=np.cumsum(count) - count,
        count=count,
        day=col(0, np.int64),
        line_no=col(1, np.int64),
        drug=col(2, np.int64),
        dose=col(3),
        basis=col(4, np.int64),
        route=col(5, object),
        max_dose=col(6),
    )


def _round_sig(x: np.ndarray, digits: int = 3) -> np.ndarray:
    """Round to 3 significant figures, the precision a compounded dose is written with."""
    out = x.copy()
    mag = np.floor(np.log10(np.where(x > 0, x, 1))).astype(np.int64)
    for m in np.unique(mag):
        sel = mag == m
        out[sel] = np.round(x[sel], digits - 1 - int(m))
    return out


def group_rows(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Expand groups: (group index of each row, position of the row inside its group)."""
    owner = np.repeat(np.arange(len(counts)), counts)
    within = np.arange(len(owner)) - np.repeat(np.cumsum(counts) - counts, counts)
    return owner, within


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pd.Series:
    return prefix + pd.Series(numbers).astype(str).str.zfill(width)


@dataclass
class History:
    prescriptions: pd.DataFrame
    lines: pd.DataFrame
    preparations: Preparations
    measured_day: np.ndarray  # per patient: day of the current weight
    presc_patient: np.ndarray
    presc_protocol: np.ndarray
    presc_start: np.ndarray  # day of each prescription's cycle start


def make_history(
    rng: np.random.Generator, c: Cohort, staff: Staff, lots: np.ndarray, day0: np.datetime64
) -> History:
    n = len(c)
    main = np.array([PROTOCOL_INDEX[r.protocol_id] for r in REGIMENS])[c.regimen]
    length = np.array([p.cycle_days for p in PROTOCOLS])[main]
    planned = np.array([p.cycles_planned for p in PROTOCOLS])[main]
    cap = np.array([r.max_current_cycle for r in REGIMENS])[c.regimen]
    current = rng.integers(1, np.minimum(cap, planned - 1) + 1)
    future = np.minimum(np.where(rng.random(n) < 0.85, 1, 2), planned - current)
    phase = rng.integers(0, length)  # days since the current cycle started
    total = current + future

    # --- prescriptions, in (patient, cycle) order
    pat, within = group_rows(total)
    m = len(pat)
    cycle_no = within + 1
    rel = cycle_no - current[pat]
    delay = np.where(rng.random(m) < 0.12, rng.integers(2, 8, m), 0)
    gap = np.where(rel < 0, length[pat] + delay, 0)
    csum = np.cumsum(gap)
    last_row = np.cumsum(total) - 1
    behind = csum[last_row][pat] - csum + gap  # gaps between this past cycle and the current
    start = np.where(rel < 0, -phase[pat] - behind, -phase[pat] + rel * length[pat])
    proto = regimen_protocol(c.regimen[pat], cycle_no)

    status = np.full(m, PLANNED)
    status[rel < 0] = ADMINISTERED
    status[(rel == 0) & (start < 0)] = VALIDATED
    coin = rng.random(m)
    status[(rel == 0) & (start == 0) & (coin < 0.85)] = VALIDATED
    status[(rel == 1) & (start == 1) & (coin < 0.5)] = VALIDATED
    status[(rel < 0) & (coin < 0.01)] = CANCELLED  # cycle called off before fabrication

    # Weight drifts slowly during treatment; a few patients lost over 10 % since last cycle.
    drift = np.clip(rng.normal(0.004, 0.006, n), -0.01, 0.015)
    big_loss = np.where(rng.random(n) < 0.02, 1.12, 1.0)
    before = np.maximum(-rel, 0)
    weight = c.weight_kg[pat] * (1 + drift[pat] * before) * np.where(rel < 0, big_loss[pat], 1)
    weight = np.round(np.clip(weight + (rel < 0) * rng.normal(0, 0.3, m), 35, 250), 1)
    height = c.height_cm[pat]
    bsa = np.round(np.sqrt(height * weight / 3600), 2)

    current_day = -phase - rng.integers(1, 4, n)  # the current cycle was prescribed 1-3 days ahead
    pday = np.where(rel >= 0, current_day[pat], start - rng.integers(1, 4, m))
    psec = pday * DAY + rng.integers(8 * 3600, 19 * 3600, m) + np.maximum(rel, 0) * 60
    order = np.lexsort((np.arange(m), psec))
    rank = np.empty(m, np.int64)
    rank[order] = np.arange(m)
    presc_id = _ids("ORD", 1_000_001 + rank, 8).to_numpy(object)
    prescriber = c.prescriber[pat].copy()
    other = rng.random(m) < 0.1  # a colleague of the same ward signs now and then
    for ward, pool in staff.prescribers_by_ward.items():
        sel = other & (c.ward[pat] == ward)
        prescriber[sel] = pool[rng.integers(0, len(pool), int(sel.sum()))]

    # --- lines: one per chemotherapy drug and day of the cycle
    tpl = _template()
    lp, lw = group_rows(tpl.count[proto])
    t = tpl.start[proto[lp]] + lw
    nl = len(lp)
    drug = tpl.drug[t]
    basis = tpl.basis[t]
    cap_m2 = np.array([p.bsa_cap or np.inf for p in PROTOCOLS])[proto[lp]]
    lbsa = np.minimum(bsa[lp], cap_m2)
    lweight = weight[lp]
    lpat = pat[lp]
    k = np.where(c.female[lpat], 1.04, 1.23)
    gfr = np.minimum((140 - c.age_years[lpat]) * lweight * k / c.creatinine[lpat], 125)
    per_unit = np.select([basis <= 1, basis == 2, basis == 3], [lbsa, lweight, gfr + 25], 1.0)
    dose = tpl.dose[t] * per_unit

    reduced = rng.random(n) < 0.12
    reduced_from = rng.integers(2, total + 1)
    pct = np.where(rng.random(n) < 0.5, -20.0, -25.0)
    reason = rng.integers(0, len(REDUCTION_REASONS), n)
    reducible = np.array([d.reducible for d in DRUGS])[drug]
    mod = reduced[lpat] & (cycle_no[lp] >= reduced_from[lpat]) & reducible
    dose = np.where(mod, dose * (1 + pct[lpat] / 100), dose)
    dose = np.minimum(_round_sig(np.minimum(dose, tpl.max_dose[t])), tpl.max_dose[t])
    planned_day = start[lp] + tpl.day[t] - 1

    lstatus = np.full(nl, L_PLANNED)
    pst = status[lp]
    lstatus[pst == ADMINISTERED] = L_ADMINISTERED
    lstatus[pst == CANCELLED] = L_CANCELLED
    lstatus[(pst == VALIDATED) & (planned_day < 0)] = L_ADMINISTERED
    lstatus[(pst == VALIDATED) & (planned_day >= 0)] = L_VALIDATED
    # A current cycle whose every day is past is over.
    line_counts = tpl.count[proto]
    last_day = np.maximum.reduceat(planned_day, np.cumsum(line_counts) - line_counts)
    status[(status == VALIDATED) & (last_day < 0)] = ADMINISTERED

    compounded = np.array([d.compounded for d in DRUGS])[drug]
    stable = np.array([(d.stability_hours or 0) >= 48 for d in DRUGS])[drug]
    coin = rng.random(nl)
    # A dose made but never given (patient unfit on the day) is destroyed.
    destroyed = (lstatus == L_ADMINISTERED) & (coin < 0.005)
    lstatus[destroyed] = L_CANCELLED
    # Stable drugs for today's first patients are made the afternoon before.
    early = (lstatus == L_VALIDATED) & (planned_day == 0) & compounded & stable & (coin > 0.8)
    lstatus[early] = L_PREPARED

    lines = pd.DataFrame(
        {
            "line_id": presc_id[lp] + "-" + pd.Series(lw + 1).astype(str).str.zfill(2),
            "prescription_id": presc_id[lp],
            "protocol_line_no": tpl.line_no[t],
            "drug_id": pd.Categorical.from_codes(drug, [d.drug_id for d in DRUGS]),
            "day_no": tpl.day[t],
            "planned_date": day0 + planned_day,
            "dose": dose,
            "dose_unit": pd.Categorical.from_codes(
                np.array([d.dose_unit == "UI" for d in DRUGS], np.int8)[drug], ["mg", "UI"]
            ),
            "route": pd.Categorical(tpl.route[t], categories=sorted(set(tpl.route))),
            "modification_pct": np.where(mod, pct[lpat], np.nan),
            "modification_reason": pd.Categorical.from_codes(
                np.where(mod, reason[lpat], -1), REDUCTION_REASONS
            ),
            "status": pd.Categorical.from_codes(lstatus, LINE_STATUS),
        }
    )
    prescriptions = pd.DataFrame(
        {
            "prescription_id": presc_id,
            "patient_id": c.patient_id[pat],
            "protocol_id": pd.Categorical.from_codes(proto, [p.protocol_id for p in PROTOCOLS]),
            "cycle_no": cycle_no,
            "cycle_start_date": day0 + start,
            "prescriber_id": prescriber,
            "ward_id": c.ward[pat],
            "status": pd.Categorical.from_codes(status, PRESCRIPTION_STATUS),
            "height_cm": height,
            "weight_kg": weight,
            "bsa_m2": bsa,
            "prescribed_at": day0 + psec.astype("timedelta64[s]"),
        }
    )
    made = np.flatnonzero(compounded & (lstatus >= L_PREPARED) & (pst != CANCELLED))
    prep_status = np.array([-1, -1, RELEASED, ADMINISTERED_PREP, DESTROYED])[lstatus[made]]
    prep = make_preparations(
        rng,
        staff,
        lots,
        day0,
        lines["line_id"].to_numpy(object)[made],
        drug[made],
        dose[made],
        planned_day[made],
        prep_status,
    )
    return History(prescriptions, lines, prep, current_day, pat, proto, start)
