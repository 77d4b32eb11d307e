package dev.thoughtline.generation.repository;

import dev.thoughtline.generation.Outcome;
import dev.thoughtline.generation.Task;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The work queue in PostgreSQL: one task per (job, item, sample). Claims take a batch with
 * {@code FOR UPDATE SKIP LOCKED} and a lease, under the teacher's quota row, which holds its cluster-wide
 * limits: requests and tokens per minute as token buckets, and concurrency as the number of leased tasks.
 * Outcomes are stored in batches, each in one transaction; results are unique on (job, seq), so a task done
 * twice (a lease expired under a slow worker) is stored once.
 */
@ApplicationScoped
public class TaskQueue {

    /**
     * A teacher's limits as the queue applies them; null rates mean no limit.
     *
     * @param burstSeconds  a bucket holds at most this many seconds of its rate
     * @param tokenGuess    the tokens a request is assumed to cost before any has been measured
     */
    public record Limits(Integer rpm, Long tpm, int maxConcurrency, int burstSeconds, double tokenGuess) {
    }

    /** What a batch of outcomes stored: answered samples, and samples from the cache. */
    public record Stored(int answered, int fromCache) {
    }

    private final Pool pool;

    public TaskQueue(Pool pool) {
        this.pool = pool;
    }

    /**
     * Claims up to {@code want} tasks of the teacher's running jobs for {@code owner}, within the teacher's
     * limits across the cluster: leases that expired go back to the queue first, and concurrency counts every
     * replica's leased tasks. Tasks answered by the cache cost no request and no token. One statement, one
     * round trip: the work is done by the {@code claim_tasks} function (migration V3).
     */
    public Uni<List<Task>> claim(long teacherId, Limits limits, String owner, int want, long leaseMs) {
        return pool.preparedQuery("SELECT * FROM claim_tasks($1, $2, $3, $4, $5, $6, $7, $8, $9)")
                .execute(Tuple.tuple(java.util.Arrays.asList(teacherId, owner, want, leaseMs,
                        limits.rpm() == null ? null : limits.rpm().longValue(), limits.tpm(),
                        limits.maxConcurrency(), limits.burstSeconds(), limits.tokenGuess())))
                .map(rows -> {
                    List<Task> tasks = new ArrayList<>(rows.size());
                    for (Row r : rows) {
                        tasks.add(new Task(r.getLong(0), r.getLong(1), r.getLong(2), r.getLong(3), r.getInteger(4),
                                r.getString(5), r.getBuffer(6).getBytes(), r.getBoolean(7), r.getInteger(8)));
                    }
                    tasks.sort(Comparator.comparingLong(Task::id));
                    return tasks;
                });
    }

    /**
     * Extends the leases of {@code ids} that {@code owner} still holds: requests to a teacher may run for
     * minutes. Rows that a store is finishing are skipped rather than waited for (they are leaving the lease
     * anyway), so a renewal never deadlocks with the owner's own store.
     */
    public Uni<Integer> renew(String owner, Long[] ids, long leaseMs) {
        if (ids.length == 0) {
            return Uni.createFrom().item(0);
        }
        return pool.preparedQuery("""
                        UPDATE task SET lease_until = now() + $3 * interval '1 millisecond'
                        WHERE id IN (SELECT id FROM task WHERE id = ANY($1) AND lease_owner = $2 AND state = 'leased'
                                     FOR UPDATE SKIP LOCKED)""")
                .execute(Tuple.of(ids, owner, leaseMs)).map(r -> r.rowCount());
    }

    /**
     * Stores a batch of outcomes in one transaction: results (at most one per job and seq), task states,
     * the jobs' counters, the teachers' token buckets, and jobs that thereby finish.
     */
    public Uni<Stored> store(String owner, List<Outcome> outcomes, int maxAttempts) {
        List<Outcome.Answered> answered = new ArrayList<>();
        List<Outcome.FromCache> hits = new ArrayList<>();
        List<Outcome.Retry> retries = new ArrayList<>();
        List<Outcome.Failed> failures = new ArrayList<>();
        List<Outcome.Released> released = new ArrayList<>();
        Map<Long, Counters> perJob = new TreeMap<>();
        Map<Long, double[]> perTeacher = new TreeMap<>();
        for (Outcome o : outcomes) {
            Counters c = perJob.computeIfAbsent(o.task().jobId(), id -> new Counters());
            if (o instanceof Outcome.Answered a) {
                answered.add(a);
                c.requests += a.requests();
                c.promptTokens += a.promptTokens();
                c.completionTokens += a.completionTokens();
                double[] t = perTeacher.computeIfAbsent(a.teacherId(), id -> new double[2]);
                t[0] += a.requests();
                t[1] += a.promptTokens() + a.completionTokens();
            } else if (o instanceof Outcome.FromCache h) {
                hits.add(h);
            } else if (o instanceof Outcome.Retry r) {
                retries.add(r);
                c.requests += r.requests();
                c.failedRequests += r.requests();
            } else if (o instanceof Outcome.Failed f) {
                failures.add(f);
                c.requests += f.requests();
                c.failedRequests += f.requests();
            } else if (o instanceof Outcome.Released r) {
                released.add(r);
            }
        }
        return pool.withTransaction(conn -> correctBuckets(conn, perTeacher)
                .chain(() -> insertAnswered(conn, answered))
                .invoke(rows -> rows.forEach(jobId -> perJob.get(jobId).done++))
                .chain(() -> insertHits(conn, hits))
                .invoke(rows -> rows.forEach(jobId -> {
                    perJob.get(jobId).done++;
                    perJob.get(jobId).cached++;
                }))
                .chain(() -> markDone(conn, answered, hits))
                .chain(() -> retry(conn, owner, retries, maxAttempts))
                .invoke(failedJobs -> failedJobs.forEach(jobId -> perJob.get(jobId).failed++))
                .chain(() -> fail(conn, owner, failures))
                .invoke(failedJobs -> failedJobs.forEach(jobId -> perJob.get(jobId).failed++))
                .chain(() -> release(conn, owner, released))
                .chain(() -> count(conn, perJob))
                .chain(() -> finishJobs(conn, perJob.keySet())))
                .map(v -> new Stored(answered.size(), hits.size()));
    }

    /** Per-job increments of one batch. */
    private static final class Counters {
        long done;
        long cached;
        long failed;
        long requests;
        long failedRequests;
        long promptTokens;
        long completionTokens;
    }

    /**
     * Replaces the guessed cost of the batch's requests with what they cost, and moves the teacher's
     * estimate toward the measured mean. Quota rows are locked first, in teacher order, as claims lock them:
     * a claim and a store never wait for each other in opposite orders.
     */
    private static Uni<Void> correctBuckets(SqlConnection conn, Map<Long, double[]> perTeacher) {
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (Map.Entry<Long, double[]> e : perTeacher.entrySet()) {
            double requests = e.getValue()[0];
            double tokens = e.getValue()[1];
            if (requests <= 0) {
                continue;
            }
            chain = chain.chain(() -> conn.preparedQuery("""
                            UPDATE teacher_quota
                            SET tokens_avail = tokens_avail + $2 * token_estimate - $3,
                                token_estimate = 0.8 * token_estimate + 0.2 * ($3 / $2)
                            WHERE teacher_id = $1""")
                    .execute(Tuple.of(e.getKey(), requests, tokens)).replaceWithVoid());
        }
        return chain;
    }

    private static Uni<List<Long>> insertAnswered(SqlConnection conn, List<Outcome.Answered> answered) {
        if (answered.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        int n = answered.size();
        Long[] job = new Long[n];
        Long[] seq = new Long[n];
        Long[] task = new Long[n];
        io.vertx.core.buffer.Buffer[] key = new io.vertx.core.buffer.Buffer[n];
        String[] reasoning = new String[n];
        String[] content = new String[n];
        String[] answer = new String[n];
        String[] finish = new String[n];
        Long[] pt = new Long[n];
        Long[] ct = new Long[n];
        Long[] lat = new Long[n];
        for (int i = 0; i < n; i++) {
            Outcome.Answered a = answered.get(i);
            job[i] = a.task().jobId();
            seq[i] = a.task().seq();
            task[i] = a.task().id();
            key[i] = io.vertx.core.buffer.Buffer.buffer(a.task().cacheKey());
            reasoning[i] = a.reasoning();
            content[i] = a.content();
            answer[i] = a.finalAnswer();
            finish[i] = a.finishReason();
            pt[i] = a.promptTokens();
            ct[i] = a.completionTokens();
            lat[i] = a.latencyMs();
        }
        // a task someone cancelled, or finished meanwhile, gets no result from this worker
        return conn.preparedQuery("""
                        INSERT INTO result (job_id, seq, item_pos, sample_index, task_id, cache_key, reasoning, content, final_answer,
                                            finish_reason, prompt_tokens, completion_tokens, latency_ms, attempts, cached)
                        SELECT u.job_id, u.seq, t.item_pos, t.sample_index, u.task_id, u.cache_key, u.reasoning, u.content, u.answer,
                               u.finish, u.pt, u.ct, u.lat, t.attempts + 1, false
                        FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bytea[], $5::text[], $6::text[], $7::text[],
                                    $8::text[], $9::bigint[], $10::bigint[], $11::bigint[])
                             AS u(job_id, seq, task_id, cache_key, reasoning, content, answer, finish, pt, ct, lat)
                        JOIN task t ON t.id = u.task_id AND t.state IN ('leased', 'pending')
                        ON CONFLICT (job_id, seq) DO NOTHING
                        RETURNING job_id""")
                .execute(Tuple.tuple(List.<Object>of(job, seq, task, key, reasoning, content, answer, finish, pt, ct, lat)))
                .map(TaskQueue::firstLongs);
    }

    private static Uni<List<Long>> insertHits(SqlConnection conn, List<Outcome.FromCache> hits) {
        if (hits.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        Long[] task = hits.stream().map(h -> h.task().id()).toArray(Long[]::new);
        return conn.preparedQuery("""
                        INSERT INTO result (job_id, seq, item_pos, sample_index, task_id, cache_key, reasoning, content, final_answer,
                                            finish_reason, prompt_tokens, completion_tokens, latency_ms, attempts, cached)
                        SELECT t.job_id, t.seq, t.item_pos, t.sample_index, t.id, t.cache_key, s.reasoning, s.content, s.final_answer,
                               s.finish_reason, s.prompt_tokens, s.completion_tokens, s.latency_ms, t.attempts, true
                        FROM task t
                        CROSS JOIN LATERAL (SELECT * FROM result r WHERE r.cache_key = t.cache_key LIMIT 1) s
                        WHERE t.id = ANY($1) AND t.state IN ('leased', 'pending')
                        ON CONFLICT (job_id, seq) DO NOTHING
                        RETURNING job_id""")
                .execute(Tuple.of(task))
                .map(TaskQueue::firstLongs);
    }

    /** Deletes the tasks whose result is stored (this worker's, or another's): done tasks leave the queue. */
    private static Uni<Void> markDone(SqlConnection conn, List<Outcome.Answered> answered, List<Outcome.FromCache> hits) {
        if (answered.isEmpty() && hits.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        Long[] ids = java.util.stream.Stream.concat(answered.stream().map(a -> a.task().id()), hits.stream().map(h -> h.task().id()))
                .sorted().distinct().toArray(Long[]::new);
        return conn.preparedQuery("""
                        DELETE FROM task t
                        WHERE t.id = ANY($1) AND t.state IN ('leased', 'pending')
                          AND EXISTS (SELECT 1 FROM result r WHERE r.job_id = t.job_id AND r.seq = t.seq)""")
                .execute(Tuple.of((Object) ids)).replaceWithVoid();
    }

    private static Uni<List<Long>> retry(SqlConnection conn, String owner, List<Outcome.Retry> retries, int maxAttempts) {
        if (retries.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        List<Outcome.Retry> sorted = retries.stream().sorted(Comparator.comparingLong(r -> r.task().id())).toList();
        Long[] ids = sorted.stream().map(r -> r.task().id()).toArray(Long[]::new);
        Long[] delay = sorted.stream().map(Outcome.Retry::delayMs).toArray(Long[]::new);
        Integer[] counted = sorted.stream().map(r -> r.counted() ? 1 : 0).toArray(Integer[]::new);
        String[] error = sorted.stream().map(Outcome.Retry::error).toArray(String[]::new);
        return conn.preparedQuery("""
                        UPDATE task t
                        SET state = CASE WHEN t.counted_failures + u.counted >= $4 THEN 'failed' ELSE 'pending' END,
                            not_before = now() + u.delay * interval '1 millisecond',
                            attempts = t.attempts + 1, counted_failures = t.counted_failures + u.counted,
                            last_error = u.error, lease_owner = NULL, lease_until = NULL
                        FROM unnest($1::bigint[], $2::bigint[], $3::int[], $5::text[]) AS u(id, delay, counted, error)
                        WHERE t.id = u.id AND t.state = 'leased' AND t.lease_owner = $6
                        RETURNING t.job_id, t.state""")
                .execute(Tuple.of(ids, delay, counted, maxAttempts, error, owner))
                .map(rows -> {
                    List<Long> failed = new ArrayList<>();
                    for (Row r : rows) {
                        if ("failed".equals(r.getString(1))) {
                            failed.add(r.getLong(0));
                        }
                    }
                    return failed;
                });
    }

    private static Uni<List<Long>> fail(SqlConnection conn, String owner, List<Outcome.Failed> failures) {
        if (failures.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        List<Outcome.Failed> sorted = failures.stream().sorted(Comparator.comparingLong(f -> f.task().id())).toList();
        Long[] ids = sorted.stream().map(f -> f.task().id()).toArray(Long[]::new);
        String[] error = sorted.stream().map(Outcome.Failed::error).toArray(String[]::new);
        return conn.preparedQuery("""
                        UPDATE task t SET state = 'failed', attempts = t.attempts + 1, last_error = u.error,
                                          lease_owner = NULL, lease_until = NULL
                        FROM unnest($1::bigint[], $2::text[]) AS u(id, error)
                        WHERE t.id = u.id AND t.state = 'leased' AND t.lease_owner = $3
                        RETURNING t.job_id""")
                .execute(Tuple.of(ids, error, owner))
                .map(TaskQueue::firstLongs);
    }

    private static Uni<Void> release(SqlConnection conn, String owner, List<Outcome.Released> released) {
        if (released.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        Long[] ids = released.stream().map(r -> r.task().id()).sorted().toArray(Long[]::new);
        return conn.preparedQuery("""
                        UPDATE task SET state = 'pending', lease_owner = NULL, lease_until = NULL
                        WHERE id = ANY($1) AND state = 'leased' AND lease_owner = $2""")
                .execute(Tuple.of(ids, owner)).replaceWithVoid();
    }

    private static Uni<Void> count(SqlConnection conn, Map<Long, Counters> perJob) {
        int n = perJob.size();
        Long[] ids = new Long[n];
        Long[] done = new Long[n];
        Long[] cached = new Long[n];
        Long[] failed = new Long[n];
        Long[] requests = new Long[n];
        Long[] failedRequests = new Long[n];
        Long[] pt = new Long[n];
        Long[] ct = new Long[n];
        int i = 0;
        for (Map.Entry<Long, Counters> e : perJob.entrySet()) {
            Counters c = e.getValue();
            ids[i] = e.getKey();
            done[i] = c.done;
            cached[i] = c.cached;
            failed[i] = c.failed;
            requests[i] = c.requests;
            failedRequests[i] = c.failedRequests;
            pt[i] = c.promptTokens;
            ct[i] = c.completionTokens;
            i++;
        }
        return conn.preparedQuery("""
                        UPDATE job j SET done_count = j.done_count + u.done, cached_count = j.cached_count + u.cached,
                               failed_count = j.failed_count + u.failed, requests = j.requests + u.requests,
                               failed_requests = j.failed_requests + u.failed_requests,
                               prompt_tokens = j.prompt_tokens + u.pt, completion_tokens = j.completion_tokens + u.ct
                        FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[],
                                    $7::bigint[], $8::bigint[]) AS u(id, done, cached, failed, requests, failed_requests, pt, ct)
                        WHERE j.id = u.id""")
                .execute(Tuple.tuple(List.<Object>of(ids, done, cached, failed, requests, failedRequests, pt, ct))).replaceWithVoid();
    }

    /**
     * Jobs whose input is loaded and whose every task is done or failed finish: complete when at least one
     * sample is stored, failed (with a failed task's error) when none is. Each task is counted once, as done
     * or as failed, in the transaction that settles it, so the counters say when nothing is left.
     */
    public static Uni<Void> finishJobs(SqlConnection conn, java.util.Collection<Long> jobs) {
        if (jobs.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return conn.preparedQuery("""
                        UPDATE job j
                        SET status = CASE WHEN j.done_count = 0 AND j.task_count > 0 THEN 'failed' ELSE 'complete' END,
                            error = CASE WHEN j.done_count = 0 AND j.task_count > 0
                                         THEN 'every sample failed; the last error: '
                                              || coalesce((SELECT t.last_error FROM task t WHERE t.job_id = j.id AND t.state = 'failed'
                                                           ORDER BY t.seq DESC LIMIT 1), 'unknown')
                                         ELSE j.error END,
                            finished_at = now()
                        WHERE j.id = ANY($1) AND j.status IN ('running', 'paused') AND j.loaded
                          AND j.done_count + j.failed_count >= j.task_count""")
                .execute(Tuple.of(jobs.stream().sorted().toArray(Long[]::new))).replaceWithVoid();
    }

    /** Pending tasks of running jobs per teacher: the autoscaling signal. */
    public Uni<Map<Long, Long>> pendingPerTeacher() {
        return pool.query("""
                        SELECT t.teacher_id, count(*) FROM task t JOIN job j ON j.id = t.job_id
                        WHERE t.state = 'pending' AND j.status = 'running' GROUP BY t.teacher_id""")
                .execute()
                .map(rows -> {
                    Map<Long, Long> out = new HashMap<>();
                    for (Row r : rows) {
                        out.put(r.getLong(0), r.getLong(1));
                    }
                    return out;
                });
    }

    private static List<Long> firstLongs(io.vertx.mutiny.sqlclient.RowSet<Row> rows) {
        List<Long> out = new ArrayList<>(rows.size());
        for (Row r : rows) {
            out.add(r.getLong(0));
        }
        return out;
    }
}
