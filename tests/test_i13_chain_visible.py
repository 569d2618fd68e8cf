"""Issue 13 item 5: each preparation's status along the whole chain is visible on its
prescription, on the patient record and in the production queue, for every role."""

from __future__ import annotations

import pytest
from nicegui.testing import User
from prescription_helpers import RECENT_PATIENT, TODAY
from test_i12_fab_service import SETTINGS
from test_i13_release_service import made_bolus, validated_day, weigh
from test_validation_service import at
from test_web_validation import app_state
from web_helpers import SLOW, sign_in

from chemo_fallback.modules.fabrication.pages import common
from chemo_fallback.modules.fabrication.queue import production_queue
from chemo_fallback.modules.release import chain, service

__all__ = ["app_state"]


@pytest.fixture
def released(app_state, monkeypatch):
    monkeypatch.setattr(common, "today", lambda: TODAY)
    monkeypatch.setattr(common, "now", lambda: at(TODAY, 12))
    store = app_state.store
    pharmacist, preparer, preparer2 = validated_day(store)
    prep_id = made_bolus(store, preparer, preparer2)
    weigh(store, pharmacist, prep_id, 17.1)
    service.release(store, pharmacist, prep_id, now=at(TODAY, 11))
    return store, preparer, prep_id


def test_the_queue_says_released(released) -> None:
    store, preparer, prep_id = released
    queue = production_queue(store, preparer, TODAY, SETTINGS, now=at(TODAY, 12))
    [item] = [i for i in queue.items if i.preparation
              and i.preparation["preparation_id"] == prep_id]
    assert item.status == "controlled"  # the fabrication step, for the counts and filters
    assert item.status_label == "libérée"  # what the unit sees
    rows = chain.preparations_of_patient(store, preparer, RECENT_PATIENT)
    assert [(r["preparation_id"], r["chain_label"]) for r in rows] == [(prep_id, "libérée")]


@pytest.mark.parametrize("role", ["nurse", "prescriber"])
async def test_the_prescription_and_the_patient_record_show_the_chain(
    user: User, released, role
) -> None:
    store, _preparer, prep_id = released
    rx_id = store.cursor().execute(
        "SELECT prescription_id FROM fab_preparations WHERE preparation_id = ?", [prep_id]
    ).fetchone()[0]
    await sign_in(user, store, role)
    await user.open(f"/prescriptions/{rx_id}")
    await user.should_see("Préparations : de l'isolateur au patient", retries=SLOW)
    await user.should_see("LIBÉRÉE", retries=SLOW)
    await user.open(f"/patients/{RECENT_PATIENT}")
    await user.should_see("Préparations faites pendant la panne", retries=SLOW)
    await user.should_see("LIBÉRÉE", retries=SLOW)


async def test_every_role_sees_it_on_the_patient_record(user: User, released) -> None:
    store, _preparer, _prep_id = released
    await sign_in(user, store, "buyer")
    await user.open(f"/patients/{RECENT_PATIENT}")
    await user.should_see("Préparations faites pendant la panne", retries=SLOW)
    await user.should_see("LIBÉRÉE", retries=SLOW)
