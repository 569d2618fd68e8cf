"""Who a patient is, whether in the snapshot or created in the fallback during the outage.

Other modules (prescription, validation…) call `find_identity` rather than reading
`ref.patients`, so patients created during the outage are found everywhere.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date

import duckdb

from chemo_fallback.patients.models import PatientIdentity
from chemo_fallback.store import Store
from chemo_fallback.store.database import REFERENCE_CATALOG

COLUMNS = "patient_id, last_name, first_name, birth_name, sex, birth_date, ward_id, ward_name"

SNAPSHOT_SQL = """SELECT p.patient_id, p.last_name, p.first_name, nullif(p.birth_name, ''), p.sex,
       p.birth_date, p.ward_id, w.name
FROM ref.patients p LEFT JOIN ref.wards w ON w.ward_id = p.ward_id
WHERE p.patient_id = ?"""

# Ward names come from the snapshot when one is attached (a local patient's ward is one of
# its wards); without a snapshot the code alone is shown.
LOCAL_SQL = """SELECT l.patient_id, l.last_name, l.first_name, l.birth_name, l.sex, l.birth_date,
       l.ward_id, {ward_name}
FROM local_patients l {join}
WHERE l.patient_id = ?"""


def has_snapshot(cur: duckdb.DuckDBPyConnection) -> bool:
    """True when the active snapshot is attached (the `ref` catalog exists)."""
    row = cur.execute(
        "SELECT count(*) FROM duckdb_databases() WHERE database_name = ?", [REFERENCE_CATALOG]
    ).fetchone()
    return bool(row and row[0])


def local_sql(with_snapshot: bool) -> str:
    if with_snapshot:
        return LOCAL_SQL.format(
            ward_name="w.name", join="LEFT JOIN ref.wards w ON w.ward_id = l.ward_id"
        )
    return LOCAL_SQL.format(ward_name="NULL", join="")


@contextmanager
def reading(cur_or_store: duckdb.DuckDBPyConnection | Store):
    """A cursor: the caller's (e.g. inside its transaction), or a new one of the store."""
    if isinstance(cur_or_store, Store):
        cur = cur_or_store.cursor()
        try:
            yield cur
        finally:
            cur.close()
    else:
        yield cur_or_store


def age_years(birth_date: date, on: date) -> int:
    before_birthday = (on.month, on.day) < (birth_date.month, birth_date.day)
    return on.year - birth_date.year - before_birthday


def identity_from_row(row: tuple, today: date, source: str) -> PatientIdentity:
    values = dict(zip(COLUMNS.split(", "), row, strict=True))
    return PatientIdentity(
        **values, age_years=age_years(values["birth_date"], today), source=source
    )


def find_identity(
    cur_or_store: duckdb.DuckDBPyConnection | Store, patient_id: str, today: date | None = None
) -> PatientIdentity | None:
    """The patient with this IPP: from the active snapshot, else among the patients created
    during the outage (`source` says which); None when neither knows it. `today` is the day
    the age refers to (default: today)."""
    today = today or date.today()
    with reading(cur_or_store) as cur:
        snapshot = has_snapshot(cur)
        if snapshot:
            row = cur.execute(SNAPSHOT_SQL, [patient_id]).fetchone()
            if row is not None:
                return identity_from_row(row, today, "snapshot")
        row = cur.execute(local_sql(snapshot), [patient_id]).fetchone()
        return identity_from_row(row, today, "local") if row is not None else None
