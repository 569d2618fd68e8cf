"""Issue 12, fabrication documents: the day's batch (sheets and labels in queue order in one PDF,
mixed page sizes), the DUPLICATA mark of a reprint for every kind of document (the reprint is
the first print plus the mark, and two reprints are the same bytes), the register's PDF (A4
landscape, the audit anchor on every page) and its CSV (formulas neutralised)."""

from __future__ import annotations

import csv
import io
import re
import subprocess
from datetime import date, datetime

import pytest
from audit_scenarios_documents import SampleSheetDocument, sample_sheet
from PIL import Image
from test_i12_fab_docs import (
    barcodes,
    contents,
    demo_plan,
    flat,
    oxaliplatin,
    page_count,
    pdf_info,
    pdf_path,
    pdf_text,
    save_artifact,
)
from web_helpers import create_account

from chemo_fallback.documents import print_document, reprint
from chemo_fallback.modules.fabrication import documents as fd
from chemo_fallback.modules.fabrication.documents_register import CSV_HEADERS

A4 = "595.276 x 841.89 pts (A4)"
LABEL = "283.465 x 141.732 pts"
MARK = "DUPLICATA"
BANNER = "DUPLICATA — réimpression d'un document déjà imprimé"


def page_sizes(pdf: bytes, tmp_path) -> list[str]:
    return re.findall(r"^Page +\d+ size: +(.+)$", pdf_info(pdf, tmp_path), re.MULTILINE)


def day_batch() -> fd.BatchContent:
    """Three preparations in the queue's order (not in register order)."""
    vincristine = contents(demo_plan("VINCRISTINE", 2.0, diluent="NACL09", volume=50.0,
                                     duration=10.0), 250446)
    pump = contents(demo_plan("FLUOROURACILE", 4800.0, container="diffuseur", diluent="NACL09",
                              volume=230.0, duration=2760.0), 250447)
    return fd.batch_content([vincristine, contents(oxaliplatin(), 250445), pump])


# --- The day's batch ---------------------------------------------------------------------------


def test_the_batch_holds_each_sheet_then_its_label_in_queue_order(store, tmp_path) -> None:
    batch = day_batch()
    preparer = create_account(store, "preparer")
    document, pdf = print_document(store, preparer, fd.BATCH_KIND, "fabrication_batch",
                                   "2026-11-23", batch)
    save_artifact("fabrication-batch.pdf", pdf)
    assert document.header.title == "Lot de fabrication — 3 préparations (n° 250445 à 250447)"
    assert page_sizes(pdf, tmp_path) == [A4, LABEL, A4, LABEL, A4, LABEL]
    expected = [
        ("250446", "VINCRISTINE — 2 mg", "VINCRISTINE 2 mg"),
        ("250445", "OXALIPLATINE — 170 mg", "OXALIPLATINE 170 mg"),
        ("250447", "FLUOROURACILE — 4 800 mg", "FLUOROURACILE 4 800 mg"),
    ]
    for index, (number, sheet_drug, label_drug) in enumerate(expected):
        sheet = flat(pdf_text(pdf, tmp_path, page=2 * index + 1))
        label = flat(pdf_text(pdf, tmp_path, page=2 * index + 2))
        # each sheet page names its own preparation and patient in its header
        assert sheet.startswith(f"Fiche de fabrication n° {number}"), sheet[:80]
        assert "BARRÉ Marie-Hélène (née TESSIER) — née le 09/04/1957 — IPP IPP10006045" in sheet
        assert sheet_drug in sheet and f"FAB{number}" in sheet
        # sheets are numbered among themselves: a label is not a page of the sheets
        assert f"Page {index + 1} sur 3" in sheet
        assert f"N° {number}" in label and label_drug in label
        assert "Page" not in label
    assert barcodes(pdf, tmp_path, page=4) == [("FAB250445", "Code 128")]
    assert "VOIE INTRAVEINEUSE STRICTE" in pdf_text(pdf, tmp_path, page=2)
    assert "VOIE INTRAVEINEUSE STRICTE" not in pdf_text(pdf, tmp_path, page=4)
    assert document.content() == batch  # stored as data, read back the same


def test_a_batch_of_one_is_titled_by_its_number() -> None:
    batch = fd.batch_content([contents(oxaliplatin())])
    assert fd.FabricationBatchDocument().document_title(batch) == "Lot de fabrication — n° 250445"


# --- DUPLICATA ---------------------------------------------------------------------------------


def register_entries(count: int = 2) -> list[dict]:
    entries = []
    for index in range(count):
        entries.append({
            "register_no": 250445 + index,
            "preparation_id": f"FAB{250445 + index}",
            "created_at": datetime(2026, 11, 23, 9, index % 60),
            "prescriber_name": "Dr Jean-Claude FRANÇOIS",
            "patient_name": "BARRÉ Marie-Hélène",
            "patient_id": "IPP10006045",
            "drug_inn": "oxaliplatine",
            "dose": 170.0,
            "dose_unit": "mg",
            # as register.entry_of writes it: the drug first, the diluent last
            "composition": ["oxaliplatine 170 mg",
                            "Oxaliplatine 5 mg/mL 200 mg/40 mL : 170 mg (34 mL)",
                            "Glucose 5 % 250 mL"],
            "lots": [{"product": "Oxaliplatine 5 mg/mL 200 mg/40 mL", "lot": f"NL{30130 + index}",
                      "expiry": date(2028, 7, 18), "supplier": "Oncopharm Distribution SAS"}],
            "diluent": "Glucose 5 % 250 mL",
            "diluent_lot": "G5-2611",
            "preparer": "Paul Préparateur",
            "controller": "Dr Claire Pharmacienne",
            "status_label": "contrôlée",
            "replaces_register_no": None,
        })
    return entries


def _documents():
    sheet, label = contents(oxaliplatin())
    register = fd.register_content(register_entries(), date(2026, 11, 1), date(2026, 11, 30))
    return [
        (fd.SHEET_KIND, sheet),
        (fd.LABEL_KIND, label),
        (fd.BATCH_KIND, day_batch()),
        (fd.REGISTER_KIND, register),
        (SampleSheetDocument.kind, sample_sheet(2)),  # any other kind of document too
    ]


def mark_added(first_page: str, reprint_page: str) -> str:
    """What the reprint's page adds to the first print's (pdftotext -raw, drawing order): the
    reprint draws the first print's page whole, then its mark."""
    first_page, reprint_page = first_page.rstrip("\f"), reprint_page.rstrip("\f")
    assert reprint_page.startswith(first_page)
    return "".join(reprint_page[len(first_page):].split())  # rotated letters come one a line


@pytest.mark.parametrize("kind, content", _documents(), ids=lambda v: v if isinstance(v, str)
                         else "")
def test_a_reprint_is_the_first_print_plus_the_duplicata_mark(store, tmp_path, kind,
                                                              content) -> None:
    pharmacist = create_account(store, "pharmacist")
    document, first = print_document(store, pharmacist, kind, "preparation", "FAB250445",
                                     content)
    again = reprint(store, pharmacist, document.document_id, "étiquette abîmée")
    assert reprint(store, pharmacist, document.document_id) == again  # byte-identical
    assert again != first
    assert MARK not in pdf_text(first, tmp_path)
    pages = page_count(first, tmp_path)
    assert page_count(again, tmp_path) == pages
    for page in range(1, pages + 1):
        first_page = pdf_text(first, tmp_path, page=page, raw=True)
        added = mark_added(first_page, pdf_text(again, tmp_path, page=page, raw=True))
        # on every page: the big mark; on a page with a header, the banner above it too
        framed = "Imprimé le" in first_page
        assert added == (MARK + BANNER.replace(" ", "") if framed else MARK), (kind, page)


def _red_pixels(pdf: bytes, tmp_path, page: int) -> int:
    path = pdf_path(pdf, tmp_path, "red.pdf")
    prefix = tmp_path / f"red-{page}"
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", str(page), "-l", str(page),
                    "-singlefile", str(path), str(prefix)], check=True)
    image = Image.open(f"{prefix}.png").convert("RGB")
    data = image.tobytes()
    return sum(
        1 for i in range(0, len(data), 3)
        if data[i] > 150 and data[i + 1] < 120 and data[i + 2] < 120
    )


def test_the_mark_is_seen_on_sheets_and_labels_and_only_on_a_reprint(store, tmp_path) -> None:
    """Black on white otherwise: the only red of a sheet or a label is the DUPLICATA mark."""
    pharmacist = create_account(store, "pharmacist")
    document, first = print_document(store, pharmacist, fd.BATCH_KIND, "fabrication_batch",
                                     "2026-11-23", day_batch())
    again = reprint(store, pharmacist, document.document_id)
    save_artifact("fabrication-batch-duplicata.pdf", again)
    for page in (1, 2):  # a sheet, a label
        assert _red_pixels(first, tmp_path, page) == 0
        assert _red_pixels(again, tmp_path, page) > 30, page
    assert barcodes(again, tmp_path, page=2) == [("FAB250446", "Code 128")]  # still scans


# --- The register ------------------------------------------------------------------------------


def test_the_register_prints_every_entry_with_its_lots_and_the_audit_anchor(
    store, tmp_path
) -> None:
    entries = register_entries(40)
    entries[3] = {**entries[3], "lots": [
        {"product": "Oxaliplatine 5 mg/mL 100 mg/20 mL", "lot": "KM61219", "expiry": None,
         "supplier": None},
        {"product": "Oxaliplatine 5 mg/mL 50 mg/10 mL", "lot": "AB123",
         "expiry": date(2027, 1, 31), "supplier": "Laboratoires Pharmavienne"},
    ], "diluent_lot": None, "controller": None, "status_label": "préparée"}
    entries[5] = {**entries[5], "replaces_register_no": 250446, "status_label": "contrôlée"}
    content = fd.register_content(list(reversed(entries)), date(2026, 11, 1),
                                  date(2026, 11, 30))
    assert [r.number for r in content.rows] == [str(250445 + i) for i in range(40)]
    pharmacist = create_account(store, "pharmacist")
    document, pdf = print_document(store, pharmacist, fd.REGISTER_KIND, "fabrication_register",
                                   "2026-11-01/2026-11-30", content)
    save_artifact("fabrication-register.pdf", pdf)
    pages = page_count(pdf, tmp_path)
    assert pages >= 2
    assert set(page_sizes(pdf, tmp_path)) == {"841.89 x 595.276 pts (A4)"}  # landscape
    anchor = document.header.audit_head
    assert anchor and anchor.startswith("n° ")
    for page in range(1, pages + 1):  # the audit trail's head on every page's foot
        assert f"piste d'audit {anchor}" in flat(pdf_text(pdf, tmp_path, page=page))
    text = flat(pdf_text(pdf, tmp_path, raw=True))
    for mention in (
        "Ordonnancier des préparations du 01/11/2026 au 30/11/2026",
        "40 préparations enregistrées sur la période",
        "Prescripteur Patient Composition Lots et fournisseurs Préparateur Contrôleur Statut",
        "250445 23/11/2026 à 09:00 Dr Jean-Claude FRANÇOIS BARRÉ Marie-Hélène IPP IPP10006045",
        "oxaliplatine 170 mg Oxaliplatine 5 mg/mL 200 mg/40 mL : 170 mg (34 mL) Glucose 5 % "
        "250 mL Oxaliplatine",
        "Oxaliplatine 5 mg/mL 200 mg/40 mL : lot NL30130, pér. 18/07/2028, fournisseur "
        "Oncopharm Distribution SAS",
        "Solvant Glucose 5 % 250 mL : lot G5-2611",
        "Paul Préparateur Dr Claire Pharmacienne contrôlée",
        # an entry with two vials, no supplier known yet, not yet controlled
        "Oxaliplatine 5 mg/mL 100 mg/20 mL : lot KM61219, fournisseur non renseigné",
        "Oxaliplatine 5 mg/mL 50 mg/10 mL : lot AB123, pér. 31/01/2027, fournisseur "
        "Laboratoires Pharmavienne",
        "Solvant Glucose 5 % 250 mL : lot non renseigné",
        "Paul Préparateur — préparée",
        # a correction points at the entry it replaces
        "contrôlée (remplace le n° 250446)",
    ):
        assert mention in text, mention


def test_an_empty_period_prints_a_register_that_says_so(store, tmp_path) -> None:
    content = fd.register_content([], date(2026, 12, 1), date(2026, 12, 31))
    _document, pdf = print_document(store, create_account(store, "pharmacist"),
                                    fd.REGISTER_KIND, "fabrication_register", "2026-12", content)
    text = flat(pdf_text(pdf, tmp_path))
    assert "Aucune préparation sur la période." in text
    assert "0 préparation enregistrée sur la période" in text


def test_the_register_csv_opens_in_a_french_spreadsheet_and_runs_no_formula() -> None:
    entries = register_entries(2)
    entries[1] = {**entries[1], "lots": [
        {"product": "Oxaliplatine 5 mg/mL 200 mg/40 mL", "lot": '=HYPERLINK("http://x.example")',
         "expiry": date(2028, 7, 18), "supplier": "+33 Fournisseur"},
    ], "diluent_lot": "@SUM(A1)", "patient_name": "-BARRÉ Marie", "dose": 2400.5,
        "replaces_register_no": 250445}
    data = fd.register_csv(list(reversed(entries)))
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["n° d'ordonnancier", "identifiant de la préparation", "date et heure",
                           "prescripteur"]
    assert len(rows) == 3 and {len(r) for r in rows} == {len(CSV_HEADERS)}
    first, second = (dict(zip(rows[0], r, strict=True)) for r in rows[1:])
    assert first["n° d'ordonnancier"] == "250445"  # in register order
    assert first["date et heure"] == "23/11/2026 à 09:00"
    assert first["dose"] == "170" and first["unité"] == "mg"
    assert first["lots"] == "NL30130" and first["péremptions"] == "18/07/2028"
    assert first["fournisseurs"] == "Oncopharm Distribution SAS"
    assert first["lot du solvant"] == "G5-2611" and first["remplace le n°"] == ""
    # formulas are text: an apostrophe in front, the value otherwise kept
    assert second["lots"] == '\'=HYPERLINK("http://x.example")'
    assert second["fournisseurs"] == "'+33 Fournisseur"
    assert second["lot du solvant"] == "'@SUM(A1)"
    assert second["patient"] == "'-BARRÉ Marie"
    assert second["dose"] == "2400,5"  # a number stays a number
    assert second["remplace le n°"] == "250445"
