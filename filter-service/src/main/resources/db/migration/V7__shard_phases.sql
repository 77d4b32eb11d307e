-- Sharded runs in phases (FilterRunService, ShardPlan): a run's steps are cut where a step needs the whole input
-- (exact-dedup, near-dedup, a keep by topN or topFraction); each phase is worked in shards by any replica, then its
-- owner resolves the step that ends it from stored data. phase: the phase whose shards are offered (0-based);
-- phase_started_at: when they were, for the progress the view shows.
ALTER TABLE filter_run ADD COLUMN phase int NOT NULL DEFAULT 0;
ALTER TABLE filter_run ADD COLUMN phase_started_at timestamptz;

-- What a shard computed for a dedup step over the items alive before it: exact-dedup's 16-byte digest of the
-- normalised text, near-dedup's 32-bit LSH band fingerprints (4 bytes a band). Deleted when the run ends.
CREATE TABLE shard_key (
    run_id bigint NOT NULL REFERENCES filter_run (id) ON DELETE CASCADE,
    step   int    NOT NULL,
    pos    bigint NOT NULL,
    key    bytea  NOT NULL,
    PRIMARY KEY (run_id, step, pos)
);

-- The items a dedup step drops, found by its owner from shard_key, before they are written to the verdicts in one
-- transaction with the next phase's shards; a score as the in-memory run writes it (100.0, not 100). Deleted when the run ends.
CREATE TABLE dedup_drop (
    run_id bigint NOT NULL REFERENCES filter_run (id) ON DELETE CASCADE,
    step   int    NOT NULL,
    pos    bigint NOT NULL,
    reason text   NOT NULL,
    score  jsonb,
    PRIMARY KEY (run_id, step, pos)
);
