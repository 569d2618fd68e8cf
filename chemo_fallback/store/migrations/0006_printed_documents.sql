-- Printed documents, stored as the data they were rendered from (page header and content, as
-- canonical JSON with its SHA-256), so that a reprint renders the very same PDF. The id is taken
-- from the sequence before the data is built, because the document number is printed on it.
CREATE SEQUENCE printed_document_seq START 1;
CREATE SEQUENCE document_print_seq START 1;

CREATE TABLE printed_documents (
    document_id      BIGINT PRIMARY KEY,
    kind             VARCHAR NOT NULL,      -- the renderer, e.g. "fabrication_sheet"
    record_type      VARCHAR NOT NULL,      -- what the document is about, e.g. "prescription"
    record_id        VARCHAR NOT NULL,
    data_json        VARCHAR NOT NULL,
    data_sha256      VARCHAR NOT NULL,
    printed_at       TIMESTAMP NOT NULL,    -- first print
    printed_by       VARCHAR NOT NULL,      -- username
    printed_by_name  VARCHAR NOT NULL,
    printed_by_role  VARCHAR NOT NULL       -- French label, as printed
);

-- Every print and reprint of a stored document, so each paper copy can be traced.
CREATE TABLE document_prints (
    print_id     BIGINT PRIMARY KEY DEFAULT nextval('document_print_seq'),
    document_id  BIGINT NOT NULL REFERENCES printed_documents (document_id),
    printed_at   TIMESTAMP NOT NULL,
    username     VARCHAR NOT NULL,
    is_reprint   BOOLEAN NOT NULL,
    reason       VARCHAR                -- why a copy was reprinted, when given
);
