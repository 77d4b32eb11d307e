package dev.thoughtline.filter.repository;

import dev.thoughtline.filter.FilterRun;
import dev.thoughtline.support.ItemPages;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.List;

/** Filter runs and their verdicts in PostgreSQL. */
@ApplicationScoped
public class FilterRunRepository {

    /** A verdict row to store. */
    public record NewVerdict(long pos, String itemId, boolean kept, String droppedBy, String scores, String reasons, String item) {
    }

    private static final String COLUMNS = "id, name, input, input_kind, steps::text, status, error, item_count, kept_count, stats::text, "
            + "created_at, finished_at, shard_size, ingested, phase, phase_started_at";

    private final Pool pool;

    public FilterRunRepository(Pool pool) {
        this.pool = pool;
    }

    /** Inserts a run in {@code tx}; null when the name is taken (the caller reads the existing one). */
    public Uni<FilterRun> insert(SqlClient tx, String name, String input, String inputKind, String steps, int shardSize) {
        return tx.preparedQuery("INSERT INTO filter_run (name, input, input_kind, steps, shard_size) VALUES ($1, $2, $3, $4::text::jsonb, $5) "
                        + "ON CONFLICT (name) DO NOTHING RETURNING " + COLUMNS)
                .execute(Tuple.of(name, input, inputKind, steps, shardSize))
                .map(rows -> rows.size() == 0 ? null : run(rows.iterator().next()));
    }

    public Uni<FilterRun> byId(long id) {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM filter_run WHERE id = $1").execute(Tuple.of(id))
                .map(rows -> rows.size() == 0 ? null : run(rows.iterator().next()));
    }

    public Uni<FilterRun> byName(String name) {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM filter_run WHERE name = $1").execute(Tuple.of(name))
                .map(rows -> rows.size() == 0 ? null : run(rows.iterator().next()));
    }

    public Uni<List<FilterRun>> list() {
        return pool.query("SELECT " + COLUMNS + " FROM filter_run ORDER BY id").execute().map(FilterRunRepository::runs);
    }

    /**
     * Forgets the verdicts of a run still running (one taken over writes them again); never those of a run that
     * ended, whose output may already be served.
     */
    public Uni<Void> clearVerdicts(SqlClient tx, long runId) {
        return tx.preparedQuery("DELETE FROM verdict WHERE run_id = $1 AND EXISTS (SELECT 1 FROM filter_run WHERE id = $1 AND status = 'running')")
                .execute(Tuple.of(runId)).replaceWithVoid();
    }

    public Uni<Void> insertVerdicts(SqlClient tx, long runId, List<NewVerdict> batch) {
        Columns c = new Columns(batch);
        return tx.preparedQuery("""
                        INSERT INTO verdict (run_id, pos, item_id, kept, dropped_by, scores, reasons, item, item_bytes)
                        SELECT $1, u.pos, u.id, u.kept, u.dropped_by, u.scores::jsonb, u.reasons::jsonb, u.item::jsonb, octet_length(u.item)
                        FROM unnest($2::bigint[], $3::text[], $4::boolean[], $5::text[], $6::text[], $7::text[], $8::text[])
                             AS u(pos, id, kept, dropped_by, scores, reasons, item)""")
                .execute(Tuple.tuple(List.<Object>of(runId, c.pos, c.ids, c.kept, c.droppedBy, c.scores, c.reasons, c.items))).replaceWithVoid();
    }

    /** A batch of verdicts as one array per column, for {@code unnest}. */
    private static final class Columns {
        final Long[] pos;
        final String[] ids;
        final Boolean[] kept;
        final String[] droppedBy;
        final String[] scores;
        final String[] reasons;
        final String[] items;

        Columns(List<NewVerdict> batch) {
            int n = batch.size();
            pos = new Long[n];
            ids = new String[n];
            kept = new Boolean[n];
            droppedBy = new String[n];
            scores = new String[n];
            reasons = new String[n];
            items = new String[n];
            for (int i = 0; i < n; i++) {
                NewVerdict v = batch.get(i);
                pos[i] = v.pos();
                ids[i] = v.itemId();
                kept[i] = v.kept();
                droppedBy[i] = v.droppedBy();
                scores[i] = v.scores();
                reasons[i] = v.reasons();
                items[i] = v.item();
            }
        }
    }

    /** Completes a running run; false when it is not running (it ended before). */
    public Uni<Boolean> complete(SqlClient tx, long runId, long items, long kept, String stats) {
        return tx.preparedQuery("""
                        UPDATE filter_run SET status = 'complete', item_count = $2, kept_count = $3, stats = $4::text::jsonb,
                                              finished_at = now(), error = NULL
                        WHERE id = $1 AND status = 'running'""")
                .execute(Tuple.of(runId, items, kept, stats)).map(rows -> rows.rowCount() == 1);
    }

    /** Fails a running run; false when it is not running. */
    public Uni<Boolean> fail(SqlClient tx, long runId, String error) {
        return tx.preparedQuery("UPDATE filter_run SET status = 'failed', error = $2, finished_at = now() WHERE id = $1 AND status = 'running'")
                .execute(Tuple.of(runId, error)).map(rows -> rows.rowCount() == 1);
    }

    /** Verdicts after a position, in order ({@code keptOnly} for the output view); one more than asked, to tell if more remain. */
    /**
     * A page of a run's verdicts after {@code after}, at most {@code limit} and about {@code pageBytes} (see
     * {@link ItemPages#budgeted}); with {@code keptOnly}, the kept ones with their items (the view), else without.
     */
    public Uni<RowSet<Row>> verdicts(long runId, long after, int limit, boolean keptOnly, long pageBytes) {
        return pool.preparedQuery(ItemPages.budgeted("SELECT pos AS k, item_id, kept, dropped_by, scores::text, reasons::text, "
                        + (keptOnly ? "item::text, 64 + item_bytes + pg_column_size(scores) AS bytes " : "NULL AS item, 256 + pg_column_size(scores) + pg_column_size(reasons) AS bytes ")
                        + "FROM verdict WHERE run_id = $1 AND pos > $2" + (keptOnly ? " AND kept" : "") + " ORDER BY pos LIMIT $3", 4))
                .execute(Tuple.of(runId, after, limit + 1, pageBytes));
    }

    /** Stores the items alive before a stage (replacing an earlier try's), in {@code conn}'s transaction. */
    public Uni<Void> replaceStage(SqlClient conn, long runId, int stage, Long[] pos, String[] items) {
        return conn.preparedQuery("DELETE FROM stage_item WHERE run_id = $1 AND stage = $2")
                .execute(Tuple.of(runId, stage))
                .chain(() -> conn.preparedQuery("""
                                INSERT INTO stage_item (run_id, stage, pos, item, item_bytes)
                                SELECT $1, $2, u.pos, u.item::jsonb, octet_length(u.item) FROM unnest($3::bigint[], $4::text[]) AS u(pos, item)""")
                        .execute(Tuple.tuple(List.<Object>of(runId, stage, pos, items))))
                .replaceWithVoid();
    }

    public Uni<Long> stageCount(long runId, int stage) {
        return pool.preparedQuery("SELECT count(*) FROM stage_item WHERE run_id = $1 AND stage = $2").execute(Tuple.of(runId, stage))
                .map(rows -> rows.iterator().next().getLong(0));
    }

    /** Stage items after a position, in order, one more than asked. */
    public Uni<RowSet<Row>> stageItems(long runId, int stage, long after, int limit, long pageBytes) {
        return pool.preparedQuery(ItemPages.budgeted("SELECT pos AS k, item::text, 16 + item_bytes AS bytes FROM stage_item "
                        + "WHERE run_id = $1 AND stage = $2 AND pos > $3 ORDER BY pos LIMIT $4", 5))
                .execute(Tuple.of(runId, stage, after, limit + 1, pageBytes));
    }

    // --- sharded runs

    /**
     * The kind of work a shard is to WorkLeases; its id is the run's id shifted left by {@link #RUN_SHIFT}, its
     * phase's index shifted left by {@link #PHASE_SHIFT}, plus its own index.
     */
    public static final String SHARD = "filter-shard";
    public static final int RUN_SHIFT = 32;
    public static final int PHASE_SHIFT = 24;

    public static long shardId(long runId, int phase, long index) {
        return (runId << RUN_SHIFT) | ((long) phase << PHASE_SHIFT) | index;
    }

    /** Forgets every shard of a running run (taken over before its input was all stored): their workers write nothing more. */
    public Uni<Void> withdrawShards(SqlClient tx, long runId) {
        return tx.preparedQuery("DELETE FROM work_lease WHERE kind = $1 AND id >= $2 AND id < $3")
                .execute(Tuple.of(SHARD, runId << RUN_SHIFT, (runId + 1) << RUN_SHIFT))
                .chain(() -> tx.preparedQuery("DELETE FROM shard_key WHERE run_id = $1").execute(Tuple.of(runId)))
                .chain(() -> tx.preparedQuery("DELETE FROM dedup_drop WHERE run_id = $1").execute(Tuple.of(runId)))
                .replaceWithVoid();
    }

    /** Records that a running run's input is stored ({@code items} items) and its first phase's shards offered. */
    public Uni<Boolean> ingested(SqlClient tx, long runId, long items) {
        return tx.preparedQuery("UPDATE filter_run SET ingested = $2, phase = 0, phase_started_at = now() WHERE id = $1 AND status = 'running'")
                .execute(Tuple.of(runId, items)).map(rows -> rows.rowCount() == 1);
    }

    /** Records that a running run's phase {@code phase} has its shards offered. */
    public Uni<Boolean> advance(SqlClient tx, long runId, int phase) {
        return tx.preparedQuery("UPDATE filter_run SET phase = $2, phase_started_at = now() WHERE id = $1 AND status = 'running'")
                .execute(Tuple.of(runId, phase)).map(rows -> rows.rowCount() == 1);
    }

    /** Shards of a run's phase not worked yet (their leases remain until their verdicts are written). */
    public Uni<Long> openShards(long runId, int phase) {
        long first = shardId(runId, phase, 0);
        return pool.preparedQuery("SELECT count(*) FROM work_lease WHERE kind = $1 AND id >= $2 AND id < $3")
                .execute(Tuple.of(SHARD, first, first + (1L << PHASE_SHIFT))).map(rows -> rows.iterator().next().getLong(0));
    }

    /** The stored items of positions {@code from} to {@code to} that every step so far kept, in order: pos and the item's JSON. */
    public Uni<RowSet<Row>> shardItems(long runId, long from, long to) {
        return pool.preparedQuery("SELECT pos, item::text FROM verdict WHERE run_id = $1 AND pos BETWEEN $2 AND $3 AND kept ORDER BY pos")
                .execute(Tuple.of(runId, from, to));
    }

    /** The stored items at these positions, in order: pos and the item's JSON. */
    public Uni<RowSet<Row>> itemsAt(long runId, Long[] pos) {
        return pool.preparedQuery("SELECT pos, item::text FROM verdict WHERE run_id = $1 AND pos = ANY($2::bigint[]) ORDER BY pos")
                .execute(Tuple.of(runId, pos));
    }

    /** Stores a shard's keys for the step that ends phase {@code step}, replacing any an earlier try of the shard stored. */
    public Uni<Void> replaceKeys(SqlClient tx, long runId, int step, long from, long to, Long[] pos, io.vertx.core.buffer.Buffer[] keys) {
        return tx.preparedQuery("DELETE FROM shard_key WHERE run_id = $1 AND step = $2 AND pos BETWEEN $3 AND $4")
                .execute(Tuple.of(runId, step, from, to))
                .chain(() -> pos.length == 0 ? Uni.createFrom().voidItem() : tx.preparedQuery(
                                "INSERT INTO shard_key (run_id, step, pos, key) SELECT $1, $2, u.pos, u.key FROM unnest($3::bigint[], $4::bytea[]) AS u(pos, key)")
                        .execute(Tuple.of(runId, step, pos, keys)).replaceWithVoid());
    }

    /** Forgets the drops found for a dedup step (a resolve tried again finds them again). */
    public Uni<Void> clearDrops(long runId, int step) {
        return pool.preparedQuery("DELETE FROM dedup_drop WHERE run_id = $1 AND step = $2").execute(Tuple.of(runId, step)).replaceWithVoid();
    }

    /** Exact-dedup over stored keys: every item whose key an earlier item has is dropped as a duplicate of the first. */
    public Uni<Void> exactDrops(long runId, int step) {
        return pool.preparedQuery("""
                        INSERT INTO dedup_drop (run_id, step, pos, reason)
                        SELECT $1, $2, k.pos, 'duplicate of ' || f.item_id
                        FROM (SELECT pos, first_value(pos) OVER (PARTITION BY key ORDER BY pos) AS first
                              FROM shard_key WHERE run_id = $1 AND step = $2) k
                        JOIN verdict f ON f.run_id = $1 AND f.pos = k.first
                        WHERE k.pos <> k.first""")
                .execute(Tuple.of(runId, step)).replaceWithVoid();
    }

    /**
     * The SQL of near-dedup's buckets in one band: the positions of the items that share the band's fingerprint with
     * another ($1 run, $2 step, $3 the band's first byte, 1-based).
     */
    public static final String BUCKETS = """
            SELECT array_agg(pos) FROM shard_key WHERE run_id = $1 AND step = $2
            GROUP BY substring(key FROM $3 FOR 4) HAVING count(*) > 1""";

    /** Stores drops a dedup step found; a score as JSON (null: none). */
    public Uni<Void> insertDrops(long runId, int step, Long[] pos, String[] reasons, String[] scores) {
        return pool.preparedQuery("""
                        INSERT INTO dedup_drop (run_id, step, pos, reason, score)
                        SELECT $1, $2, u.pos, u.reason, u.score::jsonb FROM unnest($3::bigint[], $4::text[], $5::text[]) AS u(pos, reason, score)""")
                .execute(Tuple.tuple(List.<Object>of(runId, step, pos, reasons, scores))).replaceWithVoid();
    }

    /** Writes a dedup step's drops into the verdicts (in the transaction that moves the run on). */
    public Uni<Void> applyDrops(SqlClient tx, long runId, int step, String name) {
        return tx.preparedQuery("""
                        UPDATE verdict v SET kept = false, dropped_by = $3, reasons = v.reasons || jsonb_build_object($3::text, d.reason),
                               scores = CASE WHEN d.score IS NULL THEN v.scores ELSE v.scores || jsonb_build_object($3::text, d.score) END
                        FROM dedup_drop d WHERE d.run_id = $1 AND d.step = $2 AND v.run_id = $1 AND v.pos = d.pos AND v.kept""")
                .execute(Tuple.of(runId, step, name)).replaceWithVoid();
    }

    /**
     * A keep by rank over the stored scores of the items every step so far kept, as {@code Steps.keep} applies it in
     * memory: those without a score are dropped; of the rest, the first {@code topN} (or {@code ceil(topFraction × scored)})
     * by score, ties by input order, are kept.
     */
    public Uni<Void> rankKeep(SqlClient tx, long runId, String name, Integer topN, Double topFraction, boolean asc) {
        return tx.preparedQuery("""
                        WITH alive AS (SELECT pos, (scores ->> $2)::float8 AS s FROM verdict WHERE run_id = $1 AND kept),
                             n AS (SELECT COALESCE($3::bigint, ceil($4::float8 * count(s))::bigint) AS n FROM alive),
                             ranked AS (SELECT pos, row_number() OVER (ORDER BY s""" + (asc ? " ASC" : " DESC") + """
                        , pos) AS rn FROM alive WHERE s IS NOT NULL)
                        UPDATE verdict v SET kept = false, dropped_by = $2,
                               reasons = v.reasons || jsonb_build_object($2::text, 'not in the top ' || n.n || ' by score')
                        FROM ranked r, n WHERE v.run_id = $1 AND v.pos = r.pos AND r.rn > n.n AND v.kept""")
                .execute(Tuple.of(runId, name, topN == null ? null : topN.longValue(), topFraction))
                .chain(() -> tx.preparedQuery("""
                                UPDATE verdict SET kept = false, dropped_by = $2, reasons = reasons || jsonb_build_object($2::text, 'no score')
                                WHERE run_id = $1 AND kept AND NOT scores ? $2""")
                        .execute(Tuple.of(runId, name)))
                .replaceWithVoid();
    }

    /** Forgets what a run's shards stored for its dedup steps (the run is complete). */
    public Uni<Void> clearKeys(SqlClient tx, long runId) {
        return tx.preparedQuery("DELETE FROM shard_key WHERE run_id = $1").execute(Tuple.of(runId))
                .chain(() -> tx.preparedQuery("DELETE FROM dedup_drop WHERE run_id = $1").execute(Tuple.of(runId)))
                .replaceWithVoid();
    }

    /**
     * Writes a shard's verdicts of stored items, adding its steps' scores and reasons to those of earlier phases (a
     * shard worked again writes the same).
     */
    public Uni<Void> updateVerdicts(SqlClient tx, long runId, List<NewVerdict> batch) {
        Columns c = new Columns(batch);
        return tx.preparedQuery("""
                        UPDATE verdict v SET kept = u.kept, dropped_by = u.dropped_by, scores = v.scores || u.scores::jsonb,
                                             reasons = v.reasons || u.reasons::jsonb
                        FROM unnest($2::bigint[], $3::boolean[], $4::text[], $5::text[], $6::text[]) AS u(pos, kept, dropped_by, scores, reasons)
                        WHERE v.run_id = $1 AND v.pos = u.pos""")
                .execute(Tuple.tuple(List.<Object>of(runId, c.pos, c.kept, c.droppedBy, c.scores, c.reasons))).replaceWithVoid();
    }

    /** Fails a running run from outside its owner (a shard that cannot be worked); false when it is not running. */
    public Uni<Boolean> failRunning(long runId, String error) {
        return pool.withTransaction(tx -> fail(tx, runId, error));
    }

    /** How many verdicts each step dropped (null: kept), from stored verdicts. */
    public Uni<java.util.Map<String, Long>> droppedBy(long runId) {
        return pool.preparedQuery("SELECT dropped_by, count(*) FROM verdict WHERE run_id = $1 GROUP BY dropped_by").execute(Tuple.of(runId))
                .map(rows -> {
                    java.util.Map<String, Long> out = new java.util.HashMap<>();
                    rows.forEach(r -> out.put(r.getString(0), r.getLong(1)));
                    return out;
                });
    }

    /** Of the stored scores under {@code name}: how many, their least and greatest. */
    public Uni<Row> scoreRange(long runId, String name) {
        return pool.preparedQuery("""
                        SELECT count(*), min((scores ->> $2)::float8), max((scores ->> $2)::float8) FROM verdict
                        WHERE run_id = $1 AND scores ? $2""")
                .execute(Tuple.of(runId, name)).map(rows -> rows.iterator().next());
    }

    /** The stored scores under {@code name} counted in ten equal bins from {@code min} to {@code max}, as a run in memory bins them. */
    public Uni<long[]> scoreBins(long runId, String name, double min, double max) {
        return pool.preparedQuery("""
                        SELECT CASE WHEN $4::float8 = $3::float8 THEN 0
                                    ELSE least(9, floor(((scores ->> $2)::float8 - $3::float8) / ($4::float8 - $3::float8) * 10))::int END AS bin, count(*)
                        FROM verdict WHERE run_id = $1 AND scores ? $2 GROUP BY bin""")
                .execute(Tuple.of(runId, name, min, max)).map(rows -> {
                    long[] counts = new long[10];
                    rows.forEach(r -> counts[r.getInteger(0)] = r.getLong(1));
                    return counts;
                });
    }

    private static List<FilterRun> runs(RowSet<Row> rows) {
        List<FilterRun> out = new ArrayList<>();
        for (Row r : rows) {
            out.add(run(r));
        }
        return out;
    }

    private static FilterRun run(Row r) {
        return new FilterRun(r.getLong(0), r.getString(1), r.getString(2), r.getString(3), r.getString(4), r.getString(5),
                r.getString(6), r.getLong(7), r.getLong(8), r.getString(9), r.getOffsetDateTime(10), r.getOffsetDateTime(11),
                r.getInteger(12), r.getLong(13), r.getInteger(14), r.getOffsetDateTime(15));
    }
}
