"""The dispensing pages: the rounds of a ward and a day and a round being made up (pharmacy,
permission DISPENSE), and the ward's reception (nurses, permission RECEIVE)."""

from __future__ import annotations


def register() -> None:
    """Registers the dispensing and reception pages (called once by chemo_fallback.web.app)."""
    from chemo_fallback.auth.accounts import User
    from chemo_fallback.auth.roles import Permission
    from chemo_fallback.modules.release.pages import (
        dispensing_list_page,
        dispensing_round_page,
        reception_page,
    )
    from chemo_fallback.web.access import protected_page

    @protected_page("/dispensation", Permission.DISPENSE, "Dispensation : tournées de délivrance")
    def dispensing_rounds_page(user: User, unite: str = "", jour: str = "") -> None:
        dispensing_list_page.rounds_view(user, unite, jour)

    @protected_page("/dispensation/tournee/{round_id}", Permission.DISPENSE,
                    "Tournée de délivrance")
    def dispensing_round_page_(user: User, round_id: str) -> None:
        dispensing_round_page.round_view(user, round_id)

    @protected_page("/reception", Permission.RECEIVE, "Réception des préparations")
    def reception_rounds_page(user: User, unite: str = "", jour: str = "") -> None:
        reception_page.reception_list(user, unite, jour)

    @protected_page("/reception/tournee/{round_id}", Permission.RECEIVE,
                    "Réception d'une tournée")
    def reception_round_page(user: User, round_id: str) -> None:
        reception_page.reception_round(user, round_id)
