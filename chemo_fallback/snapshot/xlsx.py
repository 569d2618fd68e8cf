"""XLSX workbooks, rewritten once as UTF-8 CSV so one reader (DuckDB's) does the typing.

DuckDB's own Excel reader is an extension it downloads, which an offline server cannot do.
Typed cells are written in the file's declared formats, so a workbook mixing real Excel dates
and dates typed as text reads the same way.
"""

from __future__ import annotations

import csv
from datetime import date, datetime, time, timedelta
from pathlib import Path

from python_calamine import CalamineError, CalamineWorkbook

from chemo_fallback.errors import SnapshotRefused
from chemo_fallback.snapshot.manifest import ReadOptions


def read_sheet(path: Path, display_name: str, sheet: str | None) -> list[list]:
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        names = workbook.sheet_names
        if sheet is not None and sheet not in names:
            raise SnapshotRefused(
                f"{display_name} : la feuille « {sheet} » est absente (feuilles : "
                f"{', '.join(names)}). Corrigez le nom de feuille dans le manifeste."
            )
        return workbook.get_sheet_by_name(sheet or names[0]).to_python(skip_empty_area=False)
    except (CalamineError, OSError, ValueError, IndexError) as exc:
        raise SnapshotRefused(
            f"{display_name} n'est pas un classeur Excel lisible ({exc}). "
            "Exportez à nouveau la table en XLSX ou en CSV."
        ) from exc


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
