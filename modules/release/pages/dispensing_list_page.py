"""The delivery rounds of a ward and a day (/dispensation), the pharmacy's dispensing page: the
unit and the day, how many released preparations wait in each unit, the unit's rounds of the
day (open, handed over, received), a new round (its name typed or chosen), and the released
preparations not dispensed yet. Thin: dispensing.py records, dispensing_reads.py reads."""

from __future__ import annotations

from nicegui import run, ui

from chemo_fallback import french, request_keys
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, allowed
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.modules.prescription.pages import parse_date
from chemo_fallback.modules.release import dispensing, dispensing_reads
from chemo_fallback.modules.release.pages import dispensing_common as common
from chemo_fallback.web import state
from chemo_fallback.web.busy import disabled


class RoundsScreen:
    def __init__(self, user: User, ward_id: str, day_text: str) -> None:
        self.app = state.current()
        self.user = user
        self.may_dispense = allowed(user.role, Permission.DISPENSE)
        # One key per round form shown: the same create sent twice creates one round.
        self.request_key = request_keys.new_key()
        self._build(ward_id, day_text)

    def _build(self, ward_id: str, day_text: str) -> None:
        ui.label(
            "Une tournée par unité et par passage : scannez l'étiquette de chaque préparation "
            "libérée qui part, puis remettez la tournée avec son bordereau de délivrance."
        )
        with ui.row().classes("items-end gap-4"):
            self.ward = ui.select({}, label="Unité de soins", value=None).classes("w-80")
            self.ward.mark("dispensing-ward")
            self.day = ui.input("Jour (JJ/MM/AAAA)", value=day_text).classes("w-40")
            self.day.mark("dispensing-day").on("keydown.enter", self.load)
            ui.button("Afficher", icon="refresh", on_click=self.load).mark("dispensing-show")
        self.ward.on_value_change(lambda _: self.load())
        self.initial_ward = ward_id
        self.error = common.error_label("dispensing-error")
        self.counts = ui.row().classes("gap-2 items-center").mark("dispensing-counts")
        with ui.card().classes("w-full gap-2") as self.new_card:
            ui.label("Nouvelle tournée").classes("text-lg font-bold")
            with ui.row().classes("items-end gap-3"):
                self.label = ui.input("Nom de la tournée (ex. : tournée de 10 h)").classes(
                    "w-80").mark("round-label")
                self.create_button = ui.button("Créer la tournée", icon="add",
                                               on_click=self.create).props("no-caps")
                self.create_button.mark("round-create")
            with ui.row().classes("gap-1"):
                for text in common.ROUND_LABELS:
                    ui.button(text, on_click=lambda t=text: self.label.set_value(t)).props(
                        "outline dense no-caps size=sm").mark(f"round-label-{text}")
            self.create_error = common.error_label("round-create-error")
        self.new_card.set_visibility(False)
        self.rounds = ui.column().classes("w-full gap-2").mark("dispensing-rounds")
        self.pending = ui.column().classes("w-full gap-2").mark("dispensing-pending")
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

    def _read(self, ward_id: str | None, day):
        store = self.app.store
        counts = dispensing_reads.to_dispense_counts(store, self.user, day)
        if not ward_id:
            return counts, None, None
        return (counts, dispensing_reads.rounds_of(store, self.user, ward_id, day),
                dispensing_reads.to_dispense(store, self.user, ward_id, day))

    async def load(self) -> None:
        self.error.set_text("")
        try:
            day = parse_date(self.day.value)
            found = await run.io_bound(self._read, self.ward.value, day)
        except ChemoFallbackError as exc:
            self.error.set_text(str(exc))
            return
        if found is None:
            return
        counts, rounds, pending = found
        self._counts(counts)
        self.new_card.set_visibility(self.may_dispense and rounds is not None)
        self.rounds.clear()
        self.pending.clear()
        if rounds is None:
            with self.rounds:
                ui.label("Choisissez l'unité de soins.").classes("text-lg")
            return
        with self.rounds:
            self._rounds(rounds, day)
        with self.pending:
            self._pending(pending, day)

    def _counts(self, counts: dict[str, int]) -> None:
        names = self.ward.options
        self.counts.clear()
        with self.counts:
            if not counts:
                ui.label("Aucune préparation libérée en attente de dispensation ce jour.")
                return
            ui.label("À dispenser :").classes("font-bold")
            for ward_id, count in sorted(counts.items(), key=lambda c: names.get(c[0], c[0])):
                ui.button(f"{names.get(ward_id, ward_id or 'sans unité')} : {count}",
                          on_click=lambda w=ward_id: self.ward.set_value(w)).props(
                    "outline dense no-caps").mark(f"dispensing-count-{ward_id}")

    def _rounds(self, rounds: list[dispensing_reads.RoundView], day) -> None:
        ui.label(f"Tournées du {french.day(day)} ({len(rounds)})").classes("text-xl font-bold")
        if not rounds:
            ui.label("Aucune tournée ce jour pour cette unité.").mark("dispensing-no-round")
        for view in rounds:
            with ui.card().classes("w-full px-3 py-2").mark(f"round-{view.round_id}"), \
                    ui.row().classes("items-center gap-x-6 w-full"):
                ui.label(view.row["label"]).classes("text-lg font-bold")
                common.badge(view.status_label, common.ROUND_STYLES[view.status],
                             f"round-status-{view.round_id}")
                ui.label(f"{len(view.items)} préparation(s)")
                if view.status != "open":
                    ui.label(f"remise le {french.moment(view.row['handed_over_at'])} à "
                             f"{view.row['carried_by_name']}").classes("text-sm")
                ui.link("ouvrir", common.round_url(view.round_id)).classes("font-bold ml-auto")\
                    .mark(f"round-open-{view.round_id}")

    def _pending(self, pending: list[dispensing_reads.ItemView], day) -> None:
        ui.label(f"Libérées, pas encore dispensées ({len(pending)})").classes(
            "text-xl font-bold")
        if not pending:
            ui.label("Aucune préparation libérée en attente pour cette unité ce jour.")
        at = common.now()
        for item in pending:
            common.item_card(item, f"pending-{item.preparation_id}", at)

    async def create(self) -> None:
        if not self.create_button.enabled:
            return
        self.create_error.set_text("")
        ward_id, key, label = self.ward.value, self.request_key, self.label.value
        async with disabled(self.create_button):
            try:
                day = parse_date(self.day.value)
                round_id = await run.io_bound(
                    lambda: dispensing.create_round(self.app.store, self.user, ward_id, day,
                                                    label, now=common.now(), request_key=key))
            except ChemoFallbackError as exc:
                self.create_error.set_text(str(exc))
                return
        if round_id is not None:
            self.request_key = request_keys.new_key()
            ui.navigate.to(common.round_url(round_id))


def rounds_view(user: User, ward_id: str, day_text: str) -> RoundsScreen:
    return RoundsScreen(user, ward_id, day_text or french.day(common.today()))
