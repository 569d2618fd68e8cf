-- Issue 14: raw-material ordering. Supplier orders with their lines, and the stock movements
-- the fallback records (receptions, discards, corrections). The stock of a lot is the
-- snapshot's quantity plus these movements minus what fabrication consumed (fab_vial_scans,
-- and vials planned on printed sheets not yet scanned): computed, never stored.
CREATE SEQUENCE ord_movement_seq START 1;

-- One supplier order. order_no is sequential, order_id = "CMD" + order_no on 6 digits.
CREATE TABLE ord_orders (
    order_id          VARCHAR PRIMARY KEY,
    order_no          BIGINT NOT NULL UNIQUE,
    supplier_id       VARCHAR NOT NULL,
    status            VARCHAR NOT NULL
                      CHECK (status IN ('draft', 'sent', 'confirmed', 'shipped',
                                        'partially_received', 'received', 'closed',
                                        'cancelled')),
    origin            VARCHAR NOT NULL CHECK (origin IN ('suggestion', 'manual')),
    delivery_address  VARCHAR NOT NULL,
    note              VARCHAR,
    created_at        TIMESTAMP NOT NULL,
    created_by        VARCHAR NOT NULL,
    created_by_name   VARCHAR NOT NULL,
    sent_at           TIMESTAMP,
    sent_by           VARCHAR,
    confirmed_at      TIMESTAMP,
    confirmed_by      VARCHAR,
    supplier_reference VARCHAR,             -- the supplier's own order reference
    promised_date     DATE,                 -- delivery date promised by the supplier
    shipped_at        TIMESTAMP,
    shipped_by        VARCHAR,
    received_at       TIMESTAMP,            -- when everything ordered was received
    closed_at         TIMESTAMP,
    closed_by         VARCHAR,
    status_reason     VARCHAR,              -- cancelled, or closed with lines not received: why
    status_changed_at TIMESTAMP,
    status_changed_by VARCHAR
);

-- A line of an order: whole packs of one referenced product, copied from the referencing at
-- creation (reference, pack size, unit price), so the printed order never changes.
CREATE TABLE ord_order_lines (
    order_line_id     VARCHAR PRIMARY KEY,  -- order_id + "-" + line_no on 2 digits
    order_id          VARCHAR NOT NULL,
    line_no           BIGINT NOT NULL,
    product_id        VARCHAR NOT NULL,
    supplier_ref      VARCHAR,
    pack_size         BIGINT NOT NULL CHECK (pack_size >= 1),
    packs             BIGINT NOT NULL CHECK (packs >= 1),
    quantity_vials    BIGINT NOT NULL,      -- packs * pack_size
    unit_price        DOUBLE,               -- per vial, excluding VAT (snapshot: prix unitaire HT)
    explanation       VARCHAR,              -- how the suggested quantity was computed (JSON)
    UNIQUE (order_id, line_no)
);

-- Every change of stock the fallback records, in vials, signed (+ in, - out). Fabrication's
-- consumption is not copied here: it is read from fab_vial_scans and fab_preparations.
CREATE TABLE ord_stock_movements (
    movement_id       BIGINT PRIMARY KEY DEFAULT nextval('ord_movement_seq'),
    product_id        VARCHAR NOT NULL,
    lot               VARCHAR NOT NULL,
    expiry_date       DATE NOT NULL,
    quantity          DOUBLE NOT NULL CHECK (quantity <> 0),
    cause             VARCHAR NOT NULL CHECK (cause IN ('reception', 'discard', 'correction')),
    order_id          VARCHAR,              -- reception: the order and its line
    order_line_id     VARCHAR,
    entry             VARCHAR CHECK (entry IN ('scan', 'manual')),  -- reception: how the lot came
    gtin              VARCHAR,
    raw_scan          VARCHAR,
    reason            VARCHAR,              -- discard, correction: why (required)
    recorded_at       TIMESTAMP NOT NULL,
    recorded_by       VARCHAR NOT NULL,
    recorded_by_name  VARCHAR NOT NULL
);
