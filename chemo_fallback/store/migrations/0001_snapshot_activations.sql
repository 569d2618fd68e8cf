-- Every activation attempt of a snapshot, successful or refused, with its full report.
-- Exactly one row has status 'active' once a snapshot has been activated.
CREATE SEQUENCE activation_seq START 1;

CREATE TABLE snapshot_activations (
    activation_id   BIGINT PRIMARY KEY DEFAULT nextval('activation_seq'),
    snapshot_id     VARCHAR,
    status          VARCHAR NOT NULL CHECK (status IN ('active', 'superseded', 'refused')),
    source_path     VARCHAR NOT NULL,
    source_system   VARCHAR,
    site            VARCHAR,
    exported_at     TIMESTAMP,          -- as shifted for a demo, see shift_days
    reference_file  VARCHAR,            -- file name in the data directory's reference/ folder
    demo            BOOLEAN NOT NULL DEFAULT false,
    shift_days      INTEGER NOT NULL DEFAULT 0,
    started_at      TIMESTAMP NOT NULL,
    finished_at     TIMESTAMP NOT NULL,
    report_json     VARCHAR NOT NULL
);
