"""The reliquats (/fabrication/reliquats): the end-of-day list of opened vials, each to keep or
to discard (past its in-use stability), with "Jeter" (a reason) and "Conserver"; and the list
printed (PDF). Thin: reliquats.py records, reliquat_document.py prints."""

from __future__ import annotations

from nicegui import run, ui

from chemo_fallback import french
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, allowed
from chemo_fallback.documents.store import print_document
from chemo_fallback.documents.web import offer_pdf
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.modules.fabrication import reliquat_document, reliquats
from chemo_fallback.modules.fabrication.pages import common, dialogs, reads
from chemo_fallback.modules.fabrication.reliquats import ReliquatLine
from chemo_fallback.web import state
from chemo_fallback.web.busy import disabled


class ReliquatsScreen:
    def __init__(self, user: User) -> None:
        self.app = state.current()
        self.user = user
        self.may_close = allowed(user.role, Permission.FABRICATION_PREPARE)
        ui.label(
            "Flacons entamés dont il reste du produit : gardez ceux encore dans leur stabilité "
            "après ouverture (étiquetés, au réfrigérateur s'il le faut), jetez les autres. "
            "Chaque flacon jeté est enregistré avec son motif."
        )
        with ui.row().classes("items-center gap-3"):
            ui.button("Actualiser", icon="refresh", on_click=self.load).props("flat no-caps")\
                .mark("reliquats-refresh")
            self.print_button = ui.button("Imprimer la liste (PDF)", icon="print",
                                          on_click=self.print_list).props("no-caps")
            self.print_button.mark("reliquats-print")
        self.message = ui.label().classes("text-lg font-bold").mark("reliquats-message")
        self.error = common.error_label("reliquats-error")
        self.rows = ui.column().classes("w-full gap-2").mark("reliquats-list")
        ui.timer(0, self.load, once=True)

    def _list(self) -> list[ReliquatLine]:
        reads.require_snapshot(self.app.store)
        return reliquats.end_of_day_list(self.app.store, self.user, now=common.now())

    async def load(self) -> None:
        try:
            found = await run.io_bound(self._list)
        except ChemoFallbackError as exc:
            self.error.set_text(str(exc))
            return
        if found is None:
            return
        discard = sum(x.expired for x in found)
        self.message.set_text(
            f"{len(found)} reliquat(s) ouvert(s), dont {discard} à jeter." if found
            else "Aucun reliquat ouvert : rien à conserver ni à jeter."
        )
        self.rows.clear()
        with self.rows:
            for line in found:
                self._line(line)

    def _line(self, line: ReliquatLine) -> None:
        row = line.row
        number = row["reliquat_id"]
        border = "border-red-700" if line.expired else "border-green-700"
        with ui.card().classes(f"w-full px-3 py-2 border-l-8 {border}").mark(
            f"reliquat-{number}"
        ), ui.row().classes("items-center gap-x-6 gap-y-1 w-full"):
            with ui.column().classes("gap-0 min-w-64"):
                ui.label(f"N° {number} — {row.get('product_name') or row['product_id']}")\
                    .classes("font-bold")
                ui.label(f"Lot {row['lot'] or 'non renseigné'} — de la préparation "
                         f"{row['source_preparation_id']}").classes("text-sm")
            ui.label(f"Reste {french.dose(row['amount'], row['dose_unit'])}").classes(
                "text-lg font-bold"
            )
            with ui.column().classes("gap-0 text-sm"):
                ui.label(f"Ouvert le {french.moment(row['opened_at'])}")
                ui.label(f"Utilisable jusqu'au {french.moment(row['usable_until'])}")
            ui.label(line.advice).classes(
                "font-bold " + ("text-red-800 bg-red-100 px-1 rounded" if line.expired
                                else "text-green-800")
            ).mark(f"reliquat-advice-{number}")
            if self.may_close:
                with ui.row().classes("gap-2 ml-auto"):
                    if not line.expired and row["status"] == "open":
                        keep = ui.button("Conserver", icon="kitchen").props("outline no-caps")
                        keep.mark(f"reliquat-keep-{number}")
                        keep.on_click(lambda b=keep, n=number: self.keep(b, n))
                    ui.button("Jeter", icon="delete_forever",
                              on_click=lambda n=number, r=row: self.discard(n, r)).props(
                        "outline color=red no-caps"
                    ).mark(f"reliquat-discard-{number}")

    async def keep(self, button: ui.button, number: int) -> None:
        if not button.enabled:
            return
        self.error.set_text("")
        async with disabled(button):
            try:
                await run.io_bound(lambda: reliquats.keep(self.app.store, self.user, number,
                                                          now=common.now()))
            except ChemoFallbackError as exc:
                self.error.set_text(str(exc))
                return
        ui.notify(f"Reliquat n° {number} conservé.")
        await self.load()

    def discard(self, number: int, row: dict) -> None:
        async def discard_it(reason: str) -> None:
            await run.io_bound(lambda: reliquats.discard(self.app.store, self.user, number,
                                                         reason, now=common.now()))
            ui.notify(f"Reliquat n° {number} jeté.")
            await self.load()

        dialogs.reason_dialog(
            f"Jeter le reliquat n° {number}",
            [f"{row.get('product_name') or row['product_id']}, lot {row['lot'] or '—'} : reste "
             f"{french.dose(row['amount'], row['dose_unit'])}."],
            "Motif (obligatoire, ex. : stabilité dépassée, fin de journée)", discard_it,
            confirm="Jeter", marker="discard",
        )

    def _print(self):
        at = common.now().replace(microsecond=0)
        reads.require_snapshot(self.app.store)
        found = reliquats.end_of_day_list(self.app.store, self.user, now=at)
        content = reliquat_document.reliquat_list_content(found, at)
        return print_document(self.app.store, self.user, reliquat_document.KIND,
                              reliquat_document.RECORD_TYPE, reliquat_document.record_id(at),
                              content)

    async def print_list(self) -> None:
        if not self.print_button.enabled:
            return
        self.error.set_text("")
        async with disabled(self.print_button):
            try:
                printed = await run.io_bound(self._print)
            except ChemoFallbackError as exc:
                self.error.set_text(str(exc))
                return
        if printed is not None:
            document, pdf = printed
            offer_pdf(pdf, document.filename)
