"""Writing one record from a dict of its columns, the one way the modules' repositories do it.
Column and table names come from the code, never from input; values are always parameters."""

from __future__ import annotations

import duckdb


def dicts(cur: duckdb.DuckDBPyConnection) -> list[dict]:
    """The rows of the last query, as dicts keyed by column name."""
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def insert(cur: duckdb.DuckDBPyConnection, table: str, values: dict,
           returning: str | None = None):
    """Insert `values` into `table`; with `returning`, the new row's value of that column."""
    columns = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    tail = f" RETURNING {returning}" if returning else ""
    cur.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks}){tail}", list(values.values()))
    return cur.fetchone()[0] if returning else None


def update(cur: duckdb.DuckDBPyConnection, table: str, key_column: str, key, values: dict) -> None:
    assignments = ", ".join(f"{k} = ?" for k in values)
    cur.execute(
        f"UPDATE {table} SET {assignments} WHERE {key_column} = ?", [*values.values(), key]
    )
