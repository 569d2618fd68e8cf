"""The store: the fallback's own DuckDB file, and the active snapshot attached beside it.

Layout of a data directory:
    chemo-fallback.duckdb       the fallback's own records (never replaced by an activation)
    reference/<id>.duckdb       one reference database per activated snapshot (read-only)
    work/                       scratch space of an activation in progress

The active snapshot is attached read-only as the catalog `ref` (query `ref.patients`). An
activation builds a new reference file beside the live one and the switch is one transaction
on `snapshot_activations`, so a failed or killed activation leaves the previous one in use.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from chemo_fallback import audit, audit_anchor, row_seals
from chemo_fallback.errors import StoreError
from chemo_fallback.store import migrate
from chemo_fallback.store.file_modes import make_private

STORE_FILE = "chemo-fallback.duckdb"
SYSTEM_ACTOR = audit.Actor("système", "admin", "l'application (mise à jour)")
REFERENCE_DIR = "reference"
WORK_DIR = "work"
REFERENCE_CATALOG = "ref"
KEEP_REFERENCES = 2  # the active one and the one before, to compare or go back


@dataclass(frozen=True)
class ActiveSnapshot:
    activation_id: int
    snapshot_id: str
    source_path: str
    source_system: str | None
    site: str | None
    exported_at: datetime
    demo: bool
    shift_days: int
    finished_at: datetime
    report_json: str


class Store:
    def __init__(self, data_dir: Path, con: duckdb.DuckDBPyConnection) -> None:
        self.data_dir = data_dir
        self.con = con
        self.lock = threading.RLock()  # one writer at a time; held while `ref` is swapped
        self.audit_check: audit.ChainCheck | None = None
        self.anchor_check: audit_anchor.AnchorCheck | None = None
        self.anchor_file = audit_anchor.anchor_path(data_dir)
        self._anchored_id = 0
        self.rows_check: row_seals.RowsCheck | None = None
        self._sealer = row_seals.Sealer()

    @classmethod
    def open(cls, data_dir: Path) -> Store:
        make_private(data_dir)
        (data_dir / REFERENCE_DIR).mkdir(exist_ok=True)
        path = data_dir / STORE_FILE
        try:
            con = duckdb.connect(str(path))
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise StoreError(
                    f"La base {path} est déjà ouverte par un autre processus (l'application "
                    "est-elle lancée ?). Arrêtez-le, ou faites l'opération depuis l'application."
                ) from exc
            raise StoreError(f"La base {path} ne peut pas être ouverte : {exc}") from exc
        store = cls(data_dir, con)
        # Rows altered before an upgrade are found before its migrations change them
        before = (
            row_seals.check(con) if migrate.pending(con) and row_seals.ready(con) else None
        )
        applied = migrate.apply_pending(con)
        store.audit_check = audit.verify(con)  # shown loudly by the app when broken
        store._check_anchor()
        store._start_seals(applied, before)
        store._record_unanchored()
        store._clean_leftovers()
        store._attach_active()
        return store

    def close(self) -> None:
        """Close, waiting (up to 5 s) for reads still running in worker threads to finish."""
        with self.lock:
            for _attempt in range(100):
                try:
                    self.con.close()
                    return
                except duckdb.Error as exc:
                    if "busy" not in str(exc):
                        raise
                    time.sleep(0.05)
            self.con.close()

    @property
    def reference_dir(self) -> Path:
        return self.data_dir / REFERENCE_DIR

    @property
    def work_dir(self) -> Path:
        return self.data_dir / WORK_DIR

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor for one thread's reads (DuckDB connections are not shared across threads)."""
        return self.con.cursor()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One audited change: the business rows it changed are sealed into its last audit
        record before it commits (row_seals)."""
        with self.lock:
            cur = self.con.cursor()
            cur.execute("BEGIN TRANSACTION")
            try:
                head = cur.execute("SELECT last_id FROM audit_head").fetchone()
                yield cur
                quick = self._sealer.seal(cur, head[0] if head else 0)
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            else:
                self._sealer.committed(quick)
                self._anchor_head(cur)
            finally:
                cur.close()

    def _start_seals(self, applied: list[str], before: row_seals.RowsCheck | None) -> None:
        """Check the business tables against the trail. After migrations, what they changed
        is sealed in one audited record; rows found altered are never sealed."""
        if applied:
            self._sealer.start(self.con, before.keys() if before else frozenset())
            with self.transaction() as cur:
                if self._sealer.changes(cur)[0]:
                    audit.record(
                        cur, SYSTEM_ACTOR, "store.migrated", "store", None,
                        after={"migrations": applied},
                        reason="mise à jour du schéma de la base : les lignes qu'elle a "
                        "modifiées sont scellées",
                    )
        self.rows_check = row_seals.check(self.con)
        if before is not None and not before.ok:
            self.rows_check = row_seals.RowsCheck(
                False, self.rows_check.rows,
                tuple(sorted(set(before.problems) | set(self.rows_check.problems),
                             key=lambda p: (p.table, p.key))),
            )
        self._sealer.start(self.con, self.rows_check.keys())

    def _check_anchor(self) -> None:
        """The store against its anchor (audit_anchor); a store whose trail went further than
        an anchor placed late is anchored from its head now."""
        heads = audit_anchor.read(self.anchor_file)
        self.anchor_check = audit_anchor.compare(self.con, heads)
        if not self.anchor_check.ok and self.audit_check is not None and self.audit_check.ok:
            self.audit_check = audit.ChainCheck(
                False, self.audit_check.records if self.audit_check else 0,
                self.anchor_check.agreed + 1, self.anchor_check.problem,
            )
        self._anchored_id = heads[-1][0] if heads else 0
        if self.anchor_check.ok:
            self._anchor_head(self.con)

    def _record_unanchored(self) -> None:
        """Records found after the anchor's last one are named in the trail itself, so the
        warning outlives the next anchoring (which covers them from then on)."""
        check = self.anchor_check
        if check is None or not check.ok or not check.beyond:
            return
        first, last = check.anchored + 1, check.anchored + check.beyond
        with self.transaction() as cur:
            audit.record(
                cur, SYSTEM_ACTOR, "audit.unanchored", "audit_log", f"{first}-{last}",
                after={"first": first, "last": last},
                reason="enregistrements trouvés après le dernier ancré, à l'ouverture : ancre "
                "inaccessible, arrêt brutal entre l'écriture et l'ancrage, ou ajout hors de "
                "l'application",
            )

    def _anchor_head(self, cur: duckdb.DuckDBPyConnection) -> None:
        head = cur.execute("SELECT last_id, last_hash FROM audit_head").fetchone()
        if head is None or head[0] <= self._anchored_id:
            return
        try:
            audit_anchor.append(self.anchor_file, head[0], head[1])
            self._anchored_id = head[0]
        except OSError:
            # the second medium is gone: the change is committed, the anchor catches up at the
            # next change; `audit verify` shows how far the two agree
            pass

    def active_snapshot(self) -> ActiveSnapshot | None:
        row = (
            self.cursor()
            .execute(
                """SELECT activation_id, snapshot_id, source_path, source_system, site, exported_at,
                      demo, shift_days, finished_at, report_json
               FROM snapshot_activations WHERE status = 'active'"""
            )
            .fetchone()
        )
        return ActiveSnapshot(*row) if row else None

    def has_reference(self) -> bool:
        names = {
            r[0]
            for r in self.cursor()
            .execute("SELECT database_name FROM duckdb_databases()")
            .fetchall()
        }
        return REFERENCE_CATALOG in names

    def activations(self, limit: int = 20) -> list[tuple]:
        return (
            self.cursor()
            .execute(
                """SELECT activation_id, status, source_path, exported_at, finished_at, report_json
               FROM snapshot_activations ORDER BY activation_id DESC LIMIT ?""",
                [limit],
            )
            .fetchall()
        )

    def record_refused(self, values: dict, actor: audit.Actor, reason: str) -> None:
        with self.transaction() as cur:
            activation_id = _insert_activation(
                cur, {**values, "status": "refused", "reference_file": None}
            )
            audit.record(
                cur,
                actor,
                "snapshot.refused",
                "snapshot_activation",
                activation_id,
                after=_summary(values),
                reason=reason,
            )

    def switch_to(self, values: dict, reference_file: str, actor: audit.Actor) -> None:
        """Make a complete reference file the active snapshot (one transaction, audited), then
        attach it."""
        with self.lock:
            with self.transaction() as cur:
                previous = cur.execute(
                    "SELECT snapshot_id, exported_at, source_path FROM snapshot_activations "
                    "WHERE status = 'active'"
                ).fetchone()
                cur.execute(
                    "UPDATE snapshot_activations SET status = 'superseded' WHERE status = 'active'"
                )
                activation_id = _insert_activation(
                    cur, {**values, "status": "active", "reference_file": reference_file}
                )
                audit.record(
                    cur,
                    actor,
                    "snapshot.activated",
                    "snapshot_activation",
                    activation_id,
                    before=dict(
                        zip(("snapshot_id", "exported_at", "source_path"), previous, strict=True)
                    )
                    if previous
                    else None,
                    after=_summary(values),
                )
            self._attach_active()
            self._remove_old_references()

    def _attach_active(self) -> None:
        with self.lock:
            if self.has_reference():
                self.con.execute(f"DETACH {REFERENCE_CATALOG}")
            row = self.con.execute(
                "SELECT reference_file FROM snapshot_activations WHERE status = 'active'"
            ).fetchone()
            if row is None:
                return
            path = self.reference_dir / row[0]
            if not path.is_file():
                raise StoreError(
                    f"Le fichier de l'instantané actif ({path}) a disparu. Réactivez un "
                    "instantané (chemo-fallback snapshot activate)."
                )
            quoted = str(path).replace("'", "''")
            self.con.execute(f"ATTACH '{quoted}' AS {REFERENCE_CATALOG} (READ_ONLY)")

    def _kept_reference_files(self) -> set[str]:
        rows = self.con.execute(
            """SELECT reference_file FROM snapshot_activations
               WHERE status IN ('active', 'superseded') AND reference_file IS NOT NULL
               ORDER BY activation_id DESC LIMIT ?""",
            [KEEP_REFERENCES],
        ).fetchall()
        return {r[0] for r in rows}

    def _remove_old_references(self) -> None:
        kept = self._kept_reference_files()
        for path in self.reference_dir.glob("*.duckdb"):
            if path.name not in kept:
                path.unlink(missing_ok=True)
                path.with_name(path.name + ".wal").unlink(missing_ok=True)

    def _clean_leftovers(self) -> None:
        """What an interrupted activation left behind: its partial file and its work folder."""
        for path in self.reference_dir.glob("*.partial*"):
            path.unlink(missing_ok=True)
        shutil.rmtree(self.work_dir, ignore_errors=True)
        self._remove_old_references()  # a file renamed but never switched to


def _summary(values: dict) -> dict:
    keys = ("snapshot_id", "exported_at", "source_path", "source_system", "site", "shift_days")
    return {k: values.get(k) for k in keys}


def _insert_activation(cur: duckdb.DuckDBPyConnection, v: dict) -> int:
    return cur.execute(
        """INSERT INTO snapshot_activations (snapshot_id, status, source_path, source_system,
               site, exported_at, reference_file, demo, shift_days, started_at, finished_at,
               report_json)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING activation_id""",
        [
            v.get("snapshot_id"),
            v["status"],
            v["source_path"],
            v.get("source_system"),
            v.get("site"),
            v.get("exported_at"),
            v.get("reference_file"),
            v.get("demo", False),
            v.get("shift_days", 0),
            v["started_at"],
            v["finished_at"],
            v["report_json"],
        ],
    ).fetchone()[0]
