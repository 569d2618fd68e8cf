-- Accounts of the fallback. Passwords are argon2id hashes; never stored in clear.
CREATE TABLE users (
    username         VARCHAR PRIMARY KEY,
    display_name     VARCHAR NOT NULL,
    role             VARCHAR NOT NULL
                     CHECK (role IN ('admin', 'prescriber', 'pharmacist', 'preparer', 'nurse', 'buyer')),
    password_hash    VARCHAR NOT NULL,
    active           BOOLEAN NOT NULL DEFAULT true,
    failed_attempts  INTEGER NOT NULL DEFAULT 0,
    locked_until     TIMESTAMP,
    staff_id         VARCHAR,            -- the person in the snapshot's staff directory, if any
    demo             BOOLEAN NOT NULL DEFAULT false,
    created_at       TIMESTAMP NOT NULL
);
