-- Pharmaceutical validation: every decision on a prescription (with the findings seen and the
-- overrides given at that moment), and the clinical team's day-of "feu vert".
CREATE SEQUENCE validation_decision_seq START 1;

CREATE TABLE validation_decisions (
    decision_id        BIGINT PRIMARY KEY DEFAULT nextval('validation_decision_seq'),
    prescription_id    VARCHAR NOT NULL,
    decision           VARCHAR NOT NULL
                       CHECK (decision IN ('first_check', 'validated', 'rejected', 'intervention')),
    pharmacist         VARCHAR NOT NULL,
    pharmacist_name    VARCHAR NOT NULL,
    decided_at         TIMESTAMP NOT NULL,
    reason             VARCHAR,              -- rejection reason or intervention text
    intervention_code  VARCHAR,              -- SFPC problem code of an intervention
    findings_json      VARCHAR NOT NULL,     -- every finding shown when deciding
    overrides_json     VARCHAR NOT NULL,     -- blocking findings accepted, with their reasons
    signature_id       BIGINT
);

CREATE SEQUENCE go_ahead_seq START 1;

CREATE TABLE go_aheads (
    go_ahead_id      BIGINT PRIMARY KEY DEFAULT nextval('go_ahead_seq'),
    prescription_id  VARCHAR NOT NULL,
    day_no           INTEGER NOT NULL,
    planned_date     DATE NOT NULL,
    given_by         VARCHAR NOT NULL,       -- who in the clinical team said the patient is fit
    given_at         TIMESTAMP NOT NULL,
    recorded_by      VARCHAR NOT NULL,
    recorded_by_name VARCHAR NOT NULL,
    recorded_at      TIMESTAMP NOT NULL,
    comment          VARCHAR
);
