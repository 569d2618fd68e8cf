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

