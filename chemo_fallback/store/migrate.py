"""Ordered, named SQL migrations of the store, each applied once, in its own transaction."""

from __future__ import annotations

import re
from importlib import resources

import duckdb

NAME_PATTERN = re.compile(r"^\d{4}_[a-z0-9_]+\.sql$")


def available() -> list[tuple[str, str]]:
    folder = resources.files("chemo_fallback.store") / "migrations"
    names = sorted(p.name for p in folder.iterdir() if NAME_PATTERN.match(p.name))
    return [(name, (folder / name).read_text(encoding="utf-8")) for name in names]


def pending(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The migrations not applied yet (all of them on a new store)."""
    exists = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
        "AND table_name = 'schema_migrations'"
    ).fetchone()[0]
    done = (
        {row[0] for row in con.execute("SELECT name FROM schema_migrations").fetchall()}
        if exists
        else set()
    )
    return [name for name, _sql in available() if name not in done]


def apply_pending(con: duckdb.DuckDBPyConnection) -> list[str]:
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations "
        "(name VARCHAR PRIMARY KEY, applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)"
    )
    done = {row[0] for row in con.execute("SELECT name FROM schema_migrations").fetchall()}
    applied = []
    for name, sql in available():
        if name in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(sql)
            con.execute("INSERT INTO schema_migrations (name) VALUES (?)", [name])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        applied.append(name)
    return applied
