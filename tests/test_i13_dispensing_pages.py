"""Issue 13 item 2, the pages (NiceGUI `user` fixture, demo pinned to its export day, the four
mFOLFOX6 preparations of GARNIER Hamid (HGE) released): the pharmacy creates a round, scans
the labels (refusals shown big and red, nothing recorded), takes one out with a reason, hands
the round over (the slip is downloaded) and may reprint it as a DUPLICATA; the nurse chooses
the unit, opens the round, has a foreign label refused, ticks one preparation and scans the
other. A double click on "Créer la tournée" creates one round."""

from __future__ import annotations

import asyncio

import pytest
from nicegui.testing import User
from prescription_helpers import TODAY, audit_rows
from test_i13_dispensing_helpers import OTHER_WARD, WARD, account, released
from test_validation_service import at
from test_web_validation import app_state
from web_helpers import SLOW, sign_in

from chemo_fallback.modules.release import dispensing, dispensing_handover
from chemo_fallback.modules.release.pages import dispensing_common

__all__ = ["app_state"]
NOW = at(TODAY, 9)


@pytest.fixture
def unit(user, app_state, monkeypatch):
    """The released preparations, the pages' clock at 09:00 on the demo's day."""
    monkeypatch.setattr(dispensing_common, "today", lambda: TODAY)
    monkeypatch.setattr(dispensing_common, "now", lambda: NOW)
    preps = released(app_state.store, demo=False)
    return app_state.store, preps


async def downloaded(user: User, count: int = 1):
    for _ in range(SLOW * 10):
        if len(user.download.http_responses) >= count:
            return user.download.http_responses[count - 1]
        await asyncio.sleep(0.1)
    raise AssertionError(f"{count} download(s) expected, {len(user.download.http_responses)}")


def rounds(store) -> list[tuple]:
    return store.cursor().execute(
        "SELECT round_id, ward_id, label, status FROM disp_rounds ORDER BY round_id").fetchall()


def dispensed(store) -> list[str]:
    return [r[0] for r in store.cursor().execute(
        "SELECT preparation_id FROM disp_items ORDER BY item_id").fetchall()]


def scan(user: User, marker: str, code: str) -> None:
    user.find(marker=marker).type(code).trigger("keydown.enter")


async def test_make_up_a_round_by_scanning_and_hand_it_over(user: User, unit) -> None:
    store, preps = unit
    await sign_in(user, store, "preparer")
    await user.open(f"/dispensation?unite={WARD}&jour=23/11/2026")
    await user.should_see("Libérées, pas encore dispensées (4)", retries=SLOW)
    await user.should_see("Hépato-gastro-entérologie : 4")
    await user.should_see("Aucune tournée ce jour pour cette unité.")
    await user.should_see(marker=f"pending-{preps['bolus']}")
    user.find(marker="round-label-tournée de 10 h").click()
    user.find(marker="round-create").click()
    user.find(marker="round-create").click()  # a double click creates one round
    await user.should_see(marker="round-scan", retries=SLOW)
    await user.should_see("tournée de 10 h — Hépato-gastro-entérologie")
    await user.should_see("OUVERTE")
    await user.should_see("Reste à dispenser pour l'unité ce jour (4)")
    assert rounds(store) == [(1, WARD, "tournée de 10 h", "open")]
    assert len(audit_rows(store, "dispensing.round_created")) == 1

    scan(user, "round-scan", preps["bolus"])
    await user.should_see(f"Ajoutée à la tournée : {preps['bolus']}", retries=SLOW)
    await user.should_see("Dans la tournée (1)")
    [field] = user.find(marker="round-scan").elements
    assert field.value == ""
    scan(user, "round-scan", preps["bolus"])
    await user.should_see("DÉJÀ DANS CETTE TOURNÉE", retries=SLOW)
    [result] = user.find(marker="round-scan-result").elements
    assert "text-red-900" in result.classes and "text-2xl" in result.classes
    scan(user, "round-scan", "FAB123")
    await user.should_see("PRÉPARATION INCONNUE « FAB123 »", retries=SLOW)
    for name in ("oxaliplatin", "pump"):
        scan(user, "round-scan", preps[name])
        await user.should_see(f"Ajoutée à la tournée : {preps[name]}", retries=SLOW)
    assert dispensed(store) == [preps["bolus"], preps["oxaliplatin"], preps["pump"]]

    user.find(marker=f"round-remove-{preps['pump']}").click()
    user.find(marker="remove-save").click()
    await user.should_see("Motif obligatoire pour retirer", retries=SLOW)
    user.find(marker="remove-reason").type("sera dans la tournée de 14 h")
    user.find(marker="remove-save").click()
    await user.should_see("Dans la tournée (2)", retries=SLOW)
    assert dispensed(store) == [preps["bolus"], preps["oxaliplatin"]]

    user.find(marker="round-hand-over").click()
    user.find(marker="handover-confirm").click()
    await user.should_see("Nom de la personne qui emporte la tournée manquant", retries=SLOW)
    user.find(marker="handover-carrier").type("Marc Coursier")
    user.find(marker="handover-time").clear().type("09:00")
    user.find(marker="handover-confirm").click()
    pdf = await downloaded(user)
    assert pdf.content.startswith(b"%PDF")
    await user.should_see("REMISE", retries=SLOW)
    await user.should_see("Remise le 23/11/2026 à 09:00 par Test preparer à Marc Coursier")
    await user.should_not_see(marker="round-scan")
    await user.should_not_see(marker=f"round-remove-{preps['bolus']}")
    assert rounds(store)[0][3] == "handed_over"
    user.find(marker="round-reprint").click()
    user.find(marker="reprint-reason").type("bordereau perdu")
    user.find(marker="reprint-save").click()
    await downloaded(user, 2)
    [reprinted] = audit_rows(store, "document.reprinted")
    assert reprinted["reason"] == "bordereau perdu"


async def test_a_label_of_another_ward_is_refused_big_and_red(user: User, unit) -> None:
    store, preps = unit
    round_id = dispensing.create_round(store, account(store, "pharmacist"), OTHER_WARD, TODAY,
                                       "tournée de 10 h", now=NOW)
    await sign_in(user, store, "preparer")
    await user.open(f"/dispensation/tournee/{round_id}")
    await user.should_see(marker="round-scan", retries=SLOW)
    scan(user, "round-scan", preps["oxaliplatin"])
    await user.should_see("MAUVAISE UNITÉ : préparation pour Hépato-gastro-entérologie",
                          retries=SLOW)
    await user.should_see("Rien n'a été enregistré")
    assert dispensed(store) == []


async def test_the_nurse_receives_a_round_by_tick_and_by_scan(user: User, unit) -> None:
    store, preps = unit
    pharmacist = account(store, "pharmacist")
    round_id = dispensing.create_round(store, pharmacist, WARD, TODAY, "tournée de 10 h",
                                       now=at(TODAY, 8.5))
    for name in ("bolus", "oxaliplatin"):
        dispensing.add_by_scan(store, pharmacist, round_id, preps[name], now=at(TODAY, 8.5))
    dispensing_handover.hand_over(store, pharmacist, round_id, "Marc Coursier",
                                  now=at(TODAY, 8.75))
    await sign_in(user, store, "nurse")
    await user.open("/reception")
    await user.should_see("Choisissez votre unité de soins.", retries=SLOW)
    user.find(marker="reception-ward").click()
    user.find("Hépato-gastro-entérologie").click()
    await user.should_see("Tournées remises le 23/11/2026 (1)", retries=SLOW)
    await user.should_see("0 sur 2 reçue(s)")
    user.find(marker=f"reception-open-{round_id}").click()
    await user.should_see(marker="reception-scan", retries=SLOW)
    await user.should_see("REMISE")
    scan(user, "reception-scan", preps["pump"])
    await user.should_see("PAS DANS CETTE TOURNÉE", retries=SLOW)
    await user.should_see("ne la donnez pas")
    user.find(marker=f"reception-tick-{preps['bolus']}").click()
    await user.should_see(f"Reçue : {preps['bolus']}", retries=SLOW)
    await user.should_see("1 sur 2 reçue(s)", retries=SLOW)
    await user.should_see(marker=f"reception-received-{preps['bolus']}")
    scan(user, "reception-scan", preps["oxaliplatin"])
    await user.should_see("Toute la tournée est reçue.", retries=SLOW)
    await user.should_see("REÇUE", retries=SLOW)
    await user.should_see("Reçue en entier le 23/11/2026 à 09:00 par Test nurse")
    await user.should_not_see(marker="reception-scan")
    received = store.cursor().execute(
        "SELECT preparation_id, received_at, received_by_name FROM disp_items ORDER BY item_id"
    ).fetchall()
    assert received == [(preps["bolus"], NOW, "Test nurse"),
                        (preps["oxaliplatin"], NOW, "Test nurse")]
    # the chosen unit is remembered for the session
    await user.open("/reception")
    await user.should_see("Tournées remises le 23/11/2026 (1)", retries=SLOW)


async def test_pages_are_closed_to_roles_without_the_permission(user: User, unit) -> None:
    store, _preps = unit
    await sign_in(user, store, "nurse")
    await user.open("/dispensation")
    await user.should_see(marker="access-denied", retries=SLOW)
