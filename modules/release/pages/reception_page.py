"""The ward's reception (/reception, nurses): the unit (chosen: accounts have no unit yet, the
choice is remembered for the session) and the day, the rounds the pharmacy handed over to it;
a round (/reception/tournee/{id}) is received by scanning each label or ticking it on arrival,
with the time and the receiver's name — a label not in the round is refused big and red,
nothing recorded. Thin: dispensing_reception.py records."""

from __future__ import annotations

import asyncio
import contextlib

from nicegui import app, run, ui

from chemo_fallback import french
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, allowed
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.modules.prescription.pages import parse_date
from chemo_fallback.modules.release import dispensing_reads, dispensing_reception
from chemo_fallback.modules.release.dispensing_reads import ItemView, RoundView
from chemo_fallback.modules.release.pages import dispensing_common as common
from chemo_fallback.web import state
from chemo_fallback.web.busy import disabled

WARD_KEY = "reception_ward"  # the unit the nurse chose, for the session
RECEIVED_STATUSES = ("handed_over", "received")


def _remembered_ward() -> str:
    try:
        return app.storage.user.get(WARD_KEY) or ""
    except RuntimeError:  # no session storage (a page built outside a request)
        return ""


def _remember_ward(ward_id: str | None) -> None:
    with contextlib.suppress(RuntimeError):  # no session storage
        app.storage.user[WARD_KEY] = ward_id or ""


class ReceptionListScreen:
    def __init__(self, user: User, ward_id: str, day_text: str) -> None:
        self.app = state.current()
        self.user = user
        self.initial_ward = ward_id or _remembered_ward()
        ui.label(
            "Les tournées que la pharmacie a remises à votre unité : ouvrez-en une à l'arrivée "
            "du porteur, puis scannez ou cochez chaque préparation reçue."
        )
        with ui.row().classes("items-end gap-4"):
            self.ward = ui.select({}, label="Mon unité de soins", value=None).classes("w-80")
            self.ward.mark("reception-ward")
            self.day = ui.input("Jour (JJ/MM/AAAA)", value=day_text).classes("w-40")
            self.day.mark("reception-day").on("keydown.enter", self.load)
            ui.button("Afficher", icon="refresh", on_click=self.load).mark("reception-show")
        self.ward.on_value_change(lambda e: (_remember_ward(e.value), self.load())[1])
        self.error = common.error_label("reception-error")
        self.rounds = ui.column().classes("w-full gap-2").mark("reception-rounds")
        ui.timer(0, self.first_load, once=True)

    async def first_load(self) -> None:
        try:
            wards = await run.io_bound(dispensing_reads.ward_names, self.app.store, self.user)
        except ChemoFallbackError as exc:
            self.error.set_text(str(exc))
            return
        if wards is None:
            return
        self.ward.set_options(wards, value=self.initial_ward if self.initial_ward in wards
                              else None)
        if self.ward.value is None:
            await self.load()

    async def load(self) -> None:
        self.error.set_text("")
        self.rounds.clear()
        if not self.ward.value:
            with self.rounds:
                ui.label("Choisissez votre unité de soins.").classes("text-lg")
            return
        try:
            day = parse_date(self.day.value)
            rounds = await run.io_bound(dispensing_reads.rounds_of, self.app.store, self.user,
                                        self.ward.value, day, RECEIVED_STATUSES)
        except ChemoFallbackError as exc:
            self.error.set_text(str(exc))
            return
        if rounds is None:
            return
        self.rounds.clear()
        with self.rounds:
            ui.label(f"Tournées remises le {french.day(day)} ({len(rounds)})").classes(
                "text-xl font-bold")
            if not rounds:
                ui.label("Aucune tournée remise à cette unité ce jour.").mark(
                    "reception-no-round")
            for view in rounds:
                self._round(view)

    def _round(self, view: RoundView) -> None:
        with ui.card().classes("w-full px-3 py-2").mark(f"reception-round-{view.round_id}"), \
                ui.row().classes("items-center gap-x-6 w-full"):
            ui.label(view.row["label"]).classes("text-lg font-bold")
            common.badge(view.status_label, common.ROUND_STYLES[view.status],
                         f"reception-round-status-{view.round_id}")
            ui.label(f"{view.received_count} sur {len(view.items)} reçue(s)")
            ui.label(f"remise le {french.moment(view.row['handed_over_at'])}, portée par "
                     f"{view.row['carried_by_name']}").classes("text-sm")
            ui.link("ouvrir", common.reception_round_url(view.round_id)).classes(
                "font-bold ml-auto").mark(f"reception-open-{view.round_id}")


class ReceptionRoundScreen:
    def __init__(self, user: User, round_id: int) -> None:
        self.app = state.current()
        self.user = user
        self.round_id = round_id
        self.view: RoundView | None = None
        self.may_receive = allowed(user.role, Permission.RECEIVE)
        self.scan_lock = asyncio.Lock()
        self.back = ui.link("← Tournées de mon unité", common.reception_url()).mark(
            "reception-back")
        self.load_error = common.error_label("reception-load-error")
        self.header = ui.column().classes("w-full gap-1").mark("reception-header")
        with ui.card().classes("w-full gap-2 border-l-8 border-blue-800") as self.scan_area:
            ui.label("À l'arrivée : scanner l'étiquette de chaque préparation (ou la cocher "
                     "ci-dessous)").classes("text-lg font-bold")
            self.scan_field = ui.input(
                "Scan de l'étiquette (le lecteur tape le code puis Entrée)"
            ).classes("w-full text-lg").props("autofocus outlined").mark("reception-scan")
            self.scan_field.on("keydown.enter", self.scan, js_handler=common.ENTER_VALUE)
        self.scan_area.set_visibility(False)
        self.result = ui.label().mark("reception-result")
        self.result.set_visibility(False)
        self.items = ui.column().classes("w-full gap-2").mark("reception-items")
        ui.timer(0, self.reload, once=True)

    async def reload(self) -> None:
        try:
            view = await run.io_bound(dispensing_reads.round_view, self.app.store, self.user,
                                      self.round_id)
        except ChemoFallbackError as exc:
            self.load_error.set_text(str(exc))
            return
        if view is None:
            return
        self.view = view
        self.back.props(f'href="{common.reception_url(view.row["ward_id"], view.row["day"])}"')
        self._header(view)
        receiving = view.status == "handed_over" and self.may_receive
        self.scan_area.set_visibility(receiving)
        at = common.now()
        self.items.clear()
        with self.items:
            for item in view.items:
                common.item_card(item, f"reception-item-{item.preparation_id}", at,
                                 lambda i=item: self._item_actions(i, receiving))
        if receiving:
            self.scan_field.run_method("focus")

    def _header(self, view: RoundView) -> None:
        row = view.row
        self.header.clear()
        with self.header:
            with ui.row().classes("items-center gap-4"):
                ui.label(f"{row['label']} — {view.ward_name}").classes("text-3xl font-bold")
                common.badge(view.status_label.upper(), common.ROUND_STYLES[view.status],
                             "reception-status").classes("text-lg")
            ui.label(f"Tournée n° {view.round_id} du {french.day(row['day'])}")
            if row["handed_over_at"]:
                ui.label(f"Remise par la pharmacie le {french.moment(row['handed_over_at'])} à "
                         f"{row['carried_by_name']}")
            if row["received_at"]:
                ui.label(f"Reçue en entier le {french.moment(row['received_at'])} par "
                         f"{row['received_by_name']}").classes("font-bold text-green-800")\
                    .mark("reception-complete")
            elif row["status"] == "open":
                ui.label("Pas encore remise par la pharmacie : rien à recevoir.").classes(
                    common.ERROR)
            else:
                ui.label(f"{view.received_count} sur {len(view.items)} reçue(s)").classes(
                    "text-lg font-bold").mark("reception-count")

    def _item_actions(self, item: ItemView, receiving: bool) -> None:
        if item.received_at is not None:
            ui.label(f"✓ reçue le {french.moment(item.received_at)} par "
                     f"{item.received_by_name}").classes("font-bold text-green-800").mark(
                f"reception-received-{item.preparation_id}")
        elif receiving:
            button = ui.button("Reçue", icon="check_box").props("color=green no-caps")
            button.mark(f"reception-tick-{item.preparation_id}")
            button.on_click(lambda b=button, i=item: self.tick(b, i))

    async def tick(self, button: ui.button, item: ItemView) -> None:
        if not button.enabled:
            return
        async with disabled(button):
            try:
                done = await run.io_bound(lambda: dispensing_reception.receive_ticked(
                    self.app.store, self.user, self.round_id, item.preparation_id,
                    now=common.now()))
            except ChemoFallbackError as exc:
                common.show_result(self.result, str(exc), refused=True)
                return
        if done is not None:
            self._received(done)
            await self.reload()

    async def scan(self, event) -> None:
        code = common.entered_text(event, self.scan_field)
        async with self.scan_lock:
            self.scan_field.value = ""
            try:
                done = await run.io_bound(lambda: dispensing_reception.receive_scanned(
                    self.app.store, self.user, self.round_id, code, now=common.now()))
            except ChemoFallbackError as exc:
                common.show_result(self.result, str(exc), refused=True)
                self.scan_field.run_method("focus")
                return
            if done is not None:
                self._received(done)
                await self.reload()

    def _received(self, done: dispensing_reception.Received) -> None:
        text = (f"Reçue : {done.preparation_id} (n° {done.register_no}) le "
                f"{french.moment(done.received_at)} par {self.user.display_name}.")
        if done.round_received:
            text += " Toute la tournée est reçue."
        common.show_result(self.result, text, refused=False)


def reception_list(user: User, ward_id: str, day_text: str) -> ReceptionListScreen:
    return ReceptionListScreen(user, ward_id, day_text or french.day(common.today()))


def reception_round(user: User, round_id: str) -> ReceptionRoundScreen | None:
    try:
        number = int(round_id)
    except ValueError:
        ui.label(f"Tournée « {round_id} » inconnue : revenez à la liste des tournées.").classes(
            common.ERROR).mark("reception-load-error")
        return None
    return ReceptionRoundScreen(user, number)
