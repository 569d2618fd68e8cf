-- Issue 13: what happens to a preparation after the isolator. Its controls (gravimetric,
-- visual, analytical) and the pharmacist's release or rejection; its dispensing in a ward's
-- delivery round and the ward's reception; what was given to the patient, step by step.
CREATE SEQUENCE rel_control_seq START 1;
CREATE SEQUENCE rel_decision_seq START 1;
CREATE SEQUENCE disp_round_seq START 1;
CREATE SEQUENCE disp_item_seq START 1;
CREATE SEQUENCE adm_record_seq START 1;

-- One row per control session of a preparation (a new one after a re-weighing: never edited).
CREATE TABLE rel_controls (
    control_id        BIGINT PRIMARY KEY DEFAULT nextval('rel_control_seq'),
    preparation_id    VARCHAR NOT NULL,
    mass_measured_g   DOUBLE,                 -- NULL: no gravimetric control possible
    target_mass_g     DOUBLE,                 -- from the sheet (plan_json), copied as printed
    mass_low_g        DOUBLE,
    mass_high_g       DOUBLE,
    gravimetric_verdict VARCHAR CHECK (gravimetric_verdict IN ('within', 'out', 'not_done')),
    visual_ok         BOOLEAN NOT NULL,
    visual_comment    VARCHAR,
    analytical_method VARCHAR,                -- NULL: no analytical control
    analytical_result VARCHAR,
    analytical_conform BOOLEAN,
    controlled_at     TIMESTAMP NOT NULL,
    controlled_by     VARCHAR NOT NULL,
    controlled_by_name VARCHAR NOT NULL
);

-- The pharmacist's decision on a controlled preparation: released (signed) or rejected.
CREATE TABLE rel_decisions (
    decision_id       BIGINT PRIMARY KEY DEFAULT nextval('rel_decision_seq'),
    preparation_id    VARCHAR NOT NULL,
    control_id        BIGINT,                 -- the control the decision was made on
    decision          VARCHAR NOT NULL CHECK (decision IN ('released', 'rejected')),
    override_reason   VARCHAR,                -- released although out of tolerance: why
    reason            VARCHAR,                -- rejected: why
    pharmacist        VARCHAR NOT NULL,
    pharmacist_name   VARCHAR NOT NULL,
    decided_at        TIMESTAMP NOT NULL,
    signature_id      BIGINT
);

-- A ward's delivery round: the released preparations handed over together.
CREATE TABLE disp_rounds (
    round_id          BIGINT PRIMARY KEY DEFAULT nextval('disp_round_seq'),
    ward_id           VARCHAR NOT NULL,
    day               DATE NOT NULL,
    label             VARCHAR NOT NULL,       -- "tournée de 10 h"
    status            VARCHAR NOT NULL CHECK (status IN ('open', 'handed_over', 'received')),
    created_at        TIMESTAMP NOT NULL,
    created_by        VARCHAR NOT NULL,
    handed_over_at    TIMESTAMP,
    handed_over_by    VARCHAR,                -- who leaves the pharmacy with it (name typed)
    carried_by_name   VARCHAR,
    received_at       TIMESTAMP,              -- the whole round acknowledged by the ward
    received_by_name  VARCHAR
);

CREATE TABLE disp_items (
    item_id           BIGINT PRIMARY KEY DEFAULT nextval('disp_item_seq'),
    round_id          BIGINT NOT NULL,
    preparation_id    VARCHAR NOT NULL,
    scanned_at        TIMESTAMP NOT NULL,
    scanned_by        VARCHAR NOT NULL,
    received_at       TIMESTAMP,              -- this preparation acknowledged on the ward
    received_by       VARCHAR,
    received_by_name  VARCHAR,
    UNIQUE (preparation_id)                   -- a preparation is dispensed once
);

-- What was given, step by step of the plan; corrected by a new record, never edited.
CREATE TABLE adm_records (
    record_id         BIGINT PRIMARY KEY DEFAULT nextval('adm_record_seq'),
    prescription_id   VARCHAR NOT NULL,
    line_id           VARCHAR NOT NULL,       -- rx_lines.line_id (the step)
    patient_id        VARCHAR NOT NULL,
    planned_date      DATE NOT NULL,
    outcome           VARCHAR NOT NULL
                      CHECK (outcome IN ('given', 'partial', 'not_given', 'incident')),
    preparation_id    VARCHAR,                -- the preparation given, its label scanned
    started_at        TIMESTAMP,
    ended_at          TIMESTAMP,
    given_by_name     VARCHAR,                -- the nurse who gave it
    amount_given      VARCHAR,                -- partly given: what, as the nurse writes it
    reason            VARCHAR,                -- not given: why
    incident          VARCHAR,                -- extravasation, reaction…: what happened
    action_taken      VARCHAR,                -- and what was done
    from_paper        BOOLEAN NOT NULL,       -- entered afterwards from the signed paper plan
    entered_at        TIMESTAMP NOT NULL,
    entered_by        VARCHAR NOT NULL,
    entered_by_name   VARCHAR NOT NULL,
    replaces_id       BIGINT                  -- the record this one corrects
);
