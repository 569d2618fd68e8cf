"""Shared by the ordering tests (issue 14): the demo snapshot's suppliers and products that the
tests order, GS1 codes for their vials, and orders made through the service.

    store = ...; activate_demo(store)
    buyer = create_account(store, "buyer")
    order_id = make_order(store, buyer)                      # a draft from MEDILINE
    order_id = make_order(store, buyer, status="confirmed")  # sent, then confirmed
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from prescription_helpers import TODAY

from chemo_fallback.modules.ordering import orders
from chemo_fallback.modules.ordering.orders import LineRequest
from chemo_fallback.site_settings import SiteSettings

SETTINGS = SiteSettings(pharmacy_name="PUI du Centre hospitalier de test",
                        pharmacy_address="1 rue de l'Hôpital, 75000 Paris",
                        pharmacy_phone="01 00 00 00 00",
                        pharmacy_email="pui@hopital.example")
NOW = datetime.combine(TODAY, time(9, 0))
GS = "\x1d"

# Formulary pairs of the demo snapshot (supplier_products.csv).
MEDILINE = "MEDILINE"  # Médiline Hospitalier, the preferred supplier of most products
OXALI_100 = "OXALIPLATINE-100MG"  # MEDILINE: MED-617390, packs of 5, 9,50 € per vial, 2 days
FU_250 = "FLUOROURACILE-250MG"  # MEDILINE: MED-921329, packs of 5, 3,20 € per vial, 1 day
FOLINIC_100 = "ACIDE_FOLINIQUE-100MG"  # MEDILINE: MED-913426, packs of 10, 4,10 €
# Pairs that may not be ordered.
UNREFERENCED = (MEDILINE, "OXALIPLATINE-50MG")  # only GENTHERA sells it
NOT_FORMULARY = ("ONCOPHARM", "FLUOROURACILE-500MG")  # referenced, formulary N

GTINS = {  # products.csv
    OXALI_100: "03400846031744",
    FU_250: "03400269807193",
    FOLINIC_100: "03400078231561",
    "OXALIPLATINE-50MG": "03400889783228",
    "FLUOROURACILE-500MG": "03400917808923",
    "FLUOROURACILE-1000MG": "03400972996108",
}


def gtin(store, product_id: str) -> str:
    """The product's GTIN as the snapshot gives it."""
    row = store.cursor().execute(
        "SELECT gtin FROM ref.products WHERE product_id = ?", [product_id]).fetchone()
    assert row and row[0], f"{product_id} has no GTIN in the snapshot"
    return row[0]


def gs1_code(gtin_14: str, lot: str, expiry: date | str | None = "281231",
             serial: str | None = None) -> str:
    """What a keyboard-wedge scanner types for a vial's DataMatrix: GTIN, expiry (YYMMDD),
    lot, then the serial after a group separator."""
    if isinstance(expiry, date):
        expiry = expiry.strftime("%y%m%d")
    code = f"01{gtin_14}" + (f"17{expiry}" if expiry else "") + f"10{lot}"
    return code + (f"{GS}21{serial}" if serial else "")


def make_order(
    store,
    user,
    supplier_id: str = MEDILINE,
    lines: list[tuple[str, int]] | list[LineRequest] | None = None,
    *,
    status: str = "draft",
    origin: str = "manual",
    settings: SiteSettings = SETTINGS,
    now: datetime = NOW,
    supplier_reference: str = "AR-2026-001",
    promised_date: date | None = None,
) -> str:
    """An order made through the services (default: 2 packs of OXALI_100 and 1 of FU_250
    from MEDILINE), taken to `status`: draft, sent, confirmed or shipped. `user` needs
    ORDER_WRITE (the buyer)."""
    asked = lines if lines is not None else [(OXALI_100, 2), (FU_250, 1)]
    requests = [a if isinstance(a, LineRequest) else LineRequest(a[0], a[1]) for a in asked]
    order_id = orders.create_order(store, user, supplier_id, requests, origin=origin,
                                   settings=settings, now=now)
    steps = {"draft": 0, "sent": 1, "confirmed": 2, "shipped": 3}[status]
    if steps >= 1:
        orders.send_order(store, user, order_id, now=now)
    if steps >= 2:
        orders.confirm_order(store, user, order_id, supplier_reference,
                             promised_date or now.date() + timedelta(days=2), now=now)
    if steps >= 3:
        orders.mark_shipped(store, user, order_id, now=now)
    return order_id


def order_lines(store, order_id: str) -> list:
    """The order's lines (OrderLine, with received_vials)."""
    from chemo_fallback.modules.ordering import repository

    return repository.order_lines(store.cursor(), [order_id])[order_id]
