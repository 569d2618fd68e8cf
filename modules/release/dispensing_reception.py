"""Reception on the ward: each preparation of a round handed over is acknowledged on arrival,
by scanning its label or ticking it, with the time and the receiver's name; the round is
"reçue" once every preparation is. A label scanned that is not in the round is refused loudly,
nothing recorded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chemo_fallback import audit, french
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, require
from chemo_fallback.modules.release.dispensing import (
    ROUND_RECORD,
    DispensingRefused,
    item_of,
    item_rows,
    preparation_row,
    round_row,
    round_title,
    scanned_preparation_id,
    shown_code,
)
from chemo_fallback.store import Store

HOW = {"scan": "étiquette scannée", "tick": "cochée à la réception"}


@dataclass(frozen=True)
class Received:
    preparation_id: str
    register_no: int
    received_at: datetime
    round_received: bool  # this was the round's last preparation


def receive_scanned(store: Store, user: User, round_id: int, code: str, *,
                    now: datetime | None = None) -> Received:
    """The label scanned on arrival: refused unless it is a preparation of this round."""
    return _receive(store, user, round_id, scanned_preparation_id(code), "scan", now)


def receive_ticked(store: Store, user: User, round_id: int, preparation_id: str, *,
                   now: datetime | None = None) -> Received:
    """The preparation ticked on arrival, in the round's list."""
    return _receive(store, user, round_id, preparation_id, "tick", now)


def _not_in_round(cur, round_: dict, preparation_id: str) -> DispensingRefused:
    prep = preparation_row(cur, preparation_id)
    if prep is None:
        where = "aucune préparation ne porte ce code"
    else:
        item = item_of(cur, preparation_id)
        where = (f"elle est dans la tournée {round_title(cur, round_row(cur, item['round_id']))}"
                 if item else "elle n'a pas été dispensée")
    name = preparation_id if prep is None else f"{preparation_id} (n° {prep['register_no']})"
    return DispensingRefused(
        f"PAS DANS CETTE TOURNÉE : la préparation « {shown_code(name)} » n'est pas dans la "
        f"tournée {round_title(cur, round_)} ({where}). Rien n'a été enregistré : ne la "
        "donnez pas, mettez-la de côté et appelez la pharmacie.",
        code="reception_not_in_round",
    )


def _receive(store: Store, user: User, round_id: int, preparation_id: str, how: str,
             now: datetime | None) -> Received:
    require(user.role, Permission.RECEIVE)
    now = (now or datetime.now()).replace(microsecond=0)
    with store.transaction() as cur:
        round_ = round_row(cur, round_id)
        if round_["status"] == "open":
            raise DispensingRefused(
                f"Tournée {round_title(cur, round_)} pas encore remise par la pharmacie : elle "
                "ne peut pas être reçue.", code="reception_round_not_handed_over",
            )
        item = item_of(cur, preparation_id)
        if item is None or item["round_id"] != round_id:
            raise _not_in_round(cur, round_, preparation_id)
        if item["received_at"] is not None:
            raise DispensingRefused(
                f"Déjà reçue : la préparation {preparation_id} a été reçue le "
                f"{french.moment(item['received_at'])} par {item['received_by_name']}. Rien de "
                "plus n'a été enregistré.", code="reception_already_received",
            )
        cur.execute(
            "UPDATE disp_items SET received_at = ?, received_by = ?, received_by_name = ? "
            "WHERE item_id = ?", [now, user.username, user.display_name, item["item_id"]],
        )
        register_no = preparation_row(cur, preparation_id)["register_no"]
        audit.record(cur, user.actor, "dispensing.item_received", "preparation", preparation_id,
                     before={"status": "dispensed"},
                     after={"status": "received", "round_id": round_id, "received_at": now,
                            "received_by_name": user.display_name, "how": HOW[how]})
        left = [i for i in item_rows(cur, round_id) if i["received_at"] is None]
        if not left:
            cur.execute(
                "UPDATE disp_rounds SET status = 'received', received_at = ?, "
                "received_by_name = ? WHERE round_id = ?", [now, user.display_name, round_id],
            )
            audit.record(cur, user.actor, "dispensing.round_received", ROUND_RECORD, round_id,
                         before={"status": "handed_over"},
                         after={"status": "received", "received_at": now,
                                "received_by_name": user.display_name})
    return Received(preparation_id, register_no, now, not left)
