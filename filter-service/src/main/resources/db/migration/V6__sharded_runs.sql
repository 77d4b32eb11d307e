-- Sharded runs (FilterRunService): a run whose steps each judge an item on its own, over an input of more than
-- thoughtline.runs.shard-size items, stores its input as verdict rows (kept, no scores yet) page by page, then any
-- replica works its shards (pos ranges of shard_size items, each a 'filter-shard' work_lease) and rewrites their
-- verdicts. shard_size 0: the run holds its input in memory. ingested: the input's item count once it is stored.
ALTER TABLE filter_run ADD COLUMN shard_size int NOT NULL DEFAULT 0;
ALTER TABLE filter_run ADD COLUMN ingested bigint;
