"""Staff and patients, drawn with numpy from the seeded generator."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from chemo_fallback.snapshot.generator.catalogue import WARD_IDS, WARDS
from chemo_fallback.snapshot.generator.names import (
    FEMALE_FIRST_NAMES,
    LAST_NAMES,
    MALE_FIRST_NAMES,
)
from chemo_fallback.snapshot.generator.protocols import PROTOCOL_INDEX


@dataclass(frozen=True)
class Regimen:
    protocol_id: str
    weight: float  # share of the unit's patients
    female: float  # probability that the patient is a woman
    age_mean: float
    age_sd: float
    wards: tuple[str, ...]
    max_current_cycle: int  # bounds the history: about 12 lines per patient on average
    first_cycle_protocol: str | None = None


REGIMENS = (
    Regimen("MFOLFOX6", 11, 0.45, 66, 10, ("HDJ-ONCO", "HGE", "ONCO-HC"), 5),
    Regimen("FOLFIRI", 7, 0.45, 67, 10, ("HDJ-ONCO", "HGE"), 5),
    Regimen("RCHOP21", 5, 0.45, 64, 12, ("HEMATO", "HDJ-HEMATO"), 4),
    Regimen("AC60", 5, 0.99, 52, 11, ("HDJ-ONCO", "GYNECO"), 3),
    Regimen("PACLI_HEBDO", 10, 0.97, 56, 12, ("HDJ-ONCO", "GYNECO"), 11),
    Regimen("CARBO_PACLI", 7, 0.65, 63, 10, ("GYNECO", "ONCO-THORAX", "HDJ-ONCO"), 5),
    Regimen("DOCETAXEL", 5, 0.3, 68, 9, ("HDJ-ONCO", "ONCO-HC"), 5),
    Regimen("GEMCITABINE", 5, 0.45, 70, 9, ("HGE", "HDJ-ONCO", "USP"), 4),
    Regimen("CISPLATINE_ETOPOSIDE", 4, 0.35, 64, 9, ("ONCO-THORAX", "PNEUMO"), 3),
    Regimen("ABVD", 2, 0.5, 34, 9, ("HEMATO", "HDJ-HEMATO"), 4),
    Regimen(
        "TRASTUZUMAB",
        8,
        0.99,
        55,
        11,
        ("HDJ-ONCO", "GYNECO"),
        12,
        first_cycle_protocol="TRASTUZUMAB_CHARGE",
    ),
    Regimen("PEMBROLIZUMAB", 15, 0.35, 66, 10, ("ONCO-THORAX", "PNEUMO", "HDJ-ONCO"), 12),
    Regimen("BORTEZOMIB_SC", 4, 0.45, 70, 9, ("HDJ-HEMATO", "HEMATO"), 5),
    Regimen("AZACITIDINE_SC", 3, 0.45, 76, 7, ("HDJ-HEMATO", "HEMATO"), 4),
)


def _pick(rng: np.random.Generator, pool: tuple[str, ...], n: int) -> np.ndarray:
    return np.asarray(pool, dtype=object)[rng.integers(0, len(pool), n)]


def _first_names(rng: np.random.Generator, female: np.ndarray) -> np.ndarray:
    out = _pick(rng, MALE_FIRST_NAMES, len(female))
    out[female] = _pick(rng, FEMALE_FIRST_NAMES, int(female.sum()))
    return out


@dataclass
class Staff:
    frame: pd.DataFrame
    prescribers_by_ward: dict[str, np.ndarray]  # ward_id -> staff ids
    pharmacists: np.ndarray
    preparers: np.ndarray


def _growth(patients: int, per: int) -> int:
    """Mild growth of a team with the activity: +1 each time the patient count doubles."""
    return int(np.log2(1 + patients / per))


def make_staff(rng: np.random.Generator, patients: int) -> Staff:
    # (prefix, role, count, ward, specialty, has RPPS); a loop over roles and wards, not rows.
    groups: list[tuple[str, str, int, str | None, str | None, bool]] = []
    for w in WARDS:
        groups.append(
            ("MED", "prescriber", 2 + _growth(patients, 200), w.ward_id, w.specialty, True)
        )
    groups.append(
        ("PHA", "pharmacist", 6 + _growth(patients, 5000), None, "Pharmacie hospitalière", True)
    )
    groups.append(
        (
            "PPH",
            "preparer",
            10 + 2 * _growth(patients, 5000),
            None,
            "Préparateur en pharmacie hospitalière",
            False,
        )
    )
    for w in WARDS:
        groups.append(("IDE", "nurse", 2 + _growth(patients, 2000), w.ward_id, None, False))
    groups.append(("ACH", "buyer", 2, None, "Achats pharmaceutiques", False))
    groups.append(("ADM", "other", 1, None, "Administrateur de l'application", False))

    rows: list[dict] = []
    counters: dict[str, int] = {}
    for prefix, role, count, ward, specialty, has_rpps in groups:
        female = rng.random(count) < 0.6
        first = _first_names(rng, female)
        last = _pick(rng, LAST_NAMES, count)
        for i in range(count):
            counters[prefix] = counters.get(prefix, 0) + 1
            rows.append(
                {
                    "staff_id": f"{prefix}{counters[prefix]:03d}",
                    "last_name": last[i],
                    "first_name": first[i],
                    "role": role,
                    "rpps": has_rpps,
                    "ward_id": ward,
                    "specialty": specialty,
                }
            )
    frame = pd.DataFrame(rows)
    need = frame["rpps"].to_numpy(bool)
    # RPPS numbers are 11 digits starting with 10; drawn without replacement so they are unique.
    numbers = 10_000_000_000 + rng.choice(10**9, size=int(need.sum()), replace=False)
    frame["rpps"] = None
    frame.loc[need, "rpps"] = [str(n) for n in numbers]
    by_role = frame.groupby("role")["staff_id"]
    return Staff(
        frame=frame,
        prescribers_by_ward={
            w: frame.loc[(frame.role == "prescriber") & (frame.ward_id == w), "staff_id"].to_numpy(
                object
            )
            for w in WARD_IDS
        },
        pharmacists=by_role.get_group("pharmacist").to_numpy(object),
        preparers=by_role.get_group("preparer").to_numpy(object),
    )


@dataclass
class Cohort:
    """One row per patient; the regimen is an index into REGIMENS."""

    patient_id: np.ndarray
    regimen: np.ndarray
    female: np.ndarray
    age_years: np.ndarray
    birth_day: np.ndarray  # days relative to the export date (negative)
    height_cm: np.ndarray
    weight_kg: np.ndarray  # today's weight; earlier cycles drift from it
    creatinine: np.ndarray  # baseline serum creatinine, µmol/L
    ward: np.ndarray  # ward ids
    prescriber: np.ndarray  # referent prescriber's staff id
    last_name: np.ndarray
    first_name: np.ndarray
    birth_name: np.ndarray

    def __len__(self) -> int:
        return len(self.regimen)


def make_cohort(rng: np.random.Generator, n: int, staff: Staff) -> Cohort:
    weights = np.array([r.weight for r in REGIMENS], float)
    regimen = rng.choice(len(REGIMENS), size=n, p=weights / weights.sum())

    def prof(attr: str) -> np.ndarray:
        return np.array([getattr(r, attr) for r in REGIMENS], float)[regimen]

    female = rng.random(n) < prof("female")
    age = np.clip(rng.normal(prof("age_mean"), prof("age_sd")), 25, 90)
    birth_day = -np.floor(age * 365.25).astype(np.int64)
    height = np.where(female, rng.normal(162, 6.5, n), rng.normal(174.5, 7, n))
    height = np.round(np.clip(height, 145, 200))
    bmi = np.clip(np.exp(rng.normal(np.log(24.8), 0.17, n)), 16, 40)
    weight = np.round(bmi * (height / 100) ** 2, 1)
    creat = np.where(female, rng.normal(68, 12, n), rng.normal(85, 15, n)).clip(45, None)
    creat *= np.where(rng.random(n) < 0.04, rng.uniform(1.4, 2.4, n), 1.0)

    ward = np.empty(n, dtype=object)
    prescriber = np.empty(n, dtype=object)
    for r, reg in enumerate(REGIMENS):
        mine = np.flatnonzero(regimen == r)
        ward[mine] = _pick(rng, reg.wards, len(mine))
    for w, pool in staff.prescribers_by_ward.items():
        mine = np.flatnonzero(ward == w)
        prescriber[mine] = pool[rng.integers(0, len(pool), len(mine))]

    step = max(1, min(250, 89_000_000 // max(n, 1)))
    numbers = 10_000_000 + np.cumsum(rng.integers(1, step + 1, n))
    last = _pick(rng, LAST_NAMES, n)
    married = female & (age > 28) & (rng.random(n) < 0.45)
    birth_name = np.full(n, None, dtype=object)
    birth_name[married] = last[married]
    last[married] = _pick(rng, LAST_NAMES, int(married.sum()))
    same = married & (last == birth_name)
    birth_name[same] = None
    return Cohort(
        patient_id=("IPP" + pd.Series(numbers).astype(str)).to_numpy(object),
        regimen=regimen,
        female=female,
        age_years=age,
        birth_day=birth_day,
        height_cm=height,
        weight_kg=weight,
        creatinine=np.round(creat),
        ward=ward,
        prescriber=prescriber,
        last_name=last,
        first_name=_first_names(rng, female),
        birth_name=birth_name,
    )


def regimen_protocol(regimen: np.ndarray, cycle_no: np.ndarray) -> np.ndarray:
    """Protocol index of each prescription (trastuzumab's cycle 1 is its loading protocol)."""
    main = np.array([PROTOCOL_INDEX[r.protocol_id] for r in REGIMENS])[regimen]
    for r, reg in enumerate(REGIMENS):
        if reg.first_cycle_protocol:
            first = (regimen == r) & (cycle_no == 1)
            main[first] = PROTOCOL_INDEX[reg.first_cycle_protocol]
    return main


def patients_frame(c: Cohort, day0: np.datetime64, measured_day: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "patient_id": c.patient_id,
            "last_name": c.last_name,
            "first_name": c.first_name,
            "birth_name": c.birth_name,
            "sex": np.where(c.female, "F", "M"),
            "birth_date": day0 + c.birth_day,
            "height_cm": c.height_cm,
            "weight_kg": c.weight_kg,
            "measured_on": day0 + measured_day,
            "ward_id": c.ward,
        }
    )
