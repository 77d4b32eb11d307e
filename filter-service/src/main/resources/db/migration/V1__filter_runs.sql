-- A filter run: its request as given, its state, and per-step counts and score histograms once it has run.
CREATE TABLE filter_run (
    id           bigserial   PRIMARY KEY,
    name         text        NOT NULL UNIQUE,
    input        text        NOT NULL,
    input_kind   text,
    steps        jsonb       NOT NULL,
    status       text        NOT NULL DEFAULT 'running',
    error        text,
    item_count   bigint      NOT NULL DEFAULT 0,
    kept_count   bigint      NOT NULL DEFAULT 0,
    stats        jsonb,
    created_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz
);

-- One verdict per input item, in input order: kept or dropped (by which step, why), its scores, and the upstream
-- item itself, which the run's output view serves with its scores.
CREATE TABLE verdict (
    run_id      bigint  NOT NULL REFERENCES filter_run (id) ON DELETE CASCADE,
    pos         bigint  NOT NULL,
    item_id     text    NOT NULL,
    kept        boolean NOT NULL,
    dropped_by  text,
    scores      jsonb   NOT NULL,
    reasons     jsonb   NOT NULL,
    item        jsonb   NOT NULL,
    PRIMARY KEY (run_id, pos)
);
CREATE INDEX verdict_kept ON verdict (run_id, pos) WHERE kept;
