"""Supplier orders, the use cases: created (from the forecast's suggestions or by hand) for
formulary pairs of the snapshot only, edited while a draft, then sent, confirmed, shipped,
received (receiving.py) and closed, or cancelled with a reason. Every change in one transaction
with its audit record; a create with a request key happens once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from chemo_fallback import audit, request_keys
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, require
from chemo_fallback.modules.ordering import order_rules as rules
from chemo_fallback.modules.ordering import repository as repo
from chemo_fallback.modules.ordering.models import (
    Order,
    OrderingError,
    OrderLine,
    OrderStatus,
    Referencing,
)
from chemo_fallback.site_settings import SiteSettings
from chemo_fallback.store import Store

ORIGINS = ("manual", "suggestion")
NOTE_MAX = 1000


@dataclass(frozen=True)
class LineRequest:
    """One line asked for: whole packs of a product from the order's supplier; `explanation`
    is how the forecast computed the quantity (JSON text), kept with the line."""

    product_id: str
    packs: int
    explanation: str | None = None


def order_id_for(order_no: int) -> str:
    return f"CMD{order_no:06d}"


def line_id_for(order_id: str, line_no: int) -> str:
    return f"{order_id}-{line_no:02d}"


def existing_order(cur, order_id: str) -> Order:
    found = repo.order(cur, order_id)
    if found is None:
        raise OrderingError(
            f"Commande {order_id} inconnue : vérifiez le numéro (CMD suivi de 6 chiffres).",
            code="order_unknown",
        )
    return found


def _referenced_suppliers(cur, product_id: str, names: dict[str, str]) -> str:
    pairs = [r for r in repo.referencing(cur) if r.product_id == product_id and r.formulary]
    if not pairs:
        return ("aucun fournisseur ne le référence au livret : il ne peut pas être commandé "
                "ici, voyez le pharmacien responsable des achats")
    return "commandez-le chez " + " ou ".join(
        names.get(r.supplier_id, r.supplier_id) for r in pairs) + ", qui le référence au livret"


def _pair(cur, supplier_id: str, supplier_name: str, product_id: str,
          products: dict, names: dict[str, str]) -> Referencing:
    product = products.get(product_id)
    if product is None:
        raise OrderingError(
            f"Produit {product_id} inconnu de l'instantané : choisissez un produit de la liste.",
            code="order_product_unknown",
        )
    pair = repo.referenced_pair(cur, supplier_id, product_id)
    if pair is None or not pair.formulary:
        why = "n'est pas référencé chez" if pair is None else "n'est pas au livret chez"
        raise OrderingError(
            f"{product.name} ({product_id}) {why} {supplier_name} : "
            f"{_referenced_suppliers(cur, product_id, names)}.",
            code="order_pair_not_referenced",
        )
    return pair


def create_order(
    store: Store,
    user: User,
    supplier_id: str,
    lines: list[LineRequest],
    *,
    origin: str = "manual",
    note: str | None = None,
    settings: SiteSettings,
    now: datetime | None = None,
    request_key: str | None = None,
) -> str:
    """A draft order of whole packs of formulary products from one referenced supplier; the
    reference, pack size and unit price are copied from the referencing. Returns its id."""
    require(user.role, Permission.ORDER_WRITE)
    repo.require_snapshot(store)
    now = now or datetime.now()
    if origin not in ORIGINS:
        raise OrderingError(f"Origine de commande inconnue : {origin}.",
                            code="order_origin_unknown")
    note = (note or "").strip() or None
    if note is not None and len(note) > NOTE_MAX:
        raise OrderingError(f"Note trop longue ({len(note)} caractères, {NOTE_MAX} au plus).",
                            code="order_note_too_long")
    if not lines:
        raise OrderingError("Commande vide : ajoutez au moins un produit.", code="order_empty")
    address = (settings.order_delivery_address or "").strip()
    if not address:
        raise OrderingError(
            "Adresse de livraison inconnue : renseignez delivery_address ou pharmacy_address "
            "dans les réglages du site.", code="order_delivery_address_missing",
        )
    with store.transaction() as cur:
        earlier = request_keys.earlier(cur, request_key, "ordering.order_create", user.username)
        if earlier is not None:
            return earlier
        suppliers = repo.suppliers(cur)
        names = {s.supplier_id: s.name for s in suppliers.values()}
        supplier = suppliers.get(supplier_id)
        if supplier is None:
            raise OrderingError(
                f"Fournisseur {supplier_id} inconnu de l'instantané : choisissez un fournisseur "
                "de la liste.", code="order_supplier_unknown",
            )
        products = repo.products(cur)
        seen: set[str] = set()
        rows = []
        for asked in lines:
            pair = _pair(cur, supplier_id, supplier.name, asked.product_id, products, names)
            name = products[asked.product_id].name
            if asked.product_id in seen:
                raise OrderingError(
                    f"{name} figure deux fois dans la commande : regroupez les quantités sur "
                    "une seule ligne.", code="order_product_twice",
                )
            seen.add(asked.product_id)
            packs = rules.check_packs(asked.packs, name)
            rows.append((asked, pair, packs))
        order_no = repo.next_order_no(cur)
        order_id = order_id_for(order_no)
        values = {
            "order_id": order_id, "order_no": order_no, "supplier_id": supplier_id,
            "status": OrderStatus.DRAFT.value, "origin": origin, "delivery_address": address,
            "note": note, "created_at": now, "created_by": user.username,
            "created_by_name": user.display_name, "status_changed_at": now,
            "status_changed_by": user.username,
        }
        repo.insert_order(cur, values)
        recorded = []
        for line_no, (asked, pair, packs) in enumerate(rows, start=1):
            line = {
                "order_line_id": line_id_for(order_id, line_no), "order_id": order_id,
                "line_no": line_no, "product_id": asked.product_id,
                "supplier_ref": pair.supplier_ref, "pack_size": pair.pack_size, "packs": packs,
                "quantity_vials": packs * pair.pack_size, "unit_price": pair.unit_price,
                "explanation": asked.explanation,
            }
            repo.insert_order_line(cur, line)
            recorded.append({k: line[k] for k in ("order_line_id", "product_id", "supplier_ref",
                                                  "pack_size", "packs", "quantity_vials",
                                                  "unit_price")})
        audit.record(
            cur, user.actor, "ordering.order_create", "supplier_order", order_id,
            after={"order_no": order_no, "supplier_id": supplier_id, "status": "draft",
                   "origin": origin, "delivery_address": address, "note": note,
                   "lines": recorded},
        )
        request_keys.remember(cur, request_key, "ordering.order_create", user.username,
                              order_id)
    return order_id


def update_draft_line(
    store: Store,
    user: User,
    order_id: str,
    order_line_id: str,
    *,
    packs: int | None = None,
    remove: bool = False,
    now: datetime | None = None,
) -> None:
    """A draft's line: its packs changed, or removed (not the last line: cancel the order
    instead). Never once the order is sent."""
    require(user.role, Permission.ORDER_WRITE)
    repo.require_snapshot(store)
    now = now or datetime.now()
    with store.transaction() as cur:
        order = existing_order(cur, order_id)
        if order.status != OrderStatus.DRAFT:
            raise OrderingError(
                f"Commande {order_id} : {rules.label(order.status)}, ses lignes ne se modifient "
                "plus (seul un brouillon se modifie). Annulez-la et créez-en une autre.",
                code="order_not_draft",
            )
        lines = repo.order_lines(cur, [order_id])[order_id]
        line = next((li for li in lines if li.order_line_id == order_line_id), None)
        if line is None:
            raise OrderingError(f"Ligne {order_line_id} absente de la commande {order_id}.",
                                code="order_line_unknown")
        product = repo.products(cur).get(line.product_id)
        name = product.name if product else line.product_id
        before = {"order_line_id": order_line_id, "packs": line.packs,
                  "quantity_vials": line.quantity_vials}
        if remove:
            if len(lines) == 1:
                raise OrderingError(
                    f"{name} est la seule ligne de la commande {order_id} : annulez la commande "
                    "plutôt que de la vider.", code="order_last_line",
                )
            repo.delete_order_line(cur, order_line_id)
            after = {"order_line_id": order_line_id, "removed": True}
        else:
            count = rules.check_packs(packs, name)
            repo.update_order_line(cur, order_line_id, {
                "packs": count, "quantity_vials": count * line.pack_size})
            after = {"order_line_id": order_line_id, "packs": count,
                     "quantity_vials": count * line.pack_size}
        repo.update_order(cur, order_id, {"status_changed_at": now,
                                          "status_changed_by": user.username})
        audit.record(cur, user.actor, "ordering.order_line_change", "supplier_order", order_id,
                     before=before, after=after)


def _change(store: Store, user: User, order_id: str, target: str, action: str, *,
            values: dict, now: datetime, reason: str | None = None,
            check=None, reason_from: dict | None = None) -> None:
    with store.transaction() as cur:
        order = existing_order(cur, order_id)
        if check is not None:
            check(cur, order)
        rules.check_transition(order_id, order.status, target)
        if reason_from is not None:  # a reason only the check could tell (closure)
            reason = reason_from.get("reason")
            values = {**values, "status_reason": reason}
        values = {**values, "status": target, "status_changed_at": now,
                  "status_changed_by": user.username}
        repo.update_order(cur, order_id, values)
        audit.record(
            cur, user.actor, action, "supplier_order", order_id,
            before={"status": order.status},
            after={k: v for k, v in values.items()
                   if k not in ("status_changed_at", "status_changed_by")},
            reason=reason,
        )


def send_order(store: Store, user: User, order_id: str, *, now: datetime | None = None) -> None:
    """draft → sent: the buyer has sent the purchase order (e-mail, fax); it is now awaited."""
    require(user.role, Permission.ORDER_WRITE)
    repo.require_snapshot(store)
    now = now or datetime.now()
    _change(store, user, order_id, OrderStatus.SENT, "ordering.order_send",
            values={"sent_at": now, "sent_by": user.username}, now=now)


def confirm_order(store: Store, user: User, order_id: str, supplier_reference: str | None,
                  promised_date: date | None, *, now: datetime | None = None) -> None:
    """sent → confirmed: the supplier's acknowledgement, its reference and promised date."""
    require(user.role, Permission.ORDER_WRITE)
    repo.require_snapshot(store)
    now = now or datetime.now()
    reference, promised = rules.check_confirmation(supplier_reference, promised_date, now.date())
    _change(store, user, order_id, OrderStatus.CONFIRMED, "ordering.order_confirm",
            values={"confirmed_at": now, "confirmed_by": user.username,
                    "supplier_reference": reference, "promised_date": promised}, now=now)


def mark_shipped(store: Store, user: User, order_id: str, *,
                 now: datetime | None = None) -> None:
    """sent/confirmed → shipped: the supplier says the parcel left."""
    require(user.role, Permission.ORDER_WRITE)
    repo.require_snapshot(store)
    now = now or datetime.now()
    _change(store, user, order_id, OrderStatus.SHIPPED, "ordering.order_ship",
            values={"shipped_at": now, "shipped_by": user.username}, now=now)


def _no_reception(cur, order: Order) -> None:
    if repo.receptions(cur, order.order_id):
        raise OrderingError(
            f"Commande {order.order_id} : des flacons ont déjà été réceptionnés, elle ne peut "
            "plus être annulée. Clôturez-la en indiquant ce qui ne viendra pas.",
            code="order_cancel_after_reception",
        )


def cancel_order(store: Store, user: User, order_id: str, reason: str | None, *,
                 now: datetime | None = None) -> None:
    """draft/sent/confirmed/shipped → cancelled, with a reason; never once a vial came."""
    require(user.role, Permission.ORDER_WRITE)
    repo.require_snapshot(store)
    now = now or datetime.now()
    text = rules.check_reason(reason, "annuler une commande")
    _change(store, user, order_id, OrderStatus.CANCELLED, "ordering.order_cancel",
            values={"status_reason": text}, now=now, reason=text, check=_no_reception)


def close_order(store: Store, user: User, order_id: str, reason: str | None = None, *,
                now: datetime | None = None) -> None:
    """received → closed; partially_received → closed only with a reason (what will not
    come: it is no longer awaited by the forecast)."""
    require(user.role, Permission.ORDER_WRITE)
    repo.require_snapshot(store)
    now = now or datetime.now()
    found: dict[str, str | None] = {}

    def closable(cur, order: Order) -> None:
        found["reason"] = rules.check_closure(order_id, order.status, reason)

    _change(store, user, order_id, OrderStatus.CLOSED, "ordering.order_close",
            values={"closed_at": now, "closed_by": user.username}, now=now,
            check=closable, reason_from=found)


def order_with_lines(cur, order_id: str) -> tuple[Order, list[OrderLine]] | None:
    """An order and its lines (with the vials received), or None when unknown."""
    found = repo.order(cur, order_id)
    if found is None:
        return None
    return found, repo.order_lines(cur, [order_id])[order_id]


def lead_time_days(cur, order: Order, lines: list[OrderLine]) -> int | None:
    """The longest lead time of the order's lines' referencing (for Order.late)."""
    times = [r.lead_time_days for r in repo.referencing(cur)
             if r.supplier_id == order.supplier_id and r.lead_time_days is not None
             and r.product_id in {li.product_id for li in lines}]
    return max(times) if times else None


def total_amount(lines: list[OrderLine]) -> float | None:
    amounts = [li.amount for li in lines]
    return None if any(a is None for a in amounts) else sum(amounts)
