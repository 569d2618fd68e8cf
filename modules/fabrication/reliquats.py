"""Reliquats (opened vials): the end-of-day list of what to keep or discard, and each discard
or keep recorded. A reliquat past its in-use stability is never offered to a vial plan
(repository.usable_reliquats); on this list it is marked "à jeter"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chemo_fallback import audit
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, require
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.modules.fabrication import repository as repo
from chemo_fallback.patients.models import NO_SNAPSHOT, NoActiveSnapshot
from chemo_fallback.store import Store


class ReliquatRefused(ChemoFallbackError):
    """Nothing was recorded; the message says why."""


@dataclass(frozen=True)
class ReliquatLine:
    row: dict
    expired: bool  # past its in-use stability: to discard, never offered

    @property
    def advice(self) -> str:
        if self.expired:
            return "à jeter (stabilité après ouverture dépassée)"
        return "à conserver" if self.row["status"] == "open" else "conservé"


def end_of_day_list(store: Store, user: User, *, now: datetime | None = None) -> list[ReliquatLine]:
    require(user.role, Permission.FABRICATION_READ)
    if not store.has_reference():
        raise NoActiveSnapshot(NO_SNAPSHOT)
    now = now or datetime.now()
    return [ReliquatLine(r, r["usable_until"] <= now) for r in repo.open_reliquats(store.cursor())]


def discard(store: Store, user: User, reliquat_id: int, reason: str, *,
            now: datetime | None = None) -> None:
    _close(store, user, reliquat_id, "discarded", reason or "", now)


def keep(store: Store, user: User, reliquat_id: int, *, now: datetime | None = None) -> None:
    """Confirmed kept for tomorrow (in the fridge, labelled); refused once expired."""
    _close(store, user, reliquat_id, "kept", "conservé pour une prochaine préparation", now)


def _close(store: Store, user: User, reliquat_id: int, status: str, reason: str,
           now: datetime | None) -> None:
    require(user.role, Permission.FABRICATION_PREPARE)
    now = now or datetime.now()
    reason = reason.strip()
    if not reason:
        raise ReliquatRefused("Motif obligatoire pour jeter un reliquat (ex. : stabilité "
                              "dépassée, fin de journée).", code="reliquat_reason_missing")
    with store.transaction() as cur:
        row = repo.reliquat(cur, reliquat_id)
        if row is None or row["status"] not in ("open", "kept"):
            raise ReliquatRefused(
                f"Reliquat n° {reliquat_id} : inconnu, déjà utilisé ou déjà jeté ; rechargez la "
                "liste.", code="reliquat_not_open",
            )
        if status == "kept" and row["usable_until"] <= now:
            raise ReliquatRefused(
                f"Reliquat n° {reliquat_id} : sa stabilité après ouverture est dépassée, il "
                "ne peut pas être conservé. Jetez-le.", code="reliquat_expired",
            )
        repo.update_reliquat(cur, reliquat_id, {
            "status": status, "closed_at": now, "closed_by": user.username,
            "close_reason": reason,
        })
        audit.record(
            cur, user.actor, f"reliquat.{status}", "reliquat", reliquat_id,
            before={"status": row["status"], "amount": row["amount"]},
            after={"status": status}, reason=reason,
        )
