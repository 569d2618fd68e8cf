"""Audited scenarios of the release's writes (see test_every_write_is_audited.py): controls
recorded, a signed release, a rejection (the fabrication record marked in the same
transaction)."""

from __future__ import annotations

from prescription_helpers import TODAY, activate_demo
from test_i12_fab_service import SETTINGS
from test_i13_release_service import made_bolus
from test_validation_service import at, lift, signed_mfolfox6
from web_helpers import create_account

from chemo_fallback.auth import accounts
from chemo_fallback.modules.release import service
from chemo_fallback.modules.validation import decisions

M = "modules/release"


def _controlled(store) -> tuple:
    activate_demo(store)
    pharmacist = accounts.find_user(store, "pharmacist")
    rx_id = signed_mfolfox6(store)
    decisions.validate(store, pharmacist, rx_id, lift(store, pharmacist, rx_id), SETTINGS, TODAY)
    prep_id = made_bolus(store, create_account(store, "preparer"),
                         create_account(store, "preparer", "controleur"))
    return pharmacist, prep_id


def _controls(store, tmp_path):
    pharmacist, prep_id = _controlled(store)
    service.record_controls(store, pharmacist, prep_id, mass_measured_g=17.0, visual_ok=True,
                            now=at(TODAY, 10))
    return pharmacist, prep_id


def _released(store, tmp_path):
    pharmacist, prep_id = _controls(store, tmp_path)
    service.release(store, pharmacist, prep_id, now=at(TODAY, 11))


def _rejected(store, tmp_path):
    pharmacist, prep_id = _controls(store, tmp_path)
    service.reject(store, pharmacist, prep_id, "Particules visibles", now=at(TODAY, 11))


SCENARIOS = {
    f"{M}/service.py:record_controls": _controls,
    f"{M}/service.py:release": _released,
    f"{M}/service.py:reject": _rejected,
    f"{M}/repository.py:insert_control": _controls,
    f"{M}/repository.py:insert_decision": _released,
}
