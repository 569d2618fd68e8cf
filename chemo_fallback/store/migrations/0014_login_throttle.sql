-- Sign-in throttling (chemo_fallback/auth/throttle.py): instead of a lock, a delay that grows
-- with the failed password checks in a row of one account (the name typed, known or not) and of
-- one client address. Bookkeeping, not a record of the fallback: not sealed (row_seals); the
-- audit trail holds the first failure of each streak and, when it ends, its count.
CREATE TABLE login_throttle (
    scope              VARCHAR NOT NULL CHECK (scope IN ('account', 'address')),
    key                VARCHAR NOT NULL,     -- the name typed (lower case), or the address
    failures           INTEGER NOT NULL,     -- in a row, sign-in and signature together
    signature_failures INTEGER NOT NULL DEFAULT 0,
    first_at           TIMESTAMP NOT NULL,
    last_at            TIMESTAMP NOT NULL,
    next_allowed_at    TIMESTAMP,            -- no attempt is checked before this moment
    addresses          VARCHAR NOT NULL DEFAULT '[]',  -- JSON list of the addresses seen
    audit_id           BIGINT,               -- the streak's first audit record
    PRIMARY KEY (scope, key)
);
