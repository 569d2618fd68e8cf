"""Audited scenarios of the administration module's writes (see test_every_write_is_audited.py):
a step recorded (and corrected), and the plans printed."""

from __future__ import annotations

from prescription_helpers import RECENT_PATIENT, TODAY, activate_demo
from test_i13_administration_service import validated_mfolfox6
from test_validation_service import at
from web_helpers import create_account

from chemo_fallback.auth import accounts
from chemo_fallback.modules.administration import printing, recording
from chemo_fallback.modules.administration.models import Outcome, RecordRequest

M = "modules/administration"


def _plan(store):
    activate_demo(store)
    pharmacist = accounts.find_user(store, "pharmacist")
    rx_id = validated_mfolfox6(store, pharmacist)
    return create_account(store, "nurse"), rx_id


def _record(store, tmp_path):
    nurse, rx_id = _plan(store)
    line_id = store.cursor().execute(
        "SELECT line_id FROM rx_lines WHERE prescription_id = ? AND line_no = 1", [rx_id]
    ).fetchone()[0]
    first = recording.record(store, nurse, RecordRequest(
        line_id=line_id, outcome=Outcome.GIVEN, started_at=at(TODAY, 9), checks_done=True),
        now=at(TODAY, 9.5))
    recording.record(store, nurse, RecordRequest(
        line_id=line_id, outcome=Outcome.GIVEN, started_at=at(TODAY, 9),
        ended_at=at(TODAY, 9.25), checks_done=True, replaces_id=first.record_id,
        correction_reason="heure de fin"), now=at(TODAY, 9.5))


def _print(store, tmp_path):
    nurse, _rx_id = _plan(store)
    printing.print_patient_plan(store, nurse, RECENT_PATIENT, TODAY)
    printing.print_ward_plans(store, nurse, TODAY, "HGE")
    printing.print_blank_plan(store, nurse, "HGE", TODAY)


SCENARIOS = {
    f"{M}/recording.py:record": _record,
    f"{M}/repository.py:insert_record": _record,
    f"{M}/printing.py:_print": _print,
}
