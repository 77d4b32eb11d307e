package dev.thoughtline.generation.repository;

import dev.thoughtline.generation.Job;
import dev.thoughtline.support.ItemPages;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.List;

/** Jobs: made, read, paused, resumed and cancelled, and their input loaded into the queue page by page. */
@ApplicationScoped
public class JobRepository {

    /** A job's open tasks: waiting in the queue, and leased (in flight, or answered and not yet stored). */
    public record Open(long pending, long leased) {
    }

    /** An input item to enqueue, with the cache key of each of its samples (sample i is keys[i]). */
    public record NewItem(long itemPos, String itemId, String itemText, String itemMeta, String prompt, byte[][] cacheKeys) {
    }

    private final Pool pool;

    public JobRepository(Pool pool) {
        this.pool = pool;
    }

    /** Makes the job unless one has the name; returns the job under that name either way. */
    public Uni<Job> create(String name, long teacherId, String input, int samplesPerItem, String template, String systemPrompt,
                           String params, String request) {
        return pool.preparedQuery("""
                        INSERT INTO job (name, teacher_id, input, samples_per_item, prompt_template, system_prompt, params,
                                         request, status, started_at)
                        VALUES ($1, $2, $3, $4, $5, $6, $7::text::jsonb, $8::text::jsonb, 'running', now())
                        ON CONFLICT (name) DO NOTHING""")
                .execute(Tuple.tuple(java.util.Arrays.asList(name, teacherId, input, samplesPerItem, template, systemPrompt,
                        params, request)))
                .chain(() -> findByName(name));
    }

    public Uni<Job> findByName(String name) {
        return pool.preparedQuery("SELECT " + Job.COLUMNS + " FROM job WHERE name = $1").execute(Tuple.of(name))
                .map(JobRepository::one);
    }

    public Uni<Job> find(long id) {
        return pool.preparedQuery("SELECT " + Job.COLUMNS + " FROM job WHERE id = $1").execute(Tuple.of(id))
                .map(JobRepository::one);
    }

    public Uni<List<Job>> list() {
        return pool.query("SELECT " + Job.COLUMNS + " FROM job ORDER BY id").execute().map(rows -> {
            List<Job> out = new ArrayList<>(rows.size());
            rows.forEach(r -> out.add(Job.from(r)));
            return out;
        });
    }

    /**
     * A job's open tasks. Every task ends done (a result stored) or failed, each counted once, so the open
     * ones are the rest; the leased ones are its leased tasks and the samples of its ranges not stored yet.
     */
    public Uni<Open> open(Job job) {
        long open = Math.max(0, job.taskCount() - job.done() - job.failed());
        return pool.preparedQuery("""
                        SELECT (SELECT count(*) FROM task WHERE teacher_id = $1 AND state = 'leased' AND job_id = $2)
                             + (SELECT coalesce(sum(open), 0) FROM task_range WHERE job_id = $2)""")
                .execute(Tuple.of(job.teacherId(), job.id()))
                .map(rows -> {
                    long leased = Math.min(open, rows.iterator().next().getLong(0));
                    return new Open(open - leased, leased);
                });
    }

    /** Running to paused; false when the job was not running. */
    public Uni<Boolean> pause(long id) {
        return pool.preparedQuery("UPDATE job SET status = 'paused' WHERE id = $1 AND status = 'running'")
                .execute(Tuple.of(id)).map(r -> r.rowCount() == 1);
    }

    /** Paused to running; false when the job was not paused. */
    public Uni<Boolean> resume(long id) {
        return pool.preparedQuery("UPDATE job SET status = 'running' WHERE id = $1 AND status = 'paused'")
                .execute(Tuple.of(id)).map(r -> r.rowCount() == 1);
    }

    /**
     * Cancels a running or paused job and every open task of it (leased ones too: their results will not
     * be stored, and their workers abort the requests); false when the job had already ended.
     */
    public Uni<Boolean> cancel(long id) {
        return retriedOnDeadlock(pool.withTransaction(conn -> conn.preparedQuery("""
                        UPDATE job SET status = 'cancelled', finished_at = now()
                        WHERE id = $1 AND status IN ('running', 'paused')""")
                .execute(Tuple.of(id))
                .chain(r -> r.rowCount() == 0 ? Uni.createFrom().item(false) : cancelWork(conn, id).replaceWith(true))));
    }

    /**
     * Ending a job locks its row, then its tasks and ranges; a worker's store locks ranges, then tasks, then the job
     * (store_work_once). When both meet, PostgreSQL ends one of them with a deadlock: a store keeps its outcomes and
     * tries again, and so does an ending, in a transaction of its own, instead of answering a 500.
     */
    private static <T> Uni<T> retriedOnDeadlock(Uni<T> tx) {
        return tx.onFailure(JobRepository::deadlock).retry().withBackOff(java.time.Duration.ofMillis(20), java.time.Duration.ofMillis(500))
                .withJitter(0.5).atMost(5);
    }

    static boolean deadlock(Throwable t) {
        return t instanceof io.vertx.pgclient.PgException p && ("40P01".equals(p.getSqlState()) || "40001".equals(p.getSqlState()));
    }

    /** Of {@code ids}, the jobs that are cancelled. */
    public Uni<List<Long>> cancelledAmong(Long[] ids) {
        return pool.preparedQuery("SELECT id FROM job WHERE id = ANY($1) AND status = 'cancelled'").execute(Tuple.of(ids))
                .map(rows -> {
                    List<Long> out = new ArrayList<>();
                    rows.forEach(r -> out.add(r.getLong(0)));
                    return out;
                });
    }

    /**
     * Takes the loading of a job's input for {@code loader}: when nobody loads it, or its loader has not been
     * heard from for {@code staleMs}. Returns the job and the next page to read (null: the first), or null.
     */
    public Uni<Claimed> claimLoading(long id, String loader, long staleMs) {
        return pool.preparedQuery("""
                        UPDATE job SET loader = $2, loader_seen = now()
                        WHERE id = $1 AND NOT loaded AND status IN ('running', 'paused')
                          AND (loader IS NULL OR loader = $2 OR loader_seen < now() - $3 * interval '1 millisecond')
                        RETURNING input_next""")
                .execute(Tuple.of(id, loader, staleMs))
                .chain(rows -> rows.size() == 0 ? Uni.createFrom().nullItem()
                        : find(id).map(job -> new Claimed(job, rows.iterator().next().getString(0))));
    }

    /** A job whose loading this replica holds, and where to go on. */
    public record Claimed(Job job, String next) {
    }

    /** The heartbeat of a loader: the jobs it loads are still its own. */
    public Uni<Void> touchLoading(Long[] ids, String loader) {
        return pool.preparedQuery("UPDATE job SET loader_seen = now() WHERE id = ANY($1) AND loader = $2 AND NOT loaded")
                .execute(Tuple.of(ids, loader)).replaceWithVoid();
    }

    /** A loader that stops hands its jobs over: another replica goes on loading them at its next look. */
    public Uni<Integer> releaseLoading(String loader) {
        return pool.preparedQuery("UPDATE job SET loader = NULL WHERE loader = $1 AND NOT loaded")
                .execute(Tuple.of(loader)).map(rows -> rows.rowCount());
    }

    /** Jobs whose input is not loaded and that nobody loads (or whose loader went silent). */
    public Uni<List<Long>> orphanedLoads(long staleMs) {
        return pool.preparedQuery("""
                        SELECT id FROM job WHERE NOT loaded AND status IN ('running', 'paused')
                          AND (loader IS NULL OR loader_seen < now() - $1 * interval '1 millisecond') ORDER BY id""")
                .execute(Tuple.of(staleMs))
                .map(rows -> {
                    List<Long> out = new ArrayList<>();
                    rows.forEach(r -> out.add(r.getLong(0)));
                    return out;
                });
    }

    /**
     * Enqueues one page of the input and moves the job's cursor past it, in one transaction, so a loader that
     * dies mid-way is resumed exactly. False when this loader no longer holds the job (it was taken over, or
     * the job was cancelled): nothing is written. The job's row is updated last, so that the stores, which update
     * its counters, wait for it only for the end of the transaction, not for the page's inserts.
     */
    public Uni<Boolean> enqueuePage(long jobId, long teacherId, String loader, List<NewItem> items, int samplesPerItem, String next) {
        return pool.withTransaction(conn -> (items.isEmpty() ? Uni.createFrom().voidItem() : insert(conn, jobId, teacherId, items, samplesPerItem))
                        .chain(() -> conn.preparedQuery("""
                                        UPDATE job SET input_next = $3, item_count = item_count + $4, task_count = task_count + $5,
                                                       loader_seen = now(), loaded = $6
                                        WHERE id = $1 AND loader = $2 AND status IN ('running', 'paused') AND NOT loaded""")
                                .execute(Tuple.tuple(java.util.Arrays.asList(jobId, loader, next, (long) items.size(),
                                        (long) items.size() * samplesPerItem, next == null))))
                        .chain(updated -> {
                            if (updated.rowCount() == 0) {
                                // rolls the page's inserts back
                                return Uni.createFrom().failure(new NotTheLoader());
                            }
                            return next == null ? TaskQueue.finishJobs(conn, List.of(jobId)) : Uni.createFrom().voidItem();
                        }))
                .replaceWith(true)
                .onFailure(NotTheLoader.class).recoverWithItem(false);
    }

    /** This loader no longer holds the job: the page's transaction is rolled back. */
    private static final class NotTheLoader extends RuntimeException {
        NotTheLoader() {
            super("the job is no longer this loader's", null, false, false);
        }
    }

    /**
     * Inserts a page's items, each with its samples' cache keys; the samples themselves are handed out from the
     * job's cursor as ranges (schema V7), so nothing is written per sample.
     */
    private static Uni<Void> insert(io.vertx.mutiny.sqlclient.SqlConnection conn, long jobId, long teacherId, List<NewItem> items,
                                    int k) {
        int n = items.size();
        Long[] pos = new Long[n];
        String[] itemId = new String[n];
        String[] text = new String[n];
        String[] meta = new String[n];
        String[] prompt = new String[n];
        io.vertx.core.buffer.Buffer[] keys = new io.vertx.core.buffer.Buffer[n];
        for (int i = 0; i < n; i++) {
            NewItem item = items.get(i);
            pos[i] = item.itemPos();
            itemId[i] = item.itemId();
            text[i] = item.itemText();
            meta[i] = item.itemMeta();
            prompt[i] = item.prompt();
            // the samples' keys one after the other (SHA-256: 32 bytes each), as V7's job_item.cache_keys holds them
            keys[i] = io.vertx.core.buffer.Buffer.buffer(32 * k);
            for (int s = 0; s < k; s++) {
                keys[i].appendBytes(item.cacheKeys()[s]);
            }
        }
        return conn.preparedQuery("INSERT INTO job_cursor (job_id, teacher_id) VALUES ($1, $2) ON CONFLICT (job_id) DO NOTHING")
                .execute(Tuple.of(jobId, teacherId))
                .chain(() -> conn.preparedQuery("""
                                INSERT INTO job_item (job_id, item_pos, item_id, item_text, item_meta, prompt, cache_keys)
                                SELECT $1, u.pos, u.item_id, u.text, u.meta::jsonb, u.prompt, u.keys
                                FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bytea[])
                                     AS u(pos, item_id, text, meta, prompt, keys)
                                ON CONFLICT (job_id, item_pos) DO NOTHING""")
                        .execute(Tuple.tuple(List.<Object>of(jobId, pos, itemId, text, meta, prompt, keys))))
                .replaceWithVoid();
    }

    /** Ends a job's open work: its pending and leased tasks are cancelled, its ranges and its cursor go. */
    private static Uni<Void> cancelWork(io.vertx.mutiny.sqlclient.SqlConnection conn, long jobId) {
        return conn.preparedQuery("""
                        UPDATE task SET state = 'cancelled', lease_owner = NULL, lease_until = NULL
                        WHERE job_id = $1 AND state IN ('pending', 'leased')""")
                .execute(Tuple.of(jobId))
                .chain(() -> conn.preparedQuery("""
                                DELETE FROM task_range WHERE id IN (SELECT id FROM task_range WHERE job_id = $1 ORDER BY id FOR UPDATE)""")
                        .execute(Tuple.of(jobId)))
                .chain(() -> conn.preparedQuery("DELETE FROM job_cursor WHERE job_id = $1").execute(Tuple.of(jobId)))
                .replaceWithVoid();
    }

    /** Fails a job whose input cannot be loaded; its open tasks are cancelled, so none is worked. */
    public Uni<Void> failLoading(long jobId, String reason) {
        return retriedOnDeadlock(pool.withTransaction(conn -> conn.preparedQuery("""
                        UPDATE job SET status = 'failed', error = $2, finished_at = now()
                        WHERE id = $1 AND status IN ('running', 'paused')""")
                .execute(Tuple.of(jobId, reason))
                .chain(() -> cancelWork(conn, jobId))));
    }

    /**
     * One page of a job's stored samples after {@code seq}: seq, item id, question text, item metadata (JSON),
     * sample index, and the result's columns. One row more than {@code limit} says another page follows.
     */
    public Uni<RowSet<Row>> results(long jobId, long after, int limit, long pageBytes) {
        return pool.preparedQuery(ItemPages.budgeted("""
                        SELECT r.seq AS k, i.item_id, i.item_text, i.item_meta::text, r.sample_index, r.reasoning, r.content,
                               r.final_answer, r.finish_reason, r.prompt_tokens, r.completion_tokens, r.latency_ms, r.cached, r.attempts,
                               256 + octet_length(i.item_text) + octet_length(i.item_meta::text) + octet_length(r.reasoning)
                                   + octet_length(r.content) + coalesce(octet_length(r.final_answer), 0) AS bytes
                        FROM result r JOIN job_item i ON i.job_id = r.job_id AND i.item_pos = r.item_pos
                        WHERE r.job_id = $1 AND r.seq > $2 ORDER BY r.seq LIMIT $3""", 4))
                .execute(Tuple.of(jobId, after, limit + 1, pageBytes));
    }

    /** Failed tasks of a job: item id, sample index, attempts, last error. */
    public Uni<RowSet<Row>> failures(long jobId, int limit) {
        return pool.preparedQuery("""
                        SELECT i.item_id, t.sample_index, t.attempts, t.last_error
                        FROM task t JOIN job_item i ON i.job_id = t.job_id AND i.item_pos = t.item_pos
                        WHERE t.job_id = $1 AND t.state = 'failed' ORDER BY t.seq LIMIT $2""")
                .execute(Tuple.of(jobId, limit));
    }

    /** Requests, tokens and samples per teacher over all its jobs. */
    public Uni<Row> usage(long teacherId) {
        return pool.preparedQuery("""
                        SELECT count(*), coalesce(sum(requests), 0), coalesce(sum(failed_requests), 0),
                               coalesce(sum(prompt_tokens), 0), coalesce(sum(completion_tokens), 0),
                               coalesce(sum(done_count), 0), coalesce(sum(cached_count), 0), coalesce(sum(failed_count), 0)
                        FROM job WHERE teacher_id = $1""")
                .execute(Tuple.of(teacherId)).map(rows -> rows.iterator().next());
    }

    private static Job one(RowSet<Row> rows) {
        return rows.size() == 0 ? null : Job.from(rows.iterator().next());
    }
}
