"""The flat files of the package: one CSV per record type, and how every value is written.

For machines (docs/reintegration-format.md): a header line with the column names, CRLF line
ends, RFC 4180 quoting, ISO 8601 dates (date-times to the second, local time, no zone), a dot
for decimals, `true`/`false`, an empty field for "none". Text cells that a spreadsheet would run
as a formula are neutralised (chemo_fallback.spreadsheet). UTF-8 (no BOM) by default;
Windows-1252 on request, and then a character it cannot hold REFUSES the export, naming the
file, the row and the column: nothing is replaced behind the user's back (a patient's name
with "ł" or "ő" written as "?" would be re-entered wrong).
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.reintegration.collect import Table
from chemo_fallback.spreadsheet import safe_row

ENCODINGS = {"utf-8": "utf-8", "windows-1252": "cp1252"}
SEPARATORS = (",", ";")


class ExportRefused(ChemoFallbackError):
    """The package cannot be written as asked; nothing was written nor recorded."""


def check_options(encoding: str, separator: str) -> None:
    if encoding not in ENCODINGS:
        raise ExportRefused(
            f"Encodage « {encoding} » non proposé : choisissez utf-8 ou windows-1252.",
            code="export_encoding_unknown")
    if separator not in SEPARATORS:
        raise ExportRefused(
            f"Séparateur « {separator} » non proposé : choisissez la virgule (,) ou le "
            "point-virgule (;).", code="export_separator_unknown")


def cell(value: object) -> object:
    """A value as the files write it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return format(round(value, 6), "f").rstrip("0").rstrip(".")
    return value


def _key_text(table: Table, row: dict) -> str:
    return ", ".join(f"{k} = {row[k]}" for k in table.record_type.key if row.get(k) is not None)


def csv_bytes(table: Table, encoding: str = "utf-8", separator: str = ",") -> bytes:
    columns = table.record_type.columns
    codec = ENCODINGS[encoding]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=separator, lineterminator="\r\n")
    writer.writerow(columns)
    for number, row in enumerate(table.rows, start=1):
        values = safe_row([cell(row[c]) for c in columns])
        if codec != "utf-8":
            _check_encodable(table, number, row, values, codec)
        writer.writerow(values)
    return out.getvalue().encode(codec)


def _check_encodable(table: Table, number: int, row: dict, values: list, codec: str) -> None:
    for column, value in zip(table.record_type.columns, values, strict=True):
        if not isinstance(value, str):
            continue
        try:
            value.encode(codec)
        except UnicodeEncodeError as exc:
            char = value[exc.start]
            raise ExportRefused(
                f"Export refusé : le fichier {table.record_type.file}, ligne {number} "
                f"({_key_text(table, row)}), colonne « {column} » contient le caractère "
                f"« {char} » (U+{ord(char):04X}) que l'encodage Windows-1252 ne peut pas "
                "écrire. Rien n'a été exporté ; exportez en UTF-8.",
                code="export_character_not_encodable",
            ) from exc
