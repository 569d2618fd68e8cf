-- Row seals: a cheap per-row hash beside each fingerprint, so that a commit computes SHA-256
-- fingerprints only for the rows whose cheap hash moved (row_seals.py). Rebuilt at each start
-- (DuckDB's hash() is only compared within one process).
ALTER TABLE row_seals ADD COLUMN quick UBIGINT;
