"""The review page offers no "motif pour lever" field for a never-event (the service would
refuse it anyway), and keeps it for the other blocking findings."""

from __future__ import annotations

from nicegui.testing import User
from test_web_validation import app_state, open_review  # noqa: F401 (fixture)
from web_helpers import SLOW


async def test_a_never_event_has_no_override_field(user: User, app_state) -> None:  # noqa: F811
    store = app_state.store
    # open_review signs the prescription first; the line is then altered as if recorded
    # before the drug rules, and the page reloaded.
    rx_id = await open_review(user, store)
    store.cursor().execute(
        "UPDATE rx_lines SET route = 'IT' WHERE prescription_id = ? AND drug_id = 'OXALIPLATINE'",
        [rx_id],
    )
    await user.open(f"/validation/{rx_id}")
    await user.should_see(marker="review-counts", retries=SLOW)
    line = f"{rx_id}-L4"
    await user.should_see(marker=f"never-never_intrathecal:{line}")
    await user.should_see("Erreur jamais acceptable : ce point ne peut pas être levé.")
    await user.should_not_see(marker=f"override-never_intrathecal:{line}")
    await user.should_see(marker=f"override-drug_route:{line}")  # liftable: the field stays
