"""Starting the web server: open the store once, activate the demo snapshot if asked, serve."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import date
from pathlib import Path

from chemo_fallback.auth.demo import ensure_demo_accounts
from chemo_fallback.console import ConsoleServer
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.site_settings import load_site_settings
from chemo_fallback.snapshot.activation import activate_snapshot
from chemo_fallback.store import Store
from chemo_fallback.web import state
from chemo_fallback.web.headers import SecurityHeaders, session_cookie_options

SECRET_FILE = "storage-secret"
SESSIONS_DIR = "sessions"


def ensure_demo_snapshot(
    store: Store, demo_snapshot: Path, progress: Callable[[str], None]
) -> None:
    """Demo mode: the shipped demo snapshot, re-anchored so its export date is today, so
    today's worklists are never empty. A real snapshot is never replaced by the demo."""
    active = store.active_snapshot()
    if active is not None and not active.demo:
        raise ChemoFallbackError(
            f"Le dossier de données {store.data_dir} contient un instantané réel : le mode "
            "démonstration ne s'y lance pas. Choisissez un autre dossier (--data-dir)."
        )
    if active is not None and active.exported_at.date() == date.today():
        return
    progress(f"Mode démonstration : activation de {demo_snapshot} recalé à aujourd'hui…")
    report = activate_snapshot(store, demo_snapshot, reanchor_to=date.today(), progress=progress)
    if report.status != "activated":
        raise ChemoFallbackError("L'instantané de démonstration est refusé :\n" + report.to_text())


def storage_secret(data_dir: Path) -> str:
    """One random secret per installation, kept in the data directory."""
    path = data_dir / SECRET_FILE
    if not path.exists():
        path.write_text(secrets.token_urlsafe(32), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def serve(
    data_dir: Path,
    *,
    host: str,
    port: int,
    demo: bool,
    demo_snapshot: Path,
    snapshots_dir: Path,
    progress: Callable[[str], None],
    tls: tuple[Path, Path] | None = None,
) -> None:
    from nicegui import app, ui
    from nicegui.storage import Storage

    from chemo_fallback.web.app import register_pages

    # Session files in the data directory (private, see store.file_modes), never in the
    # folder the app happens to be started from.
    Storage.path = data_dir.resolve() / SESSIONS_DIR

    settings = load_site_settings(data_dir)  # refused before anything starts if wrong
    store = Store.open(data_dir)
    if demo:
        ensure_demo_snapshot(store, demo_snapshot, progress)
        ensure_demo_accounts(store)
    if not store.audit_check.ok:
        progress(store.audit_check.message())
    state.install(
        state.AppState(store=store, demo=demo, snapshots_dir=snapshots_dir, settings=settings)
    )
    # `chemo-fallback admin unlock|reset-password` reach the running app through this socket
    console = ConsoleServer(store, data_dir)
    console.start()
    progress(f"Console d'administration (admin unlock, reset-password) : {console.path}")
    app.on_shutdown(console.stop)  # before the store closes
    app.on_shutdown(store.close)
    app.add_middleware(SecurityHeaders, tls=tls is not None)
    register_pages()
    scheme = "https" if tls else "http"
    progress(f"Application disponible sur {scheme}://{host}:{port}/")
    tls_options = {"ssl_certfile": str(tls[0]), "ssl_keyfile": str(tls[1])} if tls else {}
    ui.run(
        **tls_options,
        host=host,
        port=port,
        title="chemo-fallback",
        language="fr",
        reload=False,
        show=False,
        storage_secret=storage_secret(data_dir),
        session_middleware_kwargs=session_cookie_options(tls is not None),
        favicon="💊",
    )
