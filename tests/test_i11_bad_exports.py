"""Issue 11, bad exports: a damaged archive, a workbook whose grid is absurdly large and a
manifest naming a table twice are refused in French, recorded as refused activations, and the
previous snapshot stays in use."""

from __future__ import annotations

import json
import unicodedata
import zipfile
from pathlib import Path

import duckdb
import pytest
import xlsxwriter
from factory import ROWS, columns_of, edit_manifest, rewrite_table, write_snapshot

from chemo_fallback.snapshot.activation import activate_snapshot
from chemo_fallback.snapshot.source import Limits


def _refused_and_kept(store, previous: str, report) -> str:
    assert report.status == "refused"
    assert store.active_snapshot().snapshot_id == previous
    last = store.activations(1)[0]
    assert last[1] == "refused"
    assert json.loads(last[5])["errors"] == report.errors
    return " ".join(report.errors)


def _zip(folder: Path, target: Path, stored: bool = False) -> Path:
    method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(target, "w", compression=method) as zf:
        for path in sorted(folder.iterdir()):
            zf.write(path, f"export/{path.name}")
    return target


def test_a_flipped_byte_in_the_archive_is_a_french_refusal(store, previous, tmp_path) -> None:
    archive = _zip(write_snapshot(tmp_path / "snap"), tmp_path / "export.zip")
    data = bytearray(archive.read_bytes())
    with zipfile.ZipFile(archive) as zf:
        info = zf.getinfo("export/patients.csv")
    # a byte inside the compressed data of patients.csv
    offset = info.header_offset + 30 + len(info.filename) + len(info.extra) + 5
    data[offset] ^= 0xFF
    archive.write_bytes(bytes(data))
    errors = _refused_and_kept(store, previous, activate_snapshot(store, archive))
    assert "est endommagée" in errors and "patients.csv" in errors
    assert "Traceback" not in errors


def test_a_member_lying_about_its_size_is_a_french_refusal(store, previous, tmp_path) -> None:
    archive = _zip(write_snapshot(tmp_path / "snap"), tmp_path / "export.zip", stored=True)
    data = bytearray(archive.read_bytes())
    with zipfile.ZipFile(archive) as zf:
        info = zf.getinfo("export/wards.csv")
    # rewrite the declared size of wards.csv (central directory and local header) smaller
    name = info.filename.encode()
    for header, size_at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (start := data.find(header, start)) != -1:
            name_at = start + (30 if header == b"PK\x03\x04" else 46)
            if data[name_at:name_at + len(name)] == name:
                smaller = (info.file_size - 7).to_bytes(4, "little")
                data[start + size_at:start + size_at + 4] = smaller
            start += 4
    archive.write_bytes(bytes(data))
    errors = _refused_and_kept(store, previous, activate_snapshot(store, archive))
    assert "L'archive export.zip est endommagée" in errors and "wards.csv" in errors
    assert "Traceback" not in errors


def test_a_workbook_with_a_cell_at_the_far_corner_is_refused(store, previous, tmp_path) -> None:
    folder = write_snapshot(tmp_path / "snap", fmt="xlsx")
    path = folder / "wards.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("export")
    sheet.write_row(0, 0, columns_of("wards"))
    for i, row in enumerate(ROWS["wards"], 1):
        sheet.write_row(i, 0, [row.get(c) for c in columns_of("wards")])
    sheet.write(1048575, 16383, "x")  # XFD1048576
    book.close()
    rewrite_table(folder, "wards", path.read_bytes())
    errors = _refused_and_kept(store, previous, activate_snapshot(store, folder))
    assert "wards.xlsx : la feuille s'étend jusqu'à la ligne 1048576 et la colonne 16384" in errors


def test_a_manifest_naming_a_table_twice_is_refused(store, previous, tmp_path) -> None:
    folder = write_snapshot(tmp_path / "snap")
    edit_manifest(folder, lambda m: None)
    text = (folder / "manifest.json").read_text(encoding="utf-8")
    entry = json.dumps(json.loads(text)["tables"]["wards"])
    # the stale second entry of "wards", as a broken export script writes it
    text = text.replace('"tables": {', '"tables": {"wards": ' + entry + ", ", 1)
    (folder / "manifest.json").write_text(text, encoding="utf-8")
    errors = _refused_and_kept(store, previous, activate_snapshot(store, folder))
    assert "nomme deux fois « wards »" in errors


LENIENT = Limits(max_reject_ratio=1.0)  # to see the row rejects without the table refusal


def _reject_reasons(report, table: str) -> list[tuple]:
    entry = next(t for t in report.tables if t.table == table)
    return [(r.column, r.reason, r.value) for r in entry.rejects]


def test_a_decimal_in_an_integer_column_of_a_csv_is_rejected(store, tmp_path) -> None:
    rows = {k: [dict(r) for r in v] for k, v in ROWS.items()}
    rows["protocols"][0]["cycles_planned"] = "2.5"  # would be read as 3
    folder = write_snapshot(tmp_path / "snap", rows=rows)
    report = activate_snapshot(store, folder, limits=LENIENT)
    assert ("cycles_planned", "nombre de cycles prévus : nombre entier attendu (sans décimale)",
            "2.5") in _reject_reasons(report, "protocols")


def test_a_decimal_in_an_integer_column_of_a_parquet_is_rejected(store, tmp_path) -> None:
    folder = write_snapshot(tmp_path / "snap", fmt="parquet")
    path = folder / "protocols.parquet"
    with duckdb.connect() as con:
        con.execute(
            f"COPY (SELECT * REPLACE (CAST(1.5 AS DOUBLE) AS cycles_planned) "
            f"FROM read_parquet('{path}')) TO '{tmp_path / 'p.parquet'}' (FORMAT parquet)"
        )
    rewrite_table(folder, "protocols", (tmp_path / "p.parquet").read_bytes())
    report = activate_snapshot(store, folder, limits=LENIENT)
    assert ("cycles_planned", "nombre de cycles prévus : nombre entier attendu (sans décimale)",
            "1.5") in _reject_reasons(report, "protocols")


def test_integers_still_load_as_integers(store, tmp_path) -> None:
    report = activate_snapshot(store, write_snapshot(tmp_path / "snap"))
    assert report.status == "activated"
    row = store.cursor().execute(
        "SELECT cycle_length_days, cycles_planned, typeof(cycles_planned) FROM ref.protocols"
    ).fetchone()
    assert row == (14, 12, "BIGINT")


def _patients_without(folder: Path, column: str) -> None:
    kept = [c for c in columns_of("patients") if c != column]
    lines = [",".join(kept)] + [
        ",".join("" if r.get(c) is None else str(r[c]) for c in kept) for r in ROWS["patients"]
    ]
    rewrite_table(folder, "patients", ("\n".join(lines) + "\n").encode("utf-8"))


def test_a_missing_optional_column_refuses_the_table(store, previous, tmp_path) -> None:
    folder = write_snapshot(tmp_path / "snap")
    _patients_without(folder, "weight_kg")
    errors = _refused_and_kept(store, previous, activate_snapshot(store, folder))
    assert "patients.csv : colonne(s) absente(s) : weight_kg" in errors
    assert 'absent = ["weight_kg"]' in errors


def test_a_column_the_mapping_names_and_the_file_lacks_is_refused(store, previous, tmp_path):
    folder = write_snapshot(tmp_path / "snap")
    (folder / "mapping.toml").write_text('[tables.patients.columns]\nweight_kg = "POIDS"\n',
                                         "utf-8")
    errors = _refused_and_kept(store, previous, activate_snapshot(store, folder))
    assert "colonne(s) absente(s) : POIDS" in errors


def test_a_column_declared_absent_loads_empty_and_says_what_it_disables(store, tmp_path):
    folder = write_snapshot(tmp_path / "snap")
    _patients_without(folder, "weight_kg")
    (folder / "mapping.toml").write_text('[tables.patients]\nabsent = ["weight_kg"]\n', "utf-8")
    report = activate_snapshot(store, folder)
    assert report.status == "activated", report.errors
    [patients] = [t for t in report.tables if t.table == "patients"]
    assert any("weight_kg (poids) déclarée absente" in w and "mg/m²" in w
               for w in patients.warnings)
    assert store.cursor().execute(
        "SELECT count(*) FROM ref.patients WHERE weight_kg IS NOT NULL").fetchone() == (0,)


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ('[tables.patients]\nabsent = ["patient_id"]\n', "obligatoire"),
        ('[tables.patients]\nabsent = ["weight_kg"]\n[tables.patients.columns]\n'
         'weight_kg = "POIDS"\n', "à la fois"),
        ('[tables.patients]\nabsent = ["poids"]\n', "colonne inconnue « poids »"),
    ],
)
def test_a_wrong_absent_declaration_is_refused(store, previous, tmp_path, mapping, message):
    folder = write_snapshot(tmp_path / "snap")
    (folder / "mapping.toml").write_text(mapping, "utf-8")
    errors = _refused_and_kept(store, previous, activate_snapshot(store, folder))
    assert message in errors


def _patients_text(**change) -> str:
    rows = [dict(r) for r in ROWS["patients"]]
    rows[1].update(change)
    cols = columns_of("patients")
    lines = [",".join(cols)] + [
        ",".join("" if r.get(c) is None else str(r[c]) for c in cols) for r in rows
    ]
    return "\n".join(lines) + "\n"


def test_a_nul_byte_in_a_text_value_refuses_the_file(store, previous, tmp_path) -> None:
    folder = write_snapshot(tmp_path / "snap")
    rewrite_table(folder, "patients", _patients_text(first_name="Au\x00rélie").encode("utf-8"))
    errors = _refused_and_kept(store, previous, activate_snapshot(store, folder))
    assert "patients.csv contient un caractère nul (octet 0) à la ligne 3" in errors


@pytest.mark.parametrize("encoding", ["utf-8", "windows-1252"])
def test_text_encoded_twice_refuses_the_file(store, previous, tmp_path, encoding) -> None:
    folder = write_snapshot(tmp_path / "snap")
    text = _patients_text(first_name="Aurélie")
    if encoding == "utf-8":  # "Aurélie" encoded twice, in a valid UTF-8 file
        data = text.replace("Aurélie", "Aurélie".encode().decode("cp1252")).encode()
    else:  # a UTF-8 export announced as Windows-1252
        data = text.encode("utf-8")
        edit_manifest(folder, lambda m: m["tables"]["patients"].update(encoding=encoding))
    rewrite_table(folder, "patients", data)
    errors = _refused_and_kept(store, previous, activate_snapshot(store, folder))
    if encoding == "utf-8":
        assert "patients.csv contient du texte encodé deux fois (ligne 3 : « " in errors
        assert "AurÃ©lie" in errors
    else:  # the first name with an accent, on line 2, is already wrong
        assert "patients.csv contient du texte encodé deux fois (ligne 2 : « " in errors
        assert "HÃ©lÃ¨ne" in errors


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le"])
def test_a_utf16_file_is_refused_in_french(store, previous, tmp_path, codec) -> None:
    folder = write_snapshot(tmp_path / "snap")
    rewrite_table(folder, "patients", _patients_text().encode(codec))
    errors = _refused_and_kept(store, previous, activate_snapshot(store, folder))
    assert "patients.csv est en UTF-16" in errors


def test_french_accents_load(store, tmp_path) -> None:
    folder = write_snapshot(tmp_path / "snap")
    rewrite_table(folder, "patients", _patients_text(first_name="Aurélie Ève").encode("utf-8"))
    report = activate_snapshot(store, folder)
    assert report.status == "activated", report.errors
    assert store.cursor().execute(
        "SELECT count(*) FROM ref.patients WHERE first_name = 'Aurélie Ève'").fetchone() == (1,)


def test_mixed_line_endings_are_named_in_french(store, previous, tmp_path) -> None:
    folder = write_snapshot(tmp_path / "snap")
    lines = (folder / "patients.csv").read_bytes().split(b"\n")
    mixed = lines[0] + b"\r\n" + lines[1] + b"\n" + b"\r\n".join(lines[2:])
    rewrite_table(folder, "patients", mixed)
    errors = _refused_and_kept(store, previous, activate_snapshot(store, folder))
    assert "patients.csv : fins de ligne mélangées : la ligne 1 finit en Windows (CRLF), " \
        "la ligne 2 en Unix (LF)" in errors
    assert "state machine" not in errors


def test_a_table_file_that_is_a_folder_is_named_as_such(store, previous, tmp_path) -> None:
    folder = write_snapshot(tmp_path / "snap")
    (folder / "wards.csv").unlink()
    (folder / "wards.csv").mkdir()
    errors = _refused_and_kept(store, previous, activate_snapshot(store, folder))
    assert "wards.csv (table « services / unités de soins ») est un dossier, pas un fichier" \
        in errors


def test_a_header_with_decomposed_accents_matches_its_mapping(store, tmp_path) -> None:
    folder = write_snapshot(tmp_path / "snap")
    text = (folder / "patients.csv").read_text("utf-8")
    header, rest = text.split("\n", 1)
    decomposed = unicodedata.normalize("NFD", "PRÉNOM")
    assert decomposed != "PRÉNOM"  # looks the same, is not the same string
    header = header.replace("first_name", decomposed)
    rewrite_table(folder, "patients", (header + "\n" + rest).encode("utf-8"))
    (folder / "mapping.toml").write_text(
        '[tables.patients.columns]\nfirst_name = "PRÉNOM"\n', "utf-8")
    report = activate_snapshot(store, folder)
    assert report.status == "activated", report.errors


def test_heights_and_weights_swapped_by_a_mapping_are_refused(store, previous, tmp_path):
    folder = write_snapshot(tmp_path / "snap")
    # the site's HEIGHT column holds weights and WEIGHT heights; the mapping swaps them
    text = (folder / "patients.csv").read_text("utf-8")
    header, rest = text.split("\n", 1)
    header = header.replace("height_cm", "POIDS").replace("weight_kg", "TAILLE")
    rewrite_table(folder, "patients", (header + "\n" + rest).encode("utf-8"))
    (folder / "mapping.toml").write_text(
        '[tables.patients.columns]\nheight_cm = "TAILLE"\nweight_kg = "POIDS"\n', "utf-8")
    # every row is plausible on its own (heights 30–250, weights 0,5–350): only the whole
    # shows the swap
    rows = [dict(r) for r in ROWS["patients"]]
    assert all(r.get("height_cm") and r.get("weight_kg") for r in rows)
    errors = _refused_and_kept(store, previous, activate_snapshot(store, folder))
    assert "patients.csv : tailles et poids invraisemblables dans l'ensemble" in errors
    assert "taille médiane" in errors and "poids médian" in errors
