"""What the running web app shares between pages: the store opened once at start-up."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from chemo_fallback.config import SNAPSHOTS_DIR
from chemo_fallback.site_settings import SiteSettings
from chemo_fallback.store import Store


@dataclass
class AppState:
    store: Store
    demo: bool = False
    snapshots_dir: Path = SNAPSHOTS_DIR  # where the unit drops the production exports
    settings: SiteSettings = field(default_factory=SiteSettings)  # read once at start-up


_current: AppState | None = None


def install(state: AppState) -> None:
    global _current
    _current = state


def current() -> AppState:
    if _current is None:
        raise RuntimeError("the web app was started without a store (call state.install first)")
    return _current
