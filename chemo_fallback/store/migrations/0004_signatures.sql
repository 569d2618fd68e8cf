-- Electronic signatures (21 CFR Part 11 §11.50, EU GMP Annex 11 §14): who signed, with which
-- role, when, and what the signature means, bound to the signed record.
CREATE SEQUENCE signature_seq START 1;

CREATE TABLE signatures (
    signature_id  BIGINT PRIMARY KEY DEFAULT nextval('signature_seq'),
    username      VARCHAR NOT NULL,
    display_name  VARCHAR NOT NULL,
    role          VARCHAR NOT NULL,
    signed_at     TIMESTAMP NOT NULL,
    meaning       VARCHAR NOT NULL,     -- "validé", "libéré", …
    record_type   VARCHAR NOT NULL,
    record_id     VARCHAR NOT NULL
);
