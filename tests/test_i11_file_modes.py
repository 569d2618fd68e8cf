"""Issue 11: the data directory is readable only by the app's user (files 0600, folders 0700),
including the reference databases an activation writes and files that were there before."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from factory import write_snapshot

from chemo_fallback.snapshot.activation import activate_snapshot
from chemo_fallback.store import Store
from chemo_fallback.web import server


def _modes(folder: Path) -> dict[str, int]:
    found = {}
    for root, dirs, files in os.walk(folder):
        for name in [*dirs, *files]:
            path = Path(root) / name
            found[str(path.relative_to(folder))] = stat.S_IMODE(path.stat().st_mode)
    return found


def test_the_store_and_its_references_are_private(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    old = data / "copied-in.txt"
    old.write_text("x")
    old.chmod(0o644)
    store = Store.open(data)
    try:
        report = activate_snapshot(store, write_snapshot(tmp_path / "snap"))
        assert report.status == "activated"
        server.storage_secret(data)
    finally:
        store.close()
    modes = _modes(data)
    assert modes, "the data directory holds files"
    for name, mode in modes.items():
        expected = 0o700 if (data / name).is_dir() else 0o600
        assert mode == expected, f"{name}: {oct(mode)}"
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
