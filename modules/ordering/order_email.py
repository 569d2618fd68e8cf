"""The e-mail text of a supplier order, in French, ready to paste into the site's mail client:
the app sends nothing (no network). To the supplier's e-mail address (none: say so, and give
its fax number), subject "Commande CMD000001 — <pharmacy>", the lines (product, supplier's
reference, packs × pack size), the delivery address, the contact, "bon de commande joint"."""

from __future__ import annotations

from dataclasses import dataclass

from chemo_fallback import french
from chemo_fallback.modules.ordering import repository
from chemo_fallback.modules.ordering.models import OrderingError, OrderStatus
from chemo_fallback.site_settings import SiteSettings


@dataclass(frozen=True)
class OrderEmail:
    to: str  # the address, or the French sentence saying there is none (and the fax)
    subject: str
    body: str
    has_address: bool = True


def _packs(packs: int, pack_size: int) -> str:
    """"2 conditionnements × 5 flacons = 10 flacons"; sold by the vial: "3 flacons (à l'unité)"."""
    vials = packs * pack_size
    if pack_size == 1:
        return f"{french.number(vials, 0)} flacon{'s' if vials > 1 else ''} (à l'unité)"
    return (f"{french.number(packs, 0)} conditionnement{'s' if packs > 1 else ''} × "
            f"{french.number(pack_size, 0)} flacons = {french.number(vials, 0)} flacons")


def order_email(cur, order_id: str, settings: SiteSettings) -> OrderEmail:
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
    name = supplier.name if supplier else order.supplier_id
    email = (supplier.email or "").strip() if supplier else ""
    fax = (supplier.fax or "").strip() if supplier else ""
    if email:
        to, has_address = email, True
    else:
        to = f"Pas d'adresse e-mail connue pour {name} : envoyez le bon de commande par fax " + (
            f"au {fax}." if fax else "(aucun numéro de fax connu non plus : téléphonez au "
            f"{(supplier.phone or 'numéro non renseigné') if supplier else 'numéro inconnu'}).")
        has_address = False
    subject = f"Commande {order.order_id} — {settings.pharmacy_name}"
    body = [
        "Madame, Monsieur,",
        "",
        f"Veuillez trouver ci-joint notre bon de commande n° {order.order_id} du "
        f"{french.day(order.created_at)} ({len(lines)} ligne{'s' if len(lines) > 1 else ''}) :",
        "",
    ]
    if order.status == OrderStatus.CANCELLED:
        body[2:2] = [f"ATTENTION : CETTE COMMANDE EST ANNULÉE. Motif : "
                     f"{order.status_reason or 'non précisé'}. Ne pas livrer.", ""]
    for line in lines:
        product = products.get(line.product_id)
        product_name = product.name if product else line.product_id
        reference = line.supplier_ref or "sans référence fournisseur"
        body.append(f"- {product_name} (réf. {reference}, notre code {line.product_id}) : "
                    f"{_packs(line.packs, line.pack_size)}")
    body += [
        "",
        "Adresse de livraison :",
        order.delivery_address,
        "",
        "Merci de nous confirmer la commande par retour, avec votre référence et la date de "
        "livraison prévue.",
        "",
        "Contact :",
        f"{order.created_by_name} — {settings.pharmacy_name}",
    ]
    if settings.pharmacy_phone:
        body.append(f"Tél. : {settings.pharmacy_phone}")
    if settings.pharmacy_email:
        body.append(f"E-mail : {settings.pharmacy_email}")
    body += ["", "Pièce jointe : bon de commande joint (PDF).", "", "Cordialement,",
             order.created_by_name]
    return OrderEmail(to=to, subject=subject, body="\n".join(body), has_address=has_address)
