"""The dialogs of a draft prescription: change a dose, the indication code, a day's date, add
an off-protocol line, cancel. Each calls one use case in a worker thread, its buttons disabled
while it runs (a double click records once); an error is shown in the dialog, which stays open
with what was typed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import run, ui

from chemo_fallback import french, request_keys
from chemo_fallback.auth.accounts import User
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.modules.prescription import line_edits, queries
from chemo_fallback.modules.prescription.models import (
    DILUENT_LABELS,
    LINE_KIND_LABELS,
    Line,
    OffProtocolLine,
    Prescription,
)
from chemo_fallback.snapshot.tables import CONTAINERS, DOSE_BASES, ROUTES
from chemo_fallback.web import state
from chemo_fallback.web.busy import disabled
from chemo_fallback.web.signature_dialog import discard

Action = Callable[[], object]
BASIS_LABELS = {"mg/m2": "mg/m²", "UI/m2": "UI/m²", "AUC": "ASC (Calvert)"}


def parse_decimal(text: str | float | None, label: str, *, required: bool = True) -> float | None:
    """A number typed the French way ("12,5", "-20") or the English way; a clear refusal."""
    if text is None or str(text).strip() == "":
        if required:
            raise ChemoFallbackError(f"{label} : saisissez un nombre.")
        return None
    cleaned = str(text).strip()
    for space in (" ", french.NBSP, "\u202f"):  # "2 400" as typed, or as printed
        cleaned = cleaned.replace(space, "")
    cleaned = cleaned.replace(",", ".")
    cleaned = cleaned.replace("−", "-")
    try:
        return float(cleaned)
    except ValueError as exc:
        raise ChemoFallbackError(
            f"{label} : « {text} » n'est pas un nombre (exemple : 12,5)."
        ) from exc


def action_dialog(
    title: str,
    build: Callable[[], Callable[[], Action]],
    on_done: Callable[[], Awaitable[None]],
    *,
    confirm: str = "Enregistrer",
    marker: str,
) -> None:
    """A dialog whose `build` lays out the fields and returns the function that reads them
    (raising ChemoFallbackError) and returns the use case to run in a worker thread."""
    with ui.dialog().props("persistent") as dialog, ui.card().classes("w-[36rem]"):
        ui.label(title).classes("text-xl font-bold")
        read = build()
        error = ui.label().classes("text-red-700").mark(f"{marker}-error")

        async def save() -> None:
            async with disabled(save_button, close_button):
                try:
                    use_case = read()
                    await run.io_bound(use_case)
                except ChemoFallbackError as exc:
                    error.set_text(str(exc))
                    return
            dialog.close()
            with dialog.parent_slot:  # what the callback draws must outlive the dialog
                await on_done()
            discard(dialog)

        with ui.row().classes("w-full justify-end"):
            close_button = ui.button("Fermer", on_click=lambda: discard(dialog)).props("flat")
            close_button.mark(f"{marker}-close")
            save_button = ui.button(confirm, on_click=save).mark(f"{marker}-save")
    dialog.open()


def modify_dose_fields(line: Line, call: Callable[[float | None, str], Action]):
    current = line.modification_pct
    ui.label(
        f"{line.title}, J{line.day_no} : dose du protocole {basis_dose(line)}. Une réduction "
        "s'écrit -20, une augmentation +10 ; 0 revient à la dose du protocole."
    )
    shown = "" if current is None else french.number(current, french.EXACT_DECIMALS)
    pct = ui.input("Modification (%)", value=shown)
    pct.mark("modify-pct")
    reason = ui.textarea("Motif (obligatoire)", value=line.modification_reason or "")
    reason.classes("w-full").mark("modify-reason")
    return lambda: call(parse_decimal(pct.value, "Modification", required=False), reason.value)


def basis_dose(line: Line) -> str:
    """The protocol's dose with its basis: "2 400 mg/m²", "5 ASC (Calvert)"."""
    basis = BASIS_LABELS.get(line.dose_basis) or french.unit_label(line.dose_basis)
    return f"{french.dose(line.protocol_dose)}{french.NBSP}{basis}"


def indication_fields(line: Line, call: Callable[[str], Action]):
    ui.label(
        f"{line.title} est remboursé en sus des GHS : le code de l'indication (I suivi de 6 "
        "chiffres) est tracé pour la facturation après la panne. Il s'applique à tous les jours "
        "de ce médicament dans la prescription."
    )
    code = ui.input("Code indication LES", value=line.indication_code or "").mark("les-code")
    return lambda: call(code.value or "")


def move_day_fields(day_no: int, current: str, parse, call):
    ui.label(f"Nouvelle date prévue pour J{day_no} (toutes les lignes de ce jour).")
    when = ui.input("Date (JJ/MM/AAAA)", value=current).mark("move-date")
    return lambda: call(parse(when.value))


def reason_fields(label: str, call: Callable[[str], Action], marker: str):
    reason = ui.textarea(label).classes("w-full").mark(marker)
    return lambda: call(reason.value or "")


def off_protocol_fields(drugs: list[dict], cycle_length_days: int, call):
    """`call(fields: dict)` returns the use case for the OffProtocolLine built from `fields`."""
    ui.label(
        "Ligne absente du protocole : elle sera signalée « HORS PROTOCOLE » partout (écran, "
        "fiche, validation pharmaceutique)."
    ).classes("text-orange-800")
    drug = ui.select(
        {d["drug_id"]: d["inn"] for d in drugs}, label="Médicament", with_input=True
    ).classes("w-full").mark("off-drug")
    kind = ui.select(LINE_KIND_LABELS, value="chemotherapy", label="Type").mark("off-kind")
    with ui.row().classes("gap-2"):
        dose = ui.input("Dose").classes("w-28").mark("off-dose")
        basis = ui.select(
            {b: BASIS_LABELS.get(b, b) for b in DOSE_BASES}, value="mg/m2", label="Base"
        ).classes("w-36").mark("off-basis")
        day = ui.number("Jour", value=1, min=1, max=cycle_length_days, step=1).classes("w-20")
        day.mark("off-day")
        route = ui.select(list(ROUTES), value="IV", label="Voie").classes("w-24").mark("off-route")
    with ui.row().classes("gap-2"):
        duration = ui.input("Durée (min)").classes("w-28").mark("off-duration")
        diluent = ui.select({"": "—", **DILUENT_LABELS}, value="", label="Solvant").classes(
            "w-36"
        )
        volume = ui.input("Volume (mL)").classes("w-28").mark("off-volume")
        container = ui.select(["", *CONTAINERS], value="", label="Contenant").classes("w-32")
    reason = ui.textarea("Motif (obligatoire)").classes("w-full").mark("off-reason")

    def read():
        if not drug.value:
            raise ChemoFallbackError("Choisissez le médicament.")
        return call(
            {
                "drug_id": drug.value,
                "line_kind": kind.value,
                "dose": parse_decimal(dose.value, "Dose"),
                "dose_basis": basis.value,
                "day_no": int(day.value or 0),
                "route": route.value,
                "duration_min": parse_decimal(duration.value, "Durée", required=False),
                "diluent": diluent.value or None,
                "volume_ml": parse_decimal(volume.value, "Volume", required=False),
                "container": container.value or None,
                "reason": reason.value or "",
            }
        )

    return read


async def add_off_protocol_line(user: User, rx: Prescription, refresh) -> None:
    """The "Ajouter une ligne hors protocole" dialog: its request key is drawn when it opens,
    so a second save of the same dialog (a double click that got through) adds one line."""
    app = state.current()
    choices = await run.io_bound(queries.form_choices, app.store, user)
    if choices is None:  # the server is stopping
        return
    key = request_keys.new_key()
    action_dialog(
        "Ajouter une ligne hors protocole",
        lambda: off_protocol_fields(
            choices["drugs"], rx.cycle_length_days,
            lambda fields: lambda: line_edits.add_off_protocol_line(
                app.store, user, rx.prescription_id, OffProtocolLine(**fields), app.settings,
                request_key=key,
            ),
        ),
        refresh,
        marker="off",
    )
