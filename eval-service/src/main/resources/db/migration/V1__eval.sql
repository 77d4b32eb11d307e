-- A benchmark: its spec (how answers are compared, how many repeats, the prompt) and its items, immutable once
-- imported. A benchmark is served as a dataset of the contract; its id is the dataset's id.
CREATE TABLE benchmark (
    id              bigserial   PRIMARY KEY,
    name            text        NOT NULL UNIQUE,
    spec            text,
    answer_type     text        NOT NULL,
    repeats         int         NOT NULL,
    prompt_template text        NOT NULL,
    origin          jsonb       NOT NULL,
    item_count      int         NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE benchmark_item (
    benchmark_id bigint NOT NULL REFERENCES benchmark (id) ON DELETE CASCADE,
    pos          int    NOT NULL,
    item_id      text   NOT NULL,
    item         jsonb  NOT NULL,
    PRIMARY KEY (benchmark_id, pos),
    UNIQUE (benchmark_id, item_id)
);

-- A model under test: the generation-service teacher that serves it and the datasets it was trained on.
CREATE TABLE model (
    id          bigserial   PRIMARY KEY,
    name        text        NOT NULL UNIQUE,
    teacher     text        NOT NULL,
    trained_on  jsonb       NOT NULL,
    description text,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- An eval run: one model (or a bare teacher, for a teacher report) on one or more benchmarks.
CREATE TABLE eval_run (
    id          bigserial   PRIMARY KEY,
    name        text        NOT NULL UNIQUE,
    model       text,
    teacher     text        NOT NULL,
    request     jsonb       NOT NULL,
    status      text        NOT NULL DEFAULT 'running',
    error       text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz
);

-- One benchmark of a run: its generation job and, once scored, its metrics.
CREATE TABLE eval_result (
    run_id       bigint  NOT NULL REFERENCES eval_run (id) ON DELETE CASCADE,
    benchmark_id bigint  NOT NULL REFERENCES benchmark (id),
    job_id       bigint,
    status       text    NOT NULL DEFAULT 'running',
    metrics      jsonb,
    PRIMARY KEY (run_id, benchmark_id)
);

-- One item of a scored benchmark: how each repeat did. Written with its result's metrics in one transaction.
CREATE TABLE eval_item (
    run_id       bigint NOT NULL,
    benchmark_id bigint NOT NULL,
    pos          int    NOT NULL,
    item_id      text   NOT NULL,
    passes       int    NOT NULL,
    samples      int    NOT NULL,
    record       jsonb  NOT NULL,
    PRIMARY KEY (run_id, benchmark_id, pos),
    FOREIGN KEY (run_id, benchmark_id) REFERENCES eval_result (run_id, benchmark_id) ON DELETE CASCADE
);
