-- question-service schema, version 1

CREATE TABLE source (
    id          bigserial PRIMARY KEY,
    name        text        NOT NULL UNIQUE,
    domain      text        NOT NULL,
    origin      text        NOT NULL,
    license     text,
    description text,
    quality     double precision,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- The bulk tables (question, question_duplicate, dataset_item) carry no foreign keys: a foreign key
-- check per row halves the bulk insert rate, and nothing here is ever deleted, so they would guard nothing.

-- One row per distinct question across all sources: hash is the first 128 bits of SHA-256 of the
-- normalised text (NFKC, whitespace runs collapsed), so exact duplicates cannot be stored twice.
CREATE TABLE question (
    id          bigserial PRIMARY KEY,
    source_id   bigint      NOT NULL,
    import_id   bigint      NOT NULL,
    hash        uuid        NOT NULL,
    external_id text,
    text        text        NOT NULL,
    answer      text,
    domain      text,
    metadata    jsonb       NOT NULL DEFAULT '{}'::jsonb
);
CREATE UNIQUE INDEX question_hash_key ON question (hash);
CREATE INDEX question_source_idx ON question (source_id, id);

-- A question that was offered again (by the same or another source) and not stored twice.
CREATE TABLE question_duplicate (
    id          bigserial PRIMARY KEY,
    question_id bigint NOT NULL,
    source_id   bigint NOT NULL,
    import_id   bigint NOT NULL,
    line        bigint NOT NULL,
    external_id text
);
CREATE INDEX question_duplicate_question_idx ON question_duplicate (question_id);
CREATE INDEX question_duplicate_source_idx ON question_duplicate (source_id);

CREATE TABLE import_run (
    id          bigserial PRIMARY KEY,
    source_id   bigint      NOT NULL REFERENCES source (id),
    kind        text        NOT NULL,
    status      text        NOT NULL,
    params      text        NOT NULL,
    cursor      text,
    received    bigint      NOT NULL DEFAULT 0,
    imported    bigint      NOT NULL DEFAULT 0,
    duplicates  bigint      NOT NULL DEFAULT 0,
    rejected    bigint      NOT NULL DEFAULT 0,
    errors      text        NOT NULL DEFAULT '[]',
    failure     text,
    -- the worker allowed to write this run's progress; a resume hands the run to a new one, and a write
    -- by any other worker is refused, so an import can never be driven twice at once
    worker      uuid,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX import_run_source_idx ON import_run (source_id, id);

CREATE TABLE dataset (
    id          bigserial PRIMARY KEY,
    name        text        NOT NULL UNIQUE,
    kind        text        NOT NULL,
    status      text        NOT NULL,
    item_count  bigint      NOT NULL,
    -- the longest item line in bytes: pages are cut short so that one never exceeds its byte budget
    max_line_bytes int      NOT NULL DEFAULT 0,
    parents     text        NOT NULL,
    recipe      text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- position is the paging cursor: 1..item_count, dense, fixed when the dataset is made. A dataset is
-- immutable, so each item's NDJSON line is rendered once, when the dataset is made, and served as stored
-- (UTF-8 bytes: a page is read and sent without decoding).
CREATE TABLE dataset_item (
    dataset_id  bigint NOT NULL,
    position    bigint NOT NULL,
    question_id bigint NOT NULL,
    line        bytea  NOT NULL,
    PRIMARY KEY (dataset_id, position)
);
