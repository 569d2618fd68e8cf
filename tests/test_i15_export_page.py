"""Issue 15, part 1: the admin page /admin/export (NiceGUI `user` fixture) runs an export,
shows what it holds and downloads its zip; "since the last export" then holds only what
changed; a refusal is shown; a double click exports once; other roles may not open it."""

from __future__ import annotations

import asyncio
import io
import json
import zipfile

import pytest
from nicegui.testing import User
from prescription_helpers import RECENT_PATIENT, activate_demo
from test_i12_fab_pages import downloaded
from web_helpers import SLOW, create_account, sign_in

from chemo_fallback.modules.prescription import notes
from chemo_fallback.web import state
from chemo_fallback.web.export_page import PATH, SETTLE_SECONDS


@pytest.fixture
def export_app(store):
    activate_demo(store)
    installed = state.AppState(store=store)
    state.install(installed)
    return installed


def runs(store) -> int:
    return store.cursor().execute("SELECT count(*) FROM exp_runs").fetchone()[0]


async def test_the_admin_exports_and_downloads_the_package(user: User, export_app) -> None:
    store = export_app.store
    notes.add_note(store, create_account(store, "pharmacist"), RECENT_PATIENT, "Note à exporter")
    # "since the last export" starts at the second of that export (records are dated to the
    # second): the first note must be of an earlier second to be left out of the second one
    await asyncio.sleep(1.05)
    await sign_in(user, store, "admin")
    await user.open(PATH)
    await user.should_see("Aucun export pour l'instant.", retries=SLOW)
    user.find(marker="export-run").click()
    await user.should_see("Export n° 1 écrit dans", retries=SLOW * 5)
    await user.should_see(marker="export-checks")
    user.find(marker="export-download").click()
    response = await downloaded(user)
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        names = archive.namelist()
        folder = names[0].split("/")[0]
        manifest = json.loads(archive.read(f"{folder}/manifest.json"))
        notes_csv = archive.read(f"{folder}/csv/notes.csv").decode("utf-8")
    assert f"{folder}/fhir/bundle.json" in names
    assert f"{folder}/rapprochement/rapprochement.pdf" in names
    assert "Note à exporter" in notes_csv
    assert {f["name"]: f["rows"] for f in manifest["files"]}["csv/notes.csv"] == 1
    await user.should_see(marker="export-history")

    notes.add_note(store, create_account(store, "nurse"), RECENT_PATIENT, "Plus tard")
    await asyncio.sleep(SETTLE_SECONDS + 0.2)  # the button settles after an export
    user.find(marker="export-mode").click()
    user.find("depuis le dernier export").click()
    user.find(marker="export-run").click()
    await user.should_see("Export n° 2 écrit dans", retries=SLOW * 5)
    row = store.cursor().execute(
        "SELECT since_last, counts_json FROM exp_runs WHERE run_id = 2").fetchone()
    assert row[0] is True and json.loads(row[1])["notes.csv"] == 1


async def test_a_refusal_is_shown_and_a_double_click_exports_once(user: User, export_app
                                                                   ) -> None:
    store = export_app.store
    await sign_in(user, store, "admin")
    await user.open(PATH)
    user.find(marker="export-mode").click()
    user.find("depuis le dernier export").click()
    user.find(marker="export-run").click()
    await user.should_see("Aucun export précédent", retries=SLOW * 3)
    assert runs(store) == 0
    user.find(marker="export-mode").click()
    user.find("tout depuis le début de la panne").click()
    button = user.find(marker="export-run")
    button.click()
    button.click()
    await user.should_see("Export n° 1 écrit dans", retries=SLOW * 5)
    await asyncio.sleep(0.5)
    assert runs(store) == 1


async def test_a_pharmacist_may_not_open_the_export(user: User, export_app) -> None:
    await sign_in(user, export_app.store, "pharmacist")
    await user.open(PATH)
    await user.should_not_see(marker="export-run")
