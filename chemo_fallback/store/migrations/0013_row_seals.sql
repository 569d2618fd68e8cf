-- Row seals (chemo_fallback/row_seals.py): the fingerprints of the business rows a transaction
-- changed are written into its last audit record, so that an edit of the store file outside the
-- application is named by `audit verify`. `row_seals` is only the latest fingerprint of each row
-- (a cache rebuilt from the audit trail at each start; the trail is the authority).
ALTER TABLE audit_log ADD COLUMN rows_json VARCHAR;

CREATE TABLE row_seals (
    table_name VARCHAR NOT NULL,
    row_key VARCHAR NOT NULL,
    digest VARCHAR NOT NULL,
    audit_id BIGINT NOT NULL,
    PRIMARY KEY (table_name, row_key)
);
