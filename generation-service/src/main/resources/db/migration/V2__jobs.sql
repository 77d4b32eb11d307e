-- generation-service schema, version 2: jobs, the work queue, results (the request cache), rate-limit state

-- A generation job: every item of the input dataset asked samples_per_item times of one teacher.
-- status: running (its tasks may be claimed; the input may still be loading) | paused | cancelled | complete | failed.
CREATE TABLE job (
    id                bigserial PRIMARY KEY,
    name              text        NOT NULL UNIQUE,
    teacher_id        bigint      NOT NULL REFERENCES teacher (id),
    input             text        NOT NULL,
    samples_per_item  int         NOT NULL,
    prompt_template   text        NOT NULL,
    system_prompt     text,
    params            jsonb       NOT NULL,
    request           jsonb       NOT NULL,
    status            text        NOT NULL,
    error             text,
    -- loading the input: the next page to read, who reads it and when it was last heard from
    loaded            boolean     NOT NULL DEFAULT false,
    input_next        text,
    item_count        bigint      NOT NULL DEFAULT 0,
    task_count        bigint      NOT NULL DEFAULT 0,
    loader            text,
    loader_seen       timestamptz,
    -- accounting, kept by the workers in the transactions that store results
    done_count        bigint      NOT NULL DEFAULT 0,
    cached_count      bigint      NOT NULL DEFAULT 0,
    failed_count      bigint      NOT NULL DEFAULT 0,
    requests          bigint      NOT NULL DEFAULT 0,
    failed_requests   bigint      NOT NULL DEFAULT 0,
    prompt_tokens     bigint      NOT NULL DEFAULT 0,
    completion_tokens bigint      NOT NULL DEFAULT 0,
    created_at        timestamptz NOT NULL DEFAULT now(),
    started_at        timestamptz,
    finished_at       timestamptz
);

-- A job's input items, each stored once however many samples it gets: the rendered prompt, and what a trace
-- keeps of the item (its id, its text, its metadata with domain, source and reference answer).
CREATE TABLE job_item (
    job_id     bigint NOT NULL REFERENCES job (id),
    item_pos   bigint NOT NULL,
    item_id    text   NOT NULL,
    item_text  text   NOT NULL,
    item_meta  jsonb  NOT NULL,
    prompt     text   NOT NULL,
    PRIMARY KEY (job_id, item_pos)
);

-- The work queue: one task per (job, item, sample) still to do or not done. state: pending | leased | failed |
-- cancelled. A task whose result is stored is deleted in the same transaction (cheaper than rewriting it: the
-- result keeps its attempts).
-- seq orders the job's samples (item position, then sample index) and is the trace dataset's cursor. Rows are
-- narrow: they are rewritten at every state change.
CREATE TABLE task (
    id            bigserial PRIMARY KEY,
    job_id        bigint      NOT NULL REFERENCES job (id),
    teacher_id    bigint      NOT NULL,
    seq           bigint      NOT NULL,
    item_pos      bigint      NOT NULL,
    sample_index  int         NOT NULL,
    cache_key     bytea       NOT NULL,
    state         text        NOT NULL DEFAULT 'pending',
    not_before    timestamptz NOT NULL DEFAULT now(),
    lease_owner   text,
    lease_until   timestamptz,
    attempts      int         NOT NULL DEFAULT 0,
    counted_failures int      NOT NULL DEFAULT 0,
    last_error    text,
    UNIQUE (job_id, seq)
);
-- Every state change rewrites a task's index entries (no HOT update is possible), so the indexes are few:
-- claims use task_claimable, lease expiry and concurrency use task_leased; a job's open tasks are counted from
-- its counters (task_count - done - failed), and a worker renews its leases by task id.
CREATE INDEX task_claimable ON task (teacher_id, job_id, id) WHERE state = 'pending';
CREATE INDEX task_leased ON task (teacher_id, lease_until) WHERE state = 'leased';

-- Stored samples, at most one per (job, item, sample) whatever crashes and retries happen. They are also
-- the request cache: a task whose cache_key some result already has is answered from it.
CREATE TABLE result (
    job_id            bigint      NOT NULL REFERENCES job (id),
    seq               bigint      NOT NULL,
    item_pos          bigint      NOT NULL,
    sample_index      int         NOT NULL,
    task_id           bigint      NOT NULL,
    cache_key         bytea       NOT NULL,
    reasoning         text        NOT NULL,
    content           text        NOT NULL,
    final_answer      text,
    finish_reason     text        NOT NULL,
    prompt_tokens     bigint      NOT NULL,
    completion_tokens bigint      NOT NULL,
    latency_ms        bigint      NOT NULL,
    attempts          int         NOT NULL,
    cached            boolean     NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job_id, seq)
);
CREATE INDEX result_cache ON result (cache_key);

-- Cluster-wide rate-limit state per teacher: token buckets for requests and tokens, refilled lazily by
-- whoever claims next. Claims lock this row, so concurrency is counted and granted one claim at a time.
CREATE TABLE teacher_quota (
    teacher_id      bigint           PRIMARY KEY REFERENCES teacher (id),
    requests_avail  double precision NOT NULL,
    tokens_avail    double precision NOT NULL,
    token_estimate  double precision NOT NULL,
    refreshed_at    timestamptz      NOT NULL DEFAULT now()
);
