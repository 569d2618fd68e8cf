"""A snapshot's table files, in two steps.

`inspect` is cheap and runs for every file before anything is read, so every problem it finds
(missing file, unknown format, size, empty file, missing columns) is reported at once.
`verify` reads the whole file (checksum, encoding, transcoding to UTF-8, XLSX conversion); the
activation runs it in a background thread one file ahead of DuckDB's reading, since hashing
releases the GIL.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from chemo_fallback.errors import SnapshotRefused
from chemo_fallback.snapshot import readers, source, xlsx
from chemo_fallback.snapshot.columns import ColumnMatch, match_columns, split_header
from chemo_fallback.snapshot.manifest import FORMAT_BY_SUFFIX, ReadOptions, TableEntry, resolve
from chemo_fallback.snapshot.mapping import Mapping, TableMapping
from chemo_fallback.snapshot.report import TableReport
from chemo_fallback.snapshot.source import Limits
from chemo_fallback.snapshot.tables import Table

HEADER_MAX_BYTES = 1024 * 1024
ABSENT_DEFAULT = (
    "ce qui en a besoin (calcul, contrôle ou affichage) est refusé ou signalé faute de valeur"
)


@dataclass
class InspectedFile:
    table: Table
    entry: TableEntry
    path: Path
    format: str
    options: ReadOptions
    mapping: TableMapping
    match: ColumnMatch
    report: TableReport
    size: int
    sheet_rows: list[list] | None = None  # XLSX: the sheet, read once


def inspect(
    folder: Path, table: Table, entry: TableEntry, mapping: Mapping, limits: Limits
) -> InspectedFile:
    table_mapping = mapping.for_table(table.name)
    options = resolve(entry, table_mapping, mapping.defaults)
    path = source.resolve_member(folder, entry.file)
    if path.is_dir():
        raise SnapshotRefused(
            f"{entry.file} (table « {table.label} ») est un dossier, pas un fichier : le "
            "manifeste doit nommer le fichier de la table. Corrigez le manifeste ou l'export."
        )
    if not path.is_file():
        raise SnapshotRefused(
            f"Le fichier {entry.file} (table « {table.label} ») est absent de l'instantané."
        )
    fmt = options.format or FORMAT_BY_SUFFIX.get(path.suffix.lower())
    if fmt is None:
        raise SnapshotRefused(
            f'{entry.file} : format inconnu. Indiquez "format" (csv, parquet ou xlsx) dans '
            "le manifeste."
        )
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise source.too_big(entry.file, size, limits.max_file_bytes)
    sheet_rows = None
    if fmt == "csv":
        header, delimiter = _csv_header(path, entry.file, options)
        options = options.model_copy(update={"delimiter": delimiter})
    elif fmt == "xlsx":
        sheet_rows = xlsx.read_sheet(path, entry.file, options.sheet, limits)
        if not sheet_rows:
            raise SnapshotRefused(f"{entry.file} est vide : la ligne d'en-tête est obligatoire.")
        header = [str(c) for c in sheet_rows[0]]
    else:
        header = _parquet_columns(path, entry.file)
    match = match_columns(table, entry.file, header, table_mapping)
    report = TableReport(
        table=table.name, label=table.label, file=entry.file, format=fmt, rows_declared=entry.rows
    )
    if match.extras:
        report.warnings.append(f"colonnes ignorées : {', '.join(match.extras)}")
    for name in match.absent_optional:
        column = table.column(name)
        report.warnings.append(
            f"colonne {name} ({column.label}) déclarée absente dans mapping.toml : elle est "
            f"vide pour toutes les lignes ; {column.when_absent or ABSENT_DEFAULT}"
        )
    return InspectedFile(
        table, entry, path, fmt, options, table_mapping, match, report, size, sheet_rows
    )


def verify(f: InspectedFile, work: Path, limits: Limits) -> readers.TableFile:
    """Check the whole file against the manifest; return it ready for DuckDB (UTF-8 CSV or
    Parquet)."""
    read_path, fmt, options = f.path, f.format, f.options
    if fmt == "csv":
        checked = source.check_text_file(f.path, options.encoding or "auto", work, limits)
        read_path = checked.utf8_path
        f.report.encoding = checked.encoding
        if options.encoding == "auto" and checked.encoding != "utf-8":
            f.report.warnings.append(f"encodage détecté : {checked.encoding}")
        digest = checked.sha256
    else:
        digest = source.hash_file(f.path)
    if digest.lower() != f.entry.sha256.lower():
        raise SnapshotRefused(
            f"{f.entry.file} : l'empreinte SHA-256 ne correspond pas au manifeste (fichier "
            "modifié, tronqué ou mal copié). Copiez à nouveau l'export depuis sa source."
        )
    if fmt == "xlsx":
        work.mkdir(parents=True, exist_ok=True)
        read_path = work / f"{f.table.name}.xlsx.csv"
        xlsx.write_csv(f.sheet_rows or [], read_path, options)
        options = options.model_copy(update={"delimiter": ","})
        fmt = "csv"
    return readers.TableFile(f.table, f.entry.file, read_path, fmt, options, f.match, f.mapping)


def _csv_header(path: Path, display_name: str, options: ReadOptions) -> tuple[list[str], str]:
    source.refuse_utf16(path)
    with path.open("rb") as fh:
        first = fh.readline(HEADER_MAX_BYTES)
    first = first.removeprefix(b"\xef\xbb\xbf")
    declared = options.encoding or "auto"
    encodings = ("utf-8", "cp1252") if declared == "auto" else (declared,)
    for encoding in encodings:
        try:
            return split_header(first.decode(encoding), display_name, options.delimiter)
        except UnicodeDecodeError:
            continue
    raise SnapshotRefused(
        f"La ligne d'en-tête de {display_name} n'est pas lisible dans l'encodage "
        f"{'annoncé (' + declared + ')' if declared != 'auto' else 'UTF-8 ni Windows-1252'}. "
        "Indiquez l'encodage réel dans le manifeste ou le fichier de correspondance."
    )


def _parquet_columns(path: Path, display_name: str) -> list[str]:
    quoted = str(path).replace("'", "''")
    try:
        with duckdb.connect() as con:
            rows = con.execute(
                f"SELECT name FROM parquet_schema('{quoted}') "
                "WHERE num_children IS NULL OR num_children = 0"
            ).fetchall()
    except duckdb.Error as exc:
        raise SnapshotRefused(
            f"{display_name} n'est pas un fichier Parquet lisible ({readers.first_line(exc)}). "
            "Exportez à nouveau cette table."
        ) from exc
    return [r[0] for r in rows]
