"""Row seals: every row of every business table is reproduced by the audit trail.

The hash chain and its anchor prove the audit records were not rewritten; they say nothing of a
measurement edited from 83,7 to 8,0 in the store file, or a role changed to admin. So, before a
transaction commits, the store fingerprints the rows it changed (SHA-256 of the row as JSON) and
writes the fingerprints into the transaction's last audit record, inside its hash
(`audit.attach_rows`). `check` replays the trail's fingerprints and compares them with the
tables: a row changed, added or deleted outside the application is named, with the audit record
of its last known state.

Every table of the store with a one-column primary key is sealed, except the trail itself and
bookkeeping tables (EXCLUDED). A change to a sealed table in a transaction that wrote no audit
record is refused: it would be a state change without its audit record.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import duckdb

from chemo_fallback.errors import StoreError

EXCLUDED = frozenset(
    {"audit_log", "audit_head", "schema_migrations", "row_seals", "login_throttle"}
)
TABLE_LABELS = {
    "users": "compte",
    "snapshot_activations": "activation d'instantané",
    "signatures": "signature",
    "local_patients": "patient créé pendant la panne",
    "patient_measurements": "mesure",
    "patient_lab_results": "résultat de biologie",
    "printed_documents": "document imprimé",
    "document_prints": "impression",
    "rx_prescriptions": "prescription",
    "rx_lines": "ligne de prescription",
    "notes": "note",
    "validation_decisions": "décision de validation",
    "go_aheads": "feu vert",
    "request_keys": "clé de requête",
    "fab_preparations": "préparation",
    "fab_vial_scans": "flacon scanné",
    "fab_reliquats": "reliquat",
    "rel_controls": "contrôle de préparation",
    "rel_decisions": "décision de libération",
    "disp_rounds": "tournée de livraison",
    "disp_items": "préparation dispensée",
    "adm_records": "administration",
    "ord_orders": "commande fournisseur",
    "ord_order_lines": "ligne de commande",
    "ord_stock_movements": "mouvement de stock",
    "exp_runs": "export de réintégration",
}

Key = tuple[str, str]  # (table, row key)


class UnauditedChange(StoreError):
    """A transaction changed business rows without writing an audit record."""


@dataclass(frozen=True)
class RowProblem:
    table: str
    key: str
    kind: str  # "modified" | "added" | "deleted"
    audit_id: int | None  # the record of the row's last known state

    def message(self) -> str:
        what = f"{TABLE_LABELS.get(self.table, self.table)} « {self.key} » (table {self.table})"
        if self.kind == "modified":
            return (
                f"{what} : modifié hors de l'application (dernier état connu de la piste : "
                f"enregistrement n° {self.audit_id})"
            )
        if self.kind == "deleted":
            return (
                f"{what} : supprimé hors de l'application (dernier état connu de la piste : "
                f"enregistrement n° {self.audit_id})"
            )
        return f"{what} : présent sans aucun enregistrement d'audit (ajouté hors de l'application)"


@dataclass(frozen=True)
class RowsCheck:
    ok: bool
    rows: int
    problems: tuple[RowProblem, ...] = ()

    def message(self) -> str:
        if self.ok:
            return (
                f"Enregistrements conformes à la piste d'audit : {self.rows} ligne(s) "
                "vérifiée(s)."
            )
        shown = "\n".join(f"  - {p.message()}" for p in self.problems[:50])
        more = len(self.problems) - 50
        tail = f"\n  … et {more} autre(s)" if more > 0 else ""
        return (
            f"ENREGISTREMENTS MODIFIÉS HORS DE L'APPLICATION : {len(self.problems)} ligne(s) "
            f"ne correspondent pas à la piste d'audit.\n{shown}{tail}\nNe supprimez rien ; "
            "prévenez l'administrateur et le pharmacien responsable."
        )

    def headline(self) -> str:
        """One line for the alarm banner; the rows are listed by `audit verify` and the audit
        page."""
        return (
            f"ENREGISTREMENTS MODIFIÉS HORS DE L'APPLICATION : {len(self.problems)} ligne(s) ne "
            "correspondent pas à la piste d'audit (détail : Piste d'audit, ou `chemo-fallback "
            "audit verify`). Ne supprimez rien ; prévenez l'administrateur."
        )

    def keys(self) -> frozenset[Key]:
        return frozenset((p.table, p.key) for p in self.problems)


def ready(cur: duckdb.DuckDBPyConnection) -> bool:
    """Whether the store has the seal column yet (migration 0013)."""
    return (
        cur.execute(
            "SELECT count(*) FROM duckdb_columns() WHERE database_name = current_database() "
            "AND table_name = 'audit_log' AND column_name = 'rows_json'"
        ).fetchone()[0]
        > 0
    )


def sealed_tables(cur: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Every business table of the store and its key column."""
    tables = [
        r[0]
        for r in cur.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
            "AND schema_name = 'main' AND NOT temporary ORDER BY table_name"
        ).fetchall()
    ]
    keys = {
        r[0]: r[1]
        for r in cur.execute(
            "SELECT table_name, constraint_column_names FROM duckdb_constraints() "
            "WHERE database_name = current_database() AND constraint_type = 'PRIMARY KEY'"
        ).fetchall()
    }
    sealed = {}
    for table in tables:
        if table in EXCLUDED:
            continue
        columns = keys.get(table)
        if not columns or len(columns) != 1:
            raise StoreError(
                f"La table {table} n'a pas de clé primaire d'une colonne : ses lignes ne peuvent "
                "pas être scellées dans la piste d'audit (défaut du logiciel)."
            )
        sealed[table] = columns[0]
    return sealed


def _digests_sql(table: str, key: str, *, quick: bool = False) -> str:
    cheap = ", hash(t) AS quick" if quick else ""
    return (
        f'SELECT CAST(t."{key}" AS VARCHAR) AS row_key, '
        f'sha256(CAST(to_json(t) AS VARCHAR)) AS digest{cheap} FROM main."{table}" t'
    )


def current_digests(cur: duckdb.DuckDBPyConnection) -> dict[Key, str]:
    found = {}
    for table, key in sealed_tables(cur).items():
        for row_key, digest in cur.execute(_digests_sql(table, key)).fetchall():
            found[(table, row_key)] = digest
    return found


def expected_from_trail(cur: duckdb.DuckDBPyConnection) -> dict[Key, tuple[str | None, int]]:
    """The last fingerprint the trail gives each row (None: deleted), with its record."""
    expected: dict[Key, tuple[str | None, int]] = {}
    rows = cur.execute(
        "SELECT audit_id, rows_json FROM audit_log WHERE rows_json IS NOT NULL ORDER BY audit_id"
    ).fetchall()
    for audit_id, rows_json in rows:
        for table, row_key, digest in json.loads(rows_json):
            expected[(table, row_key)] = (digest, audit_id)
    return expected


def check(cur: duckdb.DuckDBPyConnection) -> RowsCheck:
    """The business tables against the trail; names each row that differs."""
    expected = expected_from_trail(cur)
    current = current_digests(cur)
    problems = []
    for key, digest in current.items():
        known = expected.get(key)
        if known is None or known[0] is None:
            problems.append(RowProblem(*key, "added", None))
        elif known[0] != digest:
            problems.append(RowProblem(*key, "modified", known[1]))
    for key, (digest, audit_id) in expected.items():
        if digest is not None and key not in current:
            problems.append(RowProblem(*key, "deleted", audit_id))
    problems.sort(key=lambda p: (p.table, p.key))
    return RowsCheck(not problems, len(current), tuple(problems))


@dataclass
class Sealer:
    """The store's sealing state for this process: the rows found altered at start (never
    sealed: the alarm stays until someone looks), and each table's quick fingerprint after the
    last commit, so a commit only looks closely at the tables that changed."""

    tampered: frozenset[Key] = frozenset()
    quick: dict[str, tuple] = field(default_factory=dict)

    def start(self, con: duckdb.DuckDBPyConnection, tampered: frozenset[Key]) -> None:
        """Rebuild the cache of latest fingerprints from the trail (the authority: a cache
        edited in the file changes nothing), with each row's cheap hash when it matches."""
        import pandas as pd  # here only: an activation's child process never loads it

        self.tampered = tampered
        self.quick = {}
        expected = expected_from_trail(con)
        frame = pd.DataFrame(
            [(t, k, d, a) for (t, k), (d, a) in expected.items() if d is not None],
            columns=["table_name", "row_key", "digest", "audit_id"],
        )
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute("DELETE FROM row_seals")
            if len(frame):
                con.register("seals_frame", frame)
                con.execute(
                    "INSERT INTO row_seals (table_name, row_key, digest, audit_id) "
                    "SELECT * FROM seals_frame"
                )
                con.unregister("seals_frame")
            for table, key in sealed_tables(con).items():
                con.execute(
                    f"""UPDATE row_seals s SET quick = c.quick
                        FROM ({_digests_sql(table, key, quick=True)}) c
                        WHERE s.table_name = ? AND s.row_key = c.row_key
                          AND s.digest = c.digest""",
                    [table],
                )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise

    def _quick(self, cur: duckdb.DuckDBPyConnection, table: str) -> tuple:
        # DuckDB's own row hash: cheap, and only compared within this process
        return cur.execute(f'SELECT count(*), bit_xor(hash(t)) FROM main."{table}" t').fetchone()

    def changes(
        self, cur: duckdb.DuckDBPyConnection
    ) -> tuple[list[tuple[str, str, str | None, int | None]], dict[str, tuple]]:
        """The rows this transaction changed, as (table, key, fingerprint or None, cheap
        hash), and the tables' quick fingerprints to keep once it commits. Only the rows whose
        cheap hash is not among the sealed ones get a SHA-256 fingerprint computed; deleted
        rows are looked for only when the counts say some are missing."""
        changed, quick = [], {}
        for table, key in sealed_tables(cur).items():
            quick[table] = self._quick(cur, table)
            if self.quick.get(table) == quick[table]:
                continue
            changed += self._table_changes(cur, table, key, quick[table][0])
        changed.sort(key=lambda c: (c[0], c[1]))
        return changed, quick

    def _table_changes(
        self, cur: duckdb.DuckDBPyConnection, table: str, key: str, rows: int
    ) -> list[tuple[str, str, str | None, int | None]]:
        moved = [
            r[0]
            for r in cur.execute(
                f"""SELECT CAST(t."{key}" AS VARCHAR) FROM main."{table}" t
                    ANTI JOIN (SELECT quick FROM row_seals WHERE table_name = ?
                               AND quick IS NOT NULL) s ON hash(t) = s.quick""",
                [table],
            ).fetchall()
        ]
        sealed = dict(
            cur.execute(
                "SELECT row_key, digest FROM row_seals WHERE table_name = ? "
                "AND list_contains(?, row_key)",
                [table, moved],
            ).fetchall()
        ) if moved else {}
        found = []
        if moved:
            for row_key, digest, row_quick in cur.execute(
                f"""SELECT CAST(t."{key}" AS VARCHAR), sha256(CAST(to_json(t) AS VARCHAR)),
                           hash(t)
                    FROM main."{table}" t WHERE list_contains(?, CAST(t."{key}" AS VARCHAR))""",
                [moved],
            ).fetchall():
                if digest != sealed.get(row_key):
                    found.append((table, row_key, digest, row_quick))
        total_sealed = cur.execute(
            "SELECT count(*) FROM row_seals WHERE table_name = ?", [table]
        ).fetchone()[0]
        if total_sealed - len(sealed) > rows - len(moved):  # some sealed rows are gone
            found += [
                (table, r[0], None, None)
                for r in cur.execute(
                    f"""SELECT s.row_key FROM row_seals s
                        ANTI JOIN main."{table}" t ON CAST(t."{key}" AS VARCHAR) = s.row_key
                        WHERE s.table_name = ?""",
                    [table],
                ).fetchall()
            ]
        return [f for f in found if (f[0], f[1]) not in self.tampered]

    def seal(self, cur: duckdb.DuckDBPyConnection, head_before: int) -> dict[str, tuple]:
        """Inside the transaction, before COMMIT: write the changed rows' fingerprints into its
        last audit record. Refused when it changed rows and wrote no audit record."""
        from chemo_fallback import audit  # audit imports the store's errors, not the store

        changed, quick = self.changes(cur)
        if not changed:
            return quick
        head = cur.execute("SELECT last_id FROM audit_head").fetchone()
        if head is None or head[0] <= head_before:
            tables = ", ".join(sorted({c[0] for c in changed}))
            raise UnauditedChange(
                f"Modification refusée : les tables {tables} ont changé sans enregistrement "
                "d'audit dans la même transaction. Rien n'a été enregistré (défaut du logiciel, "
                "à signaler)."
            )
        audit.attach_rows(
            cur, head[0], json.dumps([list(c[:3]) for c in changed], separators=(",", ":"))
        )
        for table, row_key, digest, row_quick in changed:
            cur.execute(
                "DELETE FROM row_seals WHERE table_name = ? AND row_key = ?", [table, row_key]
            )
            if digest is not None:
                cur.execute(
                    "INSERT INTO row_seals (table_name, row_key, digest, audit_id, quick) "
                    "VALUES (?, ?, ?, ?, ?)",
                    [table, row_key, digest, head[0], row_quick],
                )
        return quick

    def committed(self, quick: dict[str, tuple]) -> None:
        self.quick = quick
