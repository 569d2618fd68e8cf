"""The read-only parts of the preparation page: its header (number, status, drug and dose,
steps so far), the computation its sheet printed (from the stored plan), and the vials scanned
against what the sheet expects."""

from __future__ import annotations

from datetime import datetime

from nicegui import ui

from chemo_fallback import french
from chemo_fallback.modules.fabrication.dilution import diluent_label
from chemo_fallback.modules.fabrication.documents_content import (
    LIGHT_WARNING,
    VINCA_WARNING,
    concentration,
    grams,
    is_vinca_alkaloid,
    ml,
    route_text,
)
from chemo_fallback.modules.fabrication.models import CONTAINER_LABELS, STORAGE_LABELS
from chemo_fallback.modules.fabrication.pages import common
from chemo_fallback.modules.fabrication.pages.reads import PreparationView
from chemo_fallback.modules.prescription.wording import duration_text
from chemo_fallback.web.patient_pages import columns, table

SCAN_COLUMNS = columns(
    product="Produit", lot="Lot", expiry="Péremption", serial="N° de série", gtin="GTIN",
    scanned="Scanné le", by="Par",
)


def _moment(value) -> str:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return french.moment(value)


def diluent_text(plan: dict) -> str:
    volume = plan.get("diluent_volume_ml")
    text = diluent_label(plan["diluent"])
    return f"{text} {ml(volume)}" if volume else text


def _history(view: PreparationView) -> list[str]:
    row = view.row
    printed = french.moment(row["created_at"])
    lines = [f"Fiche imprimée le {printed} par {view.name_of(row['created_by'])}"]
    if row.get("replaces_id"):
        lines.append(f"Remplace la préparation {row['replaces_id']} (annulée)")
    if row.get("started_at"):
        lines.append(f"Premier flacon scanné le {french.moment(row['started_at'])}")
    if row.get("prepared_at"):
        lot = f" — lot du solvant {row['diluent_lot']}" if row.get("diluent_lot") else ""
        lines.append(f"Préparée le {french.moment(row['prepared_at'])} par "
                     f"{row['prepared_by_name'] or row['prepared_by']}{lot}")
    if row.get("controlled_at"):
        lines.append(f"Contrôlée le {french.moment(row['controlled_at'])} par "
                     f"{row['controlled_by_name'] or row['controlled_by']} : entrée de "
                     "l'ordonnancier figée")
    return lines


def header_card(view: PreparationView) -> None:
    row, plan = view.row, view.plan
    with ui.card().classes("w-full gap-1 border-l-8 border-slate-800").mark("prep-header"):
        with ui.row().classes("items-center gap-x-6 gap-y-1"):
            ui.label(f"Ordonnancier n° {row['register_no']}").classes(
                "text-3xl font-bold"
            ).mark("prep-register-no")
            common.status_badge(view.status, view.status_label.upper(), "prep-status").classes(
                "text-lg"
            )
            ui.label(f"Préparation {view.preparation_id}").classes("font-mono")
        ui.label(f"{plan['inn'].upper()} {french.dose(row['dose'], row['dose_unit'])}").classes(
            "text-3xl font-bold"
        ).mark("prep-drug")
        used = {v["product_id"] for v in plan["vials"]} | {
            r["product_id"] for r in plan["reliquats_used"]}
        names = [n for p, n in view.product_names.items() if p in used]
        if names:
            ui.label("Produit(s) : " + " ; ".join(names)).classes("text-sm")
        admin = [route_text(plan["route"])]
        if plan.get("duration_min"):
            admin.append(f"en {duration_text(plan['duration_min'])}")
        admin.append(CONTAINER_LABELS.get(plan["container"] or "", plan["container"] or "—"))
        ui.label(" · ".join(admin)).classes("text-lg")
        rx, line = view.prescription, view.line
        if rx is not None:
            day = f", J{line.day_no}" if line is not None else ""
            ui.label(
                f"Prescrit par {rx.prescriber.name} — {rx.protocol_name}, cycle {rx.cycle_no}"
                f"{day} du {french.day(row['planned_date'])} — unité "
                f"{view.ward_name or 'non renseignée'}"
            ).mark("prep-prescription")
        for warning in ([VINCA_WARNING] if is_vinca_alkaloid(plan["inn"]) else []) + (
            [LIGHT_WARNING] if plan.get("protect_from_light") else []
        ):
            ui.label(warning.upper()).classes(
                "text-lg font-bold text-red-800 border-2 border-red-800 px-2"
            ).mark("prep-warning")
        for line_text in _history(view):
            ui.label(line_text).classes("text-sm").mark("prep-history")
        if view.status == "cancelled":
            ui.label(
                f"Annulée le {french.moment(row['status_changed_at'])} par "
                f"{row['status_changed_by']} : {row['status_reason']}. La ligne est revenue "
                "dans la file de production (nouvelle fiche, nouveau numéro)."
            ).classes(common.ERROR).mark("prep-cancelled")


def _vial_lines(plan: dict, names: dict[str, str]) -> list[str]:
    unit = plan["dose_unit"]
    lines = [
        f"Reliquat n° {r['reliquat_id']} — {names.get(r['product_id'], r['product_id'])} (lot "
        f"{r['lot'] or '—'}) : {french.dose(r['amount_drawn'], unit)} = {ml(r['volume_ml'])}"
        for r in plan["reliquats_used"]
    ]
    for v in plan["vials"]:
        whole = abs(v["amount_drawn"] - v["content"]) < 1e-9
        how = "en entier" if whole else (
            f"{french.dose(v['amount_drawn'], unit)} sur {french.dose(v['content'], unit)}")
        lines.append(f"1 flacon {names.get(v['product_id'], v['product_id'])} : {how} = "
                     f"{ml(v['volume_ml'])}")
    return lines


def _remainder_text(plan: dict, names: dict[str, str]) -> str | None:
    left = plan.get("remainder")
    if not left:
        return None
    amount = french.dose(left["amount"], plan["dose_unit"])
    name = names.get(left["product_id"], left["product_id"])
    if left.get("usable_until"):
        return (f"{amount} dans le dernier flacon {name} : à garder en reliquat, utilisable "
                f"jusqu'au {_moment(left['usable_until'])} (enregistré à « Préparation faite »)")
    return f"{amount} dans le dernier flacon {name} : à jeter (pas de stabilité après ouverture)"


def computation_rows(view: PreparationView) -> list[tuple[str, str]]:
    plan, unit, names = view.plan, view.plan["dose_unit"], view.product_names
    storage = STORAGE_LABELS.get(plan.get("storage") or "", plan.get("storage") or "—")
    if plan.get("protect_from_light"):
        storage += " — à l'abri de la lumière"
    rows = [
        ("Dose à préparer", french.dose(plan["dose"], unit)),
        ("Flacons", "\n".join(_vial_lines(plan, names))),
        ("Volume à prélever", ml(plan["withdrawal_volume_ml"])),
        ("Solvant", diluent_text(plan) if plan["diluent"] else "aucun (non dilué)"),
        ("Volume final", ml(plan["final_volume_ml"])),
        ("Concentration finale", concentration(plan["final_concentration"], unit)),
        ("Péremption", _moment(plan["expires_at"]) if plan.get("expires_at") else "—"),
        ("Conservation", storage),
        ("Masse cible (volume prélevé)",
         f"{grams(plan['target_mass_g'])} — acceptée de {grams(plan['mass_low_g'])} à "
         f"{grams(plan['mass_high_g'])} (± {french.percent(plan['tolerance_pct'])})"),
    ]
    remainder = _remainder_text(plan, names)
    if remainder:
        rows.append(("Reste du dernier flacon", remainder))
    return rows


def computation_card(view: PreparationView) -> None:
    with ui.card().classes("w-full gap-1").mark("prep-computation"):
        ui.label("Calcul de la fiche").classes("text-xl font-bold")
        with ui.grid(columns="minmax(10rem, 16rem) 1fr").classes(
            "w-full gap-x-4 gap-y-1"
        ).mark("prep-values"):
            for label, value in computation_rows(view):
                ui.label(label).classes("font-bold")
                ui.label(value).classes("whitespace-pre-line")
        if view.calculation:
            with ui.expansion("Calcul détaillé, tel qu'imprimé sur la fiche").classes("w-full"):
                for step in view.calculation:
                    ui.label(step).classes("text-sm")


def expected_vials(view: PreparationView) -> None:
    """Each product of the sheet, ticked once a vial of it is scanned."""
    for name, wanted, scanned in view.products_to_scan():
        done = scanned > 0
        ui.label(
            f"{'✓' if done else '○'} {name} : {wanted} flacon(s) neuf(s) sur la fiche — "
            f"{scanned} scanné(s)"
        ).classes("font-bold " + ("text-green-800" if done else "text-orange-800")).mark(
            "prep-expected"
        )
    for r in view.plan["reliquats_used"]:
        ui.label(
            f"Reliquat n° {r['reliquat_id']} (lot {r['lot'] or '—'}) : déjà enregistré, pas de "
            "scan"
        ).classes("text-sm")


def scans_section(view: PreparationView) -> None:
    ui.label("Flacons scannés").classes("text-xl font-bold")
    names = view.product_names
    rows = [
        {"id": s["scan_id"], "product": names.get(s["product_id"], s["product_id"]),
         "lot": s["lot"], "expiry": french.day(s["expiry"]), "serial": s["serial"] or "—",
         "gtin": s["gtin"], "scanned": french.moment(s["scanned_at"]),
         "by": view.name_of(s["scanned_by"])}
        for s in view.scans
    ]
    if rows:
        table(SCAN_COLUMNS, rows, "id", "prep-scans").props("wrap-cells")
    else:
        ui.label("Aucun flacon scanné.").mark("prep-no-scan")
