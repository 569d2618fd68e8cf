"""Audited scenarios of the stock's writes (see test_every_write_is_audited.py): a discard and
an inventory correction, each one movement recorded with its audit record."""

from __future__ import annotations

from prescription_helpers import TODAY, activate_demo
from test_validation_service import at
from web_helpers import create_account

from chemo_fallback.modules.ordering import stock_service

M = "modules/ordering"


def _discarded(store, tmp_path):
    activate_demo(store)
    stock_service.discard(store, create_account(store, "buyer"), "OXALIPLATINE-50MG",
                          "KM61219", 3, "Lot périmé", now=at(TODAY, 9))


def _corrected(store, tmp_path):
    activate_demo(store)
    pharmacist = create_account(store, "pharmacist", "pharmacien2")
    stock_service.correct(store, pharmacist, "OXALIPLATINE-50MG", "NL30130", 5, "Inventaire",
                          now=at(TODAY, 9))


SCENARIOS = {
    f"{M}/stock_service.py:discard": _discarded,
    f"{M}/stock_service.py:correct": _corrected,
    f"{M}/repository.py:insert_movement": _discarded,
}
