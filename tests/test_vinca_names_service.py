"""Vinca alkaloids are recognised whatever the snapshot calls them, through the prescription
services: a snapshot whose drug table names vincristine "VINCRISTINE_SULFATE" or misspells it
(the drug code still says VINCRISTINE), and wrongly allows it intrathecally in a syringe,
still refuses it off protocol (never-event), and the protocol's IV minibag line still works."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from factory import rewrite_table
from prescription_helpers import RECENT_PATIENT, TODAY, audit_rows
from web_helpers import create_account

from chemo_fallback.config import DEMO_SNAPSHOT
from chemo_fallback.modules.prescription import drafts, line_edits, queries
from chemo_fallback.modules.prescription.drug_rules import NEVER_VINCA_ROUTE
from chemo_fallback.modules.prescription.models import (
    DraftRequest,
    OffProtocolLine,
    PrescriptionError,
)
from chemo_fallback.site_settings import SiteSettings
from chemo_fallback.snapshot.activation import activate_snapshot

SETTINGS = SiteSettings()
VINCRISTINE = "VINCRISTINE,vincristine,mg,L01CA02,,,NACL09,0.01,0.1,168.0,2-8,O,poche,IV,2.0,N,"


def _activate_with_inn(store, tmp_path: Path, inn: str) -> None:
    folder = tmp_path / "demo"
    shutil.copytree(DEMO_SNAPSHOT, folder)
    text = (folder / "drugs.csv").read_text(encoding="utf-8")
    assert VINCRISTINE in text
    lax = VINCRISTINE.replace(",vincristine,", f",{inn},").replace(
        ",poche,IV,2.0,N,", ",poche|seringue,IV|IT,2.0,O,"
    )
    rewrite_table(folder, "drugs", text.replace(VINCRISTINE, lax).encode("utf-8"))
    report = activate_snapshot(store, folder, reanchor_to=TODAY)
    assert report.status == "activated", report.to_text()


@pytest.mark.parametrize("inn", ["VINCRISTINE_SULFATE", "VincristineSulfate", "vincirstine"])
def test_vincristine_under_another_name_is_still_refused_intrathecally(
    store, tmp_path: Path, inn: str
) -> None:
    _activate_with_inn(store, tmp_path, inn)
    user = create_account(store, "prescriber")
    request = DraftRequest(
        patient_id=RECENT_PATIENT, protocol_id="RCHOP21", cycle_no=3, cycle_start_date=TODAY
    )
    rx = drafts.start_draft(store, user, request, SETTINGS, TODAY)  # IV minibag: fine
    vinc = next(line for line in rx.lines if line.drug_id == "VINCRISTINE")
    assert vinc.final_dose == 2.0
    wanted = OffProtocolLine(
        drug_id="VINCRISTINE", dose=2, dose_basis="mg", day_no=1, route="IT",
        container="seringue", reason="Décidé en RCP",
    )
    with pytest.raises(PrescriptionError) as refused:
        line_edits.add_off_protocol_line(store, user, rx.prescription_id, wanted, SETTINGS)
    assert refused.value.code == NEVER_VINCA_ROUTE
    assert "INTERDIT" in str(refused.value) and "minipoche" in str(refused.value)
    assert queries.read_prescription(store, user, rx.prescription_id) == rx
    assert audit_rows(store, "prescription.line_added") == []
    # the same line IV in a bag is accepted (just inside the rule)
    allowed = wanted.model_copy(update={"route": "IV", "container": "poche", "day_no": 2,
                                        "diluent": "NACL09", "volume_ml": 50})
    line = line_edits.add_off_protocol_line(store, user, rx.prescription_id, allowed, SETTINGS)
    assert line.final_dose == 2.0
    assert len(audit_rows(store, "prescription.line_added")) == 1
