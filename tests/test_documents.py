"""Printed documents: stored as data first, rendered from that data to the same bytes, read
back as French text, every print and reprint traced in the audit trail."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from audit_scenarios_documents import (
    ACCENTS,
    SampleLine,
    SampleSheet,
    SampleSheetDocument,
    sample_sheet,
)
from factory import edit_manifest, write_snapshot
from nicegui import ui
from nicegui.testing import User
from pydantic import BaseModel
from web_helpers import create_account

from chemo_fallback import audit
from chemo_fallback.documents import (
    DocumentError,
    DocumentRenderer,
    PrintHeader,
    documents_for,
    print_document,
    prints_of,
    record_document,
    register_document,
    render_stored,
    renderer_for,
    reprint,
    web,
)
from chemo_fallback.documents.store import sha256
from chemo_fallback.snapshot.activation import activate_snapshot

KIND = SampleSheetDocument.kind
TABLES = ("printed_documents", "document_prints", "audit_log")


@register_document
class LandscapeSheetDocument(SampleSheetDocument):
    kind = "test_sample_sheet_landscape"
    landscape = True


@register_document
class BrokenDocument(SampleSheetDocument):
    kind = "test_broken"

    def story(self, data: SampleSheet) -> list:
        raise RuntimeError("bug in a story")


@pytest.fixture
def pharmacist(store):
    return create_account(store, "pharmacist")


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def pdf_tool(tool: str, pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    return subprocess.run([tool, str(path)], capture_output=True, text=True, check=True).stdout


def counts(store) -> dict[str, int]:
    cur = store.cursor()
    return {t: cur.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def test_the_stored_data_is_exactly_the_page_header_and_the_content(store, pharmacist) -> None:
    head = store.cursor().execute("SELECT last_id, last_hash FROM audit_head").fetchone()
    document, _pdf = print_document(store, pharmacist, KIND, "prescription", "RX1", sample_sheet(1))
    assert json.loads(document.data_json) == {
        "header": {
            "document_number": "000001",
            "title": "Fiche d'essai",
            "establishment": "Établissement non renseigné (aucun instantané actif)",
            "patient_line": "DUPONT Marie-Hélène — né(e) le 03/04/1956 — IPP 00123456",
            "printed_at": document.printed_at.isoformat(),
            "printed_by_name": "Test pharmacist",
            "printed_by_role": "pharmacien",
            "demo": False,
            "audit_head": f"n° {head[0]} · {head[1][:8]}",  # the trail's head when printed
        },
        "content": {
            "patient_name": "DUPONT Marie-Hélène",
            "birth_date": "1956-04-03",
            "ipp": "00123456",
            "note": f"Accents et signes : {ACCENTS} ; surface 1,84 m² ; 5 µg/mL.",
            "lines": [{"drug": "Oxaliplatine n° 1", "dose_mg": 156.4, "route": "IV"}],
        },
    }
    assert document.data_sha256 == sha256(document.data_json)
    assert (document.record_type, document.record_id, document.printed_by) == (
        "prescription",
        "RX1",
        "pharmacist",
    )
    assert document.content() == sample_sheet(1)
    assert document.filename == "fiche-d-essai-000001.pdf"


def test_the_same_stored_data_renders_to_the_same_bytes(store, pharmacist, tmp_path) -> None:
    document, pdf = print_document(store, pharmacist, KIND, "prescription", "RX1", sample_sheet())
    print_document(store, pharmacist, KIND, "prescription", "RX2", sample_sheet(40))  # in between
    assert render_stored(KIND, document.data_json) == pdf
    # Another process, another hash seed: nothing in the bytes depends on the process.
    (tmp_path / "data.json").write_text(document.data_json, encoding="utf-8")
    code = (
        "import sys; sys.path.insert(0, 'tests'); import audit_scenarios_documents; "
        "from chemo_fallback.documents import render_stored; "
        f"sys.stdout.buffer.write(render_stored({KIND!r}, open(sys.argv[1]).read()))"
    )
    other = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "data.json")],
        capture_output=True,
        check=True,
        cwd=Path(__file__).parent.parent,
        env={**os.environ, "PYTHONHASHSEED": "12345"},
    )
    assert other.stdout == pdf


def test_the_pdf_reads_back_as_french_text_with_header_and_pages(
    store, pharmacist, tmp_path
) -> None:
    document, pdf = print_document(store, pharmacist, KIND, "prescription", "RX1", sample_sheet(60))
    text = pdf_text(pdf, tmp_path)
    assert text.count("Fiche d'essai") >= 2  # in every page's header
    assert ACCENTS in text
    assert "Vérifier la clairance ≥ 60 mL/min avant de préparer" in text
    assert "Page 1 sur 2" in text and "Page 2 sur 2" in text
    assert text.count("DUPONT Marie-Hélène — né(e) le 03/04/1956 — IPP 00123456") == 2
    printed = f"Imprimé le {document.printed_at:%d/%m/%Y à %H:%M} par Test pharmacist (pharmacien)"
    assert text.count(printed) == 2
    assert "Document n° 000001" in text
    # every page shows the audit trail's head at printing (the anchor on paper)
    assert text.count(f"piste d'audit {document.header.audit_head}") == 2
    assert document.header.audit_head.startswith("n° ")
    assert "156,4" in text and "215,4" in text  # French decimals, first and last line
    assert "DÉMO" not in text
    fonts = pdf_tool("pdffonts", pdf, tmp_path)
    assert "DejaVuSans" in fonts and "Helvetica" not in fonts  # shipped fonts, embedded


def test_a_demo_snapshot_marks_every_page_and_names_its_site(store, pharmacist, tmp_path) -> None:
    snapshot = write_snapshot(tmp_path / "demo")
    edit_manifest(snapshot, lambda m: m.update(demo=True))
    activate_snapshot(store, snapshot)
    document, pdf = print_document(store, pharmacist, KIND, "prescription", "RX1", sample_sheet(60))
    assert document.header.demo and document.header.establishment == "CH de test"
    text = pdf_text(pdf, tmp_path)
    assert text.count("DÉMO — données fictives") >= 2 and "CH de test" in text


def test_landscape_documents_are_a4_landscape(tmp_path) -> None:
    header = PrintHeader(
        document_number="000007",
        title="Plan de production",
        establishment="CH de test",
        printed_at="2026-04-12T14:30:00",
        printed_by_name="Test pharmacist",
        printed_by_role="pharmacien",
    )
    pdf = renderer_for(LandscapeSheetDocument.kind).render(header, sample_sheet())
    assert "841.89 x 595.276 pts (A4)" in pdf_tool("pdfinfo", pdf, tmp_path)
    assert "Imprimé le 12/04/2026 à 14:30 par Test pharmacist" in pdf_text(pdf, tmp_path)


def test_a_reprint_is_the_same_pdf_and_is_traced(store, pharmacist) -> None:
    document, pdf = print_document(store, pharmacist, KIND, "prescription", "RX1", sample_sheet())
    before = counts(store)
    again = reprint(store, pharmacist, document.document_id, "original taché")
    # the same stored data, marked DUPLICATA (tests/test_i12_fab_docs_duplicata.py)
    assert again == render_stored(KIND, document.data_json, duplicata=True) != pdf
    assert counts(store) == {k: v + (k != "printed_documents") for k, v in before.items()}
    copies = prints_of(store, document.document_id)
    assert [(c.is_reprint, c.username, c.reason) for c in copies] == [
        (False, "pharmacist", None),
        (True, "pharmacist", "original taché"),
    ]
    actions = store.cursor().execute(
        "SELECT action, record_type, record_id, after_json, reason FROM audit_log "
        "WHERE action LIKE 'document.%' ORDER BY audit_id"
    )
    (printed, reprinted) = actions.fetchall()
    assert printed[:3] == ("document.printed", "prescription", "RX1")
    assert json.loads(printed[3])["sha256"] == document.data_sha256
    assert reprinted[:3] == ("document.reprinted", "prescription", "RX1")
    assert json.loads(reprinted[3]) == {
        "document_id": document.document_id,
        "kind": KIND,
        "sha256": document.data_sha256,
        "print_id": copies[1].print_id,
    }
    assert reprinted[4] == "original taché"
    assert audit.verify(store.cursor()).ok


def test_altered_stored_data_is_never_reprinted(store, pharmacist) -> None:
    document, _pdf = print_document(store, pharmacist, KIND, "prescription", "RX1", sample_sheet())
    altered = document.data_json.replace("156.4", "1564.0")
    store.cursor().execute(
        "UPDATE printed_documents SET data_json = ?, data_sha256 = ? WHERE document_id = ?",
        [altered, sha256(altered), document.document_id],
    )
    before = counts(store)
    with pytest.raises(DocumentError, match="a été modifié après son impression"):
        reprint(store, pharmacist, document.document_id)
    assert counts(store) == before


class Unrelated(BaseModel):
    name: str


@pytest.mark.parametrize(
    ("kind", "data", "error"),
    [
        (KIND, {"patient_name": "X"}, DocumentError),  # fields missing
        (
            KIND,
            SampleSheet.model_construct(**{**sample_sheet().__dict__, "lines": []}),
            DocumentError,
        ),
        (
            KIND,
            SampleSheet.model_construct(
                **{**sample_sheet().__dict__, "lines": [SampleLine.model_construct(drug="X")]}
            ),
            DocumentError,
        ),
        (KIND, Unrelated(name="X"), DocumentError),  # another document's data
        ("no_such_kind", sample_sheet(), DocumentError),
        (BrokenDocument.kind, sample_sheet(), RuntimeError),  # rendering fails
    ],
)
def test_what_cannot_be_printed_is_refused_before_anything_is_written(
    store, pharmacist, kind, data, error
) -> None:
    before = counts(store)
    with pytest.raises(error):
        print_document(store, pharmacist, kind, "prescription", "RX1", data)
    with pytest.raises(error), store.transaction() as cur:
        record_document(cur, pharmacist.actor, kind, "prescription", "RX1", data)
    assert counts(store) == before
    assert documents_for(store, "prescription", "RX1") == []


def test_documents_of_a_record_latest_first(store, pharmacist) -> None:
    first, _ = print_document(store, pharmacist, KIND, "prescription", "RX1", sample_sheet())
    print_document(store, pharmacist, KIND, "prescription", "RX2", sample_sheet())
    second, _ = print_document(store, pharmacist, KIND, "prescription", "RX1", sample_sheet(2))
    found = documents_for(store, "prescription", "RX1")
    assert [d.document_id for d in found] == [second.document_id, first.document_id]
    assert found[1] == first and found[1].pdf is None  # read back: data only


def test_a_refusal_names_the_fields_in_french(store, pharmacist) -> None:
    data = {**sample_sheet().model_dump(), "lines": [{"drug": "X", "dose_mg": -1, "route": "IV"}]}
    with pytest.raises(DocumentError) as refused:
        print_document(store, pharmacist, KIND, "prescription", "RX1", data)
    assert str(refused.value) == (
        "Données incomplètes ou invalides pour « Fiche d'essai » (champs : lines.0.dose_mg) : "
        "impression refusée, rien n'a été enregistré. Prévenez l'administrateur."
    )


def test_kinds_are_unique_and_unknown_kinds_are_explained() -> None:
    with pytest.raises(DocumentError, match="Type de document inconnu « nope »"):
        renderer_for("nope")
    with pytest.raises(TypeError, match="already declared"):

        @register_document
        class Impostor(DocumentRenderer):
            kind = KIND
            title = "Autre"
            model = Unrelated


async def test_the_printed_pdf_is_offered_to_the_browser(user: User, store) -> None:
    account = create_account(store, "pharmacist")

    @ui.page("/essai-impression")
    def page() -> None:
        async def print_it() -> None:
            await web.print_and_offer(store, account, KIND, "prescription", "RX1", sample_sheet())

        ui.button("Imprimer", on_click=print_it).mark("print")

    await user.open("/essai-impression")
    user.find(marker="print").click()
    response = await user.download.next(timeout=10)
    [document] = documents_for(store, "prescription", "RX1")
    assert response.content == document.render()
