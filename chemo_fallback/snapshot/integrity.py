"""Integrity checks on a freshly read table: every bad row is found, reported, then removed.

All checks come from the declarations of tables.py: required values, codes, formats,
plausible ranges and dates, duplicate identifiers, and references to rows of tables checked
before it (a rejected parent makes its children orphans, which are rejected in turn). A row
may fail several checks: each problem is reported, the row counted once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta

import duckdb

from chemo_fallback.snapshot.readers import (
    PARSED,
    TableFile,
    kept_columns,
    kept_columns_ddl,
    parsed_columns,
    sql_string,
)
from chemo_fallback.snapshot.tables import FALSE_WORDS, TRUE_WORDS, Column

# Integers beyond this are no count, number or code of a real export (and above 2^53 a
# number read as DOUBLE is no longer exact).
MAX_INTEGER = 2**53 - 1

def _integral(col: Column, expr: str) -> str:
    """An integer column, still read as a number (readers._read_type), as its integer: NULL
    when it has decimals (a rejected value)."""
    if col.type != "BIGINT":
        return expr
    return (
        f"CASE WHEN isfinite({expr}) AND {expr} = trunc({expr}) AND abs({expr}) <= "
        f"{MAX_INTEGER} THEN CAST({expr} AS BIGINT) END"
    )


def _text(col: Column, expr: str) -> str:
    """A value as the export wrote it: an integer column read as a number prints "4", not
    "4.0"; a value with decimals prints as it is."""
    if col.type != "BIGINT":
        return f"CAST({expr} AS VARCHAR)"
    return f"coalesce(CAST({_integral(col, expr)} AS VARCHAR), CAST({expr} AS VARCHAR))"


def _number(value: float) -> str:
    text = f"{value:,.3f}".rstrip("0").rstrip(".")
    return text.replace(",", "\u202f").replace(".", ",")


def _words(words: tuple[str, ...]) -> str:
    return "(" + ", ".join(sql_string(w) for w in words) + ")"


def code_list_pattern(choices: tuple[str, ...]) -> str:
    """Regular expression of a "|"-separated list of known codes (spaces around codes allowed)."""
    code = "(" + "|".join(re.escape(choice) for choice in choices) + ")"
    return rf"^ *{code} *(\| *{code} *)*$"


def _column_checks(col: Column, export_day: date) -> Iterator[tuple[str, str]]:
    """(SQL predicate true for a bad value, French reason) for one column."""
    c = col.name
    unit = f" {col.unit}" if col.unit else ""
    if col.required:
        yield f"{c} IS NULL", f"{col.label} manquant(e) : valeur obligatoire"
    if col.choices:
        yield (
            f"{c} IS NOT NULL AND {c} NOT IN {_words(col.choices)}",
            f"{col.label} : code non reconnu (attendus : {', '.join(col.choices)} ; un code propre "
            "au site se déclare dans mapping.toml)",
        )
    if col.list_choices:
        # Each code of the "|"-separated list must be known; an empty list is a missing value.
        yield (
            f"{c} IS NOT NULL AND NOT regexp_full_match({c}, "
            f"{sql_string(code_list_pattern(col.list_choices))})",
            f"{col.label} : code non reconnu (attendus, séparés par | : "
            f"{', '.join(col.list_choices)} ; un code propre au site se déclare dans mapping.toml)",
        )
    if col.pattern:
        yield (
            f"{c} IS NOT NULL AND NOT regexp_full_match({c}, {sql_string(col.pattern)})",
            f"{col.label} : format invalide",
        )
    if col.type == "BIGINT":
        yield (
            f"{c} IS NOT NULL AND (NOT isfinite({c}) OR {c} <> trunc({c}) "
            f"OR abs({c}) > {MAX_INTEGER})",
            f"{col.label} : nombre entier attendu (sans décimale)",
        )
    if col.type == "BOOLEAN":
        yield (
            f"{c} IS NOT NULL AND lower(trim({c})) NOT IN {_words(TRUE_WORDS + FALSE_WORDS)}",
            f"{col.label} : oui/non attendu (O/N, 1/0, oui/non)",
        )
    if col.minimum is not None and col.maximum is not None:
        yield (
            f"{c} < {col.minimum} OR {c} > {col.maximum}",
            f"{col.label} invraisemblable (attendu entre {_number(col.minimum)} et "
            f"{_number(col.maximum)}{unit})",
        )
    elif col.minimum is not None:
        yield (
            f"{c} < {col.minimum}",
            f"{col.label} invraisemblable (inférieur à {_number(col.minimum)}{unit})",
        )
    if col.type in ("DATE", "TIMESTAMP"):
        day = f"CAST({c} AS DATE)"
        if col.earliest:
            earliest = date.fromisoformat(col.earliest)
            yield (
                f"{day} < DATE '{earliest.isoformat()}'",
                f"{col.label} invraisemblable (antérieure au {earliest:%d/%m/%Y})",
            )
        if col.days_after_export is not None:
            latest = export_day + timedelta(days=col.days_after_export)
            yield (
                f"{day} > DATE '{latest.isoformat()}'",
                f"{col.label} invraisemblable (postérieure au {latest:%d/%m/%Y}, l'export datant "
                f"du {export_day:%d/%m/%Y})",
            )


def _bad_row_queries(tf: TableFile, export_day: date) -> Iterator[str]:
    table = tf.table
    name = tf.match.file_name_of

    # Every per-row check of the table in one scan: the rows failing any check carry the list
    # of their problems, unnested into one reject per problem.
    row_checks = [
        (col.name, predicate, reason)
        for col in table.columns
        for predicate, reason in _column_checks(col, export_day)
    ] + [(rule.column, rule.bad_when, rule.reason) for rule in table.rules]
    if row_checks:
        problems = ", ".join(
            f"CASE WHEN coalesce(({predicate}), false) THEN {{'col': {sql_string(name(column))}, "
            f"'reason': {sql_string(reason)}, "
            f"'val': left({_text(table.column(column), column)}, 120)}} END"
            for column, predicate, reason in row_checks
        )
        any_bad = " OR ".join(f"coalesce(({p}), false)" for _, p, _ in row_checks)
        yield (
            "SELECT rid, f.col, f.reason, f.val FROM ("
            f"SELECT rowid AS rid, unnest([{problems}]) AS f FROM {table.name} WHERE {any_bad}"
            ") WHERE f IS NOT NULL"
        )
    for key in (table.key, *table.unique):
        keys = ", ".join(key)
        labels = " + ".join(table.column(k).label for k in key)
        reason = f"{labels} en double dans le fichier : ces lignes sont toutes rejetées"
        yield (
            f"SELECT t.rowid, {sql_string(name(key[0]))}, "
            f"{sql_string(reason)}, "
            f"concat_ws(' / ', {', '.join('t.' + k for k in key)}) FROM {table.name} t "
            f"JOIN (SELECT {keys} FROM {table.name} GROUP BY ALL HAVING count(*) > 1) d "
            f"USING ({keys})"
        )
    for ref in table.references:
        joined = " AND ".join(
            f"p.{pc} = c.{cc}" for cc, pc in zip(ref.columns, ref.parent_columns, strict=True)
        )
        present = " AND ".join(f"c.{cc} IS NOT NULL" for cc in ref.columns)
        col = table.column(ref.columns[0])
        reason = f"{col.label} inconnu(e) dans la table {ref.parent} (absent(e) ou rejeté(e))"
        yield (
            f"SELECT c.rowid, {sql_string(name(col.name))}, {sql_string(reason)}, "
            f"{_text(col, 'c.' + col.name)} FROM {table.name} c WHERE {present} "
            f"AND NOT EXISTS (SELECT 1 FROM {ref.parent} p WHERE {joined})"
        )


def check_table(con: duckdb.DuckDBPyConnection, tf: TableFile, export_day: date) -> None:
    """Record every bad row of the table in `_rejects` (with its line), then delete them."""
    table = tf.table.name
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _bad (rid BIGINT, col VARCHAR, reason VARCHAR, val VARCHAR)"
    )
    for query in _bad_row_queries(tf, export_day):
        con.execute(f"INSERT INTO _bad {query}")
    if tf.table.kept_rejects:
        keep_rejected_keys(con, tf)
    if not con.execute("SELECT count(*) FROM _bad").fetchone()[0]:
        _convert_types(con, tf)
        return
    # A stored row's line: rows are stored in file order, skipping lines rejected on reading.
    # d = how many stored rows precede each rejected line; row k sits after every rejected line
    # with d <= k.
    header = tf.header_lines
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _gaps AS
        SELECT line - 1 - {header} - (row_number() OVER (ORDER BY line) - 1) AS d
        FROM (SELECT DISTINCT line FROM _rejects WHERE table_name = ?)
        """,
        [table],
    )
    con.execute(
        f"""
        INSERT INTO _rejects
        SELECT ?, b.rid + {header} + 1 + (SELECT count(*) FROM _gaps g WHERE g.d <= b.rid),
               b.col, b.reason, b.val
        FROM _bad b
        """,
        [table],
    )
    con.execute(f"DELETE FROM {table} WHERE rowid IN (SELECT rid FROM _bad)")
    _convert_types(con, tf)


def _convert_types(con: duckdb.DuckDBPyConnection, tf: TableFile) -> None:
    """The columns read as text or as numbers (readers._read_type) take their canonical type
    once their bad values are rejected."""
    for col in tf.table.columns:
        if col.type == "BIGINT":
            con.execute(f"ALTER TABLE {tf.table.name} ALTER {col.name} TYPE BIGINT")
        if col.type == "BOOLEAN":
            con.execute(
                f"ALTER TABLE {tf.table.name} ALTER {col.name} TYPE BOOLEAN "
                f"USING (lower(trim({col.name})) IN {_words(TRUE_WORDS)})"
            )


def keep_rejected_keys(con: duckdb.DuckDBPyConnection, tf: TableFile) -> None:
    """What is kept of every rejected row (readers.kept_columns: its key and the columns the
    table declares, as read, plus their readable values) with its reasons, in the table
    `kept_rejects` of the reference database: rows failing a check here (still in the table),
    and rows rejected on reading (read from the raw line by the reader, in `_unread_keys`)."""
    table = tf.table
    kept = table.kept_rejects
    con.execute(f"CREATE TABLE IF NOT EXISTS {kept} ({kept_columns_ddl(table)}, reason VARCHAR)")
    values = [_text(table.column(c), f"t.{c}") for c in kept_columns(table)]
    values += [_integral(c, f"t.{c.name}") for c in parsed_columns(table)]
    con.execute(
        f"INSERT INTO {kept} SELECT {', '.join(values)}, string_agg(DISTINCT b.reason, ' ; ') "
        f"FROM _bad b JOIN {table.name} t ON t.rowid = b.rid GROUP BY ALL"
    )
    unread = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = '_unread_keys'"
    ).fetchone()[0]
    if unread:
        plain = [f"u.{c}" for c in kept_columns(table)]
        plain += [f"u.{c.name}{PARSED}" for c in parsed_columns(table)]
        con.execute(
            f"INSERT INTO {kept} SELECT {', '.join(plain)}, string_agg(DISTINCT r.reason, ' ; ') "
            "FROM _unread_keys u JOIN _rejects r ON r.line = u.line AND r.table_name = ? "
            "GROUP BY ALL",
            [table.name],
        )
        con.execute("DROP TABLE _unread_keys")
