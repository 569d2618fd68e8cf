-- Prescriptions made during the outage (the snapshot's own history stays in ref.prescriptions).
-- A prescription is a version: a correction past draft is a new row (version_no + 1) pointing at
-- the one it replaces; content is never edited once signed, only the status moves on, audited.
CREATE SEQUENCE rx_number_seq START 1;

CREATE TABLE rx_prescriptions (
    prescription_id     VARCHAR PRIMARY KEY,   -- "PS000012" (version 1), "PS000012-2" (version 2)
    rx_number           BIGINT NOT NULL,        -- shared by every version
    version_no          INTEGER NOT NULL,
    supersedes_id       VARCHAR,                -- the version this one corrects
    patient_id          VARCHAR NOT NULL,
    protocol_id         VARCHAR NOT NULL,
    protocol_name       VARCHAR NOT NULL,
    cycle_length_days   INTEGER NOT NULL,
    cycle_no            INTEGER NOT NULL,
    cycle_start_date    DATE NOT NULL,
    ward_id             VARCHAR,
    prescriber_staff_id VARCHAR,
    prescriber_name     VARCHAR NOT NULL,
    transcribed         BOOLEAN NOT NULL,       -- entered by a pharmacist for the prescriber
    status              VARCHAR NOT NULL
                        CHECK (status IN ('draft', 'signed', 'validated', 'rejected',
                                          'cancelled', 'superseded')),
    dosing_json         VARCHAR NOT NULL,       -- measurements and settings the doses used
    created_at          TIMESTAMP NOT NULL,
    created_by          VARCHAR NOT NULL,
    created_by_name     VARCHAR NOT NULL,
    signed_at           TIMESTAMP,
    signed_by           VARCHAR,
    status_reason       VARCHAR,                -- why it was cancelled, rejected, …
    status_changed_at   TIMESTAMP,
    status_changed_by   VARCHAR,
    UNIQUE (rx_number, version_no)
);

CREATE TABLE rx_lines (
    line_id             VARCHAR PRIMARY KEY,   -- prescription_id + "-L" + line_no
    prescription_id     VARCHAR NOT NULL,
    line_no             INTEGER NOT NULL,       -- order of administration
    protocol_line_no    INTEGER,                -- NULL: off-protocol line
    line_kind           VARCHAR NOT NULL,
    drug_id             VARCHAR,
    drug_inn            VARCHAR,
    label               VARCHAR,
    day_no              INTEGER NOT NULL,
    planned_date        DATE NOT NULL,
    route               VARCHAR,
    duration_min        DOUBLE,
    diluent             VARCHAR,
    volume_ml           DOUBLE,
    container           VARCHAR,
    dose_basis          VARCHAR NOT NULL,
    protocol_dose       DOUBLE NOT NULL,
    max_dose            DOUBLE,
    modification_pct    DOUBLE,
    modification_reason VARCHAR,
    final_dose          DOUBLE,                 -- NULL for a line without a dose (hydration)
    dose_unit           VARCHAR,
    derivation_json     VARCHAR,                -- every step of the dose engine
    off_protocol        BOOLEAN NOT NULL,
    off_protocol_reason VARCHAR,
    liste_en_sus        BOOLEAN NOT NULL,
    indication_code     VARCHAR,
    comment             VARCHAR,
    UNIQUE (prescription_id, line_no)
);

CREATE SEQUENCE note_seq START 1;

-- Notes between professionals: never edited, never deleted.
CREATE TABLE notes (
    note_id          BIGINT PRIMARY KEY DEFAULT nextval('note_seq'),
    patient_id       VARCHAR NOT NULL,
    prescription_id  VARCHAR,                  -- NULL: a note on the patient
    text             VARCHAR NOT NULL,
    written_at       TIMESTAMP NOT NULL,
    author           VARCHAR NOT NULL,
    author_name      VARCHAR NOT NULL,
    author_role      VARCHAR NOT NULL
);
