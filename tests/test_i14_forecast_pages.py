"""Issue 14, the forecast page (NiceGUI `user` fixture, the demo pinned to its export day): the
suggestions per supplier with their computation, the horizon changed, packs edited and the
supplier's order created from them (a double click creates one), a preparer who reads without
ordering, the lines not computed listed."""

from __future__ import annotations

import json

import pytest
from nicegui.testing import User
from prescription_helpers import TODAY, audit_rows
from test_validation_service import at
from test_web_validation import app_state
from web_helpers import SLOW, sign_in

from chemo_fallback.french import NBSP
from chemo_fallback.modules.ordering.pages import common
from chemo_fallback.site_settings import SiteSettings

__all__ = ["app_state"]
NOW = at(TODAY, 9)
PACLI_30 = "PACLITAXEL-30MG"  # demo, 7 days: 13 planned + 20 % = 15,6 − 6 usable → 2 × 5
CARBO_50 = "CARBOPLATINE-50MG"


@pytest.fixture
def unit(app_state, monkeypatch):
    monkeypatch.setattr(common, "today", lambda: TODAY)
    monkeypatch.setattr(common, "now", lambda: NOW)
    app_state.settings = SiteSettings()
    return app_state


def text_of(user: User, marker: str) -> str:
    [element] = user.find(marker=marker).elements
    return element.text


def orders(store) -> list[tuple]:
    return store.cursor().execute(
        "SELECT order_id, supplier_id, origin, status FROM ord_orders ORDER BY order_no"
    ).fetchall()


async def test_suggestions_with_their_computation_and_another_horizon(user: User, unit) -> None:
    await sign_in(user, unit.store, "buyer")
    await user.open("/achats/prevision")
    await user.should_see(marker=f"forecast-line-{PACLI_30}", retries=SLOW)
    await user.should_see("Du 23/11/2026 au 29/11/2026 (7 jours)")
    await user.should_see(marker="forecast-group-ONCOPHARM")
    assert text_of(user, f"forecast-text-{PACLI_30}") == (
        f"13 flacons prévus (6 lignes) + 20{NBSP}% = 15,6 ; − stock utilisable 6 ; − en "
        "commande 0 = 9,6 → 2 boîtes de 5 (10 flacons)")
    assert text_of(user, f"forecast-amount-{PACLI_30}") == f"= 10 flacon(s) · 140,00{NBSP}€ HT"
    assert "total 140,00" in text_of(user, "forecast-total-ONCOPHARM")
    await user.should_see("Produits couverts par le stock")
    await user.should_see("Détail du calcul")
    user.find(marker="forecast-horizon").clear().type("14")
    user.find(marker="forecast-compute").click()
    await user.should_see("Du 23/11/2026 au 06/12/2026 (14 jours)", retries=SLOW)
    user.find(marker="forecast-horizon").clear().type("0")
    user.find(marker="forecast-compute").click()
    await user.should_see("Horizon invalide", retries=SLOW)


async def test_an_order_is_created_from_the_suggestions_once(user: User, unit) -> None:
    store = unit.store
    await sign_in(user, store, "buyer")
    await user.open("/achats/prevision?jours=7")
    await user.should_see(marker=f"forecast-packs-{PACLI_30}", retries=SLOW)
    user.find(marker=f"forecast-packs-{PACLI_30}").clear().type("3")
    await user.should_see(f"= 15 flacon(s) · 210,00{NBSP}€ HT", retries=SLOW)
    create = user.find(marker="forecast-create-ONCOPHARM")
    create.click()
    create.click()  # a double click: one order
    await user.should_see("Commande CMD000001", retries=SLOW)
    assert orders(store) == [("CMD000001", "ONCOPHARM", "suggestion", "draft")]
    [line] = store.cursor().execute(
        "SELECT product_id, packs, quantity_vials, explanation FROM ord_order_lines"
    ).fetchall()
    assert line[:3] == (PACLI_30, 3, 15)
    explanation = json.loads(line[3])
    assert explanation["packs"] == 2 and explanation["packs_chosen"] == 3
    assert explanation["planned_vials"] == 13 and explanation["margin_pct"] == 20
    assert "quantité choisie par l'acheteur : 3 boîtes" in explanation["text"]
    assert len(audit_rows(store, "ordering.order_create")) == 1


async def test_unticked_lines_and_invalid_packs_are_refused_before_ordering(
    user: User, unit
) -> None:
    store = unit.store
    await sign_in(user, store, "buyer")
    await user.open("/achats/prevision")
    await user.should_see(marker=f"forecast-tick-{CARBO_50}", retries=SLOW)
    user.find(marker=f"forecast-packs-{CARBO_50}").clear().type("1.5")
    user.find(marker="forecast-create-GENTHERA").click()
    await user.should_see("Nombre de boîtes invalide", retries=SLOW)
    user.find(marker=f"forecast-tick-{CARBO_50}").click()
    user.find(marker="forecast-tick-OXALIPLATINE-50MG").click()
    user.find(marker="forecast-create-GENTHERA").click()
    await user.should_see("Aucune ligne cochée", retries=SLOW)
    assert orders(store) == []


async def test_a_preparer_reads_the_forecast_without_ordering(user: User, unit) -> None:
    await sign_in(user, unit.store, "preparer")
    await user.open("/achats/prevision")
    await user.should_see(marker=f"forecast-text-{PACLI_30}", retries=SLOW)
    await user.should_not_see(marker="forecast-create-ONCOPHARM")
    await user.should_not_see(marker=f"forecast-packs-{PACLI_30}")


async def test_lines_not_computed_are_listed_with_their_prescription(user: User, unit) -> None:
    unit.settings = SiteSettings(max_vials=1)
    await sign_in(user, unit.store, "buyer")
    await user.open("/achats/prevision")
    await user.should_see(marker="forecast-uncomputed", retries=SLOW)
    await user.should_see("Lignes non chiffrées")
    [table] = user.find(marker="forecast-uncomputed-table").elements
    assert table.rows and all("Aucune combinaison d'au plus 1 flacon" in r["reason"]
                              for r in table.rows)
    assert all(r["prescription"].endswith("(prescription du logiciel de production)")
               for r in table.rows)
