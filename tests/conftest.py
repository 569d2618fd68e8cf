"""Shared fixtures: a temporary store and a small valid snapshot (see factory.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from factory import write_snapshot

from chemo_fallback.store import Store


@pytest.fixture
def store(tmp_path: Path):
    opened = Store.open(tmp_path / "data")
    yield opened
    opened.close()


@pytest.fixture
def snapshot_dir(tmp_path: Path) -> Path:
    return write_snapshot(tmp_path / "snapshot")



@pytest.fixture
def previous(store, tmp_path: Path) -> str:
    """A valid snapshot activated first: a refused one must leave it in use."""
    from chemo_fallback.snapshot.activation import activate_snapshot

    report = activate_snapshot(store, write_snapshot(tmp_path / "previous"))
    assert report.status == "activated"
    return report.snapshot_id
