"""The accounts the drill acts as: clearly named "exercice-…", created once per data
directory, marked demo (they never exist next to a real snapshot: the drill refuses one)."""

from __future__ import annotations

from dataclasses import dataclass

from chemo_fallback import audit
from chemo_fallback.auth import accounts
from chemo_fallback.auth.accounts import User
from chemo_fallback.store import Store

# Public by design, like the demo accounts: a drill directory holds synthetic data only.
DRILL_PASSWORD = "Exercice-Chimio-2026!"

# (key, username, display name, role)
DRILL_ACCOUNTS = (
    ("prescriber", "exercice-medecin", "Dr Exercice Médecin", "prescriber"),
    ("pharmacist", "exercice-pharmacien", "Exercice Pharmacien", "pharmacist"),
    ("pharmacist2", "exercice-pharmacien2", "Exercice Pharmacienne seconde", "pharmacist"),
    ("preparer", "exercice-preparateur", "Exercice Préparateur", "preparer"),
    ("controller", "exercice-controleur", "Exercice Préparatrice contrôle", "preparer"),
    ("nurse", "exercice-infirmier", "Exercice Infirmier", "nurse"),
    ("buyer", "exercice-acheteur", "Exercice Acheteuse", "buyer"),
)


@dataclass(frozen=True)
class Team:
    prescriber: User
    pharmacist: User  # validates and releases
    pharmacist2: User  # transcribes the take-overs (a second pharmacist validates them)
    preparer: User
    controller: User  # the second preparer: controls what the first made
    nurse: User
    buyer: User


def drill_team(store: Store, prescriber_staff_id: str | None) -> Team:
    """The drill's accounts, created when missing. The prescriber carries the staff id of a
    physician of the snapshot's directory, so that what it prescribes is in a known name."""
    creator = audit.command_line_actor()
    users = {}
    for key, username, name, role in DRILL_ACCOUNTS:
        user = accounts.find_user(store, username)
        if user is None:
            staff_id = prescriber_staff_id if role == "prescriber" else None
            user = accounts.create_user(store, creator, username, name, role, DRILL_PASSWORD,
                                        staff_id=staff_id, demo=True)
        users[key] = user
    return Team(**users)
