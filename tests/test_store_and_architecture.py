"""The store's migrations, and the boundary between the core and the UI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from chemo_fallback.store import Store, migrate


def test_migrations_are_named_ordered_and_applied_once(tmp_path: Path) -> None:
    names = [name for name, _sql in migrate.available()]
    assert names == sorted(names) and names[0] == "0001_snapshot_activations.sql"
    store = Store.open(tmp_path)
    applied = store.cursor().execute("SELECT name FROM schema_migrations ORDER BY name")
    assert [r[0] for r in applied.fetchall()] == names
    assert migrate.apply_pending(store.con) == []
    store.close()


def _modules_loaded_by(statement: str) -> set[str]:
    code = f"import sys; {statement}; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_snapshot_core_does_not_import_the_ui() -> None:
    loaded = _modules_loaded_by(
        "import chemo_fallback.snapshot.activation, chemo_fallback.store, chemo_fallback.cli"
    )
    assert "nicegui" not in loaded


def test_pure_modules_import_no_database_nor_ui() -> None:
    loaded = _modules_loaded_by(
        "import chemo_fallback.snapshot.tables, chemo_fallback.snapshot.freshness, "
        "chemo_fallback.site_settings, chemo_fallback.modules.prescription.rules, "
        "chemo_fallback.modules.prescription.models"
    )
    assert not {"duckdb", "nicegui", "pandas", "reportlab"} & loaded


def test_crisis_modules_install_under_the_app_namespace() -> None:
    loaded = _modules_loaded_by("import chemo_fallback.modules.prescription")
    assert "chemo_fallback.modules.prescription" in loaded
    assert "modules" not in loaded
