"""Issue 12, the fabrication pages (NiceGUI `user` fixture, demo pinned to its export day, a
validated mFOLFOX6 for today): the queue prints the day's batch, the preparation page takes the
scanner's codes (a wrong product refused in French, then the right vial), the diluent's lot,
"Préparation faite" and the control by another account; refusals shown; a double click on
print records one batch."""

from __future__ import annotations

import asyncio

import pytest
from nicegui.testing import User
from prescription_helpers import TODAY, audit_rows
from test_i12_fab_service import FU_1000, SETTINGS, vial
from test_validation_service import at, lift, signed_mfolfox6
from test_web_validation import app_state
from web_helpers import PASSWORD, SLOW, create_account, sign_in

from chemo_fallback.french import NBSP
from chemo_fallback.modules.fabrication import steps
from chemo_fallback.modules.fabrication.pages import common
from chemo_fallback.modules.fabrication.pages.queue_page import counts_text
from chemo_fallback.modules.fabrication.printing import create_preparations
from chemo_fallback.modules.fabrication.queue import production_queue
from chemo_fallback.modules.validation import decisions
from chemo_fallback.web import state

__all__ = ["app_state"]
NOW = at(TODAY, 8)
OXALI_200 = "03400792549539"  # Oxaliplatine 5 mg/mL 200 mg/40 mL


@pytest.fixture
def unit(app_state, monkeypatch):
    """The demo, a validated mFOLFOX6 for today, the pages' clock at 08:00 that day."""
    monkeypatch.setattr(common, "today", lambda: TODAY)
    monkeypatch.setattr(common, "now", lambda: NOW)
    store = app_state.store
    pharmacist = create_account(store, "pharmacist")
    rx_id = signed_mfolfox6(store)
    decisions.validate(store, pharmacist, rx_id, lift(store, pharmacist, rx_id), SETTINGS, TODAY)
    return app_state


def bolus_line(store, user) -> str:
    queue = production_queue(store, user, TODAY, SETTINGS, now=NOW)
    [item] = [i for i in queue.items if i.line["drug_id"] == "FLUOROURACILE"
              and i.line["final_dose"] == 836.0]
    return item.line_id


def oxaliplatin_line(store, user) -> str:
    queue = production_queue(store, user, TODAY, SETTINGS, now=NOW)
    [item] = [i for i in queue.items if i.line["drug_id"] == "OXALIPLATINE"]
    return item.line_id


def preparations(store) -> list[tuple]:
    return store.cursor().execute(
        "SELECT preparation_id, line_id, status FROM fab_preparations ORDER BY register_no"
    ).fetchall()


async def downloaded(user: User, count: int = 1):
    """The `count`-th download of the test (it may have come before the page showed the
    result)."""
    for _ in range(SLOW * 10):
        if len(user.download.http_responses) >= count:
            return user.download.http_responses[count - 1]
        await asyncio.sleep(0.1)
    raise AssertionError(f"{count} download(s) expected, {len(user.download.http_responses)}")


async def open_queue(user: User, store) -> None:
    await sign_in(user, store, "preparer")
    await user.open("/fabrication")
    await user.should_see("à préparer 4 · fiche imprimée 0", retries=SLOW)


async def test_queue_print_scan_make_and_control(user: User, unit) -> None:
    store = unit.store
    await open_queue(user, store)
    await user.should_see("4 préparation(s) le 23/11/2026.")
    await user.should_see(f"fluorouracile — 2 préparation(s) · 5{NBSP}856{NBSP}mg au total")
    await user.should_see("GARNIER Hamid")
    await user.should_see("peut être préparé à l'avance")
    user.find(marker="queue-select-all").click()
    await user.should_see("4 sélectionnée(s)")
    user.find(marker="queue-print").click()
    await user.should_see("fiche imprimée 4", retries=SLOW)
    pdf = await downloaded(user)
    assert pdf.content.startswith(b"%PDF")
    made = preparations(store)
    assert [m[2] for m in made] == ["sheet_printed"] * 4
    line_id = oxaliplatin_line(store, create_account(store, "preparer", "lecteur"))
    [(prep_id, _, _)] = [m for m in made if m[1] == line_id]
    await user.should_see(marker=f"queue-open-{line_id}")
    user.find(marker=f"queue-open-{line_id}").click()

    await user.should_see(marker="scan-field", retries=SLOW)
    await user.should_see(f"OXALIPLATINE 178{NBSP}mg")
    await user.should_see("Solvant : Glucose 5 %")
    await user.should_see("GARNIER")
    await user.should_see("IPP : IPP10002366")
    await user.should_see("FICHE IMPRIMÉE")
    [register_no] = [e.text for e in user.find(marker="prep-register-no").elements]
    assert register_no == f"Ordonnancier n° {prep_id.removeprefix('FAB')}"
    # a wrong product: refused in French, nothing kept
    user.find(marker="scan-field").type(vial(FU_1000)).trigger("keydown.enter")
    await user.should_see("Flacon refusé : Mauvais produit", retries=SLOW)
    [field] = user.find(marker="scan-field").elements
    assert field.value == ""
    assert store.cursor().execute("SELECT count(*) FROM fab_vial_scans").fetchone()[0] == 0
    # the right vial, as the scanner types it (GS1 DataMatrix with the real GS separator)
    user.find(marker="scan-field").type("]d2" + vial(OXALI_200)).trigger("keydown.enter")
    await user.should_see("Flacon enregistré : Oxaliplatine 5 mg/mL 200 mg/40 mL — lot "
                          "L2611A, péremption 31/12/2027, n° de série SN0001.", retries=SLOW)
    await user.should_see("EN COURS", retries=SLOW)
    [table] = user.find(marker="prep-scans").elements
    assert [(r["lot"], r["serial"], r["expiry"]) for r in table.rows] == [
        ("L2611A", "SN0001", "31/12/2027")]
    assert field.value == ""
    # made: the diluent's lot is asked first
    user.find(marker="mark-prepared").click()
    await user.should_see("Lot du solvant manquant", retries=SLOW)
    user.find(marker="diluent-lot").type("NACL-77")
    user.find(marker="mark-prepared").click()
    await user.should_see("PRÉPARÉE", retries=SLOW)
    await user.should_not_see(marker="scan-field")
    # the control: the preparer cannot control their own, another account can
    user.find(marker="control").click()
    user.find(marker="control-username").type("preparer")
    user.find(marker="control-password").type(PASSWORD)
    user.find(marker="control-confirm").click()
    await user.should_see("vous avez fait cette préparation", retries=SLOW)
    create_account(store, "preparer", "preparer2")
    user.find(marker="control-username").clear().type("preparer2")
    user.find(marker="control-password").type(PASSWORD)
    user.find(marker="control-confirm").click()
    await user.should_see("CONTRÔLÉE", retries=SLOW)
    await user.should_see("entrée de l'ordonnancier figée")
    [audit] = audit_rows(store, "preparation.controlled")
    assert audit["actor"] == "preparer2" and audit["record_id"] == prep_id

    await user.open("/fabrication/ordonnancier")
    number = prep_id.removeprefix("FAB")
    await user.should_see(marker=f"register-entry-{number}", retries=SLOW)
    await user.should_see("4 entrée(s) du 23/11/2026 au 23/11/2026")

    def shown(marker: str) -> str:
        return "".join(e.text for e in user.find(marker=f"{marker}-{number}").elements)

    assert shown("register-status") == "contrôlée"
    assert "lot L2611A" in shown("register-lots") and "lot NACL-77" in shown("register-lots")
    assert shown("register-préparateur") == "Test preparer"
    assert shown("register-contrôleur") == "Test preparer"  # preparer2's display name
    assert shown("register-composition").startswith(f"oxaliplatine 178{NBSP}mg")


async def test_a_double_click_on_print_prints_one_batch(user: User, unit) -> None:
    store = unit.store
    await open_queue(user, store)
    user.find(marker="queue-select-all").click()
    await user.should_see("4 sélectionnée(s)")
    user.find(marker="queue-print").click()
    user.find(marker="queue-print").click()
    await user.should_see("fiche imprimée 4", retries=SLOW)
    await downloaded(user)
    assert len(preparations(store)) == 4
    assert len(audit_rows(store, "preparation.sheet_printed")) == 4
    batches = store.cursor().execute(
        "SELECT count(*) FROM printed_documents WHERE kind = 'fabrication_batch'").fetchone()[0]
    assert batches == 1


async def test_a_refused_print_shows_every_reason_and_numbers_nothing(user: User, unit) -> None:
    store = unit.store
    await open_queue(user, store)
    user.find(marker="queue-select-all").click()
    await user.should_see("4 sélectionnée(s)")
    # meanwhile another workstation prints the bolus
    other = create_account(store, "preparer", "poste2")
    with store.transaction() as cur:
        create_preparations(cur, other, [bolus_line(store, other)], SETTINGS, NOW)
    user.find(marker="queue-print").click()
    await user.should_see("Rien n'a été imprimé ni numéroté", retries=SLOW)
    await user.should_see("sa fiche est déjà imprimée")
    assert len(preparations(store)) == 1
    assert user.download.http_responses == []
    await user.should_see("4 sélectionnée(s)")  # nothing else changed


async def test_the_day_is_checked_and_filters_say_what_they_hide(user: User, unit) -> None:
    await open_queue(user, unit.store)
    user.find(marker="queue-drug").click()
    user.find("oxaliplatine").click()
    await user.should_see("1 affichée(s) : 3 masquée(s) par les filtres.", retries=SLOW)
    await user.should_not_see("fluorouracile — 2 préparation(s)")
    user.find(marker="queue-day").clear().type("31/02/2026")
    user.find(marker="queue-show").click()
    await user.should_see("Date « 31/02/2026 » illisible", retries=SLOW)
    await user.should_not_see(marker="queue-line-PS000001-L4")
    user.find(marker="queue-day").clear().type("24/11/2026")
    user.find(marker="queue-show").click()
    await user.should_see("Aucune ligne à préparer ce jour", retries=SLOW)


async def test_a_costly_drug_waits_for_its_feu_vert(user: User, unit) -> None:
    unit.settings = SETTINGS.model_copy(update={"costly_drugs_wait_go_ahead": ("OXALIPLATINE",)})
    await open_queue(user, unit.store)
    await user.should_see("attend le feu vert")
    await user.should_see("la préparation attend le feu vert de l'équipe soignante")
    await user.should_not_see(marker="queue-select-PS000001-L4")
    user.find(marker="queue-select-all").click()
    await user.should_see("3 sélectionnée(s)")


async def test_scanning_a_sheet_opens_its_preparation(user: User, unit) -> None:
    store = unit.store
    await open_queue(user, store)
    other = create_account(store, "preparer", "poste2")
    with store.transaction() as cur:
        [new] = create_preparations(cur, other, [bolus_line(store, other)], SETTINGS, NOW)
    user.find(marker="queue-scan-sheet").type("FAB1").trigger("keydown.enter")
    await user.should_see("Aucune préparation « FAB1 »", retries=SLOW)
    user.find(marker="queue-scan-sheet").type(new.preparation_id.lower()).trigger(
        "keydown.enter")
    await user.should_see(marker="scan-field", retries=SLOW)
    await user.should_see(f"Ordonnancier n° {new.register_no}")


async def test_cancel_and_reprint_need_a_reason(user: User, unit) -> None:
    store = unit.store
    await open_queue(user, store)
    user.find(marker="queue-select-all").click()
    user.find(marker="queue-print").click()
    await user.should_see("fiche imprimée 4", retries=SLOW)
    await downloaded(user)
    prep_id = preparations(store)[0][0]
    await user.open(f"/fabrication/preparation/{prep_id}")
    await user.should_see(marker="reprint-sheet", retries=SLOW)
    await user.should_see("par Test preparer")  # the name, not the account's identifier
    user.find(marker="reprint-sheet").click()
    user.find(marker="reprint-save").click()
    await user.should_see("Motif obligatoire", retries=SLOW)
    user.find(marker="reprint-reason").type("Fiche tachée")
    user.find(marker="reprint-save").click()
    reprinted = await downloaded(user, 2)
    assert reprinted.content.startswith(b"%PDF")
    [audit] = audit_rows(store, "document.reprinted")
    assert audit["reason"] == "Fiche tachée"
    user.find(marker="cancel-preparation").click()
    user.find(marker="cancel-save").click()
    await user.should_see("Motif obligatoire pour annuler", retries=SLOW)
    user.find(marker="cancel-reason").type("Poche percée")
    user.find(marker="cancel-save").click()
    await user.should_see("ANNULÉE", retries=SLOW)
    await user.should_see("Poche percée")
    assert preparations(store)[0][2] == "cancelled"


async def test_reliquats_discard_and_keep(user: User, unit) -> None:
    store = unit.store
    preparer = await sign_in(user, store, "preparer")
    line_id = bolus_line(store, preparer)
    with store.transaction() as cur:
        [new] = create_preparations(cur, preparer, [line_id], SETTINGS, NOW)
    steps.scan_vial(store, preparer, new.preparation_id, vial(FU_1000), SETTINGS, now=NOW)
    steps.mark_prepared(store, preparer, new.preparation_id, diluent_lot="N1", now=NOW)
    [(number,)] = store.cursor().execute("SELECT reliquat_id FROM fab_reliquats").fetchall()
    await user.open("/fabrication/reliquats")
    await user.should_see("1 reliquat(s) ouvert(s), dont 0 à jeter.", retries=SLOW)
    await user.should_see(f"Reste 164{NBSP}mg")
    await user.should_see("à conserver")
    user.find(marker="reliquats-print").click()
    listing = await downloaded(user)
    assert listing.content.startswith(b"%PDF")
    user.find(marker=f"reliquat-keep-{number}").click()
    await user.should_see("conservé", retries=SLOW)
    await user.should_not_see(marker=f"reliquat-keep-{number}")
    user.find(marker=f"reliquat-discard-{number}").click()
    user.find(marker="discard-save").click()
    await user.should_see("Motif obligatoire pour jeter", retries=SLOW)
    user.find(marker="discard-reason").type("Fin de journée")
    user.find(marker="discard-save").click()
    await user.should_see("Aucun reliquat ouvert", retries=SLOW)
    [audit] = audit_rows(store, "reliquat.discarded")
    assert audit["reason"] == "Fin de journée"


def test_counts_read_the_way_the_unit_says_them() -> None:
    class Q:
        def counts(self):
            return {"to_prepare": 12, "sheet_printed": 3, "in_progress": 0, "prepared": 1,
                    "controlled": 0}

    assert counts_text(Q()) == ("à préparer 12 · fiche imprimée 3 · en cours 0 · préparée 1 · "
                                "contrôlée 0")


async def test_a_blocked_line_shows_why_and_cannot_be_ticked(user: User, unit) -> None:
    # one vial at most: folinic acid (836 mg) and the 5-FU pump (5 020 mg) cannot be made
    unit.settings = SETTINGS.model_copy(update={"max_vials": 1})
    await open_queue(user, unit.store)
    await user.should_see("2 non imprimable(s) pour l'instant : voir les raisons en rouge.")
    for blocked in ("PS000001-L5", "PS000001-L7"):
        [problems] = user.find(marker=f"queue-problems-{blocked}").elements
        assert problems.default_slot.children[0].text.startswith("Aucune ")
        await user.should_not_see(marker=f"queue-select-{blocked}")
    user.find(marker="queue-select-all").click()
    await user.should_see("2 sélectionnée(s)")


async def test_scanning_with_the_sites_separator_and_a_wrong_controller_password(
    user: User, unit
) -> None:
    unit.settings = SETTINGS.model_copy(update={"gs1_separator_substitute": "|"})
    store = unit.store
    preparer = await sign_in(user, store, "preparer")
    with store.transaction() as cur:
        [new] = create_preparations(cur, preparer, [oxaliplatin_line(store, preparer)],
                                    SETTINGS, NOW)
    await user.open(f"/fabrication/preparation/{new.preparation_id}")
    await user.should_see(marker="scan-field", retries=SLOW)
    user.find(marker="scan-field").type(vial(OXALI_200).replace("\x1d", "|") + "\r\n")
    user.find(marker="scan-field").trigger("keydown.enter")
    await user.should_see("Flacon enregistré", retries=SLOW)
    [(lot, serial)] = store.cursor().execute("SELECT lot, serial FROM fab_vial_scans").fetchall()
    assert (lot, serial) == ("L2611A", "SN0001")
    user.find(marker="diluent-lot").type("G5-1")
    user.find(marker="mark-prepared").click()
    await user.should_see("PRÉPARÉE", retries=SLOW)
    await user.should_not_see(marker="queue-print")
    create_account(store, "pharmacist", "controleur")
    user.find(marker="control").click()
    user.find(marker="control-username").type("controleur")
    user.find(marker="control-password").type("pas le bon")
    user.find(marker="control-confirm").click()
    await user.should_see("Signature refusée : mot de passe incorrect", retries=SLOW)
    [password] = user.find(marker="control-password").elements
    assert password.value == ""
    assert audit_rows(store, "preparation.controlled") == []
    user.find(marker="control-password").type(PASSWORD)
    user.find(marker="control-confirm").click()
    await user.should_see("CONTRÔLÉE", retries=SLOW)
    await user.should_not_see(marker="cancel-preparation")
    await user.should_not_see(marker="control")


async def test_the_fabrication_pages_are_closed_to_a_nurse(user: User, unit) -> None:
    await sign_in(user, unit.store, "nurse")
    for path in ("/fabrication", "/fabrication/reliquats", "/fabrication/ordonnancier",
                 "/fabrication/preparation/FAB1"):
        await user.open(path)
        await user.should_see(marker="access-denied")


async def test_without_an_active_snapshot_the_pages_say_so(user: User, store) -> None:
    state.install(state.AppState(store=store))
    await sign_in(user, store, "preparer")
    for path in ("/fabrication", "/fabrication/reliquats", "/fabrication/ordonnancier",
                 "/fabrication/preparation/FAB1"):
        await user.open(path)
        await user.should_see("Aucun instantané actif : un administrateur doit d'abord",
                              retries=SLOW)


async def test_the_register_prints_and_exports_the_period(user: User, unit) -> None:
    store = unit.store
    preparer = await sign_in(user, store, "preparer")
    with store.transaction() as cur:
        [new] = create_preparations(cur, preparer, [oxaliplatin_line(store, preparer)],
                                    SETTINGS, NOW)
    await user.open("/fabrication/ordonnancier")
    await user.should_see(marker=f"register-entry-{new.register_no}", retries=SLOW)
    await user.should_see("1 entrée(s) du 23/11/2026 au 23/11/2026")
    user.find(marker="register-print").click()
    pdf = await downloaded(user)
    assert pdf.content.startswith(b"%PDF")
    user.find(marker="register-csv").click()
    csv = (await downloaded(user, 2)).content.decode("utf-8")
    assert csv.startswith("\ufeffn° d'ordonnancier;") and f"{new.preparation_id};" in csv
    [printed] = audit_rows(store, "document.printed")[-1:]
    assert printed["record_type"] == "fabrication_register"
    assert printed["record_id"] == "2026-11-23/2026-11-23"
    user.find(marker="register-from").clear().type("24/11/2026")
    user.find(marker="register-show").click()
    await user.should_see("Période inversée", retries=SLOW)
    user.find(marker="register-to").clear().type("30/11/2026")
    user.find(marker="register-show").click()
    await user.should_see(marker="register-empty", retries=SLOW)


async def test_a_vial_typed_by_hand_when_its_code_cannot_be_read(user: User, unit) -> None:
    store = unit.store
    preparer = create_account(store, "preparer", "prep2")
    with store.transaction() as cur:
        [new] = create_preparations(cur, preparer, [bolus_line(store, preparer)], SETTINGS, NOW)
    await sign_in(user, store, "preparer")
    await user.open(f"/fabrication/preparation/{new.preparation_id}")
    await user.should_see(marker="manual-save", retries=SLOW)
    user.find(marker="manual-expiry").type("31/02/2027")
    user.find(marker="manual-save").click()
    await user.should_see("Péremption impossible", retries=SLOW)
    user.find(marker="manual-expiry").clear()
    user.find(marker="manual-expiry").type("31/12/2027")
    user.find(marker="manual-product").click()
    user.find("Fluorouracile 50 mg/mL 1000 mg/20 mL").click()
    user.find(marker="manual-lot").type("l2611a")
    user.find(marker="manual-save").click()
    await user.should_see("Flacon enregistré (saisie manuelle) : lot L2611A", retries=SLOW)
    [scan] = store.cursor().execute(
        "SELECT product_id, lot, raw FROM fab_vial_scans").fetchall()
    assert scan == ("FLUOROURACILE-1000MG", "L2611A", "saisie manuelle")
    [audit] = audit_rows(store, "preparation.vial_typed")
    assert audit["after_json"]["lot"] == "L2611A"
