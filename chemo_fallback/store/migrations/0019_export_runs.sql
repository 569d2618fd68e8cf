-- Issue 15: the re-integration packages made (chemo_fallback/reintegration). One row per
-- export, written (audited) once its files are on disk: the period it covers, where it went,
-- what it held and the SHA-256 of its manifest. `export --since-last` starts where the last
-- one ended (its until_at). Never edited.
CREATE SEQUENCE exp_run_seq START 1;

CREATE TABLE exp_runs (
    run_id           BIGINT PRIMARY KEY DEFAULT nextval('exp_run_seq'),
    exported_at      TIMESTAMP NOT NULL,     -- the export's moment (its data is read then)
    exported_by      VARCHAR NOT NULL,       -- user name, or "cli:<system user>"
    exported_by_name VARCHAR NOT NULL,
    since_at         TIMESTAMP,              -- NULL: everything since the outage began
    until_at         TIMESTAMP NOT NULL,     -- = exported_at: what changed up to then
    since_last       BOOLEAN NOT NULL,       -- the period started at the previous export
    out_path         VARCHAR NOT NULL,       -- the package's folder
    encoding         VARCHAR NOT NULL,       -- utf-8 or windows-1252
    separator        VARCHAR NOT NULL,       -- , or ;
    counts_json      VARCHAR NOT NULL,       -- rows per file
    manifest_sha256  VARCHAR NOT NULL
);
