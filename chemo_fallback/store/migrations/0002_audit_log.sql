-- The audit trail: every state change, written in the same transaction as the change.
-- Each record's hash is SHA-256 of the previous record's hash and of the record itself, so a
-- modified or removed record breaks the chain; audit_head holds the last link, so removing
-- the most recent records is detected too.
CREATE TABLE audit_log (
    audit_id     BIGINT PRIMARY KEY,      -- 1, 2, 3… without gaps
    occurred_at  TIMESTAMP NOT NULL,
    actor        VARCHAR NOT NULL,        -- user name, or "cli:<system user>" for the command line
    role         VARCHAR NOT NULL,
    action       VARCHAR NOT NULL,        -- e.g. snapshot.activated, user.created
    record_type  VARCHAR NOT NULL,
    record_id    VARCHAR,
    before_json  VARCHAR,
    after_json   VARCHAR,
    reason       VARCHAR,
    prev_hash    VARCHAR NOT NULL,
    hash         VARCHAR NOT NULL
);

CREATE TABLE audit_head (
    singleton    BOOLEAN PRIMARY KEY DEFAULT true CHECK (singleton),
    last_id      BIGINT NOT NULL,
    last_hash    VARCHAR NOT NULL
);
