"""The release page (/liberation): the preparations controlled at the isolator and awaiting
their release, the most urgent first, each with what it is, the sheet's target mass and
bounds, its controls and what blocks it; the control form (verdict computed as the mass is
typed); "Libérer" (signature "libéré", the dialog lists the blockers first), "Libérer malgré
l'écart" (a written reason, then the signature), "Rejeter" (a reason: the line goes back to
the production queue). Below, the day's decisions. Thin: service.py records, release_worklist
reads."""

from __future__ import annotations

from nicegui import run, ui

from chemo_fallback import french, request_keys
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, allowed
from chemo_fallback.auth.signature import Meaning
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.modules.fabrication.pages import common, dialogs
from chemo_fallback.modules.fabrication.pages.reads import require_snapshot
from chemo_fallback.modules.release import rules, service
from chemo_fallback.modules.release.pages import release_parts as parts
from chemo_fallback.modules.release.release_worklist import (
    ReleaseItem,
    ReleaseWorklist,
    release_worklist,
)
from chemo_fallback.web import state
from chemo_fallback.web.busy import disabled
from chemo_fallback.web.signature_dialog import open_signature_dialog

LABEL_PREFIXES = ("]C0", "]C1", "]C2", "]C4")  # what a scanner may put before a Code 128


class ReleaseScreen:
    """The page's state: the worklist as loaded, the preparation scanned (shown alone), one
    request key per form shown."""

    def __init__(self, user: User) -> None:
        self.app = state.current()
        self.user = user
        self.may_release = allowed(user.role, Permission.RELEASE)
        self.worklist: ReleaseWorklist | None = None
        self.only: str | None = None
        self.keys: dict[tuple[str, str], str] = {}
        ui.label(
            "Après le contrôle à l'isolateur : pesée (masse comparée aux bornes imprimées sur "
            "la fiche), contrôle visuel, contrôle analytique s'il a été fait ; puis la "
            "libération signée par un pharmacien qui n'a pas fait la préparation."
        )
        with ui.row().classes("items-end gap-4"):
            self.scan = ui.input("Scanner l'étiquette (code-barres)").classes("w-72").props(
                "clearable").mark("release-scan")
            self.scan.on("keydown.enter", self.scanned, js_handler=common.ENTER_VALUE)
            ui.button("Tout afficher", icon="list", on_click=self.show_all).props(
                "flat no-caps").mark("release-show-all")
            ui.button("Actualiser", icon="refresh", on_click=self.load).props(
                "flat no-caps").mark("release-refresh")
        self.message = ui.label().classes("text-lg font-bold").mark("release-message")
        self.error = common.error_label("release-error")
        self.dialogs = ui.element("div")  # dialogs live here: a redrawn list never takes them
        self.list = ui.column().classes("w-full gap-3").mark("release-list")
        self.decided = ui.column().classes("w-full gap-2").mark("release-decided")
        ui.timer(0, self.load, once=True)

    # --- reading and drawing -------------------------------------------------------------------
    def _read(self) -> ReleaseWorklist:
        require_snapshot(self.app.store)
        return release_worklist(self.app.store, self.user, common.now(), common.today())

    async def load(self) -> None:
        self.error.set_text("")
        try:
            worklist = await run.io_bound(self._read)
        except ChemoFallbackError as exc:
            self.message.set_text("")
            self.error.set_text(str(exc))
            return
        if worklist is None:  # the server is stopping
            return
        self.worklist = worklist
        self.draw()

    def draw(self) -> None:
        worklist = self.worklist
        if worklist is None:
            return
        items = [i for i in worklist.awaiting if self.only in (None, i.preparation_id)]
        text = (f"{len(worklist.awaiting)} préparation(s) contrôlée(s) à l'isolateur en attente "
                "de libération." if worklist.awaiting else
                "Aucune préparation en attente de libération.")
        if worklist.waiting_isolator:
            text += (f" {worklist.waiting_isolator} préparée(s) attendent encore le contrôle à "
                     "l'isolateur (page Production).")
        if self.only:
            text += f" Affichée : {self.only} seule."
        self.message.set_text(text)
        self.list.clear()
        with self.list:
            for item in items:
                self._card(item)
        self.decided.clear()
        decided = [i for i in worklist.decided_today if self.only in (None, i.preparation_id)]
        if decided:
            with self.decided:
                ui.label("Décisions du jour").classes("text-xl font-bold")
                for item in decided:
                    self._decided(item)

    def _card(self, item: ReleaseItem) -> None:
        prep_id = item.preparation_id
        border = "border-green-700" if not item.blockers else (
            "border-orange-600" if item.liftable else "border-red-700")
        with ui.card().classes(f"w-full gap-2 border-l-8 {border}").mark(
            f"release-item-{prep_id}"
        ):
            parts.summary_section(item, common.now())
            parts.controls_section(item)
            if allowed(self.user.role, Permission.FABRICATION_CONTROL):
                parts.ControlForm(item, lambda form: self.save_control(form))
            if not self.may_release:
                return
            parts.blockers_section(item)
            error = common.error_label(f"release-action-error-{prep_id}")
            with ui.row().classes("gap-2 items-center"):
                release = ui.button("Libérer", icon="verified").props(
                    "color=green no-caps").mark(f"release-release-{prep_id}")
                override = ui.button("Libérer malgré l'écart", icon="report").props(
                    "color=orange no-caps outline").mark(f"release-override-{prep_id}")
                reject = ui.button("Rejeter", icon="block").props(
                    "color=red no-caps outline").mark(f"release-reject-{prep_id}")
            buttons = (release, override, reject)
            override.set_visibility(item.liftable)
            release.on_click(lambda: self.open_release(item, None, buttons, error))
            override.on_click(lambda: self.ask_override(item, buttons, error))
            reject.on_click(lambda: self.ask_reject(item, buttons, error))

    def _decided(self, item: ReleaseItem) -> None:
        decision = item.decided
        assert decision is not None
        prep_id = item.preparation_id
        with ui.card().classes("w-full px-3 py-2 gap-1").mark(f"release-decided-{prep_id}"):
            with ui.row().classes("items-center gap-x-5 gap-y-1"):
                ui.label(f"N° {item.row['register_no']}").classes("text-lg font-bold")
                parts.chain_badge(item, f"release-decided-status-{prep_id}")
                ui.label(f"{item.plan['inn'].upper()} "
                         f"{french.dose(item.row['dose'], item.row['dose_unit'])}").classes(
                    "font-bold")
                ui.label(parts.patient_text(item))
            what = (f"{decision.label.capitalize()} par {decision.pharmacist_name} le "
                    f"{french.moment(decision.decided_at)}")
            if decision.override_reason:
                what += f" malgré l'écart : « {decision.override_reason} »"
            if decision.decision == "rejected":
                what += (f" : « {decision.reason} ». Sa ligne est revenue dans la file de "
                         "production (nouvelle fiche, nouveau numéro).")
            ui.label(what).classes("text-sm").mark(f"release-decision-{prep_id}")

    # --- the scanned label ---------------------------------------------------------------------
    async def scanned(self, event) -> None:
        text = common.entered_text(event, self.scan).strip()
        self.scan.value = ""
        for prefix in LABEL_PREFIXES:
            text = text.removeprefix(prefix)
        text = text.strip().upper()
        await self.load()
        known = {i.preparation_id for i in (self.worklist.awaiting if self.worklist else ())}
        if text not in known:
            shown = "".join(c if c.isprintable() else "?" for c in text)[:40]
            self.error.set_text(
                f"« {shown} » n'est pas une préparation en attente de libération : vérifiez "
                "l'étiquette (déjà libérée ou rejetée : voir les décisions du jour ; pas encore "
                "contrôlée à l'isolateur : page Production)."
            )
            return
        self.only = text
        self.draw()

    def show_all(self) -> None:
        self.only = None
        self.draw()

    def _key(self, prep_id: str, action: str) -> str:
        return self.keys.setdefault((prep_id, action), request_keys.new_key())

    # --- controls ------------------------------------------------------------------------------
    async def save_control(self, form: parts.ControlForm) -> None:
        if not form.button.enabled:  # a second click queued behind the first
            return
        form.error.set_text("")
        prep_id = form.item.preparation_id
        try:
            values = form.values()
        except ChemoFallbackError as exc:
            form.error.set_text(str(exc))
            return
        key = self._key(prep_id, "control")
        async with disabled(form.button):
            try:
                await run.io_bound(lambda: service.record_controls(
                    self.app.store, self.user, prep_id, now=common.now(), request_key=key,
                    **values))
            except ChemoFallbackError as exc:
                form.error.set_text(str(exc))
                return
        self.keys.pop((prep_id, "control"), None)  # the next weighing is a new control
        ui.notify(f"Contrôle enregistré pour {prep_id}.", type="positive")
        await self.load()

    # --- release, override, rejection ----------------------------------------------------------
    def _what(self, item: ReleaseItem) -> str:
        row = item.row
        return (f"Libération de la préparation {item.preparation_id} (ordonnancier n° "
                f"{row['register_no']}) : {item.plan['inn'].upper()} "
                f"{french.dose(row['dose'], row['dose_unit'])} pour {parts.patient_text(item)}")

    async def open_release(self, item: ReleaseItem, reason: str | None, buttons,
                           error: ui.label) -> None:
        if not all(b.enabled for b in buttons):  # a second click queued behind the first
            return
        error.set_text("")
        prep_id = item.preparation_id
        key = self._key(prep_id, "release")

        def blockers() -> list[str]:
            return service.release_blockers(self.app.store, self.user, prep_id,
                                            override_reason=reason, now=common.now())

        async def release_it() -> None:
            async with disabled(*buttons):
                try:
                    await run.io_bound(lambda: service.release(
                        self.app.store, self.user, prep_id, override_reason=reason,
                        now=common.now(), request_key=key))
                except ChemoFallbackError as exc:
                    error.set_text(str(exc))
                    return
            ui.notify(f"Préparation {prep_id} libérée.", type="positive")
            await self.load()

        summary = [parts.control_text(item.latest_control)] if item.latest_control else []
        if reason:
            summary.append(f"Libérée malgré l'écart — motif : {reason}")
        async with disabled(*buttons):  # one dialog for a double click
            with self.dialogs:
                await open_signature_dialog(self.user, Meaning.RELEASED, self._what(item),
                                            release_it, blockers=blockers, summary=summary)

    def ask_override(self, item: ReleaseItem, buttons, error: ui.label) -> None:
        async def with_reason(reason: str) -> None:
            text = " ".join((reason or "").split())
            if len(text) < rules.MIN_OVERRIDE_REASON:
                raise ChemoFallbackError(
                    "Motif obligatoire : écrivez pourquoi la préparation est libérée malgré "
                    "l'écart (3 caractères au moins).")
            with self.dialogs:
                await self.open_release(item, text, buttons, error)

        control = item.latest_control
        with self.dialogs:
            dialogs.reason_dialog(
                f"Libérer {item.preparation_id} malgré l'écart",
                [parts.control_text(control) if control else "Aucun contrôle enregistré.",
                 "Le motif est enregistré avec la libération et dans la piste d'audit ; la "
                 "signature est demandée ensuite."],
                "Motif de la libération malgré l'écart (obligatoire)", with_reason,
                confirm="Continuer vers la signature", marker="override",
            )

    def ask_reject(self, item: ReleaseItem, buttons, error: ui.label) -> None:
        prep_id = item.preparation_id
        key = self._key(prep_id, "reject")

        async def reject_it(reason: str) -> None:
            async with disabled(*buttons):
                await run.io_bound(lambda: service.reject(
                    self.app.store, self.user, prep_id, reason, common.now(), request_key=key))
            ui.notify(f"Préparation {prep_id} rejetée : sa ligne revient dans la file de "
                      "production, à refaire sous un nouveau numéro.")
            await self.load()

        with self.dialogs:
            dialogs.reason_dialog(
                f"Rejeter la préparation {prep_id}",
                [f"{item.plan['inn'].upper()} "
                 f"{french.dose(item.row['dose'], item.row['dose_unit'])} — "
                 f"{parts.patient_text(item)}",
                 "Son entrée de l'ordonnancier reste, marquée « rejetée après contrôle » avec le "
                 "motif ; la ligne revient dans la file de production, à refaire sous un "
                 "nouveau numéro."],
                "Motif du rejet (obligatoire)", reject_it, confirm="Rejeter", marker="reject",
            )
