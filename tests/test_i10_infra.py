"""Issue 10's shared pieces: one French formatter per kind of value, request keys that make a
create happen once, and a signature dialog that lists what still blocks before any password."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from nicegui import ui
from nicegui.testing import User
from web_helpers import PASSWORD, SLOW, sign_in

from chemo_fallback import audit, french, request_keys
from chemo_fallback.auth.signature import Meaning
from chemo_fallback.web import state
from chemo_fallback.web.signature_dialog import open_signature_dialog

NB = french.NBSP


def test_numbers_group_thousands_and_use_a_decimal_comma() -> None:
    assert french.number(2400) == f"2{NB}400"
    assert french.number(1.845, 2) == "1,85"  # half-up, as by hand
    assert french.number(83.7, 2, fixed=True) == "83,70"
    assert french.number(None) == "—"
    assert french.quantity(2400, "mg/m2") == f"2{NB}400{NB}mg/m²"
    assert french.dose(177.65, "mg") == f"177,65{NB}mg"


def test_percentages_are_french_and_signed_on_request() -> None:
    assert french.percent(20.5) == f"20,5{NB}%"
    assert french.percent(-20.5, signed=True) == f"-20,5{NB}%"
    assert french.percent(20.5, signed=True) == f"+20,5{NB}%"
    assert french.percent(0.0, signed=True) == f"0{NB}%"


def test_days_agree_in_number() -> None:
    assert (french.days(0), french.days(1), french.days(2), french.days(14)) == (
        "0 jour", "1 jour", "2 jours", "14 jours")


def test_dates_and_moments() -> None:
    assert french.day(date(2026, 11, 23)) == "23/11/2026"
    assert french.moment(datetime(2026, 11, 23, 8, 5, 42)) == "23/11/2026 à 08:05"
    assert french.moment(datetime(2026, 11, 23, 8, 5, 42), seconds=True) == (
        "23/11/2026 à 08:05:42"
    )
    assert french.day(None) == "date inconnue"


def test_a_request_key_finds_the_first_record(store) -> None:
    key = request_keys.new_key()
    with store.transaction() as cur:
        assert request_keys.earlier(cur, key, "prescription.draft_created", "dr") is None
        request_keys.remember(cur, key, "prescription.draft_created", "dr", "PS000001")
        audit.record(cur, audit.command_line_actor(), "note.added", "note", "1")  # its create
    with store.transaction() as cur:
        assert request_keys.earlier(cur, key, "prescription.draft_created", "dr") == "PS000001"
        assert request_keys.earlier(cur, None, "prescription.draft_created", "dr") is None


def test_a_request_key_is_not_reused_by_another_action_or_user(store) -> None:
    key = request_keys.new_key()
    with store.transaction() as cur:
        request_keys.remember(cur, key, "measurement.recorded", "nurse", "12")
        audit.record(cur, audit.command_line_actor(), "note.added", "note", "1")  # its create
    with store.transaction() as cur:
        with pytest.raises(request_keys.RequestKeyError, match="autre action"):
            request_keys.earlier(cur, key, "lab.recorded", "nurse")
        with pytest.raises(request_keys.RequestKeyError, match="autre action"):
            request_keys.earlier(cur, key, "measurement.recorded", "someone")


@pytest.mark.parametrize("bad", ["", "short", "x" * 65, "clé avec espaces", "a;DROP TABLE x"])
def test_a_malformed_request_key_is_refused(store, bad: str) -> None:
    with store.transaction() as cur, pytest.raises(request_keys.RequestKeyError, match="mal"):
        request_keys.earlier(cur, bad, "lab.recorded", "nurse")


@pytest.fixture
def app_state(store):
    installed = state.AppState(store=store)
    state.install(installed)
    return installed


async def test_the_dialog_lists_blockers_and_asks_no_password(user: User, app_state) -> None:
    signer = await sign_in(user, app_state.store, "pharmacist")
    signed: list[str] = []
    problems = ["« Clairance basse » n'est pas levé"]

    def done() -> None:
        signed.append("RX1")
        ui.label("Signé").mark("done")

    @ui.page("/essai-blocage")
    def page() -> None:
        ui.button(
            "Valider",
            on_click=lambda: open_signature_dialog(
                signer, Meaning.VALIDATED, "Validation RX1", done,
                blockers=lambda: list(problems), summary=["1 point bloquant levé"],
            ),
        ).mark("validate")

    await user.open("/essai-blocage")
    user.find(marker="validate").click()
    await user.should_see(marker="signature-blockers")
    await user.should_see("« Clairance basse » n'est pas levé")
    await user.should_not_see(marker="signature-password")
    await user.should_not_see(marker="signature-sign")
    user.find(marker="signature-cancel").click()
    # once nothing blocks, the summary and the password appear, and the signature goes through
    problems.clear()
    user.find(marker="validate").click()
    await user.should_see("1 point bloquant levé", retries=SLOW)
    user.find(marker="signature-password").type(PASSWORD)
    user.find(marker="signature-sign").click()
    await user.should_see(marker="done", retries=SLOW)
    assert signed == ["RX1"]


async def test_a_blocker_found_at_signing_time_stops_the_signature(user: User, app_state) -> None:
    signer = await sign_in(user, app_state.store, "pharmacist")
    signed: list[str] = []
    problems: list[str] = []

    @ui.page("/essai-blocage-tardif")
    def page() -> None:
        ui.button(
            "Valider",
            on_click=lambda: open_signature_dialog(
                signer, Meaning.VALIDATED, "Validation RX2", lambda: signed.append("RX2"),
                blockers=lambda: list(problems),
            ),
        ).mark("validate")

    await user.open("/essai-blocage-tardif")
    user.find(marker="validate").click()
    await user.should_see(marker="signature-password", retries=SLOW)  # opens after its checks
    user.find(marker="signature-password").type(PASSWORD)
    problems.append("la prescription a été annulée entre-temps")
    user.find(marker="signature-sign").click()
    await user.should_see("Signature impossible : la prescription a été annulée entre-temps",
                          retries=SLOW)
    assert signed == []
