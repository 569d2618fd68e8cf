"""Audited scenarios of the prescription module's writes (see test_every_write_is_audited.py)."""

from __future__ import annotations

from prescription_helpers import RECENT_PATIENT, TODAY, activate_demo
from web_helpers import create_account

from chemo_fallback.modules.prescription import drafts, lifecycle, line_edits, notes
from chemo_fallback.modules.prescription.models import DraftRequest, OffProtocolLine
from chemo_fallback.site_settings import SiteSettings

SETTINGS = SiteSettings()
M = "modules/prescription"


def _draft(store, tmp_path=None):
    activate_demo(store)
    user = create_account(store, "prescriber")
    request = DraftRequest(
        patient_id=RECENT_PATIENT, protocol_id="MFOLFOX6", cycle_no=3, cycle_start_date=TODAY
    )
    return user, drafts.start_draft(store, user, request, SETTINGS, TODAY)


def _oxali(rx):
    return next(x for x in rx.lines if x.drug_id == "OXALIPLATINE")


def _modify(store, tmp_path):
    user, rx = _draft(store)
    line_edits.modify_dose(
        store, user, rx.prescription_id, _oxali(rx).line_id, -10, "tox", SETTINGS
    )


def _recompute(store, tmp_path):
    user, rx = _draft(store)
    line_edits.recompute(store, user, rx.prescription_id, SETTINGS, TODAY)


def _off_protocol(store, tmp_path):
    user, rx = _draft(store)
    wanted = OffProtocolLine(
        drug_id="IRINOTECAN", dose=180, dose_basis="mg/m2", day_no=1, route="IV", reason="RCP"
    )
    line_edits.add_off_protocol_line(store, user, rx.prescription_id, wanted, SETTINGS)


def _indication(store, tmp_path):
    activate_demo(store)
    user = create_account(store, "prescriber")
    request = DraftRequest(
        patient_id=RECENT_PATIENT, protocol_id="RCHOP21", cycle_no=1, cycle_start_date=TODAY
    )
    rx = drafts.start_draft(store, user, request, SETTINGS, TODAY)
    line_edits.set_indication_code(store, user, rx.prescription_id, "RITUXIMAB", "I000123")


def _move_day(store, tmp_path):
    user, rx = _draft(store)
    line_edits.move_day(store, user, rx.prescription_id, 1, TODAY, SETTINGS, TODAY)


def _sign(store, tmp_path):
    user, rx = _draft(store)
    lifecycle.sign(store, user, rx.prescription_id, SETTINGS, TODAY)


def _cancel(store, tmp_path):
    user, rx = _draft(store)
    lifecycle.cancel(store, user, rx.prescription_id, "Erreur de patient")


def _correct(store, tmp_path):
    user, rx = _draft(store)
    lifecycle.sign(store, user, rx.prescription_id, SETTINGS, TODAY)
    lifecycle.start_correction(store, user, rx.prescription_id, SETTINGS)


def _supersede(store, tmp_path):
    user, rx = _draft(store)
    lifecycle.sign(store, user, rx.prescription_id, SETTINGS, TODAY)
    new = lifecycle.start_correction(store, user, rx.prescription_id, SETTINGS)
    lifecycle.sign(store, user, new.prescription_id, SETTINGS, TODAY)


def _note(store, tmp_path):
    user, rx = _draft(store)
    notes.add_note(store, user, RECENT_PATIENT, "Note", rx.prescription_id)


SCENARIOS = {
    f"{M}/drafts.py:start_draft_or_earlier": _draft,
    f"{M}/line_edits.py:recompute": _recompute,
    f"{M}/line_edits.py:modify_dose": _modify,
    f"{M}/line_edits.py:add_off_protocol_line": _off_protocol,
    f"{M}/line_edits.py:set_indication_code": _indication,
    f"{M}/line_edits.py:move_day": _move_day,
    f"{M}/lifecycle.py:sign": _sign,
    f"{M}/lifecycle.py:cancel": _cancel,
    f"{M}/lifecycle.py:start_correction": _correct,
    f"{M}/notes.py:add_note": _note,
    f"{M}/repository.py:insert_prescription": _draft,
    f"{M}/repository.py:insert_line": _off_protocol,
    f"{M}/repository.py:replace_line": _modify,
    f"{M}/repository.py:save_dosing": _recompute,
    f"{M}/repository.py:set_status": _supersede,
    f"{M}/repository.py:set_signed": _sign,
    f"{M}/repository.py:insert_note": _note,
}
