"""Snapshot administration use cases: what can be activated, and activation by a user."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from chemo_fallback.audit import Actor
from chemo_fallback.auth.roles import Permission, require
from chemo_fallback.snapshot.activation import Progress
from chemo_fallback.snapshot.isolated import activate_isolated
from chemo_fallback.snapshot.manifest import MANIFEST_NAME
from chemo_fallback.snapshot.report import ActivationReport
from chemo_fallback.store import Store


@dataclass(frozen=True)
class Candidate:
    path: Path
    kind: str  # "dossier" or "zip"
    exported_at: datetime | None  # from the manifest when readable, else None
    source: str
    modified_at: datetime


def _manifest_summary(folder: Path) -> tuple[datetime | None, str]:
    try:
        data = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8-sig"))
        exported = datetime.fromisoformat(data["exported_at"]).replace(tzinfo=None)
        return exported, f"{data['source']['system']} — {data['site']['name']}"
    except (OSError, ValueError, KeyError, TypeError):
        return None, "manifeste illisible (l'activation dira pourquoi)"


def list_candidates(snapshots_dir: Path) -> list[Candidate]:
    """Exports dropped in the snapshots folder: sub-folders holding a manifest, and zips."""
    found: list[Candidate] = []
    if not snapshots_dir.is_dir():
        return found
    for path in sorted(snapshots_dir.iterdir()):
        modified = datetime.fromtimestamp(path.stat().st_mtime)
        if path.is_dir() and (path / MANIFEST_NAME).is_file():
            exported, source = _manifest_summary(path)
            found.append(Candidate(path, "dossier", exported, source, modified))
        elif path.is_file() and path.suffix.lower() == ".zip":
            found.append(
                Candidate(path, "zip", None, "archive (vérifiée à l'activation)", modified)
            )
    return sorted(found, key=lambda c: c.exported_at or c.modified_at, reverse=True)


def activate_as(
    store: Store, actor: Actor, path: Path, progress: Progress, *, demo_mode: bool = False
) -> ActivationReport:
    """Activation from the app, read in a child process (a reader crashing on a hostile file
    is a refused activation, never the server down). Outside demo mode a demo snapshot is
    refused, so fictitious patients never replace the real ones."""
    require(actor.role, Permission.SNAPSHOT_ACTIVATE)
    return activate_isolated(store, path, actor=actor, progress=progress, refuse_demo=not demo_mode)
