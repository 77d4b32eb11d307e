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

/**
 * The work queue in PostgreSQL. A job's fresh samples are handed out in seq order as ranges, one row per claim
 * with a lease; a sample gets a task row of its own only when it must be tried again, fails, or its range's
 * lease expires (schema V7). Claims run under the teacher's quota row, which holds its cluster-wide limits:
 * requests and tokens per minute as token buckets, and concurrency as the samples leased and not yet answered.
 * Outcomes are stored in batches, each in one transaction; results are unique on (job, seq), so a sample done
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

    /**
     * A claimer's ranges of a teacher, and for each how many of its samples are no longer in flight at the claimer
     * (answered, stored or not, or aborted).
     */
    public record RangeCounts(Long[] ids, Integer[] answered) {
    }

    /** What a batch of outcomes stored: answered samples, and samples from the cache. */
    public record Stored(int answered, int fromCache) {
    }

    /** store_work_once's call: its 46 arguments as they are added in {@link #store}. */
    private static final String STORE_WORK = java.util.stream.IntStream.rangeClosed(1, 46).mapToObj(k -> "$" + k)
            .collect(java.util.stream.Collectors.joining(", ", "SELECT * FROM store_work_once(", ")"));

    private final Pool pool;

    public TaskQueue(Pool pool) {
        this.pool = pool;
    }

    /**
     * Claims up to {@code want} tasks of the teacher's running jobs for {@code owner}, within the teacher's
     * limits across the cluster: leases that expired go back to the queue first, and concurrency counts every
     * replica's leased tasks and ranges. Tasks answered by the cache cost no request and no token. One statement,
     * one round trip: the work is done by the {@code claim_work} function (migration V7): task rows first, then
     * fresh samples as ranges. The tasks come back in job and seq order.
     *
     * @param paidRequests   requests this owner got answered since its last claim, each charged the teacher's
     *                       token estimate when claimed
     * @param paidTokens     the tokens those requests really cost: the bucket is corrected by the difference
     * @param answered       this owner's task rows of the teacher whose requests ended but whose outcomes are not
     *                       stored yet: leased still, but not in flight, so not counted against the concurrency limit
     * @param ranges         this owner's ranges of the teacher that it still tracks; a range it does not name
     *                       counts every sample not stored yet
     */
    public Uni<List<Task>> claim(long teacherId, Limits limits, String owner, int want, long leaseMs, long paidRequests, long paidTokens,
                                 Long[] answered, RangeCounts ranges) {
        return pool.preparedQuery("SELECT * FROM claim_work($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)")
                .execute(Tuple.tuple(java.util.Arrays.asList(teacherId, owner, want, leaseMs,
                        limits.rpm() == null ? null : limits.rpm().longValue(), limits.tpm(),
                        limits.maxConcurrency(), limits.burstSeconds(), limits.tokenGuess(), paidRequests, paidTokens, answered,
                        ranges.ids(), ranges.answered())))
                .map(rows -> {
                    List<Task> tasks = new ArrayList<>(rows.size());
                    for (Row r : rows) {
                        tasks.add(new Task(r.getLong(0), r.getLong(1), r.getLong(2), r.getLong(3), r.getInteger(4),
                                r.getString(5), r.getBuffer(6).getBytes(), r.getBoolean(7), r.getInteger(8)));
                    }
                    tasks.sort(Comparator.comparingLong(Task::jobId).thenComparingLong(Task::seq));
                    return tasks;
                });
    }

    /**
     * Extends the leases of the tasks and ranges ({@code ids}: a ranged sample's id names its range) that
     * {@code owner} still holds: requests to a teacher may run for minutes. Rows that a store is settling are
     * skipped rather than waited for, so a renewal never deadlocks with the owner's own store.
     */
    public Uni<Integer> renew(String owner, Long[] ids, long leaseMs) {
        if (ids.length == 0) {
            return Uni.createFrom().item(0);
        }
        return pool.preparedQuery("SELECT renew_leases($1, $2, $3)")
                .execute(Tuple.of(owner, ids, leaseMs)).map(r -> r.iterator().next().getInteger(0));
    }

    /**
     * Stores a batch of outcomes in one round trip and one transaction (the {@code store_work_once} function):
     * results (at most one per job and seq), task states and ranges, the jobs' counters, and jobs that thereby
     * finish. An outcome's request and tokens are counted only when the store changes its sample, so a batch
     * stored again after a lost reply counts nothing twice. The teachers' token buckets are not touched here:
     * what requests really cost is handed to the next claim (see {@link #claim}), so that a store never holds the
     * row every claim locks.
     */
    public Uni<Stored> store(String owner, List<Outcome> outcomes, int maxAttempts) {
        List<Outcome.Answered> answered = new ArrayList<>();
        List<Outcome.Retry> retries = new ArrayList<>();
        List<Outcome.Failed> failures = new ArrayList<>();
        List<Long> hits = new ArrayList<>();
        List<Long> released = new ArrayList<>();
        List<Outcome.Answered> rangedAnswers = new ArrayList<>();
        List<Outcome> rangedOthers = new ArrayList<>();
        // in task order, so that two replicas settling the same tasks (a lease expired under a slow worker) lock
        // their rows in the same order
        List<Outcome> inOrder = outcomes.stream().sorted(Comparator.comparingLong(o -> o.task().id())).toList();
        for (Outcome o : inOrder) {
            if (o.task().ranged()) {
                if (o instanceof Outcome.Answered x) {
                    rangedAnswers.add(x);
                } else {
                    rangedOthers.add(o);
                }
            } else if (o instanceof Outcome.Answered x) {
                answered.add(x);
            } else if (o instanceof Outcome.FromCache) {
                hits.add(o.task().id());
            } else if (o instanceof Outcome.Retry x) {
                retries.add(x);
            } else if (o instanceof Outcome.Failed x) {
                failures.add(x);
            } else if (o instanceof Outcome.Released) {
                released.add(o.task().id());
            }
        }
        List<Object> args = new ArrayList<>(46);
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
        args.add(column(answered, Outcome.Answered::requests, Integer[]::new));
        args.add(hits.toArray(Long[]::new));
        args.add(column(retries, x -> x.task().id(), Long[]::new));
        args.add(column(retries, Outcome.Retry::delayMs, Long[]::new));
        args.add(column(retries, x -> x.counted() ? 1 : 0, Integer[]::new));
        args.add(column(retries, Outcome.Retry::error, String[]::new));
        args.add(column(retries, Outcome.Retry::requests, Integer[]::new));
        args.add(column(failures, x -> x.task().id(), Long[]::new));
        args.add(column(failures, Outcome.Failed::error, String[]::new));
        args.add(column(failures, Outcome.Failed::requests, Integer[]::new));
        args.add(released.toArray(Long[]::new));
        // samples of ranges: which sample, and the answer, or what else became of it
        addSamples(args, rangedAnswers);
        args.add(column(rangedAnswers, Outcome.Answered::reasoning, String[]::new));
        args.add(column(rangedAnswers, Outcome.Answered::content, String[]::new));
        args.add(column(rangedAnswers, Outcome.Answered::finalAnswer, String[]::new));
        args.add(column(rangedAnswers, Outcome.Answered::finishReason, String[]::new));
        args.add(column(rangedAnswers, Outcome.Answered::promptTokens, Long[]::new));
        args.add(column(rangedAnswers, Outcome.Answered::completionTokens, Long[]::new));
        args.add(column(rangedAnswers, Outcome.Answered::latencyMs, Long[]::new));
        args.add(column(rangedAnswers, Outcome.Answered::requests, Integer[]::new));
        addSamples(args, rangedOthers);
        args.add(column(rangedOthers, TaskQueue::kind, String[]::new));
        args.add(column(rangedOthers, o -> o instanceof Outcome.Retry x ? x.delayMs() : null, Long[]::new));
        args.add(column(rangedOthers, o -> o instanceof Outcome.Retry x ? (x.counted() ? 1 : 0) : null, Integer[]::new));
        args.add(column(rangedOthers, o -> o instanceof Outcome.Retry x ? x.error() : o instanceof Outcome.Failed x ? x.error() : null,
                String[]::new));
        args.add(column(rangedOthers, TaskQueue::requests, Integer[]::new));
        return pool.preparedQuery(STORE_WORK)
                .execute(Tuple.tuple(args))
                .map(rows -> {
                    Row row = rows.iterator().next();
                    return new Stored(row.getInteger(0), row.getInteger(1));
                });
    }

    /** Which samples of ranges the outcomes are: id, job, seq, item position, sample index, cache key. */
    private static void addSamples(List<Object> args, List<? extends Outcome> outcomes) {
        args.add(column(outcomes, o -> o.task().id(), Long[]::new));
        args.add(column(outcomes, o -> o.task().jobId(), Long[]::new));
        args.add(column(outcomes, o -> o.task().seq(), Long[]::new));
        args.add(column(outcomes, o -> o.task().itemPos(), Long[]::new));
        args.add(column(outcomes, o -> o.task().sampleIndex(), Integer[]::new));
        args.add(column(outcomes, o -> io.vertx.core.buffer.Buffer.buffer(o.task().cacheKey()), io.vertx.core.buffer.Buffer[]::new));
    }

    /** The kind of a ranged outcome other than an answer, as store_work reads it. */
    private static String kind(Outcome o) {
        if (o instanceof Outcome.FromCache) {
            return "h";
        } else if (o instanceof Outcome.Retry) {
            return "r";
        } else if (o instanceof Outcome.Failed) {
            return "f";
        }
        return "l";
    }

    /** The requests an outcome other than an answer accounts for: a failed try's, or none. */
    private static int requests(Outcome o) {
        if (o instanceof Outcome.Retry x) {
            return x.requests();
        } else if (o instanceof Outcome.Failed x) {
            return x.requests();
        }
        return 0;
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
     * Vacuums the task and range tables, unless another session is vacuuming them already (SKIP_LOCKED): settled
     * tasks' and ranges' dead index entries go, and claims stop walking them.
     */
    public Uni<Void> vacuum() {
        return pool.query("VACUUM (SKIP_LOCKED) task, task_range").execute().replaceWithVoid();
    }

    /** Samples waiting for a worker in running jobs, per teacher (pending tasks, and samples not issued yet): the autoscaling signal. */
    public Uni<Map<Long, Long>> pendingPerTeacher() {
        return pool.query("SELECT teacher_id, pending FROM pending_tasks()")
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
