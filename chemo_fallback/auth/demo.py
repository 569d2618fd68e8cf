"""Demo accounts, one per role, created only in demo mode and shown on its login page."""

from __future__ import annotations

from chemo_fallback import audit
from chemo_fallback.auth import accounts
from chemo_fallback.store import Store

# (username, display name, role, password): demo data, public by design.
DEMO_ACCOUNTS = (
    ("admin", "Camille Administratrice", "admin", "Demo-Admin-2026!"),
    ("medecin", "Dr Anne Lefèvre", "prescriber", "Demo-Medecin-2026!"),
    ("pharmacien", "Paul Garnier", "pharmacist", "Demo-Pharma-2026!"),
    ("preparateur", "Léa Roux", "preparer", "Demo-Prepa-2026!"),
    ("infirmier", "Hugo Petit", "nurse", "Demo-Infirmier-2026!"),
    ("acheteur", "Nora Benali", "buyer", "Demo-Achat-2026!"),
)


def ensure_demo_accounts(store: Store) -> None:
    existing = {r[0] for r in store.cursor().execute("SELECT username FROM users").fetchall()}
    creator = audit.command_line_actor()
    for username, name, role, password in DEMO_ACCOUNTS:
        if username not in existing:
            accounts.create_user(store, creator, username, name, role, password, demo=True)
