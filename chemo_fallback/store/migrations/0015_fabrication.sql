-- Fabrication (issue 12): preparations with their register number (ordonnancier), the vials
-- scanned into them, and the reliquats (opened vials) kept for later preparations.
CREATE SEQUENCE fab_scan_seq START 1;
CREATE SEQUENCE fab_reliquat_seq START 1;

-- One preparation per compounded line, created when its sheet is first printed: that is when
-- it takes its register number (max of the snapshot's history and of this table, + 1, in the
-- transaction that creates it: unique, chronological, never skipped).
CREATE TABLE fab_preparations (
    preparation_id   VARCHAR PRIMARY KEY,      -- "FAB" + register number, in the barcode
    register_no      BIGINT NOT NULL UNIQUE,
    line_id          VARCHAR NOT NULL,         -- rx_lines.line_id
    prescription_id  VARCHAR NOT NULL,
    patient_id       VARCHAR NOT NULL,
    drug_id          VARCHAR NOT NULL,
    dose             DOUBLE NOT NULL,
    dose_unit        VARCHAR NOT NULL,
    planned_date     DATE NOT NULL,
    status           VARCHAR NOT NULL
                     CHECK (status IN ('sheet_printed', 'in_progress', 'prepared', 'controlled',
                                       'cancelled')),
    plan_json        VARCHAR NOT NULL,         -- the computation printed on the sheet
    expires_at       TIMESTAMP,
    replaces_id      VARCHAR,                  -- the preparation this one replaces
    created_at       TIMESTAMP NOT NULL,
    created_by       VARCHAR NOT NULL,
    started_at       TIMESTAMP,
    prepared_at      TIMESTAMP,
    prepared_by      VARCHAR,
    prepared_by_name VARCHAR,
    diluent_lot      VARCHAR,
    controlled_at    TIMESTAMP,
    controlled_by    VARCHAR,
    controlled_by_name VARCHAR,
    register_json    VARCHAR,                  -- the register entry, fixed at control
    status_reason    VARCHAR,
    status_changed_at TIMESTAMP,
    status_changed_by VARCHAR
);

CREATE TABLE fab_vial_scans (
    scan_id          BIGINT PRIMARY KEY DEFAULT nextval('fab_scan_seq'),
    preparation_id   VARCHAR NOT NULL,
    product_id       VARCHAR NOT NULL,
    gtin             VARCHAR NOT NULL,
    lot              VARCHAR NOT NULL,
    expiry           DATE NOT NULL,
    serial           VARCHAR,
    raw              VARCHAR NOT NULL,         -- what the scanner typed (HRI form)
    scanned_at       TIMESTAMP NOT NULL,
    scanned_by       VARCHAR NOT NULL
);

CREATE TABLE fab_reliquats (
    reliquat_id      BIGINT PRIMARY KEY DEFAULT nextval('fab_reliquat_seq'),
    product_id       VARCHAR NOT NULL,
    lot              VARCHAR,
    amount           DOUBLE NOT NULL,          -- still in the vial, in the drug's unit
    dose_unit        VARCHAR NOT NULL,
    opened_at        TIMESTAMP NOT NULL,
    usable_until     TIMESTAMP NOT NULL,       -- never offered at or after this moment
    source_preparation_id VARCHAR NOT NULL,
    status           VARCHAR NOT NULL CHECK (status IN ('open', 'used', 'discarded', 'kept')),
    recorded_at      TIMESTAMP NOT NULL,
    recorded_by      VARCHAR NOT NULL,
    closed_at        TIMESTAMP,
    closed_by        VARCHAR,
    close_reason     VARCHAR
);
