"""Issue 10, items 1 and 10 on the service side: every create of the prescription module happens
once per request key (a double click, the back button), and a cycle number of 0 is refused,
never turned into 1."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from prescription_helpers import RECENT_PATIENT, TODAY, activate_demo, audit_rows
from web_helpers import create_account

from chemo_fallback import request_keys
from chemo_fallback.modules.prescription import drafts, lifecycle, line_edits, notes
from chemo_fallback.modules.prescription.models import (
    DraftRequest,
    OffProtocolLine,
    PrescriptionError,
    Status,
)
from chemo_fallback.request_keys import RequestKeyError
from chemo_fallback.site_settings import SiteSettings

SETTINGS = SiteSettings()
PRODUCTION_RX = "ORD01000250"  # GARNIER Hamid's mFOLFOX6 cycle 5, not yet given


@pytest.fixture
def demo(store):
    activate_demo(store)
    return store


def request(cycle_no: int = 3, protocol: str = "MFOLFOX6") -> DraftRequest:
    return DraftRequest(
        patient_id=RECENT_PATIENT, protocol_id=protocol, cycle_no=cycle_no,
        cycle_start_date=TODAY,
    )


def count(store, table: str) -> int:
    return store.cursor().execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def irinotecan(reason: str = "FOLFIRINOX décidé en RCP") -> OffProtocolLine:
    return OffProtocolLine(
        drug_id="IRINOTECAN", dose=180, dose_basis="mg/m2", day_no=1, route="IV", reason=reason
    )


def test_a_draft_sent_twice_with_one_key_is_created_once(demo) -> None:
    user = create_account(demo, "prescriber")
    key = request_keys.new_key()
    first = drafts.start_draft(demo, user, request(), SETTINGS, TODAY, request_key=key)
    again = drafts.start_draft_or_earlier(
        demo, user, request(), SETTINGS, TODAY, request_key=key
    )
    assert again.already and again.prescription == first
    assert count(demo, "rx_prescriptions") == 1
    assert len(audit_rows(demo, "prescription.draft_created")) == 1
    # another form (another key): a second draft, as a deliberate second prescription is
    other = drafts.start_draft_or_earlier(
        demo, user, request(), SETTINGS, TODAY, request_key=request_keys.new_key()
    )
    assert not other.already and other.prescription.prescription_id != first.prescription_id
    assert count(demo, "rx_prescriptions") == 2
    assert len(audit_rows(demo, "prescription.draft_created")) == 2


def test_the_same_key_after_signing_returns_the_signed_prescription(demo) -> None:
    """The back button after signing: the old form sent again lands on the signed one."""
    user = create_account(demo, "prescriber")
    key = request_keys.new_key()
    rx = drafts.start_draft(demo, user, request(), SETTINGS, TODAY, request_key=key)
    lifecycle.sign(demo, user, rx.prescription_id, SETTINGS, TODAY)
    again = drafts.start_draft_or_earlier(
        demo, user, request(), SETTINGS, TODAY, request_key=key
    )
    assert again.already and again.prescription.status == Status.SIGNED
    assert again.prescription.prescription_id == rx.prescription_id
    assert count(demo, "rx_prescriptions") == 1


def test_two_requests_racing_with_one_key_create_one_draft(demo) -> None:
    """A double click whose two requests reach the server together (worker threads)."""
    user = create_account(demo, "prescriber")
    key = request_keys.new_key()
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(
            lambda _: drafts.start_draft_or_earlier(
                demo, user, request(), SETTINGS, TODAY, request_key=key
            ),
            range(2),
        ))
    assert sorted(r.already for r in results) == [False, True]
    assert len({r.prescription.prescription_id for r in results}) == 1
    assert count(demo, "rx_prescriptions") == 1
    assert len(audit_rows(demo, "prescription.draft_created")) == 1


def test_a_refused_request_leaves_its_key_free(demo) -> None:
    """Nothing is remembered of a refusal: the corrected form (same key) then creates."""
    user = create_account(demo, "prescriber")
    key = request_keys.new_key()
    with pytest.raises(PrescriptionError):
        drafts.start_draft(demo, user, request(cycle_no=0), SETTINGS, TODAY, request_key=key)
    rx = drafts.start_draft(demo, user, request(), SETTINGS, TODAY, request_key=key)
    assert rx.cycle_no == 3 and count(demo, "rx_prescriptions") == 1


def test_a_key_is_one_request_of_one_user(demo) -> None:
    prescriber = create_account(demo, "prescriber")
    pharmacist = create_account(demo, "pharmacist")
    key = request_keys.new_key()
    rx = drafts.start_draft(demo, prescriber, request(), SETTINGS, TODAY, request_key=key)
    with pytest.raises(RequestKeyError, match="déjà servi") as refused:
        drafts.start_draft(
            demo, pharmacist, request().model_copy(update={"prescriber_staff_id": "MED016"}),
            SETTINGS, TODAY, request_key=key,
        )
    assert refused.value.code == "request_key_reused"
    with pytest.raises(RequestKeyError, match="déjà servi"):
        notes.add_note(demo, prescriber, RECENT_PATIENT, "texte", request_key=key)
    with pytest.raises(RequestKeyError, match="mal formée"):
        drafts.start_draft(demo, prescriber, request(), SETTINGS, TODAY, request_key="x y")
    assert [r.prescription_id for r in [rx]] == [
        demo.cursor().execute("SELECT prescription_id FROM rx_prescriptions").fetchone()[0]
    ]


def test_a_take_over_sent_twice_with_one_key_is_made_once(demo) -> None:
    pharmacist = create_account(demo, "pharmacist")
    key = request_keys.new_key()
    first = drafts.take_over(demo, pharmacist, PRODUCTION_RX, SETTINGS, TODAY, request_key=key)
    again = drafts.take_over(demo, pharmacist, PRODUCTION_RX, SETTINGS, TODAY, request_key=key)
    assert again == first and count(demo, "rx_prescriptions") == 1
    assert len(audit_rows(demo, "prescription.draft_created")) == 1
    # another key: still the prescription already continuing it, never a second take-over
    other = drafts.take_over(
        demo, pharmacist, PRODUCTION_RX, SETTINGS, TODAY, request_key=request_keys.new_key()
    )
    assert other == first and count(demo, "rx_prescriptions") == 1
    # cancelled since: the old request sent again shows it (cancelled), creates nothing
    lifecycle.cancel(demo, pharmacist, first.prescription_id, "Reprise en double")
    shown = drafts.take_over(demo, pharmacist, PRODUCTION_RX, SETTINGS, TODAY, request_key=key)
    assert shown.prescription_id == first.prescription_id and shown.status.value == "cancelled"
    assert count(demo, "rx_prescriptions") == 1


def test_an_off_protocol_line_sent_twice_with_one_key_is_added_once(demo) -> None:
    user = create_account(demo, "prescriber")
    rx = drafts.start_draft(demo, user, request(), SETTINGS, TODAY)
    key = request_keys.new_key()
    first = line_edits.add_off_protocol_line(
        demo, user, rx.prescription_id, irinotecan(), SETTINGS, request_key=key
    )
    again = line_edits.add_off_protocol_line(
        demo, user, rx.prescription_id, irinotecan(), SETTINGS, request_key=key
    )
    assert again == first
    assert count(demo, "rx_lines") == len(rx.lines) + 1
    assert len(audit_rows(demo, "prescription.line_added")) == 1
    second = line_edits.add_off_protocol_line(
        demo, user, rx.prescription_id, irinotecan("2e ligne"), SETTINGS,
        request_key=request_keys.new_key(),
    )
    assert second.line_id != first.line_id
    assert len(audit_rows(demo, "prescription.line_added")) == 2


def test_a_note_sent_twice_with_one_key_is_written_once(demo) -> None:
    user = create_account(demo, "prescriber")
    key = request_keys.new_key()
    first = notes.add_note(demo, user, RECENT_PATIENT, "Voie veineuse difficile", request_key=key)
    again = notes.add_note(demo, user, RECENT_PATIENT, "Voie veineuse difficile", request_key=key)
    assert again == first and count(demo, "notes") == 1
    assert len(audit_rows(demo, "note.added")) == 1
    notes.add_note(demo, user, RECENT_PATIENT, "Une autre", request_key=request_keys.new_key())
    assert count(demo, "notes") == 2 and len(audit_rows(demo, "note.added")) == 2


@pytest.mark.parametrize("cycle_no", [0, -1, 201])
def test_an_impossible_cycle_number_is_refused_with_its_code(demo, cycle_no) -> None:
    user = create_account(demo, "prescriber")
    with pytest.raises(PrescriptionError) as refused:
        drafts.start_draft(demo, user, request(cycle_no=cycle_no), SETTINGS, TODAY)
    assert refused.value.code == drafts.CYCLE_NO_INVALID
    assert f"Cycle {cycle_no} " in str(refused.value)
    assert count(demo, "rx_prescriptions") == 0
    assert audit_rows(demo, "prescription.draft_created") == []


def test_cycle_number_problems_in_french() -> None:
    assert drafts.cycle_no_problem(1) is None and drafts.cycle_no_problem(200) is None
    assert "à partir de 1" in drafts.cycle_no_problem(0)
    assert "nombre entier" in drafts.cycle_no_problem("2,5")
    assert "nombre entier" in drafts.cycle_no_problem(True)
    assert "nombre entier" in drafts.cycle_no_problem(2.0)


def test_the_suggested_cycle_says_when_none_is_known(demo) -> None:
    user = create_account(demo, "prescriber")
    none = drafts.suggested_cycle(demo, user, RECENT_PATIENT, "AC60", 21, TODAY)
    assert (none.cycle_no, none.start, none.last_cycle_no) == (1, TODAY, None)
    known = drafts.suggested_cycle(demo, user, RECENT_PATIENT, "MFOLFOX6", 14, TODAY)
    assert known.last_cycle_no is not None and known.cycle_no == known.last_cycle_no + 1
