"""Issue 15 item 2, the dashboard page (/tableau-de-bord, NiceGUI `user` fixture, the demo with
a record at each stage, the page's clock pinned): every role reads the same numbers; the page
refreshes by itself in place (the same elements, new texts); « Imprimer le rapport de
situation » hands over the PDF of the numbers on screen and lists it for a reprint; after
sign-in each role lands on its day's work, and a page asked for keeps winning."""

from __future__ import annotations

import asyncio

import pytest
from i15_dashboard_helpers import day_at_every_stage, moment
from nicegui.testing import User
from test_i12_fab_pages import downloaded
from test_i13_dispensing_helpers import release
from test_web_validation import app_state
from web_helpers import PASSWORD, SLOW, create_account, sign_in

from chemo_fallback.auth.roles import Role
from chemo_fallback.dashboard import status_report
from chemo_fallback.documents import get_document
from chemo_fallback.web import app, dashboard_page
from chemo_fallback.web.login_page import ROLE_HOME

__all__ = ["app_state"]


@pytest.fixture(autouse=True)
def registered(monkeypatch):
    """The page group, until the lead lists it in app.PAGE_GROUPS."""
    if dashboard_page not in app.PAGE_GROUPS:
        monkeypatch.setattr(app, "PAGE_GROUPS", (*app.PAGE_GROUPS, dashboard_page))


@pytest.fixture
def unit(app_state, monkeypatch):
    clock = {"now": moment(19)}
    monkeypatch.setattr(dashboard_page, "now", lambda: clock["now"])
    made = day_at_every_stage(app_state.store, demo=False)
    return app_state.store, made["preps"], clock


def shown(user: User, marker: str) -> str:
    [label] = user.find(marker=marker).elements
    return label.text


async def open_dashboard(user: User, store, role: str) -> None:
    await sign_in(user, store, role, f"tableau-{role}")  # the setup made the plain names
    await user.open(dashboard_page.PATH)
    await user.should_see(marker="dash-late-unreleased", retries=SLOW)
    await user.should_see("Chiffres lus le 23/11/2026 à 19:00:00", retries=SLOW)


@pytest.mark.parametrize("role", [r.value for r in Role])
async def test_every_role_sees_the_days_numbers(user: User, unit, role: str) -> None:
    store, preps, _clock = unit
    await open_dashboard(user, store, role)
    assert shown(user, "dash-prescriptions-validated") == "1"
    assert shown(user, "dash-preparations-controlled") == "1"
    assert shown(user, "dash-released") == "3"
    assert shown(user, "dash-administered") == "1 / 7"
    assert (shown(user, "dash-late-unreleased"), shown(user, "dash-late-unreleased-examples")) \
        == ("1", preps["folinic"])
    assert shown(user, "dash-late-unreceived-examples") == preps["pump"]
    assert shown(user, "dash-late-total") == "7"
    assert shown(user, "dash-snapshot") == "Données du 23/11/2026 à 02:00 (il y a 17 h, à jour)"
    await user.should_see("Aucun export de réintégration n'a encore été fait.")
    await user.should_see(marker="dashboard-print")


async def test_it_refreshes_in_place(user: User, unit, monkeypatch) -> None:
    store, preps, clock = unit
    monkeypatch.setattr(dashboard_page, "REFRESH_SECONDS", 0.2)
    clock["now"] = moment(9.5)
    await sign_in(user, store, "admin", "tableau-admin")
    await user.open(dashboard_page.PATH)
    await user.should_see("Chiffres lus le 23/11/2026 à 09:30:00", retries=SLOW)
    [before] = user.find(marker="dash-late-unreleased").elements
    assert before.text == "0" and shown(user, "dash-released") == "3"
    release(store, preps["folinic"], when=moment(9.6))
    clock["now"] = moment(10.5)
    await user.should_see("Chiffres lus le 23/11/2026 à 10:30:00", retries=SLOW)
    [after] = user.find(marker="dash-late-unreleased").elements
    assert after is before  # the same element: the page was not rebuilt
    assert after.text == "0" and shown(user, "dash-released") == "4"
    assert shown(user, "dash-late-unreceived") == "1"  # handed over at 08:30, not received


async def test_the_report_prints_the_numbers_on_screen_and_reprints(user: User, unit) -> None:
    store, _preps, _clock = unit
    await open_dashboard(user, store, "nurse")
    user.find(marker="dashboard-print").click()
    response = await downloaded(user)
    assert response.content.startswith(b"%PDF")
    [document] = store.cursor().execute(
        "SELECT document_id FROM printed_documents WHERE kind = ?", [status_report.KIND]
    ).fetchall()
    situation = get_document(store, document[0]).content()
    assert situation.read_at == moment(19) and situation.released_today == 3
    number = f"{document[0]:06d}"
    await user.should_see(f"n° {number} — chiffres lus le 23/11/2026 à 19:00", retries=SLOW)
    user.find(marker=f"dashboard-reprint-{number}").click()
    again = await downloaded(user, 2)
    assert again.content.startswith(b"%PDF") and again.content != response.content
    for _ in range(SLOW * 10):
        if store.cursor().execute("SELECT count(*) FROM document_prints WHERE is_reprint"
                                  ).fetchone()[0]:
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError("the reprint was not recorded")


@pytest.mark.parametrize("role", [r.value for r in Role])
async def test_each_role_lands_on_its_days_work(user: User, app_state, role: str) -> None:
    await sign_in(user, app_state.store, role)
    assert user.client.request.url.path == ROLE_HOME[role]


async def test_a_page_asked_for_keeps_winning(user: User, app_state) -> None:
    create_account(app_state.store, "admin")
    await user.open("/login?suivant=/patients")
    user.find(marker="username").type("admin")
    user.find(marker="password").type(PASSWORD)
    user.find(marker="sign-in").click()
    await user.should_see(marker="current-user", retries=SLOW)
    assert user.client.request.url.path == "/patients"
