"""Audited scenarios of the crisis dashboard's writes (see test_every_write_is_audited.py): the
status report printed (document.printed)."""

from __future__ import annotations

from datetime import datetime, time

from prescription_helpers import TODAY, activate_demo
from test_i13_dispensing_helpers import SETTINGS
from web_helpers import create_account

from chemo_fallback.dashboard import reads, status_report


def _printed(store, tmp_path):
    activate_demo(store)
    nurse = create_account(store, "nurse")
    situation = reads.situation(store, nurse, SETTINGS, datetime.combine(TODAY, time(12)))
    status_report.print_status_report(store, nurse, situation)


SCENARIOS = {
    "chemo_fallback/dashboard/status_report.py:print_status_report": _printed,
}
