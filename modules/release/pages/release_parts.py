"""The parts of a preparation's card on the release page: what it is (register number, chain
status, patient with two identifiers, drug and dose, expiry, the sheet's target mass and
bounds), its controls so far, and the control form whose verdict is shown as the mass is
typed — computed by rules.control_verdict, never chosen."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from nicegui import ui

from chemo_fallback import french
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.modules.fabrication.documents_content import route_text
from chemo_fallback.modules.fabrication.models import CONTAINER_LABELS
from chemo_fallback.modules.fabrication.pages import common
from chemo_fallback.modules.prescription.wording import duration_text
from chemo_fallback.modules.release import rules
from chemo_fallback.modules.release.models import VERDICT_LABELS, Control
from chemo_fallback.modules.release.release_worklist import ReleaseItem

CHAIN_STYLES = {
    "prepared": "bg-teal-200 text-teal-950",
    "controlled": "bg-green-700 text-white",
    "released": "bg-blue-800 text-white",
    "rejected": "bg-red-700 text-white",
    "dispensed": "bg-indigo-700 text-white",
    "received": "bg-indigo-900 text-white",
    "cancelled": "bg-red-200 text-red-950 line-through",
}
VERDICT_STYLES = {
    "within": "text-green-800 font-bold text-lg",
    "out": "text-white bg-red-700 font-bold text-lg px-2 rounded",
    "not_done": "text-orange-900 font-bold",
}
VISUAL_CHOICES = {"yes": "Aspect conforme", "no": "Aspect non conforme"}
CONFORM_CHOICES = {"yes": "conforme", "no": "non conforme"}


def chain_badge(item: ReleaseItem, marker: str) -> ui.label:
    return ui.label(item.chain_label.upper()).classes(
        "px-2 py-0.5 rounded font-bold whitespace-nowrap "
        + CHAIN_STYLES.get(item.chain_status, "bg-slate-200")
    ).mark(marker)


def patient_text(item: ReleaseItem) -> str:
    """Two identifiers: the name with the birth date, and the IPP."""
    who = item.identity
    if who is None:
        return (f"Patient {item.row['patient_id']} introuvable (ni dans l'instantané ni créé "
                "pendant la panne) : ne libérez pas, vérifiez l'identité")
    return (f"{who.last_name.upper()} {who.first_name} — {who.born_word} le "
            f"{french.day(who.birth_date)} — IPP : {who.patient_id}")


def administration_text(plan: dict) -> str:
    parts = [route_text(plan.get("route"))]
    if plan.get("duration_min"):
        parts.append(f"en {duration_text(plan['duration_min'])}")
    container = plan.get("container") or ""
    parts.append(CONTAINER_LABELS.get(container, container or "contenant non renseigné"))
    return " · ".join(parts)


def expiry_text(item: ReleaseItem, now: datetime) -> tuple[str, bool]:
    expires = item.row["expires_at"]
    if expires is None:
        return "Péremption inconnue", True
    expired = now >= expires
    return (f"{'PÉRIMÉE depuis le' if expired else 'Péremption :'} {french.moment(expires)}",
            expired)


def control_text(control: Control) -> str:
    """"Contrôle n° 3 du 23/11/2026 à 10:00 par Léa Roux : masse 17,1 g — dans la
    tolérance ; aspect conforme ; pas de contrôle analytique"."""
    mass = ("pas de pesée" if control.mass_measured_g is None
            else f"masse {rules.grams(control.mass_measured_g)}")
    visual = "aspect conforme" if control.visual_ok else (
        f"aspect NON CONFORME ({control.visual_comment})")
    if control.has_analytical:
        analytical = (f"analytique {control.analytical_method} : {control.analytical_result}, "
                      f"{'conforme' if control.analytical_conform else 'NON CONFORME'}")
    else:
        analytical = "pas de contrôle analytique"
    return (f"Contrôle n° {control.control_id} du {french.moment(control.controlled_at)} par "
            f"{control.controlled_by_name} : {mass} — {control.verdict_label} ; {visual} ; "
            f"{analytical}")


def summary_section(item: ReleaseItem, now: datetime) -> None:
    row, plan, prep_id = item.row, item.plan, item.preparation_id
    with ui.row().classes("items-center gap-x-5 gap-y-1 w-full"):
        ui.label(f"Ordonnancier n° {row['register_no']}").classes("text-2xl font-bold").mark(
            f"release-number-{prep_id}")
        chain_badge(item, f"release-status-{prep_id}")
        ui.label(f"Préparation {prep_id}").classes("font-mono")
        text, expired = expiry_text(item, now)
        ui.label(text).classes(
            "font-bold " + ("text-white bg-red-700 px-2 rounded" if expired else "")
        ).mark(f"release-expiry-{prep_id}")
    ui.label(patient_text(item)).classes(
        "text-lg font-bold" + ("" if item.identity else " text-red-800")
    ).mark(f"release-patient-{prep_id}")
    ui.label(f"{plan['inn'].upper()} {french.dose(row['dose'], row['dose_unit'])}").classes(
        "text-2xl font-bold").mark(f"release-drug-{prep_id}")
    rx = item.prescription
    ui.label(
        f"{administration_text(plan)} — unité {rx.get('ward_name') or rx.get('ward_id') or '—'}"
        f" — prescrit par {rx.get('prescriber_name') or '—'} ({rx.get('protocol_name') or '—'}, "
        f"cycle {rx.get('cycle_no') or '—'}) pour le {french.day(row['planned_date'])}"
    ).classes("text-sm")
    ui.label(
        f"Préparée le {french.moment(row['prepared_at'])} par "
        f"{row['prepared_by_name'] or row['prepared_by'] or '—'} ; contrôlée à l'isolateur le "
        f"{french.moment(row['controlled_at'])} par "
        f"{row['controlled_by_name'] or row['controlled_by'] or '—'}"
    ).classes("text-sm").mark(f"release-history-{prep_id}")
    sheet = ("Fiche : " + item.sheet.text()) if item.sheet else (
        "Fiche sans masse cible (densité inconnue) : pas de contrôle gravimétrique possible")
    ui.label(sheet).classes("font-bold").mark(f"release-sheet-mass-{prep_id}")


def controls_section(item: ReleaseItem) -> None:
    with ui.column().classes("gap-0").mark(f"release-controls-{item.preparation_id}"):
        if not item.controls:
            ui.label("Aucun contrôle enregistré.").classes("text-orange-900")
        for n, control in enumerate(item.controls):
            latest = n == len(item.controls) - 1
            ui.label(control_text(control) + ("" if latest else " (remplacé par le suivant)")
                     ).classes("text-sm" + (" font-bold" if latest else " text-slate-500"))


def blockers_section(item: ReleaseItem) -> None:
    if not item.blockers:
        ui.label("Rien ne bloque la libération.").classes("text-green-800 font-bold").mark(
            f"release-ready-{item.preparation_id}")
        return
    with ui.column().classes("gap-0 border-l-4 border-red-700 pl-2").mark(
        f"release-blockers-{item.preparation_id}"
    ):
        ui.label("Libération bloquée :").classes("font-bold text-red-800")
        for blocker in item.blockers:
            ui.label(f"• {blocker.message}").classes("text-red-800")


class ControlForm:
    """The controller's entry: the mass read on the balance (decimal comma), the verdict shown
    as it is typed, the visual check (always answered), an optional analytical control."""

    def __init__(self, item: ReleaseItem,
                 save: Callable[[ControlForm], Awaitable[None]]) -> None:
        self.item = item
        prep_id = item.preparation_id
        with ui.card().classes("w-full gap-2 bg-slate-50").mark(f"release-control-{prep_id}"):
            ui.label("Enregistrer un contrôle (une nouvelle pesée s'ajoute, rien n'est "
                     "effacé)").classes("font-bold")
            with ui.row().classes("items-center gap-4 w-full"):
                self.mass = ui.input("Masse mesurée (g)", placeholder="ex. 17,25").classes(
                    "w-44 text-lg").props("outlined inputmode=decimal").mark(
                    f"release-mass-{prep_id}")
                self.verdict = ui.label().mark(f"release-verdict-{prep_id}")
                self.no_weighing = ui.checkbox("Pesée impossible").mark(
                    f"release-no-weighing-{prep_id}")
            with ui.row().classes("items-center gap-4 w-full"):
                self.visual = ui.radio(VISUAL_CHOICES).props("inline").mark(
                    f"release-visual-{prep_id}")
                self.comment = ui.input("Commentaire du contrôle visuel").classes(
                    "w-96").mark(f"release-comment-{prep_id}")
            with ui.expansion("Contrôle analytique (s'il a été fait)").classes("w-full").mark(
                f"release-analytical-{prep_id}"
            ), ui.row().classes("items-center gap-4"):
                self.method = ui.input("Méthode (ex. HPLC, UV)").classes("w-48").mark(
                    f"release-method-{prep_id}")
                self.result = ui.input("Résultat").classes("w-64").mark(
                    f"release-result-{prep_id}")
                self.conform = ui.radio(CONFORM_CHOICES).props("inline").mark(
                    f"release-conform-{prep_id}")
            with ui.row().classes("items-center gap-4"):
                self.button = ui.button("Enregistrer le contrôle", icon="scale",
                                        on_click=lambda: save(self)).props("no-caps").mark(
                    f"release-save-control-{prep_id}")
                self.error = common.error_label(f"release-control-error-{prep_id}")
        self.mass.on_value_change(lambda _: self.show_verdict())
        self.no_weighing.on_value_change(lambda _: self.show_verdict())

    def show_verdict(self) -> None:
        """The verdict the control will record, computed from the sheet's printed bounds."""
        try:
            verdict = rules.control_verdict(self.mass_value(), self.item.sheet)
        except ChemoFallbackError as exc:
            self.verdict.set_text(str(exc))
            self.verdict.classes(replace="text-red-700")
            return
        if not (self.mass.value or "").strip() and not self.no_weighing.value:
            self.verdict.set_text("")
            return
        self.verdict.set_text(VERDICT_LABELS[verdict])
        self.verdict.classes(replace=VERDICT_STYLES[verdict])

    def mass_value(self) -> float | None:
        if self.no_weighing.value:
            return None
        return rules.mass_from_text(self.mass.value)

    def values(self) -> dict:
        """What the service receives; a French refusal when the mass is unreadable or missing
        without "Pesée impossible"."""
        if not (self.mass.value or "").strip() and not self.no_weighing.value:
            raise ChemoFallbackError(
                "Masse mesurée manquante : saisissez la masse lue sur la balance (en g), ou "
                "cochez « Pesée impossible »."
            )
        conform = self.conform.value
        return {
            "mass_measured_g": self.mass_value(),
            "visual_ok": {"yes": True, "no": False}.get(self.visual.value),
            "visual_comment": self.comment.value,
            "analytical_method": self.method.value,
            "analytical_result": self.result.value,
            "analytical_conform": {"yes": True, "no": False}.get(conform),
        }
