"""The dialog that records one step: given, partly given, not given or an incident, at the
bedside (the four checks ticked, the label scanned) or from the signed paper plan (the name of
the nurse who signed it); or a correction of an earlier record. The service decides
(recording.record): a refusal is shown in the dialog, which keeps what was typed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date

from nicegui import run, ui

from chemo_fallback import request_keys
from chemo_fallback.auth.accounts import User
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.modules.administration import recording
from chemo_fallback.modules.administration.models import (
    CHECKS,
    FROM_PAPER_MARK,
    OUTCOME_LABELS,
    AdmRecord,
    Outcome,
    PlanStep,
    RecordRequest,
)
from chemo_fallback.modules.administration.pages import common
from chemo_fallback.web import state
from chemo_fallback.web.busy import disabled
from chemo_fallback.web.signature_dialog import discard

TITLES = {
    Outcome.GIVEN: "Administrée",
    Outcome.PARTIAL: "Administrée en partie",
    Outcome.NOT_GIVEN: "Non administrée",
    Outcome.INCIDENT: "Incident",
}


class RecordDialog:
    def __init__(self, user: User, step: PlanStep, day: date, outcome: Outcome, *,
                 from_paper: bool, on_done: Callable[[], Awaitable[None]],
                 label_code: str | None = None, correcting: AdmRecord | None = None) -> None:
        self.app = state.current()
        self.user, self.step, self.day, self.outcome = user, step, day, outcome
        self.from_paper, self.on_done, self.correcting = from_paper, on_done, correcting
        self.key = request_keys.new_key()  # drawn when shown: a double click records once
        self.fields: dict[str, ui.element] = {}
        self._build(label_code)

    def _input(self, name: str, label: str, value: str = "", *, area: bool = False):
        maker = ui.textarea if area else ui.input
        field = maker(label, value=value).classes("w-full").mark(f"record-{name}")
        self.fields[name] = field
        return field

    def _build(self, label_code: str | None) -> None:
        step, outcome, old = self.step, self.outcome, self.correcting
        timed = outcome != Outcome.NOT_GIVEN
        with ui.dialog().props("persistent") as self.dialog, \
                ui.card().classes("w-[40rem] max-w-full").mark("record-dialog"):
            what = "Corriger l'enregistrement" if old else "Enregistrer"
            ui.label(f"{what} : {TITLES[outcome]}").classes("text-xl font-bold")
            ui.label(step.heading).classes("text-lg font-bold").mark("record-step")
            if self.from_paper:
                ui.label(f"Mode « {FROM_PAPER_MARK} » : écrivez ce que le plan porte, l'heure "
                         "et le nom de l'infirmier(e) qui a signé.").classes(
                    "bg-amber-100 p-2 rounded font-bold").mark("record-paper-mode")
            if step.compounded and outcome != Outcome.NOT_GIVEN:
                self._input("label", "Étiquette de la préparation (scanner, ou taper FAB…)",
                            label_code or (old.preparation_id if old and old.preparation_id
                                           else "")).props("autofocus")
            if not self.from_paper and outcome in (Outcome.GIVEN, Outcome.PARTIAL):
                ui.label("Vérifié avant d'administrer :").classes("font-bold")
                self.checks = [ui.checkbox(f"{label} — {text}").mark(f"record-check-{key}")
                               for key, label, text in CHECKS]
            else:
                self.checks = []
            if timed:
                start = (common.moment_text(old.started_at, self.day) if old and old.started_at
                         else "" if self.from_paper
                         else common.moment_text(common.now(), self.day))
                label = "Heure de l'incident" if outcome == Outcome.INCIDENT else "Début"
                self._input("start", f"{label} (HH:MM, ou JJ/MM/AAAA HH:MM)", start)
                if outcome != Outcome.INCIDENT:
                    end = (common.moment_text(old.ended_at, self.day)
                           if old and old.ended_at else "")
                    self._input("end", "Fin (vide si la perfusion continue)", end)
            if outcome == Outcome.PARTIAL:
                self._input("amount", "Ce qui a été administré, et pourquoi l'arrêt",
                            old.amount_given or "" if old else "", area=True)
            if outcome == Outcome.NOT_GIVEN:
                self._input("reason", "Motif (transmis au prescripteur et au pharmacien)",
                            old.reason or "" if old else "", area=True)
            if outcome == Outcome.INCIDENT:
                self._input("incident", "Ce qui s'est passé (extravasation, réaction…)",
                            old.incident or "" if old else "", area=True)
                self._input("action", "Ce qui a été fait", old.action_taken or "" if old else "",
                            area=True)
            if self.from_paper:
                self._input("nurse", "Infirmier(e) qui a signé l'étape sur le plan papier",
                            old.given_by_name or "" if old else "")
            if old:
                self._input("correction", "Motif de la correction (obligatoire)", area=True)
            self.error = common.error_label("record-error")
            with ui.row().classes("w-full justify-end"):
                self.close_button = ui.button("Fermer", on_click=lambda: discard(self.dialog))
                self.close_button.props("flat").mark("record-close")
                self.save_button = ui.button("Enregistrer", icon="save", on_click=self.save)
                self.save_button.props("no-caps").mark("record-save")
        self.dialog.open()

    def _value(self, name: str) -> str | None:
        field = self.fields.get(name)
        return (field.value or "").strip() or None if field is not None else None

    def request(self) -> RecordRequest:
        return RecordRequest(
            line_id=self.step.line_id, outcome=self.outcome,
            preparation_code=self._value("label"),
            started_at=common.parse_moment(self._value("start"), self.day),
            ended_at=common.parse_moment(self._value("end"), self.day),
            given_by_name=self._value("nurse"), amount_given=self._value("amount"),
            reason=self._value("reason"), incident=self._value("incident"),
            action_taken=self._value("action"), from_paper=self.from_paper,
            checks_done=bool(self.checks) and all(c.value for c in self.checks),
            replaces_id=self.correcting.record_id if self.correcting else None,
            correction_reason=self._value("correction"),
        )

    async def save(self) -> None:
        if not self.save_button.enabled:
            return
        self.error.set_text("")
        async with disabled(self.save_button, self.close_button):
            try:
                request = self.request()
                made = await run.io_bound(
                    lambda: recording.record(self.app.store, self.user, request,
                                             now=common.now(), request_key=self.key))
            except ChemoFallbackError as exc:
                self.error.set_text(str(exc))
                return
        if made is None:  # the server is stopping
            return
        ui.notify(f"Enregistré : {self.step.title} — {OUTCOME_LABELS[made.outcome]} "
                  f"(n° {made.record_id}).", type="positive")
        self.dialog.close()
        with self.dialog.parent_slot:  # what the callback draws must outlive the dialog
            await self.on_done()
        discard(self.dialog)
