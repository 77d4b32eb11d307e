-- The items alive before a step that runs as a generation job (an LLM step): served as a dataset of the contract
-- at /api/v1/filter-runs/{run}/stages/{stage}, so that generation-service reads exactly those items.
CREATE TABLE stage_item (
    run_id  bigint NOT NULL REFERENCES filter_run (id) ON DELETE CASCADE,
    stage   int    NOT NULL,
    pos     bigint NOT NULL,
    item    jsonb  NOT NULL,
    PRIMARY KEY (run_id, stage, pos)
);
