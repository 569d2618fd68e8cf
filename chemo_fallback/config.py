"""Where the fallback keeps its data, and the settings read from the environment."""

from __future__ import annotations

import os
from pathlib import Path

DATA_DIR_ENV = "CHEMO_FALLBACK_DATA_DIR"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
SNAPSHOTS_DIR = PROJECT_ROOT / "snapshots"
DEMO_SNAPSHOT = SNAPSHOTS_DIR / "demo"


def default_data_dir() -> Path:
    """Per-user default: $XDG_DATA_HOME/chemo-fallback, else ~/.local/share/chemo-fallback."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "chemo-fallback"


def resolve_data_dir(option: str | Path | None) -> Path:
    """The --data-dir option wins, then CHEMO_FALLBACK_DATA_DIR, then the per-user default."""
    if option:
        return Path(option).expanduser().resolve()
    from_env = os.environ.get(DATA_DIR_ENV)
    if from_env:
        return Path(from_env).expanduser().resolve()
    return default_data_dir()
