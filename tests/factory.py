"""A tiny valid snapshot, written in any supported format, that tests then break on purpose."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

import duckdb
import xlsxwriter

EXPORTED_AT = "2026-11-20T02:00:00"

ROWS: dict[str, list[dict]] = {
    "wards": [
        {"ward_id": "HDJ-ONCO", "name": "HDJ Oncologie médicale", "kind": "hôpital de jour"},
        {"ward_id": "HEMATO", "name": "Hématologie clinique", "kind": "hospitalisation"},
    ],
    "staff": [
        {
            "staff_id": "MED1",
            "last_name": "Lefèvre",
            "first_name": "Anne",
            "role": "prescriber",
            "rpps": "10001234567",
            "ward_id": "HDJ-ONCO",
        },
        {"staff_id": "PHA1", "last_name": "Garnier", "first_name": "Paul", "role": "pharmacist"},
        {"staff_id": "PPH1", "last_name": "Roux", "first_name": "Léa", "role": "preparer"},
    ],
    "patients": [
        {
            "patient_id": "IPP00000001",
            "last_name": "Dupont",
            "first_name": "Hélène",
            "birth_name": "Martin",
            "sex": "F",
            "birth_date": "1958-03-14",
            "height_cm": 165,
            "weight_kg": 62.5,
            "measured_on": "2026-11-18",
            "ward_id": "HDJ-ONCO",
        },
        {
            "patient_id": "IPP00000002",
            "last_name": "Moreau",
            "first_name": "François",
            "sex": "M",
            "birth_date": "1949-07-02",
            "height_cm": 178,
            "weight_kg": 81.0,
            "measured_on": "2026-11-10",
            "ward_id": "HDJ-ONCO",
        },
        {
            "patient_id": "IPP00000003",
            "last_name": "Bézier",
            "first_name": "Zoé",
            "sex": "F",
            "birth_date": "1970-12-30",
            "height_cm": 158,
            "weight_kg": 55.2,
            "measured_on": "2026-11-19",
            "ward_id": "HEMATO",
        },
    ],
    "drugs": [
        {
            "drug_id": "OXALI",
            "inn": "oxaliplatine",
            "dose_unit": "mg",
            "diluents": "G5",
            "final_conc_min": 0.2,
            "final_conc_max": 0.7,
            "stability_hours": 48,
            "storage": "2-8",
            "protect_from_light": "N",
            "containers": "poche",
            "routes": "IV",
            "intrathecal_capable": "N",
        },
        {
            "drug_id": "DOXO",
            "inn": "doxorubicine",
            "dose_unit": "mg",
            "cumulative_limit": 450,
            "cumulative_limit_unit": "mg/m2",
            "diluents": "NACL09|G5",
            "storage": "2-8",
            "protect_from_light": "O",
            "containers": "seringue|poche",
            "routes": "IV",
        },
    ],
    "products": [
        {
            "product_id": "OXALI100",
            "drug_id": "OXALI",
            "name": "Oxaliplatine 5 mg/mL 100 mg/20 mL",
            "form": "solution",
            "vial_content": 100,
            "vial_volume_ml": 20,
            "concentration": 5,
            "density_g_ml": 1.0,
            "in_use_stability_hours": 24,
            "storage": "15-25",
            "gtin": "03400930000000",
            "ucd13": "3400890000001",
            "liste_en_sus": "N",
        },
        {
            "product_id": "DOXO50",
            "drug_id": "DOXO",
            "name": "Doxorubicine 2 mg/mL 50 mg/25 mL",
            "form": "solution",
            "vial_content": 50,
            "vial_volume_ml": 25,
            "concentration": 2,
            "density_g_ml": 1.0,
            "storage": "2-8",
            "protect_from_light": "O",
            "liste_en_sus": "N",
        },
    ],
    "protocols": [
        {
            "protocol_id": "MFOLFOX6",
            "name": "mFOLFOX6",
            "cycle_length_days": 14,
            "cycles_planned": 12,
            "bsa_formula": "mosteller",
            "anc_min_g_l": 1.5,
            "platelets_min_g_l": 100,
            "active": "O",
        },
    ],
    "protocol_lines": [
        {
            "protocol_id": "MFOLFOX6",
            "line_no": 1,
            "line_kind": "hydration",
            "label": "NaCl 0,9 %",
            "dose": 250,
            "dose_basis": "mg",
            "days": "1",
            "route": "IV",
            "duration_min": 30,
        },
        {
            "protocol_id": "MFOLFOX6",
            "line_no": 2,
            "line_kind": "chemotherapy",
            "drug_id": "OXALI",
            "dose": 85,
            "dose_basis": "mg/m2",
            "days": "1",
            "route": "IV",
            "duration_min": 120,
            "diluent": "G5",
            "volume_ml": 250,
            "container": "poche",
        },
    ],
    "prescriptions": [
        {
            "prescription_id": "RX1",
            "patient_id": "IPP00000001",
            "protocol_id": "MFOLFOX6",
            "cycle_no": 2,
            "cycle_start_date": "2026-11-09",
            "prescriber_id": "MED1",
            "ward_id": "HDJ-ONCO",
            "status": "administered",
            "height_cm": 165,
            "weight_kg": 62.5,
            "bsa_m2": 1.69,
            "prescribed_at": "2026-11-06 10:15:00",
        },
        {
            "prescription_id": "RX2",
            "patient_id": "IPP00000001",
            "protocol_id": "MFOLFOX6",
            "cycle_no": 3,
            "cycle_start_date": "2026-11-23",
            "prescriber_id": "MED1",
            "ward_id": "HDJ-ONCO",
            "status": "planned",
            "height_cm": 165,
            "weight_kg": 62.5,
            "bsa_m2": 1.69,
            "prescribed_at": "2026-11-19 16:40:00",
        },
    ],
    "prescription_lines": [
        {
            "line_id": "RX1-2",
            "prescription_id": "RX1",
            "protocol_line_no": 2,
            "drug_id": "OXALI",
            "day_no": 1,
            "planned_date": "2026-11-09",
            "dose": 143.6,
            "dose_unit": "mg",
            "route": "IV",
            "status": "administered",
        },
        {
            "line_id": "RX2-2",
            "prescription_id": "RX2",
            "protocol_line_no": 2,
            "drug_id": "OXALI",
            "day_no": 1,
            "planned_date": "2026-11-23",
            "dose": 143.6,
            "dose_unit": "mg",
            "route": "IV",
            "status": "planned",
        },
    ],
    "preparations": [
        {
            "preparation_id": "PREP1",
            "line_id": "RX1-2",
            "register_no": 250001,
            "prepared_at": "2026-11-09 08:40:00",
            "dose": 143.6,
            "product_id": "OXALI100",
            "lot": "A123",
            "operator_id": "PPH1",
            "controller_id": "PHA1",
            "status": "administered",
            "expires_at": "2026-11-11 08:40:00",
        },
    ],
    "lab_results": [
        {
            "lab_id": "LAB1",
            "patient_id": "IPP00000001",
            "test_code": "PNN",
            "value": 2.1,
            "unit": "G/L",
            "sampled_at": "2026-11-19 07:30:00",
        },
        {
            "lab_id": "LAB2",
            "patient_id": "IPP00000001",
            "test_code": "PLQ",
            "value": 180,
            "unit": "G/L",
            "sampled_at": "2026-11-19 07:30:00",
        },
    ],
    "stock_lots": [
        {"product_id": "OXALI100", "lot": "A123", "expiry_date": "2027-06-30", "quantity": 40},
    ],
    "suppliers": [
        {"supplier_id": "SUP1", "name": "Laboratoire Exemple", "email": "commandes@exemple.fr"},
    ],
    "supplier_products": [
        {
            "supplier_id": "SUP1",
            "product_id": "OXALI100",
            "pack_size": 1,
            "unit_price": 12.5,
            "lead_time_days": 2,
            "formulary": "O",
            "preferred": "O",
        },
    ],
}

DATE_COLUMNS = {"birth_date", "measured_on", "cycle_start_date", "planned_date", "expiry_date"}
TIMESTAMP_COLUMNS = {"prescribed_at", "prepared_at", "expires_at", "sampled_at"}


def columns_of(table: str) -> list[str]:
    from chemo_fallback.snapshot.tables import TABLES_BY_NAME

    return list(TABLES_BY_NAME[table].column_names)


def _text(column: str, value, french: bool) -> str:
    if value is None:
        return ""
    if french and column in DATE_COLUMNS:
        y, m, d = str(value).split("-")
        return f"{d}/{m}/{y}"
    if french and column in TIMESTAMP_COLUMNS:
        day, clock = str(value).split(" ")
        y, m, d = day.split("-")
        return f"{d}/{m}/{y} {clock}"
    if french and isinstance(value, float):
        return str(value).replace(".", ",")
    return str(value)


def csv_text(table: str, rows: list[dict], french: bool = False) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if french else ",", lineterminator="\n")
    cols = columns_of(table)
    writer.writerow(cols)
    for row in rows:
        writer.writerow([_text(c, row.get(c), french) for c in cols])
    return out.getvalue()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_snapshot(folder: Path, fmt: str = "csv", rows: dict | None = None) -> Path:
    """Write a valid snapshot: fmt is csv, csv-fr (cp1252, ';', decimal comma, French
    dates), parquet or xlsx."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = rows or ROWS
    tables = {}
    for table, table_rows in rows.items():
        if fmt in ("csv", "csv-fr"):
            path = folder / f"{table}.csv"
            encoding = "windows-1252" if fmt == "csv-fr" else "utf-8"
            path.write_bytes(csv_text(table, table_rows, fmt == "csv-fr").encode(encoding))
        elif fmt == "parquet":
            path = folder / f"{table}.parquet"
            tmp = folder / f"{table}.tmp.csv"
            tmp.write_text(csv_text(table, table_rows), encoding="utf-8")
            with duckdb.connect() as con:
                con.execute(
                    f"COPY (SELECT * FROM read_csv('{tmp}', all_varchar=true)) "
                    f"TO '{path}' (FORMAT parquet)"
                )
            tmp.unlink()
        else:
            path = folder / f"{table}.xlsx"
            book = xlsxwriter.Workbook(str(path))
            sheet = book.add_worksheet("export")
            cols = columns_of(table)
            sheet.write_row(0, 0, cols)
            for i, row in enumerate(table_rows, 1):
                sheet.write_row(i, 0, [row.get(c) for c in cols])
            book.close()
        tables[table] = {"file": path.name, "rows": len(table_rows), "sha256": sha256(path)}
        if fmt == "csv-fr":
            tables[table].update(
                encoding="windows-1252",
                delimiter=";",
                decimal=",",
                date_format="%d/%m/%Y",
                timestamp_format="%d/%m/%Y %H:%M:%S",
            )
    manifest = {
        "format_version": 1,
        "source": {"system": "Chimio", "version": "5.9"},
        "site": {"name": "CH de test"},
        "exported_at": EXPORTED_AT,
        "tables": tables,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return folder


def rewrite_table(folder: Path, table: str, content: bytes, rows: int | None = None) -> None:
    """Replace a table's file bytes and update its checksum (and row count if given)."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    entry = manifest["tables"][table]
    (folder / entry["file"]).write_bytes(content)
    entry["sha256"] = hashlib.sha256(content).hexdigest()
    if rows is not None:
        entry["rows"] = rows
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")


def edit_manifest(folder: Path, edit) -> None:
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    edit(manifest)
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
