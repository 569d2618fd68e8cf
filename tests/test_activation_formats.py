"""Every table read in every format, the site mapping file, and demo re-anchoring."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from factory import ROWS, edit_manifest, rewrite_table, write_snapshot

from chemo_fallback.snapshot.activation import activate_snapshot
from chemo_fallback.snapshot.tables import TABLES


@pytest.mark.parametrize("fmt", ["csv", "csv-fr", "parquet", "xlsx"])
def test_every_table_loads_in_every_format(tmp_path: Path, store, fmt: str) -> None:
    folder = write_snapshot(tmp_path / fmt, fmt)
    report = activate_snapshot(store, folder)
    assert report.status == "activated", report.errors
    cur = store.cursor()
    for table in TABLES:
        count = cur.execute(f"SELECT count(*) FROM ref.{table.name}").fetchone()[0]
        assert count == len(ROWS[table.name]), table.name
        entry = next(t for t in report.tables if t.table == table.name)
        assert (entry.rows_declared, entry.rows_loaded, entry.rows_rejected) == (count, count, 0)
    patient = cur.execute(
        "SELECT last_name, first_name, weight_kg, height_cm, birth_date, sex "
        "FROM ref.patients WHERE patient_id = 'IPP00000001'"
    ).fetchone()
    assert patient == ("Dupont", "Hélène", 62.5, 165.0, date(1958, 3, 14), "F")
    lab = cur.execute("SELECT value, sampled_at FROM ref.lab_results WHERE lab_id = 'LAB1'")
    assert lab.fetchone() == (2.1, datetime(2026, 11, 19, 7, 30))
    flags = cur.execute("SELECT drug_id, protect_from_light FROM ref.drugs ORDER BY drug_id")
    assert flags.fetchall() == [("DOXO", True), ("OXALI", False)]
    assert cur.execute("SELECT bsa_cap_m2 FROM ref.protocols").fetchone() == (None,)


def test_utf8_with_byte_order_mark(tmp_path: Path, store) -> None:
    folder = write_snapshot(tmp_path / "bom")
    content = (folder / "patients.csv").read_bytes()
    rewrite_table(folder, "patients", b"\xef\xbb\xbf" + content)
    assert activate_snapshot(store, folder).status == "activated"


def test_windows_1252_is_detected_when_encoding_not_declared(tmp_path: Path, store) -> None:
    folder = write_snapshot(tmp_path / "fr", "csv-fr")
    edit_manifest(folder, lambda m: m["tables"]["patients"].pop("encoding"))
    report = activate_snapshot(store, folder)
    assert report.status == "activated"
    patients = next(t for t in report.tables if t.table == "patients")
    assert "encodage détecté : windows-1252" in patients.warnings
    name = store.cursor().execute(
        "SELECT first_name FROM ref.patients WHERE patient_id = 'IPP00000002'"
    ).fetchone()
    assert name == ("François",)


def test_delimiter_is_sniffed_when_not_declared(tmp_path: Path, store) -> None:
    folder = write_snapshot(tmp_path / "fr", "csv-fr")
    edit_manifest(folder, lambda m: [t.pop("delimiter") for t in m["tables"].values()])
    assert activate_snapshot(store, folder).status == "activated"


SITE_MAPPING = """
# Site export: French table and column names, INSEE sex codes, its own role codes.
[defaults]
decimal = "."

[tables.patients]
source = "PATIENT"
delimiter = ";"
[tables.patients.columns]
patient_id = "IPP"
last_name = "NOM_USUEL"
first_name = "PRENOM"
sex = "SEXE"
birth_date = "DATE_NAISSANCE"
[tables.patients.values.sex]
"1" = "M"
"2" = "F"

[tables.staff]
delimiter = ";"
[tables.staff.values.role]
MED = "prescriber"
PHA = "pharmacist"
PPH = "preparer"
"""


def test_site_mapping_file_maps_tables_columns_and_codes(tmp_path: Path, store) -> None:
    folder = write_snapshot(tmp_path / "site")
    for table in ("patients", "staff"):
        text = (folder / f"{table}.csv").read_text(encoding="utf-8").replace(",", ";")
        if table == "patients":
            header, *lines = text.splitlines()
            header = header.replace("patient_id", "IPP").replace("last_name", "NOM_USUEL")
            header = header.replace("first_name", "PRENOM").replace("sex;", "SEXE;")
            header = header.replace("birth_date", "DATE_NAISSANCE")
            lines = [ln.replace(";F;", ";2;").replace(";M;", ";1;") for ln in lines]
            text = "\n".join([header, *lines]) + "\n"
        else:
            codes = (("prescriber", "MED"), ("pharmacist", "PHA"), ("preparer", "PPH"))
            for ours, theirs in codes:
                text = text.replace(f";{ours};", f";{theirs};")
        rewrite_table(folder, table, text.encode("utf-8"))
    edit_manifest(folder, lambda m: m["tables"].update(PATIENT=m["tables"].pop("patients")))
    (folder / "mapping.toml").write_text(SITE_MAPPING, encoding="utf-8")

    report = activate_snapshot(store, folder)

    assert report.status == "activated", report.errors
    cur = store.cursor()
    assert cur.execute(
        "SELECT patient_id, sex FROM ref.patients ORDER BY patient_id"
    ).fetchall() == [("IPP00000001", "F"), ("IPP00000002", "M"), ("IPP00000003", "F")]
    roles = cur.execute("SELECT role FROM ref.staff ORDER BY staff_id").fetchall()
    assert roles == [("prescriber",), ("pharmacist",), ("preparer",)]


def test_mapping_file_given_on_the_command_line_and_unknown_names_refused(
    tmp_path: Path, store
) -> None:
    folder = write_snapshot(tmp_path / "snap")
    bad = tmp_path / "bad.toml"
    bad.write_text('[tables.patients.columns]\nweight = "POIDS"\n', encoding="utf-8")
    report = activate_snapshot(store, folder, mapping_path=bad)
    assert report.status == "refused"
    assert "colonne inconnue « weight »" in report.errors[0]


def test_demo_snapshot_is_reanchored_to_the_given_day(tmp_path: Path, store) -> None:
    folder = write_snapshot(tmp_path / "demo")
    edit_manifest(folder, lambda m: m.update(demo=True))
    report = activate_snapshot(store, folder, reanchor_to=date.today())
    assert report.shift_days == (date.today() - date(2026, 11, 20)).days
    assert report.exported_at.date() == date.today()
    assert not any("L'instantané date du" in w for w in report.warnings)
    report = activate_snapshot(store, folder, reanchor_to=date(2027, 1, 10))
    assert report.status == "activated"
    assert report.shift_days == 51
    assert report.exported_at == datetime(2027, 1, 10, 2, 0)
    planned = store.cursor().execute(
        "SELECT planned_date FROM ref.prescription_lines WHERE line_id = 'RX2-2'"
    ).fetchone()
    assert planned == (date(2027, 1, 13),)  # 23/11/2026 + 51 days
    assert store.active_snapshot().shift_days == 51


def test_a_real_snapshot_is_never_reanchored(tmp_path: Path, store) -> None:
    report = activate_snapshot(store, write_snapshot(tmp_path / "s"), reanchor_to=date.today())
    assert report.status == "refused"
    assert "réservé aux instantanés de démonstration" in report.errors[0]


@pytest.mark.parametrize("dialect", ["csv", "csv-fr", "parquet", "xlsx"])
def test_generated_snapshots_activate_without_reject(tmp_path: Path, store, dialect: str) -> None:
    from chemo_fallback.snapshot.generator import generate_snapshot

    manifest = generate_snapshot(tmp_path / dialect, 80, 7, dialect=dialect)
    report = activate_snapshot(store, tmp_path / dialect)
    assert report.status == "activated", report.errors
    assert report.rows_rejected == 0
    for entry in report.tables:
        assert entry.rows_loaded == manifest.tables[entry.table].rows, entry.table
