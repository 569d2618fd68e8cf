"""Issue 13, items 3 and 4, the pages (NiceGUI `user` fixture, the demo pinned to its export
day, the pages' clock at 10:30): the ward's day lists the patients with a plan; a patient's
plan shows each step with its times, setup, preparation and status; the label scan refuses
another patient's preparation loudly and opens the record of the right one; the four checks are
required; a double click records once; a dose not given from the paper plan reaches the list
the prescribers and the pharmacists read (and the worklists' section); a correction is a new
record; the three prints; who may see the page."""

from __future__ import annotations

import asyncio

import pytest
from nicegui.testing import User
from prescription_helpers import RECENT_PATIENT, TODAY, audit_rows
from test_i13_administration_service import OTHER_PATIENT, line_of, printed, ward_setup
from test_validation_service import at
from test_web_validation import app_state
from web_helpers import PASSWORD, SLOW, create_account, follow_session, sign_in

from chemo_fallback.modules.administration.pages import common

__all__ = ["app_state"]
NOW = at(TODAY, 10.5)


@pytest.fixture
def unit(app_state, monkeypatch):
    monkeypatch.setattr(common, "today", lambda: TODAY)
    monkeypatch.setattr(common, "now", lambda: NOW)
    return ward_setup(app_state.store)


async def signed_in(user: User, username: str) -> None:
    await user.open("/login")
    user.find(marker="username").type(username)
    user.find(marker="password").type(PASSWORD)
    user.find(marker="sign-in").click()
    await user.should_see(marker="current-user", retries=SLOW)
    follow_session(user)


async def open_plan(user: User, patient_id: str = RECENT_PATIENT) -> None:
    await signed_in(user, "nurse")
    await user.open("/administration?unite=HGE")
    await user.should_see("2 patient(s) avec un plan le 23/11/2026.", retries=SLOW)
    user.find(marker=f"adm-open-{patient_id}").click()
    await user.should_see(marker="adm-step-1", retries=SLOW)


def texts(user: User, marker: str) -> list[str]:
    return [e.text for e in user.find(marker=marker).elements]


def records(store) -> list[tuple]:
    return store.cursor().execute(
        "SELECT record_id, line_id, outcome, preparation_id, from_paper, replaces_id "
        "FROM adm_records ORDER BY record_id").fetchall()


async def downloaded(user: User, count: int):
    for _ in range(SLOW * 10):
        if len(user.download.http_responses) >= count:
            return user.download.http_responses[count - 1]
        await asyncio.sleep(0.1)
    raise AssertionError(f"{count} download(s) expected")


async def test_the_ward_day_and_a_patients_plan(user: User, unit) -> None:
    await open_plan(user)
    await user.should_see("GAILLARD Martine")
    assert texts(user, f"adm-patient-progress-{OTHER_PATIENT}") == ["0/10 étape(s) enregistrée(s)"]
    assert texts(user, "adm-step-heading-4") == ["OXALIPLATINE 178\u00a0mg"]
    assert texts(user, "adm-step-heading-3") == ["NaCl 0,9 % 250 mL (garde-veine)"]
    assert texts(user, "adm-step-times-4") == ["10:30 → 12:30"]
    assert texts(user, "adm-step-times-5") == ["10:30 → 12:30"]
    assert texts(user, "adm-step-times-7") == ["12:40 → 25/11/2026 10:40"]
    await user.should_see("En même temps que l'étape 4 (en Y)")
    assert texts(user, "adm-step-preparation-4") == [
        f"Préparation {unit['oxali']} (ordonnancier n° {unit['oxali'][3:]}) — périme le "
        "25/11/2026 à 08:00 — libérée"]
    assert "débit 142,8\u00a0mL/h" in texts(user, "adm-step-setup-4")[0]
    assert texts(user, "adm-step-status-4") == ["à administrer"]
    # another first start moves every planned time
    user.find(marker="adm-first-start").clear().type("13:00")
    user.find(marker="adm-show").click()
    await user.should_see(marker="adm-step-1", retries=SLOW)
    user.find(marker=f"adm-open-{RECENT_PATIENT}").click()
    await user.should_see("14:30 → 16:30", retries=SLOW)


async def test_the_label_scan_and_a_double_click_record_once(user: User, unit) -> None:
    store = unit["store"]
    other = printed(store, unit["preparer"], line_of(store, unit["rchop"], "VINCRISTINE"))
    await open_plan(user)
    user.find(marker="adm-label-scan").type(other).trigger("keydown.enter")
    await user.should_see("NE PAS ADMINISTRER — ÉTIQUETTE D'UN AUTRE PATIENT", retries=SLOW)
    await user.should_see("est celle de GAILLARD Martine (IPP IPP10000740)")
    await user.should_not_see(marker="record-dialog")
    user.find(marker="adm-label-scan").type(f"]C0{unit['oxali']}").trigger("keydown.enter")
    await user.should_see(marker="record-dialog", retries=SLOW)
    await user.should_see(f"Étiquette {unit['oxali']} conforme")
    [label] = user.find(marker="record-label").elements
    assert label.value == unit["oxali"]
    [start] = user.find(marker="record-start").elements
    assert start.value == "10:30"
    user.find(marker="record-save").click()
    await user.should_see("Cochez les vérifications faites avant d'administrer", retries=SLOW)
    for check in ("identity", "expiry", "appearance", "route"):
        user.find(marker=f"record-check-{check}").click()
    user.find(marker="record-save").click()
    user.find(marker="record-save").click()
    await user.should_see("Enregistré : oxaliplatine — administrée", retries=SLOW)
    await user.should_see(marker="adm-step-status-4", retries=SLOW)
    for _ in range(SLOW * 10):
        if texts(user, "adm-step-status-4") == ["administrée"]:
            break
        await asyncio.sleep(0.1)
    assert texts(user, "adm-step-status-4") == ["administrée"]
    assert [(r[2], r[3], r[4]) for r in records(store)] == [("given", unit["oxali"], False)]
    assert len(audit_rows(store, "administration.given")) == 1
    await user.should_see("1/7 étape(s) enregistrée(s)")


async def test_a_dose_not_given_on_the_paper_plan_reaches_the_lists(user: User, unit) -> None:
    store = unit["store"]
    await open_plan(user)
    user.find(marker="adm-paper-mode").click()
    await user.should_see(marker="adm-notgiven-6", retries=SLOW)
    user.find(marker="adm-notgiven-6").click()
    await user.should_see(marker="record-paper-mode", retries=SLOW)
    user.find(marker="record-reason").type("Patient nauséeux, bolus reporté")
    user.find(marker="record-save").click()
    await user.should_see("nom de l'infirmier(e) qui a signé", retries=SLOW)
    user.find(marker="record-nurse").type("Claire Martin")
    user.find(marker="record-save").click()
    await user.should_see("Enregistré : fluorouracile — non administrée", retries=SLOW)
    await user.should_see("saisi d'après le plan papier signé, saisi par Test nurse",
                          retries=SLOW)
    await user.should_see("1 non administrée(s)")
    [(record_id, _line, outcome, _prep, from_paper, _)] = records(store)
    assert (outcome, from_paper) == ("not_given", True)

    # the prescriber's list
    await sign_in(user, store, "prescriber")
    await user.open("/administration/non-administres")
    await user.should_see("1 dose(s) non administrée(s) (7 derniers jours).", retries=SLOW)
    [grid] = user.find(marker="not-given-table").elements
    [row] = grid.rows
    assert (row["patient"], row["drug"], row["reason"]) == (
        "GARNIER Hamid (IPP10002366)", "fluorouracile 836\u00a0mg",
        "Patient nauséeux, bolus reporté")
    assert row["nurse"] == ("Claire Martin (saisi d'après le plan papier signé, saisi par "
                            "Test nurse)")
    assert row["url"] == f"/prescriptions/{unit['folfox']}"

    # on the prescriber's worklist, and on the pharmacist's validation worklist
    await user.open("/prescriptions")
    await user.should_see("Doses non administrées (3 derniers jours) : 1", retries=SLOW)
    await sign_in(user, store, "pharmacist", "pharmacienne2")
    await user.open("/validation")
    await user.should_see("Doses non administrées (3 derniers jours) : 1", retries=SLOW)
    assert record_id == row["id"]


async def test_a_correction_is_a_new_record(user: User, unit) -> None:
    store = unit["store"]
    await open_plan(user)
    user.find(marker="adm-given-1").click()
    await user.should_see(marker="record-dialog", retries=SLOW)
    for check in ("identity", "expiry", "appearance", "route"):
        user.find(marker=f"record-check-{check}").click()
    user.find(marker="record-start").clear().type("09:02")
    user.find(marker="record-save").click()
    await user.should_see("Enregistré : ondansétron — administrée", retries=SLOW)
    [(first, *_)] = records(store)
    await user.should_see(marker=f"adm-correct-{first}", retries=SLOW)
    user.find(marker=f"adm-correct-{first}").click()
    await user.should_see("Corriger l'enregistrement : Administrée", retries=SLOW)
    [start] = user.find(marker="record-start").elements
    assert start.value == "09:02"
    for check in ("identity", "expiry", "appearance", "route"):
        user.find(marker=f"record-check-{check}").click()
    user.find(marker="record-end").type("09:20")
    user.find(marker="record-save").click()
    await user.should_see("Correction : le motif est obligatoire", retries=SLOW)
    user.find(marker="record-correction").type("heure de fin oubliée")
    user.find(marker="record-save").click()
    await user.should_see(f"corrige l'enregistrement n° {first}", retries=SLOW)
    assert [(r[0], r[5]) for r in records(store)] == [(first, None), (first + 1, first)]
    [audit] = audit_rows(store, "administration.corrected")
    assert audit["reason"] == "heure de fin oubliée"


async def test_the_three_prints(user: User, unit) -> None:
    store = unit["store"]
    await open_plan(user)
    user.find(marker="adm-print-plan").click()
    user.find(marker="adm-print-plan").click()
    plan = await downloaded(user, 1)
    assert plan.content.startswith(b"%PDF")
    user.find(marker="adm-print-ward").click()
    await downloaded(user, 2)
    user.find(marker="adm-print-blank").click()
    await downloaded(user, 3)
    await asyncio.sleep(0.5)
    kinds = store.cursor().execute(
        "SELECT kind, count(*) FROM printed_documents GROUP BY kind ORDER BY kind").fetchall()
    assert dict(kinds) == {"administration_blank_plan": 1, "administration_plan": 1,
                           "administration_ward_plans": 1}


async def test_who_sees_the_page(user: User, unit) -> None:
    store = unit["store"]
    await sign_in(user, store, "prescriber")
    await user.open("/administration?unite=HGE")
    await user.should_see("2 patient(s) avec un plan le 23/11/2026.", retries=SLOW)
    user.find(marker=f"adm-open-{RECENT_PATIENT}").click()
    await user.should_see(marker="adm-step-1", retries=SLOW)
    await user.should_not_see(marker="adm-given-1")  # reading only: nurses record
    create_account(store, "buyer")
    await signed_in(user, "buyer")
    await user.open("/administration")
    await user.should_see(marker="access-denied", retries=SLOW)
