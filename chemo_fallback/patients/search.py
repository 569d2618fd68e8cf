"""The patient search service.

The reference database is read-only, and normalising 200 000 names on every keystroke costs
tens of milliseconds, so the first search after an activation copies the patients into a
lookup table of a private in-memory DuckDB (about 1 s for 200 000 patients): one row per
patient with the normalised names in one column (`names_key`, a space before every word, so a
word prefix is `contains(names_key, ' dup')`; the IPP is there too, so that "sec" finds
"SEC000001"), the IPP in upper case, without its leading letters (`ipp_digits`: "10002266" of
"IPP10002266", "000001" of "SEC000001") and both in one column (`ipp_keys`, a space before
each, so an IPP or its digits is one `contains(ipp_keys, ' 1000')`: an OR of two conditions
scans three times slower), and `rank`, the display order. A search then scans that table only (a few
milliseconds, see benchmarks/search_bench.py). The table is rebuilt when another activation
becomes active.

Patients created during the outage (`local_patients`, a few) are kept in a second table of the
same shape, `local_index`, rebuilt in a few milliseconds whenever their number changes (they
are never edited nor deleted), so a new patient is found by the very next search. Their `rank`
falls between those of the snapshot's patients around them, and the view `all_patients` puts
both together; while there is none, searches read `patient_index` alone as before.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import duckdb

from chemo_fallback.auth.roles import Permission, require
from chemo_fallback.patients.models import NO_SNAPSHOT, PatientHit, SearchOutcome
from chemo_fallback.patients.query import (
    SQL_SEARCH_KEY_MACRO,
    QueryProblem,
    parse_query,
    search_sql,
)
from chemo_fallback.store import Store

if TYPE_CHECKING:
    import pandas

DEFAULT_LIMIT = 50

SOURCE_SQL = """SELECT p.patient_id, p.last_name, p.first_name, p.birth_name, p.sex,
       p.birth_date, p.ward_id, w.name AS ward_name
FROM ref.patients p LEFT JOIN ref.wards w ON w.ward_id = p.ward_id"""
LOCAL_SOURCE_SQL = """SELECT l.patient_id, l.last_name, l.first_name, l.birth_name, l.sex,
       l.birth_date, l.ward_id, w.name AS ward_name
FROM local_patients l LEFT JOIN ref.wards w ON w.ward_id = l.ward_id"""
LOCAL_COUNT_SQL = "SELECT count(*) FROM local_patients"

# Compound names also in one word ("N'Diaye" is found by "ndiaye", "Le Goff" by "legoff").
JOINED_KEY_MACRO = """CREATE OR REPLACE MACRO joined_key(s) AS
    CASE WHEN contains(search_key(s), ' ') THEN replace(search_key(s), ' ', '') END"""

KEYS_SQL = """SELECT patient_id, last_name, first_name, nullif(birth_name, '') AS birth_name,
       sex, CAST(birth_date AS DATE) AS birth_date, ward_id, ward_name, '{source}' AS source,
       upper(patient_id) AS ipp_key,
       regexp_replace(upper(patient_id), '^[^0-9]+', '') AS ipp_digits,
       ' ' || upper(patient_id) || ' ' || regexp_replace(upper(patient_id), '^[^0-9]+', '')
           AS ipp_keys,
       search_key(last_name) AS last_key,
       search_key(first_name) AS first_key,
       coalesce(search_key(birth_name), '') AS birth_key,
       ' ' || concat_ws(' ', search_key(last_name), joined_key(last_name),
                        search_key(birth_name), joined_key(birth_name),
                        search_key(first_name), joined_key(first_name),
                        search_key(patient_id)) AS names_key
FROM {table}"""

BUILD_SQL = f"""CREATE TABLE patient_index AS
SELECT row_number() OVER (ORDER BY last_key, first_key, birth_date, patient_id)::INTEGER AS rank,
       *
FROM ({KEYS_SQL.format(source="snapshot", table="source")})
ORDER BY rank"""

# Typed, since pandas cannot tell the type of an empty or all-NULL column.
LOCAL_SOURCE_VIEW = """CREATE OR REPLACE TEMP VIEW local_source AS
SELECT CAST(patient_id AS VARCHAR) AS patient_id, CAST(last_name AS VARCHAR) AS last_name,
       CAST(first_name AS VARCHAR) AS first_name, CAST(birth_name AS VARCHAR) AS birth_name,
       CAST(sex AS VARCHAR) AS sex, CAST(birth_date AS DATE) AS birth_date,
       CAST(ward_id AS VARCHAR) AS ward_id, CAST(ward_name AS VARCHAR) AS ward_name
FROM local_rows"""
# Rank: the snapshot rank of the patient just before in alphabetical order (ASOF join), plus a
# fraction keeping several local patients between the same two in their own order.
LOCAL_BUILD_SQL = f"""CREATE OR REPLACE TABLE local_index AS
SELECT coalesce(s.rank, 0) + row_number() OVER (ORDER BY l.last_key, l.first_key, l.birth_date,
           l.patient_id) / (count(*) OVER () + 1) AS rank,
       l.*
FROM ({KEYS_SQL.format(source="local", table="local_source")}) l
ASOF LEFT JOIN patient_index s
    ON {{k: l.last_key, f: l.first_key, b: l.birth_date, i: l.patient_id}}
       >= {{k: s.last_key, f: s.first_key, b: s.birth_date, i: s.patient_id}}"""
ALL_PATIENTS_VIEW = """CREATE VIEW all_patients AS
SELECT * FROM patient_index UNION ALL BY NAME SELECT * FROM local_index"""


def _build(source: pandas.DataFrame, local: pandas.DataFrame) -> duckdb.DuckDBPyConnection:
    """A private in-memory database holding `patient_index` and `local_index`, made from the
    copied rows, and the view over both."""
    con = duckdb.connect(":memory:")
    con.execute(SQL_SEARCH_KEY_MACRO)
    con.execute(JOINED_KEY_MACRO)
    con.register("source", source)
    con.execute(BUILD_SQL)
    con.unregister("source")
    _build_local(con, local)
    con.execute(ALL_PATIENTS_VIEW)
    return con


def _build_local(con: duckdb.DuckDBPyConnection, local: pandas.DataFrame) -> None:
    """(Re)build `local_index` from the rows of LOCAL_SOURCE_SQL."""
    con.register("local_rows", local)
    con.execute(LOCAL_SOURCE_VIEW)
    con.execute(LOCAL_BUILD_SQL)
    con.execute("DROP VIEW local_source")
    con.unregister("local_rows")


@dataclass(frozen=True)
class _Index:
    activation_id: int
    con: duckdb.DuckDBPyConnection  # a private in-memory database holding `patient_index`
    local_count: int  # rows of `local_index`

    @property
    def table(self) -> str:
        return "all_patients" if self.local_count else "patient_index"


class PatientIndex:
    """The lookup table of one store, rebuilt when the active activation changes."""

    def __init__(self, store: Store) -> None:
        # Weak: `_indexes` below is keyed weakly by the store, which a strong reference from
        # its own value would keep alive for ever (with its DuckDB connections).
        self._store_ref = weakref.ref(store)
        self._lock = threading.Lock()
        self._index: _Index | None = None

    @property
    def _store(self) -> Store:
        store = self._store_ref()
        if store is None:
            raise duckdb.ConnectionException("the store was closed")
        return store

    def _current(self) -> _Index | None:
        store = self._store
        active = store.active_snapshot()
        if active is None:
            return None
        local_count = store.cursor().execute(LOCAL_COUNT_SQL).fetchone()[0]
        index = self._index
        if index is not None and (index.activation_id, index.local_count) == (
            active.activation_id,
            local_count,
        ):
            return index
        with self._lock:  # one build at a time; the others wait for it
            # The store's lock is held while `ref` is swapped or a patient created: the id,
            # the rows and the count read under it belong together.
            with store.lock:
                active = store.active_snapshot()
                if active is None:
                    return None
                cur = store.cursor()
                local = cur.execute(LOCAL_SOURCE_SQL).df()
                index = self._index
                if index is not None and (index.activation_id, index.local_count) == (
                    active.activation_id,
                    len(local),
                ):
                    return index
                same_snapshot = index is not None and index.activation_id == active.activation_id
                frame = None if same_snapshot else cur.execute(SOURCE_SQL).df()
            if same_snapshot:  # only the few local patients changed
                con = index.con
                _build_local(con, local)
            else:
                con = _build(frame, local)
            self._index = _Index(active.activation_id, con, len(local))
            return self._index

    def warm_up(self) -> None:
        """Build the lookup table now if needed (e.g. when the search page opens)."""
        self._current()

    def search(
        self, text: str | None, *, limit: int = DEFAULT_LIMIT, today: date | None = None
    ) -> SearchOutcome:
        parsed = parse_query(text, today or date.today())
        if isinstance(parsed, QueryProblem):
            return SearchOutcome(kind="invalid", message=parsed.message, limit=limit)
        try:
            index = self._current()
            if index is None:
                return SearchOutcome(kind="invalid", message=NO_SNAPSHOT, limit=limit)
            sql, params = search_sql(parsed, limit + 1, index.table)
            cur = index.con.cursor()
            try:
                rows = cur.execute(sql, params).fetchall()
            finally:
                cur.close()
        except duckdb.Error as exc:  # e.g. the snapshot being swapped at this very moment
            return SearchOutcome(
                kind="invalid",
                message=f"La recherche a échoué ({exc.__class__.__name__}) : réessayez.",
                limit=limit,
            )
        fields = PatientHit.model_fields
        hits = [PatientHit(**dict(zip(fields, row, strict=True))) for row in rows[:limit]]
        return _outcome(text or "", hits, more=len(rows) > limit, limit=limit)


def _outcome(text: str, hits: list[PatientHit], *, more: bool, limit: int) -> SearchOutcome:
    shown = text.strip()
    if not hits:
        return SearchOutcome(
            kind="none",
            message=f"Aucun patient ne correspond à « {shown} ». Vérifiez l'orthographe, "
            "essayez le nom de naissance ou la date de naissance seule.",
            limit=limit,
        )
    if more:
        return SearchOutcome(
            kind="more",
            hits=hits,
            limit=limit,
            message=f"Plus de {limit} patients correspondent : seuls les {limit} premiers sont "
            "affichés. Précisez la recherche (prénom, date de naissance, IPP).",
        )
    count = "1 patient trouvé." if len(hits) == 1 else f"{len(hits)} patients trouvés."
    return SearchOutcome(kind="found", hits=hits, limit=limit, message=count)


_indexes: weakref.WeakKeyDictionary[Store, PatientIndex] = weakref.WeakKeyDictionary()
_indexes_lock = threading.Lock()


def patient_index(store: Store) -> PatientIndex:
    """The one lookup table of this store (shared by every page and thread)."""
    with _indexes_lock:
        index = _indexes.get(store)
        if index is None:
            index = _indexes[store] = PatientIndex(store)
        return index


def search_patients(
    store: Store,
    role: str,
    text: str | None,
    *,
    limit: int = DEFAULT_LIMIT,
    today: date | None = None,
) -> SearchOutcome:
    """The use case: who may read patients searches by IPP, names and/or birth date."""
    require(role, Permission.PATIENT_READ)
    return patient_index(store).search(text, limit=limit, today=today)
