"""Audited scenarios of the fabrication module's writes (see test_every_write_is_audited.py)."""

from __future__ import annotations

from datetime import date

from prescription_helpers import TODAY, activate_demo
from test_i12_fab_service import FU_1000, SETTINGS, vial
from test_validation_service import at, lift, signed_mfolfox6
from web_helpers import create_account

from chemo_fallback.auth import accounts
from chemo_fallback.modules.fabrication import reliquats, steps
from chemo_fallback.modules.fabrication.printing import create_preparations, print_batch
from chemo_fallback.modules.fabrication.queue import production_queue
from chemo_fallback.modules.validation import decisions

M = "modules/fabrication"


def _printed(store) -> tuple:
    activate_demo(store)
    pharmacist = accounts.find_user(store, "pharmacist")
    rx_id = signed_mfolfox6(store)
    decisions.validate(store, pharmacist, rx_id, lift(store, pharmacist, rx_id), SETTINGS, TODAY)
    preparer = create_account(store, "preparer")
    queue = production_queue(store, preparer, TODAY, SETTINGS, now=at(TODAY, 8))
    [bolus] = [i for i in queue.items if i.line["final_dose"] == 836.0
               and i.line["drug_id"] == "FLUOROURACILE"]
    with store.transaction() as cur:
        [new] = create_preparations(cur, preparer, [bolus.line_id], SETTINGS, at(TODAY, 8))
    return preparer, new.preparation_id


def _print(store, tmp_path):
    _printed(store)


def _print_batch(store, tmp_path):
    activate_demo(store)
    pharmacist = accounts.find_user(store, "pharmacist")
    rx_id = signed_mfolfox6(store)
    decisions.validate(store, pharmacist, rx_id, lift(store, pharmacist, rx_id), SETTINGS, TODAY)
    preparer = create_account(store, "preparer")
    queue = production_queue(store, preparer, TODAY, SETTINGS, now=at(TODAY, 8))
    print_batch(store, preparer, [i.line_id for i in queue.items], SETTINGS, now=at(TODAY, 8))


def _made(store, tmp_path):
    preparer, prep_id = _printed(store)
    steps.scan_vial(store, preparer, prep_id, vial(FU_1000), SETTINGS, now=at(TODAY, 9))
    steps.mark_prepared(store, preparer, prep_id, diluent_lot="NACL-1", now=at(TODAY, 9))
    return preparer, prep_id


def _typed(store, tmp_path):
    preparer, prep_id = _printed(store)
    steps.record_vial_by_hand(store, preparer, prep_id, "FLUOROURACILE-1000MG", "L1",
                              date(2027, 12, 31), now=at(TODAY, 9))


def _controlled(store, tmp_path):
    _preparer, prep_id = _made(store, tmp_path)
    steps.control(store, create_account(store, "preparer", "controleur"), prep_id,
                  now=at(TODAY, 10))


def _cancelled(store, tmp_path):
    preparer, prep_id = _printed(store)
    steps.cancel(store, preparer, prep_id, "Poche percée")


def _reliquat_drawn(store, tmp_path):
    preparer, _prep_id = _made(store, tmp_path)
    queue = production_queue(store, preparer, TODAY, SETTINGS, now=at(TODAY, 10))
    [pump] = [i for i in queue.items if i.status == "to_prepare"
              and i.line["drug_id"] == "FLUOROURACILE"]
    with store.transaction() as cur:
        create_preparations(cur, preparer, [pump.line_id], SETTINGS, at(TODAY, 10))


def _discarded(store, tmp_path):
    preparer, _prep_id = _made(store, tmp_path)
    [line] = reliquats.end_of_day_list(store, preparer, now=at(TODAY, 18))
    reliquats.discard(store, preparer, line.row["reliquat_id"], "fin de journée",
                      now=at(TODAY, 18))


SCENARIOS = {
    f"{M}/printing.py:print_batch": _print_batch,
    f"{M}/steps.py:scan_vial": _made,
    f"{M}/steps.py:mark_prepared": _made,
    f"{M}/steps.py:record_vial_by_hand": _typed,
    f"{M}/steps.py:control": _controlled,
    f"{M}/steps.py:cancel": _cancelled,
    f"{M}/reliquats.py:_close": _discarded,
    f"{M}/repository.py:insert_preparation": _print,
    f"{M}/repository.py:update_preparation": _made,
    f"{M}/repository.py:insert_scan": _made,
    f"{M}/repository.py:update_reliquat": _reliquat_drawn,
    f"{M}/repository.py:insert_reliquat": _made,
}
