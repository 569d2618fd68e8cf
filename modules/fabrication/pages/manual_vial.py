"""Typing a vial by hand on the preparation page: when its DataMatrix cannot be read, or its
product has no GTIN in the snapshot. The preparer picks the sheet's product and copies the lot
and expiry from the vial's label; steps.record_vial_by_hand checks them as a scan is checked."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import run, ui

from chemo_fallback import french
from chemo_fallback.auth.accounts import User
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.modules.fabrication import steps
from chemo_fallback.modules.fabrication.pages import common
from chemo_fallback.patients.rules import parse_day
from chemo_fallback.web import state
from chemo_fallback.web.busy import disabled


class ManualVialForm:
    def __init__(self, user: User, preparation_id: str,
                 recorded: Callable[[], Awaitable[None]]) -> None:
        self.user = user
        self.preparation_id = preparation_id
        self.recorded = recorded
        with ui.expansion(
            "Code illisible, ou produit sans GTIN : saisir le flacon à la main", icon="keyboard"
        ).classes("w-full").mark("manual-vial") as self.area:
            with ui.row().classes("items-end gap-4 w-full"):
                self.product = ui.select({}, label="Produit de la fiche").classes("w-96")
                self.product.mark("manual-product")
                self.lot = ui.input("Lot (recopié du flacon)").classes("w-48").mark("manual-lot")
                self.expiry = ui.input("Péremption (JJ/MM/AAAA)").classes("w-48")
                self.expiry.mark("manual-expiry")
                self.button = ui.button("Enregistrer le flacon saisi", icon="save",
                                        on_click=self.save).props("no-caps outline")
                self.button.mark("manual-save")
            self.message = ui.label().classes("whitespace-pre-line").mark("manual-message")

    def show(self, plan: dict, visible: bool) -> None:
        self.area.set_visibility(visible)
        self.product.set_options({p["product_id"]: p["name"] for p in plan["products"]})

    async def save(self) -> None:
        if not self.button.enabled:
            return
        expiry = parse_day(self.expiry.value, "Péremption")
        if isinstance(expiry, str):
            self._say(expiry, ok=False)
            return
        if not self.product.value:
            self._say("Choisissez le produit du flacon parmi ceux de la fiche.", ok=False)
            return
        async with disabled(self.button):
            try:
                vial = await run.io_bound(
                    steps.record_vial_by_hand, state.current().store, self.user,
                    self.preparation_id, self.product.value, self.lot.value or "", expiry,
                    now=common.now(),
                )
            except ChemoFallbackError as exc:
                self._say(f"Flacon refusé : {exc}", ok=False)
                return
        self._say(f"Flacon enregistré (saisie manuelle) : lot {vial['lot']}, péremption "
                  f"{french.day(vial['expiry'])}.", ok=True)
        self.lot.value, self.expiry.value = "", ""
        await self.recorded()

    def _say(self, text: str, *, ok: bool) -> None:
        self.message.set_text(text)
        self.message.classes(replace="whitespace-pre-line " + (
            "text-green-800 font-bold" if ok else common.ERROR))
