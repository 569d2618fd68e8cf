"""Audited scenarios of the dispensing writes (see test_every_write_is_audited.py): a round
created, a preparation scanned into it and taken out, the round handed over (its slip printed),
and a preparation received on the ward (the round received with its last one)."""

from __future__ import annotations

from prescription_helpers import TODAY
from test_i13_dispensing_helpers import WARD, account, released
from test_validation_service import at

from chemo_fallback.modules.release import dispensing, dispensing_handover
from chemo_fallback.modules.release.dispensing_reception import receive_ticked

M = "modules/release"


def _round(store, tmp_path=None) -> tuple:
    preps = released(store, ("bolus",))
    preparer = account(store, "preparer")
    round_id = dispensing.create_round(store, preparer, WARD, TODAY, "tournée de 10 h",
                                       now=at(TODAY, 9))
    return preparer, round_id, preps["bolus"]


def _scanned(store, tmp_path=None) -> tuple:
    preparer, round_id, prep_id = _round(store)
    dispensing.add_by_scan(store, preparer, round_id, prep_id, now=at(TODAY, 9))
    return preparer, round_id, prep_id


def _removed(store, tmp_path):
    preparer, round_id, prep_id = _scanned(store)
    dispensing.remove_item(store, preparer, round_id, prep_id, "mauvaise tournée")


def _handed_over(store, tmp_path=None) -> tuple:
    preparer, round_id, prep_id = _scanned(store)
    dispensing_handover.hand_over(store, preparer, round_id, "Marc Coursier", now=at(TODAY, 9.5))
    return round_id, prep_id


def _received(store, tmp_path):
    round_id, prep_id = _handed_over(store)
    receive_ticked(store, account(store, "nurse"), round_id, prep_id, now=at(TODAY, 10))


SCENARIOS = {
    f"{M}/dispensing.py:create_round": _round,
    f"{M}/dispensing.py:add_by_scan": _scanned,
    f"{M}/dispensing.py:remove_item": _removed,
    f"{M}/dispensing_handover.py:hand_over": _handed_over,
    f"{M}/dispensing_reception.py:_receive": _received,
}
