"""Issue 12: the production queue, numbering in the register, vial scanning, made, controlled,
cancelled — the fabrication services on the demo snapshot."""

from __future__ import annotations

import json
import threading
from datetime import date, timedelta

import pytest
from prescription_helpers import TODAY, activate_demo
from test_validation_service import at, lift, signed_mfolfox6
from web_helpers import create_account

from chemo_fallback import row_seals
from chemo_fallback.modules.fabrication import register, steps
from chemo_fallback.modules.fabrication.printing import PrintRefused, create_preparations
from chemo_fallback.modules.fabrication.queue import production_queue
from chemo_fallback.modules.fabrication.scanning import VialScanRefused
from chemo_fallback.modules.validation import decisions
from chemo_fallback.site_settings import SiteSettings

SETTINGS = SiteSettings()
GS = "\x1d"
FU_1000 = "03400972996108"  # FLUOROURACILE-1000MG
FU_250 = "03400269807193"
FOLINIC_350 = "03400034881403"


def vial(gtin: str, lot: str = "L2611A", serial: str = "SN0001", expiry: str = "271231") -> str:
    return f"01{gtin}17{expiry}10{lot}{GS}21{serial}"


@pytest.fixture
def unit(store):
    """The demo snapshot, a validated mFOLFOX6 for today, a pharmacist and two preparers."""
    activate_demo(store)
    pharmacist = create_account(store, "pharmacist")
    rx_id = signed_mfolfox6(store)
    decisions.validate(store, pharmacist, rx_id, lift(store, pharmacist, rx_id), SETTINGS, TODAY)
    return store, pharmacist, create_account(store, "preparer"), create_account(
        store, "preparer", "preparer2")


def _printed(store, preparer, drug_inn: str) -> str:
    queue = production_queue(store, preparer, TODAY, SETTINGS, now=at(TODAY, 8))
    [item] = [i for i in queue.items if i.line["drug_inn"] == drug_inn and i.plan
              and i.plan.route == "IV" and (i.line["duration_min"] or 0) < 600][:1]
    with store.transaction() as cur:
        [new] = create_preparations(cur, preparer, [item.line_id], SETTINGS, at(TODAY, 8))
    return new.preparation_id


def test_the_queue_lists_the_days_compounded_lines_with_their_computation(unit) -> None:
    store, _pharmacist, preparer, _ = unit
    queue = production_queue(store, preparer, TODAY, SETTINGS, now=at(TODAY, 8))
    drugs = sorted(i.line["drug_inn"] for i in queue.items)
    assert drugs == ["acide folinique", "fluorouracile", "fluorouracile", "oxaliplatine"]
    assert queue.counts()["to_prepare"] == 4
    assert [g for g, _ in queue.by_drug()] == ["acide folinique", "fluorouracile",
                                               "oxaliplatine"]
    assert all(i.printable and i.plan is not None for i in queue.items)
    assert all(i.go_ahead_label == "peut être préparé à l'avance" for i in queue.items)
    assert production_queue(store, preparer, TODAY + timedelta(days=1), SETTINGS).items == ()


def test_a_costly_drug_waits_for_its_feu_vert(unit) -> None:
    store, _pharmacist, preparer, _ = unit
    waiting = SETTINGS.model_copy(update={"costly_drugs_wait_go_ahead": ("OXALIPLATINE",)})
    queue = production_queue(store, preparer, TODAY, waiting, now=at(TODAY, 8))
    [oxali] = [i for i in queue.items if i.line["drug_id"] == "OXALIPLATINE"]
    assert not oxali.printable and oxali.go_ahead_label == "attend le feu vert"
    with pytest.raises(PrintRefused, match="feu vert"), store.transaction() as cur:
        create_preparations(cur, preparer, [oxali.line_id], waiting, at(TODAY, 8))


def test_register_numbers_continue_the_history_without_gaps(unit) -> None:
    store, _pharmacist, preparer, _ = unit
    last = store.cursor().execute("SELECT max(register_no) FROM ref.preparations").fetchone()[0]
    queue = production_queue(store, preparer, TODAY, SETTINGS, now=at(TODAY, 8))
    with store.transaction() as cur:
        made = create_preparations(cur, preparer, [i.line_id for i in queue.items], SETTINGS,
                                   at(TODAY, 8))
    assert [m.register_no for m in made] == list(range(last + 1, last + 5))
    assert [m.preparation_id for m in made] == [f"FAB{n}" for n in range(last + 1, last + 5)]
    # printed once: a second print of the same line is refused, nothing numbered
    with pytest.raises(PrintRefused, match="déjà imprimée"), store.transaction() as cur:
        create_preparations(cur, preparer, [made[0].line["line_id"]], SETTINGS, at(TODAY, 9))
    assert production_queue(store, preparer, TODAY, SETTINGS).counts()["sheet_printed"] == 4
    assert row_seals.check(store.cursor()).ok


def test_a_blocked_line_refuses_the_whole_batch_and_numbers_nothing(unit) -> None:
    store, _pharmacist, preparer, _ = unit
    tight = SETTINGS.model_copy(update={"max_vials": 1})  # folinic acid needs four vials
    queue = production_queue(store, preparer, TODAY, tight, now=at(TODAY, 8))
    [folinic] = [i for i in queue.items if i.line["drug_id"] == "ACIDE_FOLINIQUE"]
    assert not folinic.printable and folinic.problems
    with pytest.raises(PrintRefused, match="Rien n'a été imprimé"), store.transaction() as cur:
        create_preparations(cur, preparer, [i.line_id for i in queue.items], tight,
                            at(TODAY, 8))
    assert store.cursor().execute("SELECT count(*) FROM fab_preparations").fetchone()[0] == 0


def test_two_workstations_printing_at_once_get_unique_consecutive_numbers(unit) -> None:
    store, _pharmacist, preparer, _ = unit
    queue = production_queue(store, preparer, TODAY, SETTINGS, now=at(TODAY, 8))
    errors: list[Exception] = []

    def print_one(line_id: str) -> None:
        try:
            with store.transaction() as cur:
                create_preparations(cur, preparer, [line_id], SETTINGS, at(TODAY, 8))
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=print_one, args=(i.line_id,)) for i in queue.items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    numbers = sorted(r[0] for r in store.cursor().execute(
        "SELECT register_no FROM fab_preparations").fetchall())
    assert numbers == list(range(numbers[0], numbers[0] + 4))


def test_scan_make_control_and_the_register_entry(unit) -> None:
    store, _pharmacist, preparer, preparer2 = unit
    prep_id = _printed(store, preparer, "fluorouracile")  # 836 mg from one 1 000 mg vial
    with pytest.raises(VialScanRefused, match="Mauvais produit : le flacon scanné \\(Acide"):
        steps.scan_vial(store, preparer, prep_id, vial(FOLINIC_350), SETTINGS, now=at(TODAY, 9))
    with pytest.raises(VialScanRefused, match="Flacon périmé"):
        steps.scan_vial(store, preparer, prep_id, vial(FU_1000, expiry="240101"), SETTINGS,
                        now=at(TODAY, 9))
    with pytest.raises(steps.StepRefused, match="Aucun flacon scanné"):
        steps.mark_prepared(store, preparer, prep_id, diluent_lot="G5-1", now=at(TODAY, 9))
    scan = steps.scan_vial(store, preparer, prep_id, "]d2" + vial(FU_1000), SETTINGS,
                           now=at(TODAY, 9))
    assert (scan["lot"], scan["serial"]) == ("L2611A", "SN0001")
    with pytest.raises(VialScanRefused, match="SN0001"):  # the same vial twice
        steps.scan_vial(store, preparer, prep_id, vial(FU_1000), SETTINGS, now=at(TODAY, 9))
    steps.mark_prepared(store, preparer, prep_id, diluent_lot="NACL-77", now=at(TODAY, 9.5))
    [reliquat] = store.cursor().execute(
        "SELECT product_id, lot, amount, status FROM fab_reliquats").fetchall()
    assert reliquat == ("FLUOROURACILE-1000MG", "L2611A", pytest.approx(164.0), "open")

    with pytest.raises(steps.StepRefused, match="vous avez fait cette préparation"):
        steps.control(store, preparer, prep_id, now=at(TODAY, 10))
    steps.control(store, preparer2, prep_id, now=at(TODAY, 10))
    [entry] = register.register_entries(store, preparer, TODAY, TODAY)
    assert entry["preparation_id"] == prep_id and entry["status_label"] == "contrôlée"
    assert entry["lots"][0]["lot"] == "L2611A"
    assert entry["lots"][0]["expiry"] == date(2027, 12, 31)  # typed, fixed or live
    assert entry["created_at"] == at(TODAY, 8)
    assert entry["preparer"] == "Test preparer" and entry["controller"] == "Test preparer"
    assert entry["diluent_lot"] == "NACL-77"
    with pytest.raises(steps.StepRefused, match="contrôlée"):
        steps.cancel(store, preparer, prep_id, "erreur")
    assert row_seals.check(store.cursor()).ok


def test_the_reliquat_is_used_first_by_the_next_preparation(unit) -> None:
    store, _pharmacist, preparer, _ = unit
    bolus = _printed(store, preparer, "fluorouracile")
    steps.scan_vial(store, preparer, bolus, vial(FU_1000), SETTINGS, now=at(TODAY, 9))
    steps.mark_prepared(store, preparer, bolus, diluent_lot="NACL-77", now=at(TODAY, 9))
    queue = production_queue(store, preparer, TODAY, SETTINGS, now=at(TODAY, 10))
    [pump] = [i for i in queue.items if i.status == "to_prepare"
              and i.line["drug_id"] == "FLUOROURACILE"]
    # 5 020 mg: the 164 mg left in the bolus's vial first, then one 5 000 mg vial
    assert [r.amount_drawn for r in pump.plan.reliquats_used] == [pytest.approx(164.0)]
    assert list(pump.plan.vial_plan) == [5000.0]
    with store.transaction() as cur:
        [new] = create_preparations(cur, preparer, [pump.line_id], SETTINGS, at(TODAY, 10))
    left = store.cursor().execute("SELECT amount, status FROM fab_reliquats").fetchone()
    assert left == (pytest.approx(0.0), "used")
    plan = json.loads(store.cursor().execute(
        "SELECT plan_json FROM fab_preparations WHERE preparation_id = ?",
        [new.preparation_id]).fetchone()[0])
    assert plan["reliquats_used"][0]["lot"] == "L2611A"


def test_a_cancelled_preparation_keeps_its_entry_and_the_line_gets_a_new_number(unit) -> None:
    store, _pharmacist, preparer, _ = unit
    first = _printed(store, preparer, "fluorouracile")
    with pytest.raises(steps.StepRefused, match="Motif obligatoire"):
        steps.cancel(store, preparer, first, "  ")
    steps.cancel(store, preparer, first, "Poche percée")
    second = _printed(store, preparer, "fluorouracile")
    assert second != first
    entries = {e["preparation_id"]: e for e in register.register_entries(
        store, preparer, TODAY - timedelta(days=30), TODAY + timedelta(days=30))}
    assert entries[first]["status_label"] == "annulée"
    assert entries[first]["cancel_reason"] == "Poche percée"
    assert entries[second]["replaces_register_no"] == entries[first]["register_no"]


def test_a_vial_typed_by_hand_is_checked_as_a_scan(unit) -> None:
    store, _pharmacist, preparer, _ = unit
    prep_id = _printed(store, preparer, "fluorouracile")
    product = "FLUOROURACILE-1000MG"
    with pytest.raises(steps.StepRefused, match="Produit absent de la fiche"):
        steps.record_vial_by_hand(store, preparer, prep_id, "ACIDE_FOLINIQUE-350MG", "L1",
                                  date(2027, 12, 31), now=at(TODAY, 9))
    with pytest.raises(steps.StepRefused, match="illisible"):
        steps.record_vial_by_hand(store, preparer, prep_id, product, "L 1;", date(2027, 12, 31),
                                  now=at(TODAY, 9))
    with pytest.raises(VialScanRefused, match="Flacon périmé"):
        steps.record_vial_by_hand(store, preparer, prep_id, product, "L1", date(2024, 1, 1),
                                  now=at(TODAY, 9))
    with pytest.raises(VialScanRefused, match="aucune n'est connue"):
        steps.record_vial_by_hand(store, preparer, prep_id, product, "L1", None, now=at(TODAY, 9))
    vial_row = steps.record_vial_by_hand(store, preparer, prep_id, product, " l2611a ",
                                         date(2027, 12, 31), now=at(TODAY, 9))
    assert (vial_row["lot"], vial_row["raw"], vial_row["serial"]) == ("L2611A", "saisie manuelle",
                                                                     None)
    # the same lot with another expiry is refused: one of the two is wrong
    with pytest.raises(VialScanRefused, match="Deux péremptions différentes"):
        steps.scan_vial(store, preparer, prep_id, vial(FU_1000, expiry="280101"), SETTINGS,
                        now=at(TODAY, 9))
    steps.mark_prepared(store, preparer, prep_id, diluent_lot="NACL-77", now=at(TODAY, 9.5))
    [entry] = register.register_entries(store, preparer, TODAY, TODAY)
    assert entry["lots"][0]["lot"] == "L2611A"
