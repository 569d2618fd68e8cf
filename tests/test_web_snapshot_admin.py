"""Activating a snapshot from the UI (admin only), with progress and the report."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
from factory import write_snapshot
from nicegui import ui
from nicegui.testing import User
from web_helpers import SLOW, sign_in

from chemo_fallback import audit
from chemo_fallback.auth.roles import PermissionDenied
from chemo_fallback.snapshot import admin
from chemo_fallback.web import state


@pytest.fixture
def app_state(store, tmp_path: Path):
    drop = tmp_path / "exports"
    write_snapshot(drop / "export-2026-11-20")
    with zipfile.ZipFile(drop / "export.zip", "w") as zf:
        zf.writestr("readme.txt", "pas un instantané")
    (drop / "notes.txt").write_text("ignoré")
    installed = state.AppState(store=store, snapshots_dir=drop)
    state.install(installed)
    return installed


def test_candidates_are_folders_with_a_manifest_and_zips(app_state) -> None:
    found = admin.list_candidates(app_state.snapshots_dir)
    # Newest first: the zip's date is its file date (now), the folder's its export date.
    assert [(c.path.name, c.kind) for c in found] == [
        ("export.zip", "zip"),
        ("export-2026-11-20", "dossier"),
    ]
    assert found[1].source == "Chimio — CH de test"
    assert admin.list_candidates(app_state.snapshots_dir / "absent") == []


def test_only_an_admin_may_activate_even_through_the_service(app_state) -> None:
    nurse = audit.Actor("ide", "nurse")
    with pytest.raises(PermissionDenied):
        admin.activate_as(app_state.store, nurse, app_state.snapshots_dir / "x", print)
    assert app_state.store.active_snapshot() is None


async def test_admin_activates_an_export_from_the_page(user: User, app_state) -> None:
    await sign_in(user, app_state.store, "admin")
    await user.open("/admin/instantanes")
    [table] = user.find(marker="candidates").elements
    assert [r["name"] for r in table.rows] == ["export.zip", "export-2026-11-20"]
    assert table.rows[1]["exported"] == "20/11/2026 à 02:00"
    table.selected = [row for row in table.rows if row["name"] == "export-2026-11-20"]
    user.find(marker="activate").click()
    await user.should_see("Instantané activé sans rejet.", retries=SLOW)
    [log] = user.find(marker="activation-log").elements
    assert any("Lecture de patients.csv" in line.text for line in log.default_slot.children)
    active = app_state.store.active_snapshot()
    assert active.source_path.endswith("export-2026-11-20")
    last = (
        app_state.store.cursor()
        .execute("SELECT actor, action FROM audit_log ORDER BY audit_id DESC LIMIT 1")
        .fetchone()
    )
    assert last == ("admin", "snapshot.activated")


async def test_a_bad_export_shows_its_refusal(user: User, app_state) -> None:
    await sign_in(user, app_state.store, "admin")
    await user.open("/admin/instantanes")
    [table] = user.find(marker="candidates").elements
    table.selected = [row for row in table.rows if row["name"] == "export.zip"]
    user.find(marker="activate").click()
    await user.should_see("Activation refusée : l'instantané précédent reste actif.", retries=SLOW)
    await user.should_see("Le fichier manifest.json est absent")


async def test_other_roles_are_refused_the_page(user: User, app_state) -> None:
    await sign_in(user, app_state.store, "pharmacist")
    await user.should_not_see(marker="menu-Activer un instantané")
    await user.open("/admin/instantanes")
    await user.should_see("Accès refusé : cette page n'est pas ouverte à votre rôle.")
    await user.should_not_see(marker="activate")


async def test_empty_drop_folder(user: User, app_state) -> None:
    shutil.rmtree(app_state.snapshots_dir)
    await sign_in(user, app_state.store, "admin")
    await user.open("/admin/instantanes")
    await user.should_see("Aucun export trouvé : copiez le dernier export dans ce dossier.")
    assert ui  # the page rendered without error


async def test_a_demo_snapshot_is_refused_outside_demo_mode(user: User, app_state) -> None:
    from factory import edit_manifest

    edit_manifest(app_state.snapshots_dir / "export-2026-11-20", lambda m: m.update(demo=True))
    await sign_in(user, app_state.store, "admin")
    await user.open("/admin/instantanes")
    [table] = user.find(marker="candidates").elements
    table.selected = [row for row in table.rows if row["name"] == "export-2026-11-20"]
    user.find(marker="activate").click()
    await user.should_see("Instantané de démonstration (données fictives)", retries=SLOW)
    assert app_state.store.active_snapshot() is None
