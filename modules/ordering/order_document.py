"""The purchase order (« Bon de commande », kind `purchase_order`, A4 portrait, French): the
site (name, address, phone, e-mail), the supplier (name, code, e-mail, fax, phone: the snapshot
holds no postal address), the order number and date, its status when it is not a plain order
(a cancelled order prints ANNULÉE), the supplier's reference once confirmed, the lines (product,
our code, UCD / CIP13, supplier reference, packs, pack size, vials, unit price and amount
excluding VAT), the total, the delivery address, the buyer and a signature box.

The content is built from the order's rows (repository.order, order_lines, suppliers, products),
every value already written the French way, stored by documents.store and rendered from it
only: a reprint is the same pages, marked DUPLICATA. A long order flows over several pages, the
table's header row and the page header (title, site) repeated on each."""

from __future__ import annotations

from datetime import datetime
from xml.sax.saxutils import escape

from pydantic import BaseModel, ConfigDict
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from chemo_fallback import french
from chemo_fallback.auth import roles
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission
from chemo_fallback.documents import DocumentRenderer, register_document
from chemo_fallback.documents.base import CELL_FONT
from chemo_fallback.documents.store import (
    PrintedDocument,
    canonical_json,
    documents_for,
    record_document,
    reprint,
)
from chemo_fallback.modules.ordering import repository
from chemo_fallback.modules.ordering.models import (
    ORDER_STATUS_LABELS,
    OrderingError,
    OrderStatus,
)
from chemo_fallback.site_settings import SiteSettings
from chemo_fallback.store import Store

KIND = "purchase_order"
RECORD_TYPE = "order"
TITLE = "Bon de commande"
MISSING = "—"
# Statuses the supplier reads as "the order": nothing more to say on the paper.
PLAIN = (OrderStatus.DRAFT, OrderStatus.SENT)
PARTIAL_TOTAL = "total partiel (prix manquants)"
HEADERS = ("N°", "Produit", "Codes (nôtre, UCD, CIP13)", "Réf. fournisseur", "Nombre de condit.",
           "Flacons par condit.", "Flacons", "Prix HT par flacon", "Montant HT")
WIDTHS = (0.4, 1.95, 2.4, 1.3, 1.05, 0.95, 0.85, 1.05, 1.15)


class PurchaseOrderLine(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    line_no: int
    product_name: str
    product_id: str
    ucd13: str
    cip13: str
    supplier_ref: str
    packs: str
    pack_size: str
    vials: str
    unit_price_ht: str  # per vial, "—" when the snapshot has no price
    amount_ht: str


class PurchaseOrderContent(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    order_id: str
    order_day: str
    created_at: str
    status: str
    status_label: str
    status_note: str  # "" for a plain order; else what the paper must say (ANNULÉE…)
    status_reason: str
    supplier_reference: str
    promised_date: str
    pharmacy_name: str
    pharmacy_address: str
    pharmacy_phone: str
    pharmacy_email: str
    supplier_id: str
    supplier_name: str
    supplier_email: str
    supplier_fax: str
    supplier_phone: str
    delivery_address: str
    buyer_name: str
    note: str
    lines: list[PurchaseOrderLine]
    total_packs: str
    total_vials: str
    total_ht: str
    total_partial: bool


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def euros(value: float | None) -> str:
    """"1 234,50 €" (two decimals, as an invoice), "—" when unknown."""
    return MISSING if value is None else f"{french.number(value, 2, fixed=True)} €"


def unit_price(value: float | None) -> str:
    """A vial's price keeps up to 4 decimals (some are fractions of a cent), at least 2."""
    if value is None:
        return MISSING
    shown = french.number(value, 4)
    decimals = len(shown.split(",")[1]) if "," in shown else 0
    return f"{french.number(value, max(decimals, 2), fixed=True)} €"


def status_note(status: str, reason: str) -> str:
    if status == OrderStatus.CANCELLED:
        return "COMMANDE ANNULÉE — ne pas livrer" + (f". Motif : {reason}" if reason else "")
    if status in PLAIN:
        return ""
    return f"Statut de la commande : {ORDER_STATUS_LABELS.get(status, status)}"


def purchase_order_content(cur, order_id: str, settings: SiteSettings) -> PurchaseOrderContent:
    """The purchase order of `order_id`, from its rows in the caller's cursor."""
    order = repository.order(cur, order_id)
    if order is None:
        raise OrderingError(
            f"La commande « {order_id} » n'existe pas : vérifiez le numéro dans la liste des "
            "commandes.",
            code="order_unknown",
        )
    supplier = repository.suppliers(cur).get(order.supplier_id)
    products = repository.products(cur)
    lines = repository.order_lines(cur, [order.order_id])[order.order_id]
    rows, total, partial = [], 0.0, False
    for line in lines:
        product = products.get(line.product_id)
        amount = line.amount
        if amount is None:
            partial = True
        else:
            total += amount
        rows.append(PurchaseOrderLine(
            line_no=int(line.line_no),
            product_name=product.name if product else f"Produit inconnu ({line.product_id})",
            product_id=line.product_id,
            ucd13=_text(product.ucd13) if product else "",
            cip13=_text(product.cip13) if product else "",
            supplier_ref=_text(line.supplier_ref) or MISSING,
            packs=french.number(line.packs, 0),
            pack_size=french.number(line.pack_size, 0),
            vials=french.number(line.quantity_vials, 0),
            unit_price_ht=unit_price(line.unit_price),
            amount_ht=euros(amount),
        ))
    reason = _text(order.status_reason)
    return PurchaseOrderContent(
        order_id=order.order_id,
        order_day=french.day(order.created_at),
        created_at=french.moment(order.created_at),
        status=str(order.status),
        status_label=ORDER_STATUS_LABELS.get(order.status, order.status),
        status_note=status_note(order.status, reason),
        status_reason=reason,
        supplier_reference=_text(order.supplier_reference),
        promised_date=french.day(order.promised_date) if order.promised_date else "",
        pharmacy_name=_text(settings.pharmacy_name),
        pharmacy_address=_text(settings.pharmacy_address),
        pharmacy_phone=_text(settings.pharmacy_phone),
        pharmacy_email=_text(settings.pharmacy_email),
        supplier_id=order.supplier_id,
        supplier_name=supplier.name if supplier else f"Fournisseur inconnu ({order.supplier_id})",
        supplier_email=_text(supplier.email) if supplier else "",
        supplier_fax=_text(supplier.fax) if supplier else "",
        supplier_phone=_text(supplier.phone) if supplier else "",
        delivery_address=_text(order.delivery_address),
        buyer_name=_text(order.created_by_name),
        note=_text(order.note),
        lines=rows,
        total_packs=french.number(sum(line.packs for line in lines), 0),
        total_vials=french.number(sum(line.quantity_vials for line in lines), 0),
        total_ht=euros(total) + (f" — {PARTIAL_TOTAL}" if partial else ""),
        total_partial=partial,
    )


# Services ---------------------------------------------------------------------------------


def print_purchase_order(
    store: Store, user: User, order_id: str, settings: SiteSettings,
    now: datetime | None = None,
) -> PrintedDocument:
    """Record and render the purchase order as the order stands now (STOCK_READ); audited by
    record_document ("document imprimé", record type "order"). The returned document carries
    the `pdf`. `now` is accepted for symmetry with the other services: the print time is the
    store's, written once in the page header."""
    roles.require(user.role, Permission.STOCK_READ)
    repository.require_snapshot(store)
    with store.transaction() as cur:
        content = purchase_order_content(cur, order_id, settings)
        return record_document(cur, user.actor, KIND, RECORD_TYPE, order_id, content)


def latest_purchase_order(store: Store, order_id: str) -> PrintedDocument | None:
    for document in documents_for(store, RECORD_TYPE, order_id):
        if document.kind == KIND:
            return document
    return None


def printed_is_current(
    store: Store, order_id: str, settings: SiteSettings
) -> tuple[PrintedDocument | None, bool]:
    """The last purchase order printed for the order, and whether it still says what the order
    says now (False once the supplier confirmed, or the order was cancelled, since: print the
    new one rather than a duplicate of the old)."""
    document = latest_purchase_order(store, order_id)
    if document is None:
        return None, False
    current = purchase_order_content(store.cursor(), order_id, settings)
    stored = document.content()
    return document, canonical_json(stored.model_dump(mode="json")) == canonical_json(
        current.model_dump(mode="json"))


def reprint_purchase_order(
    store: Store, user: User, order_id: str, reason: str | None = None
) -> tuple[PrintedDocument, bytes]:
    """The last purchase order printed for the order, again, marked DUPLICATA (STOCK_READ):
    from its stored data, with or without an active snapshot."""
    roles.require(user.role, Permission.STOCK_READ)
    document = latest_purchase_order(store, order_id)
    if document is None:
        raise OrderingError(
            f"Aucun bon de commande n'a encore été imprimé pour la commande {order_id} : "
            "imprimez-le d'abord.",
            code="purchase_order_not_printed",
        )
    return document, reprint(store, user, document.document_id, reason)


# The document -----------------------------------------------------------------------------


@register_document
class PurchaseOrderDocument(DocumentRenderer):
    kind = KIND
    title = TITLE
    model = PurchaseOrderContent
    margins_mm = (14, 14, 24, 18)

    def document_title(self, data: PurchaseOrderContent) -> str:
        return f"Bon de commande {data.order_id} — {data.supplier_name}"

    def story(self, data: PurchaseOrderContent) -> list[Flowable]:
        story: list[Flowable] = [
            self.text(f"Bon de commande n° {data.order_id}", "title"),
            self.text(f"du {data.order_day} — {data.supplier_name}", "heading"),
        ]
        if data.status == OrderStatus.CANCELLED:
            story += [self.warning(data.status_note), Spacer(1, 4)]
        story += [self._parties(data), Spacer(1, 6), self._facts(data)]
        story += self.heading("Lignes de la commande")
        story.append(self._lines(data))
        story.append(Spacer(1, 4))
        story.append(self._totals(data))
        story.append(Spacer(1, 8))
        story.append(KeepTogether([self.text("Livraison et signature", "heading"),
                                   self._delivery_and_signature(data)]))
        return story

    def _parties(self, data: PurchaseOrderContent) -> Table:
        """Who orders (the site) and from whom (the supplier), side by side."""
        site = [data.pharmacy_name, data.pharmacy_address]
        if data.pharmacy_phone:
            site.append(f"Tél. : {data.pharmacy_phone}")
        if data.pharmacy_email:
            site.append(f"E-mail : {data.pharmacy_email}")
        supplier = [data.supplier_name, f"Code fournisseur : {data.supplier_id}",
                    f"E-mail : {data.supplier_email or 'non renseigné'}",
                    f"Fax : {data.supplier_fax or 'non renseigné'}",
                    f"Tél. : {data.supplier_phone or 'non renseigné'}"]
        width = self.frame_width / 2
        cells = [[self.text("Établissement (commanditaire)", "cell_header"),
                  self.text("Fournisseur", "cell_header")],
                 [self.text("\n".join(site), "cell"), self.text("\n".join(supplier), "cell")]]
        grid = Table(cells, colWidths=[width, width])
        grid.setStyle(TableStyle([
            CELL_FONT, ("BOX", (0, 0), (0, -1), 0.8, colors.black),
            ("BOX", (1, 0), (1, -1), 0.8, colors.black),
            ("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ]))
        return grid

    def _facts(self, data: PurchaseOrderContent) -> Table:
        pairs = [("N° de commande", data.order_id), ("Date", data.order_day),
                 ("Acheteur", data.buyer_name)]
        if data.status_note and data.status != OrderStatus.CANCELLED:
            pairs.append(("Statut", data.status_label))
        if data.supplier_reference:
            pairs.append(("Référence du fournisseur", data.supplier_reference))
        if data.promised_date:
            pairs.append(("Livraison promise le", data.promised_date))
        if data.note:
            pairs.append(("Note", data.note))
        return self.key_values(pairs, 0.28)

    def _lines(self, data: PurchaseOrderContent) -> Table:
        small = "small"
        rows = [
            [
                str(line.line_no),
                self.text(line.product_name, "cell"),
                self.text("\n".join(part for part in (
                    line.product_id, f"UCD {line.ucd13}" if line.ucd13 else "",
                    f"CIP13 {line.cip13}" if line.cip13 else "") if part), small),
                self.text(line.supplier_ref, small),
                line.packs,
                line.pack_size,
                line.vials,
                line.unit_price_ht,
                line.amount_ht,
            ]
            for line in data.lines
        ]
        # nine columns across a portrait page: headers in 7.5 points
        head = ParagraphStyle("po_head", parent=self.styles.cell_header, fontSize=7.5,
                              leading=9)
        grid = self.table([""] * len(HEADERS), rows, WIDTHS, align_right=(4, 5, 6, 7, 8))
        grid._cellvalues[0] = [Paragraph(escape(h), head) for h in HEADERS]
        grid.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 3),
                                  ("RIGHTPADDING", (0, 0), (-1, -1), 3)]))
        return grid

    def _totals(self, data: PurchaseOrderContent) -> Table:
        pairs = [("Lignes", str(len(data.lines))), ("Conditionnements", data.total_packs),
                 ("Flacons", data.total_vials), ("Total HT", data.total_ht)]
        width = self.frame_width
        rows = [[self.text(a, "cell_header"), self.text(b, "cell_right")] for a, b in pairs]
        grid = Table(rows, colWidths=[width * 0.22, width * 0.42], hAlign="RIGHT")
        grid.setStyle(TableStyle([
            CELL_FONT, ("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]))
        return grid

    def _delivery_and_signature(self, data: PurchaseOrderContent) -> Table:
        delivery = (f"Adresse de livraison\n{data.delivery_address}\n\n"
                    f"Commande passée par {data.buyer_name} le {data.created_at}")
        signature = "Signature et cachet\n\n\n\n\nNom : ______________________"
        width = self.frame_width / 2
        grid = Table([[self.text(delivery, "cell"), self.text(signature, "cell")]],
                     colWidths=[width, width])
        grid.setStyle(TableStyle([
            CELL_FONT, ("BOX", (0, 0), (-1, -1), 0.8, colors.black),
            ("INNERGRID", (0, 0), (-1, -1), 0.8, colors.black),
            ("VALIGN", (0, 0), (-1, -1), "TOP"), ("TOPPADDING", (0, 0), (-1, -1), 4),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 10),
        ]))
        return grid
