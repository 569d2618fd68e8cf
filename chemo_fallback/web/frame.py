"""The shared frame of every page: header with the snapshot's freshness and the signed-in user,
the menu of what the user's role may open, and the content column."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from nicegui import ui

from chemo_fallback import french
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, allowed
from chemo_fallback.snapshot.freshness import age_text, freshness
from chemo_fallback.web import session, state

MENU_WIDTH_PX = 210
FRESHNESS_COLORS = {"fresh": "bg-green-700", "stale": "bg-orange-600", "old": "bg-red-700"}

# (path, label, icon, permission needed); later modules add their page groups here.
MENU: list[tuple[str, str, str, Permission]] = [
    ("/tableau-de-bord", "Tableau de bord", "dashboard", Permission.SNAPSHOT_VIEW),
    ("/", "Instantané", "storage", Permission.SNAPSHOT_VIEW),
    ("/patients", "Patients", "person_search", Permission.PATIENT_READ),
    ("/patients/nouveau", "Nouveau patient", "person_add", Permission.PATIENT_CREATE),
    ("/prescriptions", "Prescriptions", "event_note", Permission.PRESCRIPTION_READ),
    (
        "/prescriptions/nouvelle",
        "Nouvelle prescription",
        "note_add",
        Permission.PRESCRIPTION_WRITE,
    ),
    ("/validation", "Validation", "fact_check", Permission.PRESCRIPTION_VALIDATE),
    ("/fabrication", "Production", "science", Permission.FABRICATION_READ),
    ("/fabrication/reliquats", "Reliquats", "water_drop", Permission.FABRICATION_READ),
    ("/fabrication/ordonnancier", "Ordonnancier", "menu_book", Permission.FABRICATION_READ),
    ("/liberation", "Libération", "verified", Permission.FABRICATION_CONTROL),
    ("/dispensation", "Dispensation", "local_shipping", Permission.DISPENSE),
    ("/reception", "Réception", "move_to_inbox", Permission.RECEIVE),
    ("/administration", "Administration", "vaccines", Permission.ADMINISTRATION_READ),
    (
        "/administration/non-administres",
        "Non administrées",
        "report",
        Permission.ADMINISTRATION_READ,
    ),
    ("/achats", "Achats", "shopping_cart", Permission.STOCK_READ),
    ("/stock", "Stock", "inventory_2", Permission.STOCK_READ),
    ("/achats/prevision", "Prévision", "query_stats", Permission.STOCK_READ),
    ("/commandes", "Commandes", "receipt_long", Permission.STOCK_READ),
    ("/commandes/nouvelle", "Nouvelle commande", "add_shopping_cart", Permission.ORDER_WRITE),
    ("/commandes/export", "Export achats", "file_download", Permission.ORDER_WRITE),
    (
        "/admin/instantanes",
        "Activer un instantané",
        "published_with_changes",
        Permission.SNAPSHOT_ACTIVATE,
    ),
    ("/admin/export", "Réintégration", "archive", Permission.EXPORT_RUN),
    ("/admin/comptes", "Comptes", "manage_accounts", Permission.USERS_MANAGE),
    ("/admin/audit", "Piste d'audit", "policy", Permission.AUDIT_VIEW),
]


def snapshot_badge() -> None:
    active = state.current().store.active_snapshot()
    if active is None:
        ui.label("Aucun instantané actif").classes("px-3 py-1 rounded bg-red-700 text-white").mark(
            "snapshot-badge"
        )
        return
    now = datetime.now()
    color = FRESHNESS_COLORS[freshness(active.exported_at, now)]
    ui.label(
        f"Données du {french.moment(active.exported_at)} ({age_text(active.exported_at, now)})"
    ).classes(f"px-3 py-1 rounded text-white whitespace-nowrap {color}").mark("snapshot-badge")


def demo_banner() -> None:
    if state.current().demo:
        with ui.element("div").classes("w-full bg-yellow-300 text-black text-center font-bold"):
            ui.label("DÉMO — données fictives, ne pas utiliser pour un patient").mark("demo-banner")


def audit_alarm() -> None:
    store = state.current().store
    check, rows = store.audit_check, store.rows_check
    if check is not None and not check.ok:
        ui.label(check.message()).classes(
            "w-full p-2 bg-red-700 text-white font-bold text-center"
        ).mark("audit-alarm")
    if rows is not None and not rows.ok:
        ui.label(rows.headline()).classes(
            "w-full p-2 bg-red-700 text-white font-bold text-center"
        ).mark("rows-alarm")


def _sign_out() -> None:
    session.sign_out()
    ui.navigate.to("/login")


@contextmanager
def frame(title: str, user: User) -> Iterator[None]:
    ui.page_title(f"{title} — chemo-fallback")
    demo_banner()
    audit_alarm()
    # At 1 024 px wide (a ward PC) the header holds on one line: the subtitle only shows on
    # wider screens, and every part wraps rather than overlaps if a name is long.
    with ui.header().classes("items-center justify-between gap-y-1 bg-slate-800 px-4 py-2"):
        with ui.row().classes("items-center gap-3 no-wrap"):
            ui.label("chemo-fallback").classes("text-lg font-bold whitespace-nowrap")
            ui.label("Secours de l'unité de préparation des chimiothérapies").classes(
                "text-sm max-xl:hidden"
            )
            if state.current().demo:
                ui.label("DÉMO").classes("px-2 rounded bg-yellow-300 text-black font-bold")
        with ui.row().classes("items-center gap-x-3 gap-y-1 justify-end"):
            snapshot_badge()
            ui.label(f"{user.display_name} — {user.role_label}").mark("current-user")
            ui.button("Se déconnecter", icon="logout", on_click=_sign_out).props(
                "flat dense no-caps color=white"
            ).mark("sign-out")
    with ui.left_drawer(value=True).classes("bg-slate-100 p-2").props(f"width={MENU_WIDTH_PX}"):
        for path, label, icon, permission in MENU:
            if allowed(user.role, permission):
                # no-caps: "Activer un instantané" in capitals would not fit on one line
                ui.button(label, icon=icon, on_click=lambda p=path: ui.navigate.to(p)).props(
                    'flat no-caps no-wrap align=left padding="8px 10px"'
                ).classes("w-full").mark(f"menu-{label}")
    with ui.column().classes("w-full max-w-6xl mx-auto p-4 gap-4"):
        ui.label(title).classes("text-2xl font-bold")
        yield
