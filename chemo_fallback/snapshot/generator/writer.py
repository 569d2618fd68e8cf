"""Writing the tables in one of four dialects, and the manifest entry of each file.

- "csv": UTF-8, ",", decimal point, ISO dates.
- "csv-fr": what a French Chimio export looks like: windows-1252, ";", decimal comma,
  dd/mm/yyyy dates.
- "parquet": native types.
- "xlsx": one workbook per table, data on the first sheet under a header row; dates are real
  Excel dates (displayed ISO, read back as date objects), booleans are "O"/"N" text.

DuckDB's COPY writes the CSV and Parquet files (fast, multi-threaded, order-preserving); it
cannot write a decimal comma, so those numbers are turned into text in the SELECT.
"""

from __future__ import annotations

import hashlib
import shutil
from datetime import datetime
from pathlib import Path
from typing import Literal

import duckdb
import pandas as pd
import xlsxwriter

from chemo_fallback.snapshot.manifest import TableEntry
from chemo_fallback.snapshot.tables import Table

Dialect = Literal["csv", "csv-fr", "parquet", "xlsx"]
DIALECTS: tuple[str, ...] = ("csv", "csv-fr", "parquet", "xlsx")
SUFFIX = {"csv": ".csv", "csv-fr": ".csv", "parquet": ".parquet", "xlsx": ".xlsx"}
XLSX_MAX_ROWS = 1_048_575  # Excel's sheet limit, less the header row

_CSV_OPTIONS = {
    "csv": dict(
        format="csv",
        encoding="utf-8",
        delimiter=",",
        decimal=".",
        date_format="%Y-%m-%d",
        timestamp_format="%Y-%m-%d %H:%M:%S",
    ),
    "csv-fr": dict(
        format="csv",
        encoding="windows-1252",
        delimiter=";",
        decimal=",",
        date_format="%d/%m/%Y",
        timestamp_format="%d/%m/%Y %H:%M:%S",
    ),
}


def read_options(dialect: Dialect, table: Table) -> dict:
    """The manifest's read options for one file of this dialect."""
    if dialect in _CSV_OPTIONS:
        return dict(_CSV_OPTIONS[dialect])
    if dialect == "parquet":
        return {"format": "parquet"}
    return {
        "format": "xlsx",
        "sheet": table.name,
        "date_format": "%Y-%m-%d",
        "timestamp_format": "%Y-%m-%d %H:%M:%S",
    }


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _expression(name: str, kind: str, dialect: Dialect) -> str:
    col = '"' + name.replace('"', '""') + '"'
    if kind == "BOOLEAN" and dialect != "parquet":
        return f"CASE WHEN {col} THEN 'O' WHEN NOT {col} THEN 'N' END AS {col}"
    if kind == "DOUBLE" and dialect == "csv-fr":
        return f"replace(CAST(CAST({col} AS DOUBLE) AS VARCHAR), '.', ',') AS {col}"
    return f"CAST({col} AS {kind}) AS {col}"


def _select(table: Table, dialect: Dialect) -> str:
    columns = ", ".join(_expression(c.name, c.type, dialect) for c in table.columns)
    return f"SELECT {columns} FROM frame"


def _copy_csv(con: duckdb.DuckDBPyConnection, select: str, path: Path, dialect: Dialect) -> None:
    opts = _CSV_OPTIONS[dialect]
    target = path if dialect == "csv" else path.with_suffix(".utf8.tmp")
    con.execute(
        f"COPY ({select}) TO {_sql_string(str(target))} (FORMAT csv, HEADER true, "
        f"DELIMITER {_sql_string(opts['delimiter'])}, QUOTE '\"', ESCAPE '\"', "
        f"DATEFORMAT {_sql_string(opts['date_format'])}, "
        f"TIMESTAMPFORMAT {_sql_string(opts['timestamp_format'])})"
    )
    if target != path:
        # DuckDB only writes UTF-8; a French export is windows-1252, so transcode in a stream.
        with (
            open(target, encoding="utf-8", newline="") as src,
            open(path, "w", encoding="cp1252", newline="") as dst,
        ):
            shutil.copyfileobj(src, dst, 1 << 20)
        target.unlink()


def _write_xlsx(
    con: duckdb.DuckDBPyConnection,
    select: str,
    table: Table,
    path: Path,
    created: datetime,
    rows: int,
) -> None:
    if rows > XLSX_MAX_ROWS:
        raise ValueError(
            f"La table {table.name} compte {rows} lignes, au-delà de la limite d'une feuille "
            f"Excel ({XLSX_MAX_ROWS}) : choisissez le format csv ou parquet."
        )
    book = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    # A fixed creation date keeps the workbook byte-identical from one run to the next.
    book.set_properties({"created": created})
    sheet = book.add_worksheet(table.name[:31])
    formats = {
        "DATE": book.add_format({"num_format": "yyyy-mm-dd"}),
        "TIMESTAMP": book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
    }
    cell_format = [formats.get(c.type) for c in table.columns]
    sheet.write_row(0, 0, table.column_names)
    result = con.execute(select)
    r = 1
    while batch := result.fetchmany(10_000):
        for record in batch:
            for j, value in enumerate(record):
                if value is None:
                    continue
                if cell_format[j] is not None:
                    sheet.write_datetime(r, j, value, cell_format[j])
                else:
                    sheet.write(r, j, value)
            r += 1
    book.close()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def write_table(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    frame: pd.DataFrame,
    folder: Path,
    dialect: Dialect,
    created: datetime,
) -> TableEntry:
    """Write one table as `<name><suffix>` in `folder` and describe it for the manifest."""
    if tuple(frame.columns) != table.column_names:
        raise ValueError(f"{table.name}: columns {list(frame.columns)} are not the canonical ones")
    path = folder / f"{table.name}{SUFFIX[dialect]}"
    select = _select(table, dialect)
    con.register("frame", frame)
    try:
        if dialect == "parquet":
            con.execute(f"COPY ({select}) TO {_sql_string(str(path))} (FORMAT parquet)")
        elif dialect == "xlsx":
            _write_xlsx(con, select, table, path, created, len(frame))
        else:
            _copy_csv(con, select, path, dialect)
    finally:
        con.unregister("frame")
    return TableEntry(
        file=path.name, rows=len(frame), sha256=sha256_of(path), **read_options(dialect, table)
    )
