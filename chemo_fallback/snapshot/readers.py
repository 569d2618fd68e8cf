"""Reading one table file into the new reference database, with every reject captured.

Typing is strict (the canonical types of tables.py); a value that does not convert rejects its
row, recorded in the `_rejects` table with its line and column, never dropped silently. Rows are
stored in file order, so a stored row's line number can be recovered from its rowid.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import duckdb

from chemo_fallback.errors import SnapshotRefused
from chemo_fallback.snapshot.columns import ColumnMatch
from chemo_fallback.snapshot.manifest import ReadOptions
from chemo_fallback.snapshot.mapping import TableMapping
from chemo_fallback.snapshot.tables import Column, Table

REJECTS_DDL = """
CREATE TABLE IF NOT EXISTS _rejects (
    table_name VARCHAR, line BIGINT, column_name VARCHAR, reason VARCHAR, value VARCHAR
)
"""

FORMAT_WORDS = {
    "%Y": "AAAA",
    "%m": "MM",
    "%d": "JJ",
    "%H": "HH",
    "%M": "MM",
    "%S": "SS",
    "%y": "AA",
}
PARSE_ERRORS = {
    "MISSING COLUMNS": "ligne incomplète : il manque des colonnes (fichier tronqué ?)",
    "TOO MANY COLUMNS": "trop de colonnes (séparateur non protégé par des guillemets ?)",
    "UNQUOTED VALUE": "guillemet non fermé ou mal placé (fichier tronqué ?)",
    "LINE SIZE OVER MAXIMUM": "ligne trop longue",
    "INVALID ENCODING": "caractères invalides pour l'encodage annoncé",
    "INVALID UNICODE": "caractères invalides pour l'encodage annoncé",
}


@dataclass(frozen=True)
class TableFile:
    """A table file ready to be read: UTF-8 CSV or Parquet, its columns matched."""

    table: Table
    display_name: str  # the file's name in the manifest, used in every message
    path: Path
    format: str  # "csv" or "parquet" (XLSX arrives here converted to CSV)
    options: ReadOptions
    match: ColumnMatch
    mapping: TableMapping

    @property
    def header_lines(self) -> int:
        return 0 if self.format == "parquet" else 1


def sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def human_format(fmt: str) -> str:
    for code, word in FORMAT_WORDS.items():
        fmt = fmt.replace(code, word)
    return fmt


def expected_text(table_file: TableFile, column: str) -> str:
    col = table_file.table.column(column)
    opts = table_file.options
    decimal = "virgule" if opts.decimal == "," else "point"
    return {
        "DOUBLE": f"nombre attendu (séparateur décimal : {decimal})",
        "BIGINT": "nombre entier attendu",
        "DATE": f"date attendue au format {human_format(opts.date_format or '')}",
        "TIMESTAMP": "date et heure attendues au format "
        + human_format(opts.timestamp_format or ""),
    }.get(col.type, "valeur illisible")


def _read_type(table: Table, column: str) -> str:
    # Booleans and site codes are read as text and converted after the checks, so a value the
    # site wrote differently is reported, not turned into NULL. Integers are read as numbers
    # and converted after the checks too: a cast to an integer rounds ("2.5" would become 3), so
    # integrity rejects a value with decimals first.
    sql_type = table.column(column).type
    return {"BOOLEAN": "VARCHAR", "BIGINT": "DOUBLE"}.get(sql_type, sql_type)


def _mapped(table_file: TableFile, column: str, expr: str) -> str:
    """`expr` with the site's own codes of this column (mapping.toml values) mapped."""
    codes = table_file.mapping.values.get(column)
    if not codes:
        return expr
    cases = " ".join(
        f"WHEN {sql_string(src)} THEN {sql_string(dst)}" for src, dst in codes.items()
    )
    if table_file.table.column(column).list_choices:
        # A list of codes ("IV|INTRATH"): each code is mapped on its own.
        return (
            f"array_to_string(list_transform(string_split(CAST({expr} AS VARCHAR), '|'), "
            f"lambda code: CASE trim(code) {cases} ELSE trim(code) END), '|')"
        )
    return f"CASE CAST({expr} AS VARCHAR) {cases} ELSE {expr} END"


def _select_list(table_file: TableFile, source_expr: dict[str, str]) -> str:
    parts = []
    for col in table_file.table.columns:
        if col.name not in source_expr:
            parts.append(f"CAST(NULL AS {_read_type(table_file.table, col.name)}) AS {col.name}")
            continue
        parts.append(f"{_mapped(table_file, col.name, source_expr[col.name])} AS {col.name}")
    return ", ".join(parts)


def load_table(con: duckdb.DuckDBPyConnection, table_file: TableFile) -> int:
    """Create the table from the file; return the number of rows stored (rejects excluded)."""
    con.execute(REJECTS_DDL)
    try:
        if table_file.format == "parquet":
            _load_parquet(con, table_file)
        else:
            _load_csv(con, table_file)
    except duckdb.Error as exc:
        mixed = mixed_line_endings(table_file.path) if table_file.format == "csv" else None
        if mixed:
            raise SnapshotRefused(f"{table_file.display_name} : {mixed}") from exc
        raise SnapshotRefused(
            f"{table_file.display_name} n'a pas pu être lu ({first_line(exc)}). Vérifiez le "
            "format, le séparateur et l'encodage annoncés dans le manifeste."
        ) from exc
    return con.execute(f"SELECT count(*) FROM {table_file.table.name}").fetchone()[0]


def mixed_line_endings(path: Path, max_bytes: int = 64 * 1024 * 1024) -> str | None:
    """Why a CSV whose lines end in two ways cannot be read (DuckDB only says its "state
    machine reached an invalid state"): the first line that ends otherwise than the first."""
    first: bytes | None = None
    with path.open("rb") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.endswith(b"\n"):
                break
            ending = b"\r\n" if line.endswith(b"\r\n") else b"\n"
            if first is None:
                first = ending
            elif ending != first:
                names = {b"\r\n": "Windows (CRLF)", b"\n": "Unix (LF)"}
                return (
                    f"fins de ligne mélangées : la ligne 1 finit en {names[first]}, la ligne "
                    f"{number} en {names[ending]}. Le fichier a été modifié ou assemblé à la "
                    "main : réexportez-le, ou réenregistrez-le avec une seule sorte de fin de "
                    "ligne."
                )
            if fh.tell() > max_bytes:
                break
    return None


def first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:300]


def _load_csv(con: duckdb.DuckDBPyConnection, tf: TableFile) -> None:
    table, opts = tf.table, tf.options
    columns = {}
    for index, _name in enumerate(tf.match.file_columns):
        canonical = tf.match.canonical_by_index.get(index)
        columns[canonical or f"__extra_{index}"] = (
            _read_type(table, canonical) if canonical else "VARCHAR"
        )
    struct = "{" + ", ".join(f"{sql_string(k)}: {sql_string(v)}" for k, v in columns.items()) + "}"
    select = _select_list(tf, {c: c for c in tf.match.canonical_by_index.values()})
    con.execute(
        f"""
        CREATE TABLE {table.name} AS SELECT {select} FROM read_csv(
            {sql_string(str(tf.path))}, header = true, auto_detect = false, strict_mode = true,
            delim = {sql_string(opts.delimiter or ",")}, quote = '"', escape = '"',
            columns = {struct}, decimal_separator = {sql_string(opts.decimal or ".")},
            dateformat = {sql_string(opts.date_format or "%Y-%m-%d")},
            timestampformat = {sql_string(opts.timestamp_format or "%Y-%m-%d %H:%M:%S")},
            store_rejects = true, rejects_table = '_csv_rejects', rejects_scan = '_csv_scans',
            max_line_size = 1048576
        )
        """
    )
    info = [
        (
            name,
            tf.match.file_name_of(name),
            f"{table.column(name).label} : {expected_text(tf, name)}",
        )
        for name in tf.match.canonical_by_index.values()
    ]
    parse_cases = " ".join(
        f"WHEN {sql_string(k)} THEN {sql_string(v)}" for k, v in PARSE_ERRORS.items()
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _colinfo "
        "(name VARCHAR, file_name VARCHAR, cast_reason VARCHAR)"
    )
    con.executemany("INSERT INTO _colinfo VALUES (?, ?, ?)", info)
    con.execute(
        f"""
        INSERT INTO _rejects
        SELECT DISTINCT ?, r.line,
               CASE WHEN r.error_type = 'CAST' THEN coalesce(i.file_name, r.column_name) END,
               CASE CAST(r.error_type AS VARCHAR) WHEN 'CAST' THEN i.cast_reason
                    {parse_cases} ELSE 'ligne illisible' END,
               CASE WHEN r.error_type = 'CAST'
                    THEN regexp_extract(r.error_message, 'Could not convert string "(.*)" to', 1)
                    ELSE left(r.csv_line, 120) END
        FROM _csv_rejects r LEFT JOIN _colinfo i ON i.name = r.column_name
        """,
        [table.name],
    )
    if table.kept_rejects:
        _keep_unread_csv_rows(con, tf)
    con.execute("DROP TABLE IF EXISTS _csv_rejects; DROP TABLE IF EXISTS _csv_scans")


# --- what is kept of a rejected row (Table.kept_rejects) ------------------------------------
# Every kept column as read, as text (the site's codes mapped, as for a stored row), and for a
# number or a date also its value when it is readable (`<column>_parsed`, NULL otherwise): the
# text names what the export said, the parsed value lets a check compare it (a rejected lab
# result sampled after the one a check uses).
PARSED = "_parsed"
PARSED_TYPES = ("BIGINT", "DOUBLE", "DATE", "TIMESTAMP")


def kept_columns(table: Table) -> tuple[str, ...]:
    return tuple(dict.fromkeys((*table.key, *table.kept_columns)))


def parsed_columns(table: Table) -> list[Column]:
    return [table.column(c) for c in kept_columns(table) if table.column(c).type in PARSED_TYPES]


def kept_columns_ddl(table: Table) -> str:
    texts = [f"{c} VARCHAR" for c in kept_columns(table)]
    return ", ".join(texts + [f"{c.name}{PARSED} {c.type}" for c in parsed_columns(table)])


def _create_unread_keys(con: duckdb.DuckDBPyConnection, table: Table) -> None:
    con.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS _unread_keys (line BIGINT, {kept_columns_ddl(table)})"
    )


def _insert_unread(
    con: duckdb.DuckDBPyConnection,
    tf: TableFile,
    source: str,
    line: str,
    texts: dict[str, str],
    parsed: dict[str, str],
) -> None:
    """Rows of `source` into `_unread_keys`: `line` is the SQL of their line in the file,
    `texts` and `parsed` give, per kept column, the SQL of its text as read and of its typed
    value (absent: NULL)."""
    table = tf.table
    select = [
        _mapped(tf, c, texts[c]) if c in texts else "NULL" for c in kept_columns(table)
    ] + [
        parsed.get(c.name, f"CAST(NULL AS {c.type})") for c in parsed_columns(table)
    ]
    con.execute(f"INSERT INTO _unread_keys SELECT {line}, {', '.join(select)} FROM {source}")


def _indexes(tf: TableFile, names: tuple[str, ...]) -> list[int | None]:
    by_name = {name: index for index, name in tf.match.canonical_by_index.items()}
    return [by_name.get(name) for name in names]


def _text_to_value(tf: TableFile, col: Column) -> str:
    """SQL reading the text of a kept column the way read_csv reads it (NULL if unreadable)."""
    opts, c = tf.options, col.name
    if col.type == "DOUBLE":
        text = f"replace({c}, ',', '.')" if opts.decimal == "," else c
        return f"TRY_CAST({text} AS DOUBLE)"
    if col.type == "DATE":
        return f"CAST(try_strptime({c}, {sql_string(opts.date_format or '%Y-%m-%d')}) AS DATE)"
    if col.type == "TIMESTAMP":
        fmt = opts.timestamp_format or "%Y-%m-%d %H:%M:%S"
        return f"try_strptime({c}, {sql_string(fmt)})"
    return f"TRY_CAST({c} AS {col.type})"


def _keep_unread_csv_rows(con: duckdb.DuckDBPyConnection, tf: TableFile) -> None:
    """A row rejected on reading never reaches the table: its kept columns are read from its
    raw line, so integrity.keep_rejected_keys still knows which record (a protocol, a
    patient's lab result) it belonged to."""
    names = kept_columns(tf.table)
    _create_unread_keys(con, tf.table)
    indexes = _indexes(tf, names)
    rows = []
    for line, raw in con.execute("SELECT DISTINCT line, csv_line FROM _csv_rejects").fetchall():
        try:
            fields = next(csv.reader([raw or ""], delimiter=tf.options.delimiter or ","), [])
        except csv.Error:
            fields = []
        rows.append(
            (line, *((fields[i].strip() or None) if i is not None and i < len(fields) else None
                     for i in indexes))
        )
    if not rows:
        return
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _unread_raw (line BIGINT, "
        + ", ".join(f"{c} VARCHAR" for c in names) + ")"
    )
    con.executemany(f"INSERT INTO _unread_raw VALUES ({', '.join('?' * (len(names) + 1))})", rows)
    parsed = {c.name: _text_to_value(tf, c) for c in parsed_columns(tf.table)}
    _insert_unread(con, tf, "_unread_raw", "line", {c: c for c in names}, parsed)
    con.execute("DROP TABLE _unread_raw")


def _load_parquet(con: duckdb.DuckDBPyConnection, tf: TableFile) -> None:
    table, opts = tf.table, tf.options
    con.execute(
        f"CREATE TEMP TABLE _raw AS SELECT * FROM read_parquet({sql_string(str(tf.path))}, "
        "file_row_number = true)"
    )
    source_types = dict(
        con.execute("SELECT column_name, column_type FROM (DESCRIBE _raw)").fetchall()
    )
    converted: dict[str, str] = {}
    for index, canonical in tf.match.canonical_by_index.items():
        raw = '"' + tf.match.file_columns[index].replace('"', '""') + '"'
        target = _read_type(table, canonical)
        is_text = source_types.get(tf.match.file_columns[index]) == "VARCHAR"
        if is_text and target in ("DATE", "TIMESTAMP"):
            fmt = opts.date_format if target == "DATE" else opts.timestamp_format
            expr = f"CAST(try_strptime({raw}, {sql_string(fmt or '')}) AS {target})"
        elif is_text and target == "DOUBLE" and opts.decimal == ",":
            expr = f"TRY_CAST(replace({raw}, ',', '.') AS DOUBLE)"
        else:
            expr = f"TRY_CAST({raw} AS {target})"
        converted[canonical] = expr
        con.execute(
            f"""INSERT INTO _rejects SELECT ?, file_row_number + 1, ?, ?, CAST({raw} AS VARCHAR)
                FROM _raw WHERE {raw} IS NOT NULL AND {expr} IS NULL""",
            [
                table.name,
                tf.match.file_columns[index],
                f"{table.column(canonical).label} : {expected_text(tf, canonical)}",
            ],
        )
    if table.kept_rejects:  # rows rejected on reading: what is kept of them
        _create_unread_keys(con, table)
        names = kept_columns(table)
        texts = {
            name: f'CAST("{tf.match.file_columns[i]}" AS VARCHAR)'
            for name, i in zip(names, _indexes(tf, names), strict=True)
            if i is not None
        }
        parsed = {c.name: converted[c.name] for c in parsed_columns(table) if c.name in converted}
        _insert_unread(
            con,
            tf,
            f"""_raw WHERE file_row_number + 1 IN
                    (SELECT line FROM _rejects WHERE table_name = {sql_string(table.name)})""",
            "file_row_number + 1",
            texts,
            parsed,
        )
    select = _select_list(tf, converted)
    con.execute(
        f"""CREATE TABLE {table.name} AS SELECT {select} FROM _raw
            WHERE file_row_number + 1 NOT IN
                (SELECT line FROM _rejects WHERE table_name = {sql_string(table.name)})
            ORDER BY file_row_number"""
    )
    con.execute("DROP TABLE _raw")
