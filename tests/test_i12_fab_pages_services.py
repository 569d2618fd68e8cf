"""Issue 12, what the fabrication pages call besides the pages themselves: the day's batch sent
twice with the same request key prints once; a scanned sheet barcode names its preparation;
the end-of-day list of reliquats prints (kind `fabrication_reliquats`) and reprints as a
DUPLICATA; the register's period is checked and its dates read back as dates."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date, datetime, timedelta

import pytest
from prescription_helpers import TODAY, activate_demo
from test_i12_fab_service import FU_1000, SETTINGS, vial
from test_validation_service import at, lift, signed_mfolfox6
from web_helpers import create_account

from chemo_fallback import request_keys, row_seals
from chemo_fallback.documents.base import renderer_for
from chemo_fallback.documents.store import print_document, reprint
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.modules.fabrication import reliquat_document, reliquats, steps
from chemo_fallback.modules.fabrication.pages import reads, register_page
from chemo_fallback.modules.fabrication.printing import print_batch
from chemo_fallback.modules.fabrication.queue import production_queue
from chemo_fallback.modules.validation import decisions

NOW = at(TODAY, 8)


@pytest.fixture
def unit(store):
    activate_demo(store)
    pharmacist = create_account(store, "pharmacist")
    rx_id = signed_mfolfox6(store)
    decisions.validate(store, pharmacist, rx_id, lift(store, pharmacist, rx_id), SETTINGS, TODAY)
    return store, create_account(store, "preparer")


def _count(store, sql: str) -> int:
    return store.cursor().execute(sql).fetchone()[0]


def test_the_same_print_request_twice_prints_one_batch(unit) -> None:
    store, preparer = unit
    line_ids = [i.line_id for i in production_queue(store, preparer, TODAY, SETTINGS,
                                                    now=NOW).items]
    key = request_keys.new_key()
    first = print_batch(store, preparer, line_ids, SETTINGS, now=NOW, request_key=key)
    again = print_batch(store, preparer, line_ids, SETTINGS, now=NOW, request_key=key)
    assert len(first.preparations) == 4 and again.preparations == ()
    assert again.document_id == first.document_id and again.pdf.startswith(b"%PDF")
    assert _count(store, "SELECT count(*) FROM fab_preparations") == 4
    assert _count(store, "SELECT count(*) FROM printed_documents "
                         "WHERE kind = 'fabrication_batch'") == 1
    assert row_seals.check(store.cursor()).ok


def _printed(store, preparer) -> str:
    queue = production_queue(store, preparer, TODAY, SETTINGS, now=NOW)
    [bolus] = [i for i in queue.items if i.line["drug_id"] == "FLUOROURACILE"
               and i.line["final_dose"] == 836.0]
    [new] = print_batch(store, preparer, [bolus.line_id], SETTINGS, now=NOW).preparations
    return new.preparation_id


def test_a_scanned_sheet_names_its_preparation(unit) -> None:
    store, preparer = unit
    prep_id = _printed(store, preparer)
    for typed in (prep_id, f"  {prep_id.lower()}\r\n", f"]C0{prep_id}", f"]C1 {prep_id}"):
        assert reads.scanned_sheet(store, preparer, typed) == prep_id
    with pytest.raises(reads.PreparationNotFound, match="Aucune préparation « FAB1 »"):
        reads.scanned_sheet(store, preparer, "FAB1")
    with pytest.raises(reads.PreparationNotFound, match="Aucun code reçu"):
        reads.scanned_sheet(store, preparer, " ")
    nurse = create_account(store, "nurse")
    with pytest.raises(ChemoFallbackError, match="Action non autorisée"):
        reads.scanned_sheet(store, nurse, prep_id)


def test_the_preparation_view_counts_the_vials_scanned_per_product(unit) -> None:
    store, preparer = unit
    prep_id = _printed(store, preparer)
    view = reads.preparation_view(store, preparer, prep_id, TODAY)
    assert view.products_to_scan() == [("Fluorouracile 50 mg/mL 1000 mg/20 mL", 1, 0)]
    assert view.identity.patient_id == "IPP10002366" and view.line.day_no == 1
    assert view.sheet is not None and view.label is not None
    assert view.calculation[0].startswith("Dose à préparer : 836")
    steps.scan_vial(store, preparer, prep_id, vial(FU_1000), SETTINGS, now=NOW)
    view = reads.preparation_view(store, preparer, prep_id, TODAY)
    assert view.products_to_scan() == [("Fluorouracile 50 mg/mL 1000 mg/20 mL", 1, 1)]
    assert view.status_label == "en cours"
    with pytest.raises(reads.PreparationNotFound, match="inconnue"):
        reads.preparation_view(store, preparer, "FAB0", TODAY)


def _pdf_text(pdf: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed")
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def test_the_end_of_day_list_of_reliquats_prints_and_reprints(unit, tmp_path) -> None:
    store, preparer = unit
    prep_id = _printed(store, preparer)
    steps.scan_vial(store, preparer, prep_id, vial(FU_1000, lot="L26-K"), SETTINGS, now=NOW)
    steps.mark_prepared(store, preparer, prep_id, diluent_lot=None, now=NOW)
    late = NOW + timedelta(days=30)  # past the vial's in-use stability
    lines = reliquats.end_of_day_list(store, preparer, now=late)
    content = reliquat_document.reliquat_list_content(lines, late)
    [row] = content.rows
    assert (row.product, row.lot, row.amount) == (
        "Fluorouracile 50 mg/mL 1000 mg/20 mL", "L26-K", "164\u00a0mg")
    assert row.to_discard and row.advice.startswith("à jeter")
    assert row.opened_at == "23/11/2026 à 08:00"
    document, pdf = print_document(store, preparer, reliquat_document.KIND,
                                   reliquat_document.RECORD_TYPE,
                                   reliquat_document.record_id(late), content)
    text = _pdf_text(pdf, tmp_path)
    for shown in ("Reliquats de fin de journée — liste du 23/12/2026 à 08:00", "L26-K",
                  "164 mg", "À JETER", "23/11/2026 à", "Visa"):
        assert shown in text, shown
    assert "DUPLICATA" not in text
    again = _pdf_text(reprint(store, preparer, document.document_id, "Liste perdue"), tmp_path)
    assert "DUPLICATA" in again
    assert renderer_for(reliquat_document.KIND).title == "Reliquats de fin de journée"
    assert row_seals.check(store.cursor()).ok


def test_an_empty_list_of_reliquats_says_so(tmp_path) -> None:
    content = reliquat_document.reliquat_list_content([], datetime(2026, 11, 23, 18, 0))
    pdf = renderer_for(reliquat_document.KIND).render(_header(), content)
    assert "Aucun reliquat ouvert" in _pdf_text(pdf, tmp_path)


def _header():
    from chemo_fallback.documents.layout import PrintHeader

    return PrintHeader(
        document_number="000001", title="Reliquats de fin de journée",
        establishment="CHU de test", printed_at=datetime(2026, 11, 23, 18, 0),
        printed_by_name="Test preparer", printed_by_role="préparateur en pharmacie",
    )


def test_the_register_period_is_checked_and_its_dates_read_back() -> None:
    assert register_page.period("01/11/2026", "23/11/2026") == (date(2026, 11, 1), TODAY)
    with pytest.raises(ChemoFallbackError, match="Période inversée"):
        register_page.period("24/11/2026", "23/11/2026")
    with pytest.raises(ChemoFallbackError, match="illisible"):
        register_page.period("", "23/11/2026")
