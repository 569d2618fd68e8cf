"""Issue 11: an activation started from the app reads the export in a child process. A reader
that crashes is a refused activation in the history, the previous snapshot stays active, and
the app keeps answering."""

from __future__ import annotations

import json
from pathlib import Path

import crashing_reader
import pytest
from factory import write_snapshot
from nicegui.testing import User
from web_helpers import SLOW, sign_in

from chemo_fallback.snapshot import isolated
from chemo_fallback.snapshot.activation import activate_snapshot
from chemo_fallback.web import state


def test_an_isolated_activation_loads_as_in_process(store, tmp_path: Path) -> None:
    lines: list[str] = []
    report = isolated.activate_isolated(store, write_snapshot(tmp_path / "snap"),
                                        progress=lines.append)
    assert report.status == "activated", report.errors
    assert store.active_snapshot().snapshot_id == report.snapshot_id
    assert store.cursor().execute("SELECT count(*) FROM ref.patients").fetchone() == (3,)
    assert any("Lecture de patients.csv" in line for line in lines)  # progress from the child


def test_a_refusal_in_the_child_is_recorded(store, tmp_path: Path) -> None:
    folder = write_snapshot(tmp_path / "snap")
    (folder / "wards.csv").unlink()
    report = isolated.activate_isolated(store, folder)
    assert report.status == "refused"
    assert "wards.csv" in report.errors[0]
    assert store.activations(1)[0][1] == "refused"


def test_a_crashing_reader_is_a_refused_activation(store, tmp_path: Path, monkeypatch) -> None:
    previous = activate_snapshot(store, write_snapshot(tmp_path / "previous"))
    monkeypatch.setattr(isolated, "CHILD_TARGET", crashing_reader.abort_after_a_line)
    lines: list[str] = []
    report = isolated.activate_isolated(store, write_snapshot(tmp_path / "snap"),
                                        progress=lines.append)
    assert report.status == "refused"
    assert "La lecture de l'export s'est arrêtée brutalement (code de sortie -6)" in (
        report.errors[0])
    assert "Lecture de wards.xlsx…" in lines
    assert store.active_snapshot().snapshot_id == previous.snapshot_id
    last = store.activations(1)[0]
    assert last[1] == "refused" and json.loads(last[5])["errors"] == report.errors
    assert not list(store.reference_dir.glob("*.partial*"))


@pytest.fixture
def app_state(store, tmp_path: Path):
    installed = state.AppState(store=store, snapshots_dir=tmp_path / "exports")
    state.install(installed)
    return installed


async def test_a_crash_from_the_activation_page_leaves_the_app_up(
    user: User, app_state, tmp_path: Path, monkeypatch
) -> None:
    write_snapshot(tmp_path / "exports" / "export-du-jour")
    monkeypatch.setattr(isolated, "CHILD_TARGET", crashing_reader.abort_after_a_line)
    await sign_in(user, app_state.store, "admin")
    await user.open("/admin/instantanes")
    [table] = user.find(marker="candidates").elements
    table.selected = [row for row in table.rows if row["name"] == "export-du-jour"]
    user.find(marker="activate").click()
    await user.should_see("Activation refusée : l'instantané précédent reste actif.",
                          retries=SLOW * 3)
    await user.should_see("s'est arrêtée brutalement", retries=SLOW)
    assert app_state.store.activations(1)[0][1] == "refused"
    # the server still answers, and the next activation works
    monkeypatch.setattr(isolated, "CHILD_TARGET", isolated._child)
    await user.open("/admin/instantanes")
    [table] = user.find(marker="candidates").elements
    table.selected = [row for row in table.rows if row["name"] == "export-du-jour"]
    user.find(marker="activate").click()
    await user.should_see("Instantané activé sans rejet.", retries=SLOW * 3)
