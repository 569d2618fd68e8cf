"""The synthetic snapshot generator: determinism, dialects, manifest, and conformance of every
value to the canonical tables (chemo_fallback.snapshot.tables)."""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from chemo_fallback.snapshot.generator import DEFAULT_EXPORTED_AT, generate_snapshot
from chemo_fallback.snapshot.manifest import Manifest, load_manifest
from chemo_fallback.snapshot.tables import FALSE_WORDS, TABLES, TABLES_BY_NAME, TRUE_WORDS, Table

EXPORTED_AT = datetime(2025, 3, 10, 14, 30, 0)  # not the default, to prove dates are relative


def _sql_list(words: tuple[str, ...]) -> str:
    return ", ".join("'" + w + "'" for w in words)


def _typed(col: str, kind: str, entry) -> str:
    """SQL turning one text column of a CSV into its canonical type (NULL when unreadable)."""
    c = f'"{col}"'
    if kind == "BIGINT":
        return f"TRY_CAST({c} AS BIGINT)"
    if kind == "DOUBLE":
        text = f"replace({c}, ',', '.')" if entry.decimal == "," else c
        return f"TRY_CAST({text} AS DOUBLE)"
    if kind == "DATE":
        return f"CAST(TRY_STRPTIME({c}, '{entry.date_format}') AS DATE)"
    if kind == "TIMESTAMP":
        return f"TRY_STRPTIME({c}, '{entry.timestamp_format}')"
    if kind == "BOOLEAN":
        return (f"CASE WHEN lower({c}) IN ({_sql_list(TRUE_WORDS)}) THEN true "
                f"WHEN lower({c}) IN ({_sql_list(FALSE_WORDS)}) THEN false END")
    return c


def load_snapshot(folder: Path) -> tuple[duckdb.DuckDBPyConnection, Manifest]:
    """Read every table back, typed as tables.py declares, into an in-memory DuckDB."""
    manifest = load_manifest(folder)
    con = duckdb.connect()
    for table in TABLES:
        entry = manifest.tables[table.name]
        path = folder / entry.file
        if entry.format == "parquet":
            con.execute(f"CREATE TABLE {table.name} AS SELECT * FROM read_parquet('{path}')")
            continue
        encoding = "cp1252" if entry.encoding == "windows-1252" else "utf-8"
        raw = pd.read_csv(path, sep=entry.delimiter, encoding=encoding, dtype=str,
                          keep_default_na=False, na_values=[""])
        assert tuple(raw.columns) == table.column_names
        raw = raw.astype(object).where(raw.notna(), None)
        con.register("raw", raw)
        casts = ", ".join(f"{_typed(c.name, c.type, entry)} AS \"{c.name}\""
                          for c in table.columns)
        unreadable = " OR ".join(f"(\"{c.name}\" IS NOT NULL AND {_typed(c.name, c.type, entry)}"
                                 " IS NULL)" for c in table.columns)
        bad = con.execute(f"SELECT count(*) FROM raw WHERE {unreadable}").fetchone()[0]
        assert bad == 0, f"{table.name}: {bad} values unreadable as their declared type"
        con.execute(f"CREATE TABLE {table.name} AS SELECT {casts} FROM raw")
        con.unregister("raw")
    return con, manifest


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    return con.execute(sql).fetchone()[0]


def conformance_problems(con: duckdb.DuckDBPyConnection, table: Table,
                         exported_at: datetime) -> list[str]:
    problems = []
    t = table.name
    day0 = exported_at.date().isoformat()
    for col in table.columns:
        c = f'"{col.name}"'
        checks = {}
        if col.required:
            checks["NULL in a required column"] = f"{c} IS NULL"
        if col.minimum is not None:
            checks["below minimum"] = f"{c} < {col.minimum}"
        if col.maximum is not None:
            checks["above maximum"] = f"{c} > {col.maximum}"
        if col.choices:
            checks["not a choice"] = f"{c} NOT IN ({_sql_list(col.choices)})"
        if col.pattern:
            checks["pattern"] = f"NOT regexp_full_match({c}, '{col.pattern}')"
        if col.earliest:
            checks["too early"] = f"CAST({c} AS DATE) < DATE '{col.earliest}'"
        if col.days_after_export is not None:
            checks["too late"] = (f"CAST({c} AS DATE) > DATE '{day0}' + "
                                  f"INTERVAL {col.days_after_export} DAY")
        if col.type == "VARCHAR":
            checks["empty text"] = f"{c} = ''"
        for what, bad in checks.items():
            n = _count(con, f"SELECT count(*) FROM {t} WHERE {bad}")
            if n:
                problems.append(f"{t}.{col.name}: {n} rows {what}")
    for cols in (table.key, *table.unique):
        names = ", ".join(f'"{c}"' for c in cols)
        dupes = _count(con, f"SELECT count(*) FROM (SELECT {names} FROM {t} "
                            f"GROUP BY ALL HAVING count(*) > 1)")
        if dupes:
            problems.append(f"{t}: {dupes} duplicate values of {cols}")
    for ref in table.references:
        on = " AND ".join(f'p."{pc}" = c."{cc}"'
                          for cc, pc in zip(ref.columns, ref.parent_columns, strict=True))
        present = " AND ".join(f'c."{cc}" IS NOT NULL' for cc in ref.columns)
        orphans = _count(con, f"SELECT count(*) FROM {t} c WHERE {present} AND NOT EXISTS "
                              f"(SELECT 1 FROM {ref.parent} p WHERE {on})")
        if orphans:
            problems.append(f"{t}: {orphans} rows whose {ref.columns} miss in {ref.parent}")
    for rule in table.rules:
        n = _count(con, f"SELECT count(*) FROM {t} WHERE {rule.bad_when}")
        if n:
            problems.append(f"{t}: {n} rows break the rule « {rule.reason} »")
    if table.must_not_be_empty and not _count(con, f"SELECT count(*) FROM {t}"):
        problems.append(f"{t}: empty")
    return problems


@pytest.fixture(scope="module")
def csv_snapshot(tmp_path_factory) -> tuple[Path, duckdb.DuckDBPyConnection, Manifest]:
    folder = tmp_path_factory.mktemp("csv")
    generate_snapshot(folder, 300, 7, exported_at=EXPORTED_AT)
    con, manifest = load_snapshot(folder)
    return folder, con, manifest


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("dialect", ["csv", "csv-fr", "parquet", "xlsx"])
def test_same_arguments_give_byte_identical_files(tmp_path, dialect):
    generate_snapshot(tmp_path / "a", 60, 3, dialect=dialect)
    generate_snapshot(tmp_path / "b", 60, 3, dialect=dialect)
    first = _digests(tmp_path / "a")
    assert first == _digests(tmp_path / "b")
    assert len(first) == len(TABLES) + 1


def test_another_seed_gives_other_patients(tmp_path):
    one = generate_snapshot(tmp_path / "a", 60, 3)
    two = generate_snapshot(tmp_path / "b", 60, 4)
    assert one.tables["patients"].sha256 != two.tables["patients"].sha256
    assert one.tables["drugs"].sha256 == two.tables["drugs"].sha256  # the thesaurus is stable


def test_default_export_date_is_fixed(tmp_path):
    manifest = generate_snapshot(tmp_path, 20, 1)
    assert manifest.exported_at == DEFAULT_EXPORTED_AT == datetime(2026, 11, 23, 2, 0)


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_every_value_conforms_to_the_canonical_tables(csv_snapshot, table):
    _, con, _ = csv_snapshot
    assert conformance_problems(con, table, EXPORTED_AT) == []


def test_manifest_describes_the_files(csv_snapshot):
    folder, con, manifest = csv_snapshot
    assert manifest.demo is True
    assert manifest.source.system == "Chimio (synthétique)"
    assert manifest.exported_at == EXPORTED_AT
    assert set(manifest.tables) == set(TABLES_BY_NAME)
    for name, entry in manifest.tables.items():
        assert entry.file == f"{name}.csv"
        assert entry.sha256 == hashlib.sha256((folder / entry.file).read_bytes()).hexdigest()
        assert entry.rows == _count(con, f"SELECT count(*) FROM {name}")
        assert (entry.encoding, entry.delimiter, entry.decimal) == ("utf-8", ",", ".")


def test_csv_fr_is_a_french_export_holding_the_same_data(tmp_path, csv_snapshot):
    generate_snapshot(tmp_path, 300, 7, exported_at=EXPORTED_AT, dialect="csv-fr")
    manifest = load_manifest(tmp_path)
    entry = manifest.tables["preparations"]
    assert (entry.encoding, entry.delimiter, entry.decimal) == ("windows-1252", ";", ",")
    assert entry.date_format == "%d/%m/%Y"
    raw = (tmp_path / "patients.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # accents are single windows-1252 bytes
    text = raw.decode("cp1252")
    assert text.startswith("patient_id;last_name;first_name;")
    assert re.search(r";\d{2}/\d{2}/\d{4};\d{2,3},\d;", text)  # a birth date, then a height
    assert b"\r\n" not in raw
    fr, _ = load_snapshot(tmp_path)
    _, con, _ = csv_snapshot
    for table in TABLES:
        assert fr.execute(f"SELECT * FROM {table.name}").fetchall() == \
            con.execute(f"SELECT * FROM {table.name}").fetchall(), table.name


def test_parquet_holds_native_types_and_the_same_data(tmp_path, csv_snapshot):
    generate_snapshot(tmp_path, 300, 7, exported_at=EXPORTED_AT, dialect="parquet")
    pq, manifest = load_snapshot(tmp_path)
    assert manifest.tables["patients"].format == "parquet"
    _, con, _ = csv_snapshot
    for table in TABLES:
        types = dict(pq.execute(f"SELECT column_name, data_type FROM information_schema.columns"
                                f" WHERE table_name = '{table.name}'").fetchall())
        assert types == {c.name: c.type for c in table.columns}
        assert pq.execute(f"SELECT * FROM {table.name}").fetchall() == \
            con.execute(f"SELECT * FROM {table.name}").fetchall(), table.name


def test_xlsx_workbooks_are_readable_with_real_dates(tmp_path):
    manifest = generate_snapshot(tmp_path, 40, 2, dialect="xlsx")
    for table in TABLES:
        entry = manifest.tables[table.name]
        assert (entry.format, entry.sheet) == ("xlsx", table.name)
        rows = CalamineWorkbook.from_path(tmp_path / entry.file).get_sheet_by_index(0).to_python()
        assert tuple(rows[0]) == table.column_names
        assert len(rows) - 1 == entry.rows
    rows = CalamineWorkbook.from_path(tmp_path / "prescriptions.xlsx") \
        .get_sheet_by_index(0).to_python()
    header = rows[0]
    first = dict(zip(header, rows[1], strict=True))
    assert type(first["cycle_start_date"]) is date
    assert isinstance(first["prescribed_at"], datetime)
    products = CalamineWorkbook.from_path(tmp_path / "products.xlsx") \
        .get_sheet_by_index(0).to_python()
    assert {r[products[0].index("liste_en_sus")] for r in products[1:]} == {"O", "N"}


def test_histories_surround_the_export_date(csv_snapshot):
    _, con, _ = csv_snapshot
    day0, now = EXPORTED_AT.date(), EXPORTED_AT

    def count(sql: str, *params) -> int:
        return con.execute(sql, list(params)).fetchone()[0]

    assert count("SELECT count(*) FROM prescription_lines WHERE planned_date = ?", day0) > 0
    assert count("SELECT count(*) FROM prescriptions WHERE status = 'planned' "
                 "AND cycle_start_date > ?", day0 + timedelta(days=2)) > 0
    assert count("SELECT count(*) FROM prescriptions WHERE status = 'administered'") > 0
    assert count("SELECT count(DISTINCT patient_id) FROM lab_results WHERE sampled_at "
                 "BETWEEN ? AND ?", now - timedelta(days=3), now) > 0
    for sql in ("SELECT count(*) FROM preparations WHERE prepared_at > ?",
                "SELECT count(*) FROM lab_results WHERE sampled_at > ?",
                "SELECT count(*) FROM prescriptions WHERE prescribed_at > ?"):
        assert count(sql, now) == 0, sql  # nothing recorded after the export
    assert count("SELECT count(*) FROM prescription_lines WHERE status IN "
                 "('administered', 'prepared') AND planned_date > ?", day0) == 0


def test_register_numbers_follow_preparation_time_without_gaps(csv_snapshot):
    _, con, _ = csv_snapshot
    numbers, times = zip(*con.execute(
        "SELECT register_no, prepared_at FROM preparations ORDER BY register_no").fetchall(),
        strict=True)
    assert list(numbers) == list(range(numbers[0], numbers[0] + len(numbers)))
    assert list(times) == sorted(times)


def test_only_compounded_lines_have_a_preparation(csv_snapshot):
    _, con, _ = csv_snapshot
    assert _count(con, "SELECT count(*) FROM preparations p JOIN prescription_lines l "
                       "USING (line_id) WHERE l.route = 'PO' OR l.status IN "
                       "('planned', 'validated')") == 0
    assert _count(con, "SELECT count(*) FROM prescription_lines l WHERE l.drug_id = "
                       "'PREDNISONE'") > 0
    assert _count(con, "SELECT count(*) FROM preparations p JOIN products d USING "
                       "(product_id) JOIN prescription_lines l USING (line_id) "
                       "WHERE d.drug_id <> l.drug_id") == 0


def test_doses_follow_the_protocol(csv_snapshot):
    _, con, _ = csv_snapshot
    rows = con.execute("""
        SELECT l.dose, pl.dose * p.bsa_m2
        FROM prescription_lines l JOIN prescriptions p USING (prescription_id)
        JOIN protocols pr USING (protocol_id)
        JOIN protocol_lines pl ON pl.protocol_id = p.protocol_id AND pl.line_no = l.protocol_line_no
        WHERE pl.dose_basis = 'mg/m2' AND l.modification_pct IS NULL
          AND pr.bsa_cap_m2 IS NULL AND pl.max_dose IS NULL""").fetchall()
    assert rows
    assert all(abs(dose - expected) <= 0.006 * expected for dose, expected in rows)
    assert _count(con, "SELECT count(*) FROM prescription_lines WHERE drug_id = 'VINCRISTINE' "
                       "AND dose > 2") == 0
    assert _count(con, "SELECT count(*) FROM prescription_lines WHERE modification_pct "
                       "IS NOT NULL AND modification_reason IS NULL") == 0


def test_reference_codes_are_valid_french_gs1_codes(csv_snapshot):
    _, con, _ = csv_snapshot

    def valid(code: str) -> bool:
        digits = [int(d) for d in code]
        total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits[:-1])))
        return (10 - total % 10) % 10 == digits[-1]

    for gtin, ucd, cip in con.execute("SELECT gtin, ucd13, cip13 FROM products").fetchall():
        assert gtin == "0" + cip and cip.startswith("3400") and ucd.startswith("34008")
        assert valid(gtin) and valid(ucd) and valid(cip)
    assert _count(con, "SELECT count(DISTINCT protocol_id) FROM protocols") == 15
    assert _count(con, "SELECT count(*) FROM (SELECT product_id FROM supplier_products "
                       "WHERE preferred GROUP BY 1 HAVING count(*) = 1)") == \
        _count(con, "SELECT count(*) FROM products")


@pytest.mark.parametrize(("patients", "dialect"), [(0, "csv"), (10, "json")])
def test_bad_arguments_are_refused(tmp_path, patients, dialect):
    with pytest.raises(ValueError):
        generate_snapshot(tmp_path, patients, 1, dialect=dialect)
