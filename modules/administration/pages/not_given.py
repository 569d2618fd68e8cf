"""The doses not given, for the prescribers and the pharmacists (arrêté du 6 avril 2011,
art. 13: a dose not given is traced and they are told): a section their worklists show
(`not_given_section`) and the page /administration/non-administres with a longer period."""

from __future__ import annotations

from datetime import timedelta

from nicegui import run, ui

from chemo_fallback import french
from chemo_fallback.auth.accounts import User
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.modules.administration import service
from chemo_fallback.modules.administration.models import FROM_PAPER_MARK, NotGiven
from chemo_fallback.modules.administration.pages import common
from chemo_fallback.modules.prescription.pages import prescription_url
from chemo_fallback.web import state
from chemo_fallback.web.patient_common import columns, table

PERIODS = {1: "24 dernières heures", 3: "3 derniers jours", 7: "7 derniers jours",
           30: "30 derniers jours"}
COLUMNS = columns(
    entered="Saisie le", patient="Patient", ward="Unité", protocol="Protocole",
    planned="Prévue le", drug="Médicament", reason="Motif", nurse="Infirmier(e)",
)
LINK = """
<q-td :props="props">
  <a :href="props.row.url" class="text-blue-800 underline">{{ props.value }}</a>
</q-td>"""


def not_given_row(entry: NotGiven, wards: dict[str, str]) -> dict:
    nurse = entry.given_by_name or entry.entered_by_name
    if entry.from_paper:
        nurse += f" ({FROM_PAPER_MARK}, saisi par {entry.entered_by_name})"
    return {
        "id": entry.record_id,
        "entered": french.moment(entry.entered_at),
        "patient": f"{entry.patient_name} ({entry.patient_id})",
        "ward": wards.get(entry.ward_id or "", entry.ward_id or "—"),
        "protocol": f"{entry.protocol_name} C{entry.cycle_no} J{entry.day_no}",
        "planned": french.day(entry.planned_date),
        "drug": f"{entry.drug} {entry.dose}" if entry.dose != "—" else entry.drug,
        "reason": entry.reason,
        "nurse": nurse,
        "url": prescription_url(entry.prescription_id),
    }


def _rows(user: User, days: int) -> list[dict]:
    store = state.current().store
    since = common.now() - timedelta(days=days)
    entries = service.not_given_since(store, user, since)
    wards = service.wards(store, user) if entries else {}
    return [not_given_row(e, wards) for e in entries]


def _table(rows: list[dict], marker: str) -> ui.table:
    grid = table(COLUMNS, rows, "id", marker).props("wrap-cells")
    grid.add_slot("body-cell-protocol", LINK)  # opens the prescription
    return grid


def not_given_section(user: User, days: int = 3) -> ui.column:
    """A card listing the doses not given in the last `days` days, drawn only when there are
    some (a worklist stays clean otherwise). For the prescription and validation worklists."""
    box = ui.column().classes("w-full").mark("not-given-section")

    async def fill() -> None:
        try:
            rows = await run.io_bound(_rows, user, days)
        except ChemoFallbackError:
            return  # the worklist shows its own refusals (no snapshot…)
        if not rows:
            return
        with box, ui.card().classes("w-full bg-red-50 border-l-8 border-red-700"):
            ui.label(f"Doses non administrées ({PERIODS.get(days, f'{days} jours')}) : "
                     f"{len(rows)}").classes("text-lg font-bold text-red-900").mark(
                "not-given-count")
            _table(rows, "not-given-table")
            ui.link("Toutes les doses non administrées", "/administration/non-administres")

    ui.timer(0, fill, once=True)
    return box


def not_given_view(user: User) -> None:
    period = ui.select(PERIODS, value=7, label="Période").classes("w-56").mark("not-given-period")
    message = ui.label().mark("not-given-message")
    body = ui.column().classes("w-full")

    async def load() -> None:
        try:
            rows = await run.io_bound(_rows, user, int(period.value))
        except ChemoFallbackError as exc:
            message.set_text(str(exc))
            message.classes(replace=common.ERROR)
            return
        if rows is None:
            return
        message.classes(replace="")
        message.set_text(f"{len(rows)} dose(s) non administrée(s) ({PERIODS[period.value]})."
                         if rows else f"Aucune dose non administrée ({PERIODS[period.value]}).")
        body.clear()
        with body:
            if rows:
                _table(rows, "not-given-table")

    period.on_value_change(lambda _: load())
    ui.timer(0, load, once=True)

