"""The audit trail's head, anchored outside the store.

Someone with access to the store file can rewrite a record and recompute every later hash,
delete the last records with the head row, or empty the trail: the chain alone still verifies.
So each time the head moves (after each committed transaction that wrote audit records) its
number and hash are appended to an anchor file, which the installation places on a second
medium (docs/deployment.md; `CHEMO_FALLBACK_AUDIT_ANCHOR` names it, by default
`audit-anchor.log` in the data directory). `compare` checks the store against it: every
anchored record must still be there with the same hash, and the trail must not end before the
anchor's last record.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

ANCHOR_ENV = "CHEMO_FALLBACK_AUDIT_ANCHOR"
ANCHOR_FILE = "audit-anchor.log"


def anchor_path(data_dir: Path) -> Path:
    configured = os.environ.get(ANCHOR_ENV)
    return Path(configured) if configured else data_dir / ANCHOR_FILE


def append(path: Path, last_id: int, last_hash: str) -> None:
    """One line per head, written through to the disk (the anchor must survive a crash)."""
    with path.open("a", encoding="ascii") as fh:
        fh.write(f"{last_id} {last_hash} {datetime.now().isoformat(timespec='seconds')}\n")
        fh.flush()
        os.fsync(fh.fileno())


def read(path: Path) -> list[tuple[int, str]]:
    """The anchored heads, oldest first; a damaged line is skipped (the others still count)."""
    if not path.is_file():
        return []
    heads = []
    for line in path.read_text(encoding="ascii", errors="replace").splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0].isdigit() and len(parts[1]) == 64:
            heads.append((int(parts[0]), parts[1]))
    return heads


@dataclass(frozen=True)
class AnchorCheck:
    ok: bool
    anchored: int  # the anchor's last record number (0: nothing anchored)
    agreed: int  # how far store and anchor agree
    problem: str = ""  # French
    beyond: int = 0  # records of the trail after the anchor's last one

    def message(self) -> str:
        if self.ok:
            text = f"Ancre de la piste d'audit : accord jusqu'à l'enregistrement n° {self.agreed}."
            if self.beyond:
                # a crash between a commit and its anchoring, or an anchor medium that was
                # unreachable, leaves such records; so would records added to the file
                text += (
                    f" ATTENTION : {self.beyond} enregistrement(s) après le n° {self.agreed} "
                    "n'étaient pas ancrés (ancre inaccessible, arrêt brutal, ou ajout hors de "
                    "l'application) : vérifiez-les dans la piste."
                )
            return text
        return (
            f"PISTE D'AUDIT CONTREDITE PAR SON ANCRE : {self.problem} (accord jusqu'au n° "
            f"{self.agreed}). Ne supprimez rien ; prévenez l'administrateur et le pharmacien "
            "responsable."
        )


def compare(cur: duckdb.DuckDBPyConnection, heads: list[tuple[int, str]]) -> AnchorCheck:
    if not heads:
        return AnchorCheck(True, 0, 0)
    stored = dict(cur.execute("SELECT audit_id, hash FROM audit_log").fetchall())
    present = max(stored, default=0)
    agreed = 0
    for audit_id, expected in heads:
        found = stored.get(audit_id)
        if found is None:
            return AnchorCheck(
                False, heads[-1][0], agreed,
                f"l'enregistrement n° {audit_id} est connu de l'ancre mais absent de la piste "
                f"(la piste s'arrête au n° {present}) : des enregistrements ont été supprimés",
            )
        if found != expected:
            return AnchorCheck(
                False, heads[-1][0], agreed,
                f"l'enregistrement n° {audit_id} n'a plus l'empreinte ancrée : la piste a été "
                "réécrite depuis",
            )
        agreed = audit_id
    return AnchorCheck(True, heads[-1][0], agreed, beyond=max(0, present - heads[-1][0]))
