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
     * round trip: the work is done by the {@code claim_tasks} function (migrations V4 to V6).
     *
     * @param paidRequests requests this owner got answered since its last claim, each charged the teacher's
     *                     token estimate when claimed
     * @param paidTokens   the tokens those requests really cost: the bucket is corrected by the difference
     * @param answered     this owner's tasks of the teacher whose requests ended but whose outcomes are not stored
     *                     yet: leased still, but not in flight, so not counted against the concurrency limit
     */
    public Uni<List<Task>> claim(long teacherId, Limits limits, String owner, int want, long leaseMs, long paidRequests, long paidTokens,
                                 Long[] answered) {
        return pool.preparedQuery("SELECT * FROM claim_tasks($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)")
                .execute(Tuple.tuple(java.util.Arrays.asList(teacherId, owner, want, leaseMs,
                        limits.rpm() == null ? null : limits.rpm().longValue(), limits.tpm(),
                        limits.maxConcurrency(), limits.burstSeconds(), limits.tokenGuess(), paidRequests, paidTokens, answered)))
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
     * Stores a batch of outcomes in one round trip and one transaction (the {@code store_outcomes} function,
     * migration V4): results (at most one per job and seq), task states, the jobs' counters, and jobs that
     * thereby finish. The teachers' token buckets are not touched here: what requests really cost is handed to
     * the next claim (see {@link #claim}), so that a store never holds the row every claim locks.
     */
    public Uni<Stored> store(String owner, List<Outcome> outcomes, int maxAttempts) {
        List<Outcome.Answered> answered = new ArrayList<>();
        List<Outcome.Retry> retries = new ArrayList<>();
        List<Outcome.Failed> failures = new ArrayList<>();
        List<Long> hits = new ArrayList<>();
        List<Long> released = new ArrayList<>();
        // per job: requests, failed requests, prompt tokens, completion tokens
        Map<Long, long[]> perJob = new TreeMap<>();
        // in task order, so that two replicas settling the same tasks (a lease expired under a slow worker) lock
        // their rows in the same order
        List<Outcome> inOrder = outcomes.stream().sorted(Comparator.comparingLong(o -> o.task().id())).toList();
        for (Outcome o : inOrder) {
            long[] c = perJob.computeIfAbsent(o.task().jobId(), id -> new long[4]);
            if (o instanceof Outcome.Answered x) {
                answered.add(x);
                c[0] += x.requests();
                c[2] += x.promptTokens();
                c[3] += x.completionTokens();
            } else if (o instanceof Outcome.FromCache) {
                hits.add(o.task().id());
            } else if (o instanceof Outcome.Retry x) {
                retries.add(x);
                c[0] += x.requests();
                c[1] += x.requests();
            } else if (o instanceof Outcome.Failed x) {
                failures.add(x);
                c[0] += x.requests();
                c[1] += x.requests();
            } else if (o instanceof Outcome.Released) {
                released.add(o.task().id());
            }
        }
        List<Object> args = new ArrayList<>(23);
        args.add(owner);
        args.add(maxAttempts);
        args.add(column(answered, x -> x.task().id(), Long[]::new));
        args.add(column(answered, Outcome.Answered::reasoning, String[]::new));
        args.add(column(answered, Outcome.Answered::content, String[]::new));
        args.add(column(answered, Outcome.Answered::finalAnswer, String[]::new));
        args.add(column(answered, Outcome.Answered::finishReason, String[]::new));
        args.add(column(answered, Outcome.Answered::promptTokens, Long[]::new));
        args.add(column(answered, Outcome.Answered::completionTokens, Long[]::new));
        args.add(column(answered, Outcome.Answered::latencyMs, Long[]::new));
        args.add(hits.toArray(Long[]::new));
        args.add(column(retries, x -> x.task().id(), Long[]::new));
        args.add(column(retries, Outcome.Retry::delayMs, Long[]::new));
        args.add(column(retries, x -> x.counted() ? 1 : 0, Integer[]::new));
        args.add(column(retries, Outcome.Retry::error, String[]::new));
        args.add(column(failures, x -> x.task().id(), Long[]::new));
        args.add(column(failures, Outcome.Failed::error, String[]::new));
        args.add(released.toArray(Long[]::new));
        List<Map.Entry<Long, long[]>> jobs = List.copyOf(perJob.entrySet());
        args.add(column(jobs, Map.Entry::getKey, Long[]::new));
        for (int k = 0; k < 4; k++) {
            int field = k;
            args.add(column(jobs, e -> e.getValue()[field], Long[]::new));
        }
        return pool.preparedQuery("SELECT * FROM store_outcomes($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, "
                        + "$15, $16, $17, $18, $19, $20, $21, $22, $23)")
                .execute(Tuple.tuple(args))
                .map(rows -> {
                    Row row = rows.iterator().next();
                    return new Stored(row.getInteger(0), row.getInteger(1));
                });
    }

    private static <T, V> V[] column(List<T> rows, java.util.function.Function<T, V> field, java.util.function.IntFunction<V[]> array) {
        V[] out = array.apply(rows.size());
        for (int i = 0; i < out.length; i++) {
            out[i] = field.apply(rows.get(i));
        }
        return out;
    }

    /**
     * Jobs whose input is loaded and whose every task is done or failed finish (the {@code finish_jobs}
     * function, migration V4: complete when at least one sample is stored, failed with a failed task's error
     * when none is).
     */
    public static Uni<Void> finishJobs(SqlConnection conn, java.util.Collection<Long> jobs) {
        if (jobs.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return conn.preparedQuery("SELECT finish_jobs($1)")
                .execute(Tuple.of(jobs.stream().sorted().toArray(Long[]::new))).replaceWithVoid();
    }

    /**
     * Vacuums the task table, unless another session is vacuuming it already (SKIP_LOCKED): settled tasks'
     * dead index entries go, and claims stop walking them.
     */
    public Uni<Void> vacuum() {
        return pool.query("VACUUM (SKIP_LOCKED) task").execute().replaceWithVoid();
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
}
