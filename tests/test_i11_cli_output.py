"""Issue 11: output going away (`snapshot activate … | head -1`) never changes the outcome of an
activation, and prints no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from factory import write_snapshot

from chemo_fallback.store import Store


def test_an_activation_piped_into_head_completes(tmp_path: Path) -> None:
    snapshot = write_snapshot(tmp_path / "snap")
    data = tmp_path / "data"
    command = (
        f"set -o pipefail; '{sys.executable}' -m chemo_fallback.cli snapshot activate "
        f"'{snapshot}' --data-dir '{data}' | head -1"
    )
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr
    assert len(done.stdout.splitlines()) == 1
    store = Store.open(data)
    try:
        [(_, status, *_rest)] = store.activations(5)
        assert status == "active"
    finally:
        store.close()
