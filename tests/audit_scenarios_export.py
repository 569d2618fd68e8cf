"""Audited scenarios of the re-integration export's write (see test_every_write_is_audited.py):
the export run recorded (reintegration.exported); the export itself writes nothing else."""

from __future__ import annotations

from prescription_helpers import activate_demo
from web_helpers import create_account

from chemo_fallback.reintegration.service import export_package


def _exported(store, tmp_path):
    activate_demo(store)
    export_package(store, create_account(store, "admin"), tmp_path / "paquet")


SCENARIOS = {
    "chemo_fallback/reintegration/runs.py:record_run": _exported,
}
