-- A pharmacist's request for a change (intervention) is not a refusal: it gets its own status,
-- "change_requested". DuckDB cannot alter a CHECK constraint, so the table is rebuilt (nothing
-- references it) and the interventions recorded so far move to the new status.
CREATE TABLE rx_prescriptions_v12 (
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
                                          'change_requested', 'cancelled', 'superseded')),
    dosing_json         VARCHAR NOT NULL,       -- measurements and settings the doses used
    created_at          TIMESTAMP NOT NULL,
    created_by          VARCHAR NOT NULL,
    created_by_name     VARCHAR NOT NULL,
    signed_at           TIMESTAMP,
    signed_by           VARCHAR,
    status_reason       VARCHAR,                -- why it was cancelled, rejected, …
    status_changed_at   TIMESTAMP,
    status_changed_by   VARCHAR,
    snapshot_prescription_id VARCHAR,      -- the production prescription taken over
    UNIQUE (rx_number, version_no)
);

INSERT INTO rx_prescriptions_v12 SELECT * FROM rx_prescriptions;
DROP TABLE rx_prescriptions;
ALTER TABLE rx_prescriptions_v12 RENAME TO rx_prescriptions;

UPDATE rx_prescriptions SET status = 'change_requested'
WHERE status = 'rejected' AND status_reason LIKE 'Intervention pharmaceutique : %';

-- A request key per form: the same request sent twice (a double click, a reload, the back
-- button) finds the record the first one created instead of creating a second.
CREATE TABLE request_keys (
    request_key  VARCHAR PRIMARY KEY,
    action       VARCHAR NOT NULL,   -- e.g. "prescription.draft_created"
    record_id    VARCHAR NOT NULL,   -- what the first request created
    username     VARCHAR NOT NULL,
    created_at   TIMESTAMP NOT NULL
);
