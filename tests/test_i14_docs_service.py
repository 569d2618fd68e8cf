"""Issue 14, documents and export: the purchase order PDF (pdftotext: every mention), its
reprint (DUPLICATA, otherwise identical), a long order over several pages, a missing price,
a cancelled order; the e-mail text; the CSV export read back with pandas against the store,
formulas neutralised, the period checked, the export audited and refused to non-buyers."""

from __future__ import annotations

import io
import json
import zipfile
from collections import Counter
from datetime import date, datetime, timedelta

import pandas as pd
import pytest
from i14_docs_helpers import FORMULA_REF, activate_tricky_demo, pdf_pages, pdf_text
from i14_helpers import FU_250, MEDILINE, NOW, OXALI_100, SETTINGS, make_order
from prescription_helpers import TODAY, audit_rows
from web_helpers import create_account

from chemo_fallback.auth.roles import PermissionDenied
from chemo_fallback.documents.layout import DUPLICATA_BANNER, PrintHeader
from chemo_fallback.documents.store import get_document, render_stored
from chemo_fallback.french import NBSP
from chemo_fallback.modules.ordering import (
    export,
    order_document,
    orders,
    receiving,
    repository,
    stock_service,
)
from chemo_fallback.modules.ordering.models import OrderingError
from chemo_fallback.modules.ordering.order_email import order_email


@pytest.fixture
def buyer(store, tmp_path):
    activate_tricky_demo(store, tmp_path)  # the demo's data without the DÉMO watermark
    return create_account(store, "buyer")


def flat(text: str) -> str:
    """pdftotext's layout, one space between words: mentions are searched on one line."""
    return " ".join(text.replace(NBSP, " ").split())


def test_purchase_order_says_everything(store, buyer, tmp_path) -> None:
    settings = SETTINGS.model_copy(update={"delivery_address": "Quai 3, bâtiment B, 75000 Paris"})
    order_id = make_order(store, buyer, status="confirmed", settings=settings,
                          promised_date=TODAY + timedelta(days=2))
    document = order_document.print_purchase_order(store, buyer, order_id, SETTINGS)
    text = flat(pdf_text(document.pdf, tmp_path))
    for mention in (
        "Bon de commande n° CMD000001", "du 23/11/2026 — Médiline Hospitalier",
        # the site
        "PUI du Centre hospitalier de test", "1 rue de l'Hôpital, 75000 Paris",
        "Tél. : 01 00 00 00 00", "E-mail : pui@hopital.example",
        # the supplier (no postal address in the snapshot)
        "Code fournisseur : MEDILINE", "E-mail : commandes@mediline.example",
        "Fax : 01 99 00 74 40", "Tél. : 01 99 00 74 00",
        # the order, its status and the supplier's reference
        "N° de commande CMD000001", "Date 23/11/2026", "Acheteur Test buyer",
        "Statut confirmée", "Référence du fournisseur AR-2026-001",
        "Livraison promise le 25/11/2026",
        # the lines: product, our code, UCD, CIP13, supplier ref, packs, pack size, vials,
        # unit price and amount excluding VAT
        "Oxaliplatine 5", "OXALIPLATINE-100MG", "UCD 3400826121922",
        "CIP13 3400846031744", "MED-617390 2 5 10 9,50 € 95,00 €",
        "Fluorouracile 50", "FLUOROURACILE-250MG", "UCD 3400847571607", "CIP13 3400269807193",
        "MED-921329 1 5 5 3,20 € 16,00 €",
        # the totals, the delivery address, the buyer, the signature, the page number
        "Conditionnements 3", "Flacons 15", "Total HT 111,00 €",
        "Adresse de livraison", "Quai 3, bâtiment B, 75000 Paris",
        "Commande passée par Test buyer le 23/11/2026 à 09:00",
        "Signature et cachet", "Page 1 sur 1",
    ):
        assert mention in text, mention
    assert "DUPLICATA" not in text and "ANNULÉE" not in text
    # stored: what the PDF says is what the record holds
    content = get_document(store, document.document_id).content()
    assert content.order_id == order_id and content.total_ht == "111,00 €"
    assert [(li.product_id, li.packs, li.vials, li.unit_price_ht) for li in content.lines] == [
        (OXALI_100, "2", "10", "9,50 €"), (FU_250, "1", "5", "3,20 €")]
    [printed] = audit_rows(store, "document.printed")
    assert (printed["record_type"], printed["record_id"]) == ("order", order_id)
    assert printed["after_json"]["kind"] == "purchase_order"


def test_reprint_is_the_same_marked_duplicata(store, buyer, tmp_path) -> None:
    order_id = make_order(store, buyer, status="sent")
    first = order_document.print_purchase_order(store, buyer, order_id, SETTINGS)
    document, pdf = order_document.reprint_purchase_order(store, buyer, order_id)
    assert document.document_id == first.document_id
    original, again = flat(pdf_text(first.pdf, tmp_path, "a.pdf")), flat(
        pdf_text(pdf, tmp_path, "b.pdf"))
    assert "DUPLICATA" in again and "DUPLICATA" not in original
    assert flat(DUPLICATA_BANNER) in again
    # every word of the first print is on the reprint; the stored data renders, without the
    # mark, to the very bytes first printed (nothing else can differ)
    assert Counter(original.split()) <= Counter(again.split())
    stored = get_document(store, first.document_id)
    assert render_stored(stored.kind, stored.data_json) == first.pdf
    assert len(audit_rows(store, "document.reprinted")) == 1
    # still current: the page offers a duplicate; confirmed since: the new purchase order
    assert order_document.printed_is_current(store, order_id, SETTINGS)[1] is True
    orders.confirm_order(store, buyer, order_id, "AR-77", TODAY + timedelta(days=3), now=NOW)
    assert order_document.printed_is_current(store, order_id, SETTINGS)[1] is False


def test_reprint_before_any_print_is_refused(store, buyer) -> None:
    order_id = make_order(store, buyer)
    with pytest.raises(OrderingError) as refused:
        order_document.reprint_purchase_order(store, buyer, order_id)
    assert refused.value.code == "purchase_order_not_printed"
    with pytest.raises(OrderingError) as unknown:
        order_document.print_purchase_order(store, buyer, "CMD999999", SETTINGS)
    assert unknown.value.code == "order_unknown"


def test_nurse_may_not_print(store, buyer) -> None:
    order_id = make_order(store, buyer)
    with pytest.raises(PermissionDenied):
        order_document.print_purchase_order(store, create_account(store, "nurse"), order_id,
                                            SETTINGS)


def test_cancelled_order_prints_annulee(store, buyer, tmp_path) -> None:
    order_id = make_order(store, buyer, status="sent")
    orders.cancel_order(store, buyer, order_id, "Rupture chez le fournisseur", now=NOW)
    document = order_document.print_purchase_order(store, buyer, order_id, SETTINGS)
    text = flat(pdf_text(document.pdf, tmp_path))
    assert "COMMANDE ANNULÉE — ne pas livrer. Motif : Rupture chez le fournisseur" in text
    email = order_email(store.cursor(), order_id, SETTINGS)
    assert "CETTE COMMANDE EST ANNULÉE" in email.body


def test_forty_lines_flow_over_pages_with_the_header_repeated(store, buyer, tmp_path) -> None:
    order_id = make_order(store, buyer)
    content = order_document.purchase_order_content(store.cursor(), order_id, SETTINGS)
    line = content.lines[0]
    long = content.model_copy(update={"lines": [
        line.model_copy(update={"line_no": n, "supplier_ref": f"MED-{n:06d}"})
        for n in range(1, 41)]})
    header = PrintHeader(document_number="000042", title="Bon de commande CMD000001 — Médiline",
                         establishment="CHU", printed_at=datetime(2026, 11, 23, 9),
                         printed_by_name="Test buyer", printed_by_role="acheteur")
    pdf = order_document.PurchaseOrderDocument().render(header, long)
    pages = pdf_pages(pdf, tmp_path)
    assert pages >= 2
    text = pdf_text(pdf, tmp_path)
    for number, page in enumerate(text.split("\f")[:pages], start=1):
        page = flat(page)
        assert "Bon de commande CMD000001" in page  # the page header
        assert "Prix HT Montant" in page  # the table's header row
        assert f"Page {number} sur {pages}" in page
    assert all(f"MED-{n:06d}" in text for n in range(1, 41))
    assert "Signature et cachet" in flat(text.split("\f")[pages - 1])


def test_missing_price_and_formula_reference(store, tmp_path) -> None:
    activate_tricky_demo(store, tmp_path, formula_for=(MEDILINE, OXALI_100),
                         no_price_for=(MEDILINE, FU_250))
    buyer = create_account(store, "buyer")
    order_id = make_order(store, buyer, status="sent")
    document = order_document.print_purchase_order(store, buyer, order_id, SETTINGS)
    text = flat(pdf_text(document.pdf, tmp_path))
    assert "MED-921329 1 5 5 — —" in text
    assert "Total HT 95,00 € — total partiel (prix manquants)" in text
    found = export.export_purchasing(store, buyer, TODAY - timedelta(days=1), TODAY)
    raw = found.files[export.LINES].decode("utf-8-sig")
    assert "'=HYPERLINK(" in raw and ';"=HYPERLINK(' not in raw and ";=HYPERLINK(" not in raw
    lines = read(found, export.LINES)
    assert lines.loc[0, "supplier_ref"] == "'" + FORMULA_REF
    assert pd.isna(lines.loc[1, "unit_price_ht"]) and pd.isna(lines.loc[1, "amount_ht"])
    assert read(found, export.ORDERS).loc[0, "amount_complete"] == False  # noqa: E712


def test_email_text(store, buyer) -> None:
    order_id = make_order(store, buyer)
    email = order_email(store.cursor(), order_id, SETTINGS)
    assert email.to == "commandes@mediline.example" and email.has_address
    assert email.subject == "Commande CMD000001 — PUI du Centre hospitalier de test"
    body = email.body.replace(NBSP, " ")
    for mention in (
        "bon de commande n° CMD000001 du 23/11/2026 (2 lignes)",
        "- Oxaliplatine 5 mg/mL 100 mg/20 mL (réf. MED-617390, notre code OXALIPLATINE-100MG) "
        ": 2 conditionnements × 5 flacons = 10 flacons",
        "(réf. MED-921329, notre code FLUOROURACILE-250MG) : 1 conditionnement × 5 flacons = "
        "5 flacons",
        "Adresse de livraison :\n1 rue de l'Hôpital, 75000 Paris",
        "Test buyer — PUI du Centre hospitalier de test", "Tél. : 01 00 00 00 00",
        "E-mail : pui@hopital.example", "bon de commande joint",
    ):
        assert mention in body, mention


def test_email_without_address_gives_the_fax(store, buyer, monkeypatch) -> None:
    order_id = make_order(store, buyer)
    real = repository.suppliers

    def no_email(cur):
        found = real(cur)
        mediline = found[MEDILINE]
        found[MEDILINE] = type(mediline)(mediline.supplier_id, mediline.name, None,
                                         mediline.fax, mediline.phone)
        return found

    monkeypatch.setattr(repository, "suppliers", no_email)
    email = order_email(store.cursor(), order_id, SETTINGS)
    assert not email.has_address
    assert email.to == ("Pas d'adresse e-mail connue pour Médiline Hospitalier : envoyez le bon "
                        "de commande par fax au 01 99 00 74 40.")


# Export -----------------------------------------------------------------------------------


def read(found: export.PurchasingExport, name: str) -> pd.DataFrame:
    with zipfile.ZipFile(io.BytesIO(found.archive)) as archive:
        content = archive.read(name)
    assert content == found.files[name]
    return pd.read_csv(io.BytesIO(content), sep=";", encoding="utf-8-sig",
                       dtype={"order_no": "Int64", "ucd13": str, "cip13": str, "gtin": str})


def lot_of(store, product_id: str) -> str:
    return store.cursor().execute(
        "SELECT lot FROM ref.stock_lots WHERE product_id = ? AND quantity >= 2 ORDER BY lot "
        "LIMIT 1", [product_id]).fetchone()[0]


def test_export_read_back_matches_the_store(store, buyer) -> None:
    first = make_order(store, buyer, status="shipped")
    second = make_order(store, buyer, lines=[(FU_250, 3)], status="confirmed",
                        supplier_reference="AR-2")
    old = make_order(store, buyer, now=NOW - timedelta(days=60))  # before the period
    [oxali, fu] = repository.order_lines(store.cursor(), [first])[first]
    receiving.receive(store, buyer, first, oxali.order_line_id, lot="L2026A",
                      expiry_date=date(2028, 6, 30), quantity=4, settings=SETTINGS, now=NOW)
    receiving.receive(store, buyer, first, fu.order_line_id, lot="L2026B",
                      expiry_date=date(2028, 1, 31), quantity=5, settings=SETTINGS, now=NOW)
    stock_service.discard(store, buyer, OXALI_100, lot_of(store, OXALI_100), 1,
                          "Flacon cassé", now=NOW)
    found = export.export_purchasing(store, buyer, *export.default_period(TODAY), now=NOW)
    assert found.filename == "export-achats-20261025-20261123.zip"
    assert sorted(zipfile.ZipFile(io.BytesIO(found.archive)).namelist()) == sorted(
        [export.ORDERS, export.LINES, export.RECEPTIONS, export.MOVEMENTS])
    assert all(content.startswith(b"\xef\xbb\xbf") for content in found.files.values())

    exported = read(found, export.ORDERS)
    assert list(exported.columns) == list(export.ORDER_COLUMNS)
    assert list(exported["order_id"]) == [first, second]  # `old` is outside the period
    assert old not in set(exported["order_id"])
    by_id = exported.set_index("order_id")
    assert by_id.loc[first, "status"] == "partially_received"
    assert by_id.loc[first, "received_vials"] == 9 and by_id.loc[first, "quantity_vials"] == 15
    assert by_id.loc[first, "amount_ht"] == pytest.approx(111.0)
    assert by_id.loc[second, "supplier_reference"] == "AR-2"
    assert by_id.loc[second, "created_at"] == "2026-11-23T09:00:00"
    assert by_id.loc[second, "promised_date"] == "2026-11-25"

    lines = read(found, export.LINES)
    assert list(lines.columns) == list(export.LINE_COLUMNS)
    stored = repository.order_lines(store.cursor(), [first, second])
    expected = [(li.order_line_id, li.product_id, li.packs, li.pack_size, li.quantity_vials,
                 li.unit_price, li.received_vials) for o in (first, second) for li in stored[o]]
    assert [tuple(r) for r in lines[["order_line_id", "product_id", "packs", "pack_size",
                                     "quantity_vials", "unit_price_ht", "received_vials"]]
            .itertuples(index=False)] == expected
    assert set(lines["order_id"]) <= set(exported["order_id"])  # keys resolve

    receptions = read(found, export.RECEPTIONS)
    assert list(receptions.columns) == list(export.RECEPTION_COLUMNS)
    in_store = repository.receptions(store.cursor(), first)
    assert list(receptions["movement_id"]) == [m["movement_id"] for m in in_store]
    assert list(receptions["quantity_vials"]) == [4, 5]
    assert list(receptions["lot"]) == ["L2026A", "L2026B"]
    assert list(receptions["expiry_date"]) == ["2028-06-30", "2028-01-31"]
    assert set(receptions["order_line_id"]) <= set(lines["order_line_id"])

    movements = read(found, export.MOVEMENTS)
    assert list(movements.columns) == list(export.MOVEMENT_COLUMNS)
    assert list(movements["cause"]) == ["discard"]
    assert list(movements["quantity_vials"]) == [-1]  # a number, not neutralised text
    assert list(movements["reason"]) == ["Flacon cassé"]

    [record] = audit_rows(store, "ordering.export")
    assert (record["record_type"], record["record_id"]) == ("ordering_export",
                                                            "2026-10-25/2026-11-23")
    after = record["after_json"]
    assert (after["orders"], after["order_lines"], after["receptions"], after["movements"]) == (
        2, 3, 2, 1)
    assert after["period_from"] == "2026-10-25" and set(after["files"]) == set(found.files)


def test_export_changes_nothing_but_the_trail(store, buyer) -> None:
    make_order(store, buyer)
    cur = store.cursor()
    counts = [cur.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in ("ord_orders", "ord_order_lines", "ord_stock_movements")]
    export.export_purchasing(store, buyer, TODAY, TODAY)
    assert counts == [cur.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                      for t in ("ord_orders", "ord_order_lines", "ord_stock_movements")]


@pytest.mark.parametrize(("first", "last"), [
    (TODAY, TODAY - timedelta(days=1)), (None, TODAY), (TODAY - timedelta(days=400), TODAY)])
def test_export_period_refused(store, buyer, first, last) -> None:
    with pytest.raises(OrderingError) as refused:
        export.export_purchasing(store, buyer, first, last)
    assert refused.value.code == "export_period_invalid"
    assert audit_rows(store, "ordering.export") == []


def test_export_is_for_buyers(store, buyer) -> None:
    with pytest.raises(PermissionDenied):
        export.export_purchasing(store, create_account(store, "pharmacist"), TODAY, TODAY)


def test_cells_are_for_machines() -> None:
    assert export.cell(9.5) == "9.5" and export.cell(10.0) == 10 and export.cell(None) == ""
    assert export.cell(0.1 + 0.2) == "0.3"
    assert export.cell(datetime(2026, 11, 23, 9, 5, 7, 123)) == "2026-11-23T09:05:07"
    assert export.cell(date(2026, 11, 23)) == "2026-11-23"
    assert export.cell(True) == "true"
    data = json.loads(json.dumps(export.default_period(TODAY), default=str))
    assert data == ["2026-10-25", "2026-11-23"]
