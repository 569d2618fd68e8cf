"""Audited scenarios of the validation module's writes (see test_every_write_is_audited.py)."""

from __future__ import annotations

from prescription_helpers import TODAY, activate_demo
from test_validation_service import at, created_at, lift, signed_mfolfox6

from chemo_fallback.auth import accounts
from chemo_fallback.modules.validation import decisions
from chemo_fallback.modules.validation.go_ahead import record_go_ahead
from chemo_fallback.site_settings import SiteSettings

M = "modules/validation"


def _signed(store):
    activate_demo(store)
    return accounts.find_user(store, "pharmacist"), signed_mfolfox6(store)


def _validate(store, tmp_path):
    pharmacist, rx_id = _signed(store)
    overrides = lift(store, pharmacist, rx_id)
    decisions.validate(store, pharmacist, rx_id, overrides, SiteSettings(), TODAY)


def _reject(store, tmp_path):
    pharmacist, rx_id = _signed(store)
    decisions.reject(store, pharmacist, rx_id, "Doublon")


def _go_ahead(store, tmp_path):
    pharmacist, rx_id = _signed(store)
    created_at(store, rx_id, at(TODAY, 7))
    record_go_ahead(store, pharmacist, rx_id, 1, "Dr Colin", at(TODAY, 8),
                    now=at(TODAY, 9))


SCENARIOS = {
    f"{M}/decisions.py:validate": _validate,
    f"{M}/decisions.py:_close": _reject,
    f"{M}/go_ahead.py:record_go_ahead": _go_ahead,
    f"{M}/repository.py:insert_decision": _validate,
    f"{M}/repository.py:insert_go_ahead": _go_ahead,
}
