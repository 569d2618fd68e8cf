"""Issue 14, real browser (see test_browser.py for the Chromium set-up): the buyer exports the
purchasing files with a double click on the button; one download, one audit record (the
store, read once the server stopped)."""

from __future__ import annotations

import time

from test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, playwright, pytestmark, sign_in
from test_i14_stock_browser import demo_app

from chemo_fallback.store import Store

__all__ = ["demo_app", "pytestmark"]


def test_export_double_clicked_is_audited_once(demo_app) -> None:
    base, data_dir, stop = demo_app
    ARTIFACTS.mkdir(exist_ok=True)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900}, locale="fr-FR",
                                accept_downloads=True)
        sign_in(page, base, "acheteur", "Demo-Achat-2026!")
        page.goto(f"{base}/commandes/export")
        button = page.get_by_role("button", name="Exporter (zip de 4 fichiers CSV)")
        with page.expect_download(timeout=20_000) as download:
            button.dblclick()
        assert download.value.suggested_filename.startswith("export-achats-")
        page.get_by_text("Export du ").wait_for(timeout=15_000)
        time.sleep(1.5)  # what a second click would have recorded has had time to arrive
        page.screenshot(path=str(ARTIFACTS / "i14-docs-export.png"), full_page=True)
        browser.close()
    stop()
    store = Store.open(data_dir)
    try:
        count = store.cursor().execute(
            "SELECT count(*) FROM audit_log WHERE action = 'ordering.export'").fetchone()[0]
    finally:
        store.close()
    assert count == 1
