"""XLSX workbooks, rewritten once as UTF-8 CSV so one reader (DuckDB's) does the typing.

DuckDB's own Excel reader is an extension it downloads, which an offline server cannot do.
Typed cells are written in the file's declared formats, so a workbook mixing real Excel dates
and dates typed as text reads the same way.
"""

from __future__ import annotations

import csv
import re
import zipfile
import zlib
from datetime import date, datetime, time, timedelta
from pathlib import Path
from xml.etree import ElementTree

from python_calamine import CalamineError, CalamineWorkbook

from chemo_fallback.errors import SnapshotRefused
from chemo_fallback.snapshot.manifest import ReadOptions
from chemo_fallback.snapshot.source import Limits, human_size


def read_sheet(path: Path, display_name: str, sheet: str | None, limits: Limits) -> list[list]:
    """The sheet's cells from A1, refused before anything large is allocated: a workbook that
    unpacks beyond the limit, or a grid wider or larger than a table export can be."""
    _check_unpacked_size(path, display_name, limits)
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        names = workbook.sheet_names
        if sheet is not None and sheet not in names:
            raise SnapshotRefused(
                f"{display_name} : la feuille « {sheet} » est absente (feuilles : "
                f"{', '.join(names)}). Corrigez le nom de feuille dans le manifeste."
            )
        return workbook.get_sheet_by_name(sheet or names[0]).to_python(skip_empty_area=False)
    except (CalamineError, OSError, ValueError, IndexError, zipfile.BadZipFile) as exc:
        raise SnapshotRefused(
            f"{display_name} n'est pas un classeur Excel lisible ({exc}). "
            "Exportez à nouveau la table en XLSX ou en CSV."
        ) from exc


def _check_unpacked_size(path: Path, display_name: str, limits: Limits) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            unpacked = sum(info.file_size for info in zf.infolist())
            if unpacked > limits.max_xlsx_unpacked_bytes:
                raise SnapshotRefused(
                    f"{display_name} se décompresse en {human_size(unpacked)}, au-delà de la "
                    f"limite de {human_size(limits.max_xlsx_unpacked_bytes)} pour un classeur : "
                    "exportez cette table en CSV."
                )
            for name in zf.namelist():
                if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                    with zf.open(name) as sheet_xml:
                        _check_grid(_grid_size(sheet_xml), display_name, limits)
    except (zipfile.BadZipFile, OSError, ValueError, ElementTree.ParseError, zlib.error,
            EOFError) as exc:
        raise SnapshotRefused(
            f"{display_name} n'est pas un classeur Excel lisible (archive endommagée : {exc}). "
            "Exportez à nouveau la table en XLSX ou en CSV."
        ) from exc


CELL_REF = re.compile(r"^([A-Z]{1,3})(\d{1,7})$")


def _grid_size(sheet_xml) -> tuple[int, int]:
    """The rows and columns of the grid from A1 to the sheet's last cell, read as a stream
    before the workbook reader allocates that grid (it does so as soon as it loads a sheet)."""
    rows = columns = row_no = 0
    for _event, element in ElementTree.iterparse(sheet_xml, events=("end",)):
        tag = element.tag.rpartition("}")[2]
        if tag == "c":
            match = CELL_REF.match(element.get("r") or "")
            column = _column_number(match.group(1)) if match else columns + 1
            columns = max(columns, column)
        elif tag == "row":
            row_no = int(element.get("r") or row_no + 1)
            rows = max(rows, row_no)
            element.clear()
    return rows, columns


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def _check_grid(size: tuple[int, int], display_name: str, limits: Limits) -> None:
    rows, columns = size
    if columns > limits.max_sheet_columns or rows * columns > limits.max_sheet_cells:
        raise SnapshotRefused(
            f"{display_name} : la feuille s'étend jusqu'à la ligne {rows} et la colonne "
            f"{columns}, bien au-delà d'une table exportée (au plus "
            f"{limits.max_sheet_columns} colonnes et {limits.max_sheet_cells} cellules). Une "
            "cellule remplie loin des données, ou un classeur qui n'est pas l'export : "
            "supprimez-la ou exportez la table en CSV."
        )


def _cell_text(value, options: ReadOptions) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.strftime(options.date_format or "%Y-%m-%d")
        return value.strftime(options.timestamp_format or "%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.strftime(options.date_format or "%Y-%m-%d")
    if isinstance(value, (time, timedelta)):
        return str(value)
    if isinstance(value, float):
        text = str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
        return text.replace(".", ",") if options.decimal == "," else text
    return str(value)


def write_csv(rows: list[list], target: Path, options: ReadOptions) -> None:
    """Write the sheet as a ','-separated UTF-8 CSV, cells in the declared formats."""
    with target.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=",", lineterminator="\n")
        for row in rows:
            cells = [_cell_text(v, options) for v in row]
            if any(cells):  # a blank spreadsheet row is layout, not data
                writer.writerow(cells)
