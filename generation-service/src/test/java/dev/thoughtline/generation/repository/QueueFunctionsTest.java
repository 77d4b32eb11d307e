package dev.thoughtline.generation.repository;

import dev.thoughtline.generation.Job;
import dev.thoughtline.generation.Outcome;
import dev.thoughtline.generation.Task;
import dev.thoughtline.support.SchemaMigrations;
import dev.thoughtline.testing.LocalPostgres;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.PoolOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The queue's SQL functions, called as a worker calls them.
 * <p>
 * Statistics that lie, as the overhead bench met them. Between two jobs the task
 * table is empty; autovacuum may analyze it then, which drops the workers' cached plans, and the workers, polling
 * for work, plan the claim again on an empty table. That plan stays cached until autovacuum next analyzes the
 * table (up to a minute): version 4's led the next job's claims through every task leased or stored before them,
 * 2 s a claim by the middle of a 20,000-task job (the bench's "stall"). This test goes through that sequence and
 * counts the buffers of the task table and its indexes that each claim and each store touch.
 * <p>
 * A store repeated after a lost reply: a worker whose store committed but whose reply was lost stores the same
 * outcomes again (through {@link TaskQueue#store}, as the worker does). Each kind of outcome is stored twice, and
 * the job's counters and the teacher's usage must be those of one store.
 */
class QueueFunctionsTest {

    private static final int TASKS = 20_000;
    private static final int CHUNK = 100;
    private static final int MAX_ATTEMPTS = 5;

    private static LocalPostgres pg;
    private static Vertx vertx;
    private static Pool pool;
    private static long teacher;
    private static TaskQueue queue;
    private static JobRepository jobs;

    @BeforeAll
    static void start() {
        pg = LocalPostgres.start();
        pg.createDatabase("queue_plans");
        vertx = Vertx.vertx();
        PgConnectOptions connect = PgConnectOptions.fromUri(pg.reactiveUrl("queue_plans"))
                .setUser(LocalPostgres.USER).setPassword(LocalPostgres.PASSWORD);
        // one connection: the functions' cached plans live in it, as they do in a worker's pooled connection
        pool = Pool.newInstance(PgBuilder.pool().with(new PoolOptions().setMaxSize(1)).connectingTo(connect)
                .using(vertx.getDelegate()).build());
        SchemaMigrations.apply(pool, 1, SchemaMigrator.SCRIPTS);
        queue = new TaskQueue(pool);
        jobs = new JobRepository(pool);
        teacher = one("INSERT INTO teacher (name, base_url, model, max_concurrency) VALUES ('t', 'http://t/v1', 'm', 100000) RETURNING id")
                .getLong(0);
    }

    @AfterAll
    static void stop() {
        if (pool != null) {
            pool.close().await().indefinitely();
            vertx.close().await().indefinitely();
        }
        if (pg != null) {
            pg.close();
        }
    }

    @Test
    void claimsAndStoresTouchAboutTheTasksTheyHandleAfterTheQueueWasAnalyzedEmpty() {
        // a job before: claimed and stored, so the teacher's claims resume at a floor after it
        long before = job("before", CHUNK);
        assertThat(claim()[0]).isEqualTo(CHUNK);
        assertThat(store(before)[0]).isEqualTo(CHUNK);
        for (String table : new String[] {"task", "job", "job_item", "result"}) {
            run("VACUUM ANALYZE " + table);
        }
        // the worker polls the empty queue, more than the five calls after which PostgreSQL may cache a generic plan
        for (int poll = 0; poll < 8; poll++) {
            assertThat(claim()[0]).as("poll %d finds nothing", poll).isZero();
        }

        long job = job("next", TASKS);
        // leasing a task touches its heap page and an entry in each index it is added to, about fifteen buffers;
        // storing it about eight. Version 4's plan touched 80,000 to 120,000 at every other claim.
        for (int cycle = 0; cycle < 10; cycle++) {
            long[] claimed = claim();
            assertThat(claimed[0]).as("claim %d leases a full chunk", cycle).isEqualTo(CHUNK);
            assertThat(claimed[1]).as("task buffers claim %d touched", cycle).isLessThanOrEqualTo(25L * CHUNK);
            long[] stored = store(job);
            assertThat(stored[0]).as("store %d stores the chunk", cycle).isEqualTo(CHUNK);
            assertThat(stored[1]).as("task buffers store %d touched", cycle).isLessThanOrEqualTo(25L * CHUNK);
        }
        assertThat(one("SELECT count(*) FROM result WHERE job_id = " + job).getLong(0)).isEqualTo(10L * CHUNK);
        assertThat(one("SELECT count(*) FROM task WHERE job_id = " + job).getLong(0)).as("stored tasks leave the queue")
                .isEqualTo(TASKS - 10L * CHUNK);
    }

    @Test
    void rangesClaimedAndStoredTouchAboutTheSamplesTheyHandleAfterTheQueueWasAnalyzedEmpty() {
        long own = teacher("ranged-plans");
        long before = rangedJob("ranged-before", own, CHUNK, 1);
        assertThat(storeRanged("w7", claimWork(own, "w7", CHUNK, new Long[0], new Integer[0]), "a".repeat(CHUNK)))
                .isEqualTo(CHUNK);
        for (String table : new String[] {"task", "task_range", "job_cursor", "job", "job_item", "result"}) {
            run("VACUUM ANALYZE " + table);
        }
        for (int poll = 0; poll < 8; poll++) {
            assertThat(claimWork(own, "w7", CHUNK, new Long[0], new Integer[0])).as("poll %d finds nothing", poll).isEmpty();
        }

        long job = rangedJob("ranged-next", own, TASKS, 1);
        // a sample costs its item's page and index entry, a probe of the request cache and its result's row and
        // index entries: a few buffers. A claim that scanned the job's items, or a store its results, would
        // touch tens of thousands.
        String[] tables = {"task", "task_range", "job_cursor", "job_item", "result"};
        for (int cycle = 0; cycle < 10; cycle++) {
            List<Row> claimed = new ArrayList<>();
            long claimBuffers = pool.withTransaction(c -> buffers(c, tables).chain(b0 -> c.preparedQuery(
                                    "SELECT * FROM claim_work($1, 'w7', $2, 60000, NULL, NULL, 100000, 2, 1000, 0, 0, '{}', '{}', '{}')")
                            .execute(Tuple.of(own, CHUNK)).invoke(rows -> rows.forEach(claimed::add))
                            .chain(() -> buffers(c, tables)).map(b1 -> b1 - b0)))
                    .await().indefinitely();
            assertThat(claimed).as("claim %d takes a full chunk", cycle).hasSize(CHUNK);
            assertThat(claimBuffers).as("buffers claim %d touched", cycle).isLessThanOrEqualTo(10L * CHUNK);
            int[] stored = new int[1];
            long storeBuffers = pool.withTransaction(c -> buffers(c, tables).chain(b0 -> storeRanged(c, "w7", claimed, "a".repeat(CHUNK))
                            .invoke(n -> stored[0] = n).chain(() -> buffers(c, tables)).map(b1 -> b1 - b0)))
                    .await().indefinitely();
            assertThat(stored[0]).as("store %d stores the chunk", cycle).isEqualTo(CHUNK);
            assertThat(storeBuffers).as("buffers store %d touched", cycle).isLessThanOrEqualTo(10L * CHUNK);
        }
        assertThat(one("SELECT count(*) FROM result WHERE job_id = " + job).getLong(0)).isEqualTo(10L * CHUNK);
        assertThat(one("SELECT count(*) FROM task WHERE job_id = " + job).getLong(0)).as("no task row for a sample answered at once")
                .isZero();
    }

    @Test
    void aClaimLeavesTheClaimersAnsweredTasksOutOfItsCountOfTasksInFlight() {
        long limited = one("INSERT INTO teacher (name, base_url, model, max_concurrency) VALUES ('limited', 'http://l/v1', 'm', 10) RETURNING id")
                .getLong(0);
        long job = one("INSERT INTO job (name, teacher_id, input, samples_per_item, prompt_template, params, request, status, loaded, task_count) "
                + "VALUES ('limited', " + limited + ", 'in', 1, '{{text}}', '{}', '{}', 'running', true, 100) RETURNING id").getLong(0);
        run("INSERT INTO job_item (job_id, item_pos, item_id, item_text, item_meta, prompt) "
                + "SELECT " + job + ", g, 'q' || g, 'question ' || g, '{}', 'question ' || g FROM generate_series(0, 99) g");
        run("INSERT INTO task (job_id, teacher_id, seq, item_pos, sample_index, cache_key) "
                + "SELECT " + job + ", " + limited + ", g, g, 0, sha256(int8send(-1000000 - g)) FROM generate_series(0, 99) g");
        String claim = "SELECT array_agg(c_id ORDER BY c_id) FROM claim_tasks(" + limited + ", 'a', 100, 60000, NULL, NULL, 10, 2, 1000, 0, 0, $1)";

        Long[] first = pool.preparedQuery(claim).execute(Tuple.of(new Long[0])).await().indefinitely().iterator().next().getArrayOfLongs(0);
        assertThat(first).as("the limit of 10 in flight").hasSize(10);
        assertThat(pool.preparedQuery(claim).execute(Tuple.of(new Long[0])).await().indefinitely().iterator().next().getArrayOfLongs(0))
                .as("nothing while all 10 are in flight").isNull();
        // four requests ended; their outcomes are not stored yet, so their tasks are still leased
        Long[] answered = java.util.Arrays.copyOf(first, 4);
        Long[] second = pool.preparedQuery(claim).execute(Tuple.of(answered)).await().indefinitely().iterator().next().getArrayOfLongs(0);
        assertThat(second).as("four slots freed by answered tasks").hasSize(4).doesNotContainAnyElementsOf(java.util.List.of(first));
        // the previous release's claim (no answered tasks) still works and counts every leased task
        assertThat(one("SELECT count(*) FROM claim_tasks(" + limited + ", 'b', 100, 60000, NULL, NULL, 10, 2, 1000, 0, 0)").getLong(0))
                .isZero();
        assertThat(one("SELECT count(*) FROM task WHERE teacher_id = " + limited + " AND state = 'leased'").getLong(0)).isEqualTo(14);
    }

    @Test
    void aRangeWhoseLeaseExpiredGoesBackAsTasksForItsSamplesNotStoredAndALateAnswerIsStoredForItsTask() {
        long own = teacher("expiring");
        long job = rangedJob("expiring", own, 10, 2);
        List<Row> claimed = claimWork(own, "a", 6, new Long[0], new Integer[0]);
        assertThat(claimed).extracting(r -> r.getLong(2)).as("seqs, in order").containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
        assertThat(claimed).allSatisfy(r -> assertThat(r.getLong(0)).as("a sample of a range has no task row").isNegative());
        // seq 6 is item 3's second sample, with that sample's cache key
        Row sixth = claimed.get(5);
        assertThat(sixth.getLong(3)).isEqualTo(3);
        assertThat(sixth.getInteger(4)).isEqualTo(1);
        assertThat(sixth.getBuffer(6).getBytes()).isEqualTo(key(job, 3, 1));

        // seqs 1 and 4 answered, seq 2 to be tried again; then the lease runs out under the worker
        assertThat(storeRanged("a", List.of(claimed.get(0), claimed.get(1), claimed.get(3)), "ara")).isEqualTo(2);
        run("UPDATE task_range SET lease_until = now() - interval '1 second'");
        run("UPDATE teacher_quota SET full_scan_at = NULL WHERE teacher_id = " + own);
        assertThat(claimWork(own, "b", 0, new Long[0], new Integer[0])).isEmpty();

        assertThat(one("SELECT count(*) FROM task_range WHERE job_id = " + job).getLong(0)).as("the range is gone").isZero();
        assertThat(one("SELECT string_agg(seq || ':' || state || ':' || attempts, ',' ORDER BY seq) FROM task WHERE job_id = " + job)
                .getString(0)).as("its samples without a result are tasks now").isEqualTo("2:pending:1,3:pending:0,5:pending:0,6:pending:0");
        assertThat(one("SELECT item_pos = 3 AND sample_index = 1 AND cache_key = $1 FROM task WHERE job_id = " + job + " AND seq = 6",
                Tuple.of(io.vertx.core.buffer.Buffer.buffer(key(job, 3, 1)))).getBoolean(0)).isTrue();

        // the first worker's answer for seq 3 arrives late: stored for the task, which leaves the queue
        assertThat(storeRanged("a", List.of(claimed.get(2)), "a")).isEqualTo(1);
        assertThat(one("SELECT count(*) FROM result WHERE job_id = " + job + " AND seq = 3").getLong(0)).isEqualTo(1);
        assertThat(one("SELECT count(*) FROM task WHERE job_id = " + job + " AND seq = 3").getLong(0)).isZero();
        assertThat(one("SELECT done_count FROM job WHERE id = " + job).getLong(0)).isEqualTo(3);
    }

    @Test
    void aStoreRepeatedAfterALostReplySettlesNothingTwice() {
        long own = teacher("repeated");
        long job = rangedJob("repeated", own, 4, 1);
        List<Row> claimed = claimWork(own, "a", 4, new Long[0], new Integer[0]);
        assertThat(claimed).hasSize(4);
        List<Row> firstTwo = claimed.subList(0, 2);
        assertThat(storeRanged("a", firstTwo, "ar")).isEqualTo(1);
        assertThat(storeRanged("a", firstTwo, "ar")).as("the same outcomes again").isZero();
        assertThat(one("SELECT open FROM task_range WHERE job_id = " + job).getInteger(0)).as("two samples still open").isEqualTo(2);
        assertThat(one("SELECT done_count FROM job WHERE id = " + job).getLong(0)).isEqualTo(1);
        assertThat(one("SELECT count(*) FROM task WHERE job_id = " + job).getLong(0)).as("one task to try again").isEqualTo(1);

        assertThat(storeRanged("a", claimed.subList(2, 4), "aa")).isEqualTo(2);
        assertThat(one("SELECT count(*) FROM task_range WHERE job_id = " + job).getLong(0)).as("nothing open: the range goes").isZero();
        assertThat(one("SELECT count(*) FROM result WHERE job_id = " + job).getLong(0)).isEqualTo(3);
    }

    @Test
    void aClaimCountsTheSamplesOfRangesNotYetAnsweredAgainstTheConcurrencyLimit() {
        long limited = teacher("ranged-limit");
        rangedJob("ranged-limit", limited, 100, 1);
        List<Row> first = claimWork(limited, "a", 100, 10, new Long[0], new Integer[0]);
        assertThat(first).as("the limit of 10 in flight").hasSize(10);
        assertThat(claimWork(limited, "a", 100, 10, new Long[0], new Integer[0])).as("nothing while all 10 are in flight").isEmpty();
        long range = -first.get(0).getLong(0) / 65536;
        // four requests ended (stored or not: the count is the same however stores and claims interleave)
        List<Row> second = claimWork(limited, "a", 100, 10, new Long[] {range}, new Integer[] {4});
        assertThat(second).as("four slots freed by answered samples").hasSize(4);
        assertThat(second.get(0).getLong(2)).as("the next samples").isEqualTo(11);
        // another replica does not know what a's samples became: every open sample counts
        assertThat(claimWork(limited, "b", 100, 10, new Long[0], new Integer[0])).isEmpty();
        assertThat(one("SELECT sum(pending) FROM pending_tasks() WHERE teacher_id = " + limited).getLong(0))
                .as("samples waiting: not issued yet").isEqualTo(86);
    }

    @Test
    void answeredSamplesOfRangesStoredTwiceCountOnce() {
        long own = teacher("twice-answered");
        long job = rangedJob("twice-answered", own, 2, 2);
        List<Task> claimed = claimTasks(own, "a", 4);
        assertThat(claimed).hasSize(4).allMatch(Task::ranged);
        // one request with n = 2 per item: the first sample of each carries the request
        List<Outcome> outcomes = List.of(answer(own, claimed.get(0), 1), answer(own, claimed.get(1), 0),
                answer(own, claimed.get(2), 1), answer(own, claimed.get(3), 0));

        Counts once = storedTwice("a", own, job, outcomes, MAX_ATTEMPTS);
        assertThat(once).isEqualTo(new Counts(4, 0, 0, 2, 0, 40, 400));
        assertThat(usage(own)).isEqualTo(once);
        assertThat(one("SELECT count(*) FROM result WHERE job_id = " + job).getLong(0)).isEqualTo(4);
        assertThat(jobs.find(job).await().indefinitely().status()).isEqualTo(Job.Status.COMPLETE);
    }

    @Test
    void samplesOfRangesToTryAgainStoredTwiceCountOnce() {
        long own = teacher("twice-retried");
        long job = rangedJob("twice-retried", own, 3, 1);
        List<Task> claimed = claimTasks(own, "a", 3);
        List<Outcome> outcomes = claimed.stream().map(t -> retry(own, t)).toList();

        Counts once = storedTwice("a", own, job, outcomes, MAX_ATTEMPTS);
        assertThat(once).isEqualTo(new Counts(0, 0, 0, 3, 3, 0, 0));
        assertThat(usage(own)).isEqualTo(once);
        assertThat(one("SELECT string_agg(seq || ':' || state || ':' || attempts, ',' ORDER BY seq) FROM task WHERE job_id = " + job)
                .getString(0)).isEqualTo("1:pending:1,2:pending:1,3:pending:1");
    }

    @Test
    void samplesOfRangesFailedForGoodStoredTwiceCountOnce() {
        long own = teacher("twice-failed");
        long job = rangedJob("twice-failed", own, 2, 1);
        List<Task> claimed = claimTasks(own, "a", 2);
        // a refusal, and a try again that reaches the bound of one attempt
        List<Outcome> outcomes = List.of(new Outcome.Failed(claimed.get(0), own, "HTTP 400", 1), retry(own, claimed.get(1)));

        Counts once = storedTwice("a", own, job, outcomes, 1);
        assertThat(once).isEqualTo(new Counts(0, 0, 2, 2, 2, 0, 0));
        assertThat(usage(own)).isEqualTo(once);
        assertThat(jobs.find(job).await().indefinitely().status()).isEqualTo(Job.Status.FAILED);
    }

    @Test
    void cachedSamplesOfRangesStoredTwiceCountOnce() {
        long donor = teacher("twice-cached-donor");
        rangedJob("twice-cached-donor", donor, 2, 1, "twice-cached");
        store("d", claimTasks(donor, "d", 2).stream().map(t -> answer(donor, t, 1)).toList(), MAX_ATTEMPTS);
        long own = teacher("twice-cached");
        long job = rangedJob("twice-cached", own, 2, 1, "twice-cached");
        List<Task> claimed = claimTasks(own, "a", 2);
        assertThat(claimed).hasSize(2).allMatch(Task::cached);
        List<Outcome> outcomes = claimed.stream().<Outcome>map(t -> new Outcome.FromCache(t, own)).toList();

        Counts once = storedTwice("a", own, job, outcomes, MAX_ATTEMPTS);
        assertThat(once).isEqualTo(new Counts(2, 2, 0, 0, 0, 0, 0));
        assertThat(usage(own)).isEqualTo(once);
    }

    @Test
    void releasedSamplesOfRangesStoredTwiceCountNothing() {
        long own = teacher("twice-released");
        long job = rangedJob("twice-released", own, 2, 1);
        List<Outcome> outcomes = claimTasks(own, "a", 2).stream().<Outcome>map(t -> new Outcome.Released(t, own)).toList();

        Counts once = storedTwice("a", own, job, outcomes, MAX_ATTEMPTS);
        assertThat(once).isEqualTo(new Counts(0, 0, 0, 0, 0, 0, 0));
        assertThat(usage(own)).isEqualTo(once);
        assertThat(one("SELECT string_agg(seq || ':' || state || ':' || attempts, ',' ORDER BY seq) FROM task WHERE job_id = " + job)
                .getString(0)).as("back in the queue, not tried").isEqualTo("1:pending:0,2:pending:0");
    }

    @Test
    void answeredTaskRowsStoredTwiceCountOnce() {
        long own = teacher("twice-task-answered");
        long job = taskJob("twice-task-answered", own, 3, "twice-task-answered");
        List<Task> claimed = claimTasks(own, "a", 3);
        assertThat(claimed).hasSize(3).noneMatch(Task::ranged);
        List<Outcome> outcomes = claimed.stream().map(t -> answer(own, t, 1)).toList();

        Counts once = storedTwice("a", own, job, outcomes, MAX_ATTEMPTS);
        assertThat(once).isEqualTo(new Counts(3, 0, 0, 3, 0, 30, 300));
        assertThat(usage(own)).isEqualTo(once);
        assertThat(one("SELECT count(*) FROM task WHERE job_id = " + job).getLong(0)).as("stored tasks leave the queue").isZero();
    }

    @Test
    void aTaskRowToTryAgainStoredTwiceCountsOnceEvenWhenItsWorkerLeasedItAgainMeanwhile() {
        long own = teacher("twice-task-retried");
        long job = taskJob("twice-task-retried", own, 1, "twice-task-retried");
        List<Outcome> outcomes = List.of(retry(own, claimTasks(own, "a", 1).get(0)));
        store("a", outcomes, MAX_ATTEMPTS);
        Counts once = counts(job);
        assertThat(once).isEqualTo(new Counts(0, 0, 0, 1, 1, 0, 0));

        // the reply was lost; before the worker stores again, it claims the task once more (its second try)
        run("UPDATE teacher_quota SET full_scan_at = NULL WHERE teacher_id = " + own);
        List<Task> again = claimTasks(own, "a", 1);
        assertThat(again).hasSize(1);
        assertThat(store("a", outcomes, MAX_ATTEMPTS)).isEqualTo(new TaskQueue.Stored(0, 0));

        assertThat(counts(job)).isEqualTo(once);
        assertThat(usage(own)).isEqualTo(once);
        assertThat(one("SELECT state || ':' || attempts || ':' || coalesce(lease_owner, '-') || ':' || (id = " + again.get(0).id() + ") FROM task WHERE job_id = "
                + job).getString(0)).as("the second try keeps its lease; the first counted once").isEqualTo("leased:1:a:true");
    }

    @Test
    void taskRowsFailedForGoodStoredTwiceCountOnce() {
        long own = teacher("twice-task-failed");
        long job = taskJob("twice-task-failed", own, 2, "twice-task-failed");
        List<Task> claimed = claimTasks(own, "a", 2);
        List<Outcome> outcomes = List.of(new Outcome.Failed(claimed.get(0), own, "HTTP 400", 1), retry(own, claimed.get(1)));

        Counts once = storedTwice("a", own, job, outcomes, 1);
        assertThat(once).isEqualTo(new Counts(0, 0, 2, 2, 2, 0, 0));
        assertThat(usage(own)).isEqualTo(once);
        assertThat(jobs.find(job).await().indefinitely().status()).isEqualTo(Job.Status.FAILED);
    }

    @Test
    void cachedTaskRowsStoredTwiceCountOnce() {
        long donor = teacher("twice-task-cached-donor");
        taskJob("twice-task-cached-donor", donor, 2, "twice-task-cached");
        store("d", claimTasks(donor, "d", 2).stream().map(t -> answer(donor, t, 1)).toList(), MAX_ATTEMPTS);
        long own = teacher("twice-task-cached");
        long job = taskJob("twice-task-cached", own, 2, "twice-task-cached");
        List<Task> claimed = claimTasks(own, "a", 2);
        assertThat(claimed).hasSize(2).allMatch(Task::cached);
        List<Outcome> outcomes = claimed.stream().<Outcome>map(t -> new Outcome.FromCache(t, own)).toList();

        Counts once = storedTwice("a", own, job, outcomes, MAX_ATTEMPTS);
        assertThat(once).isEqualTo(new Counts(2, 2, 0, 0, 0, 0, 0));
        assertThat(usage(own)).isEqualTo(once);
    }

    @Test
    void aReleasedTaskRowStoredTwiceLeavesTheLeaseItsWorkerTookMeanwhile() {
        long own = teacher("twice-task-released");
        long job = taskJob("twice-task-released", own, 1, "twice-task-released");
        List<Outcome> outcomes = List.of(new Outcome.Released(claimTasks(own, "a", 1).get(0), own));
        store("a", outcomes, MAX_ATTEMPTS);
        run("UPDATE teacher_quota SET full_scan_at = NULL WHERE teacher_id = " + own);
        List<Task> again = claimTasks(own, "a", 1);
        assertThat(again).hasSize(1);
        store("a", outcomes, MAX_ATTEMPTS);

        assertThat(counts(job)).isEqualTo(new Counts(0, 0, 0, 0, 0, 0, 0));
        assertThat(usage(own)).isEqualTo(counts(job));
        assertThat(one("SELECT state || ':' || attempts || ':' || coalesce(lease_owner, '-') FROM task WHERE job_id = " + job).getString(0))
                .isEqualTo("leased:0:a");
    }

    @Test
    void aLateAnswerForARangeGoneMeanwhileStoredTwiceCountsOnce() {
        long own = teacher("twice-late");
        long job = rangedJob("twice-late", own, 2, 1);
        List<Task> claimed = claimTasks(own, "a", 2);
        // the lease runs out under the worker: the range becomes tasks
        run("UPDATE task_range SET lease_until = now() - interval '1 second' WHERE job_id = " + job);
        run("UPDATE teacher_quota SET full_scan_at = NULL WHERE teacher_id = " + own);
        assertThat(claimTasks(own, "b", 0)).isEmpty();
        assertThat(one("SELECT count(*) FROM task WHERE job_id = " + job).getLong(0)).isEqualTo(2);

        Counts once = storedTwice("a", own, job, List.of(answer(own, claimed.get(0), 1)), MAX_ATTEMPTS);
        assertThat(once).isEqualTo(new Counts(1, 0, 0, 1, 0, 10, 100));
        assertThat(usage(own)).isEqualTo(once);
        assertThat(one("SELECT string_agg(seq::text, ',') FROM task WHERE job_id = " + job).getString(0)).isEqualTo("2");
    }

    @Test
    void aBatchOfEveryKindCountsEachOutcomeOnceAtItsFirstStoreAndNothingAtTheSecond() {
        long donor = teacher("mixed-donor");
        rangedJob("mixed-donor-ranged", donor, 1, 1, "mixed-ranged");
        taskJob("mixed-donor-tasks", donor, 1, "mixed-tasks");
        store("d", claimTasks(donor, "d", 2).stream().map(t -> answer(donor, t, 1)).toList(), MAX_ATTEMPTS);

        long own = teacher("mixed");
        long tasks = taskJob("mixed-tasks", own, 5, "mixed-tasks");
        long ranged = rangedJob("mixed-ranged", own, 4, 2, "mixed-ranged");
        List<Task> claimed = claimTasks(own, "a", 13);
        assertThat(claimed).extracting(Task::jobId).containsExactly(tasks, tasks, tasks, tasks, tasks,
                ranged, ranged, ranged, ranged, ranged, ranged, ranged, ranged);
        List<Task> t = claimed.subList(0, 5);
        List<Task> r = claimed.subList(5, 13);
        assertThat(t.get(0).cached()).isTrue();
        assertThat(r.get(0).cached()).isTrue();
        List<Outcome> outcomes = List.of(
                new Outcome.FromCache(t.get(0), own), answer(own, t.get(1), 1), retry(own, t.get(2)),
                new Outcome.Failed(t.get(3), own, "HTTP 400", 1), new Outcome.Released(t.get(4), own),
                new Outcome.FromCache(r.get(0), own), answer(own, r.get(1), 1), answer(own, r.get(2), 1), answer(own, r.get(3), 0),
                retry(own, r.get(4)), new Outcome.Failed(r.get(5), own, "HTTP 400", 1), new Outcome.Released(r.get(6), own),
                answer(own, r.get(7), 1));

        assertThat(store("a", outcomes, MAX_ATTEMPTS)).as("answered and from the cache").isEqualTo(new TaskQueue.Stored(5, 2));
        Counts taskCounts = new Counts(2, 1, 1, 3, 2, 10, 100);
        Counts rangedCounts = new Counts(5, 1, 1, 5, 2, 40, 400);
        assertThat(counts(tasks)).isEqualTo(taskCounts);
        assertThat(counts(ranged)).isEqualTo(rangedCounts);
        assertThat(usage(own)).isEqualTo(new Counts(7, 2, 2, 8, 4, 50, 500));

        assertThat(store("a", outcomes, MAX_ATTEMPTS)).as("the same outcomes again").isEqualTo(new TaskQueue.Stored(0, 0));
        assertThat(counts(tasks)).isEqualTo(taskCounts);
        assertThat(counts(ranged)).isEqualTo(rangedCounts);
        assertThat(usage(own)).isEqualTo(new Counts(7, 2, 2, 8, 4, 50, 500));
    }

    /**
     * A job's counters, or a teacher's usage over its jobs, as {@code GET /jobs/{id}} and {@code GET /teachers/{id}/usage}
     * show them (the cost is the tokens at the teacher's prices).
     */
    private record Counts(long done, long cached, long failed, long requests, long failedRequests, long promptTokens,
                          long completionTokens) {
    }

    private static Counts counts(long job) {
        Job j = jobs.find(job).await().indefinitely();
        return new Counts(j.done(), j.cached(), j.failed(), j.requests(), j.failedRequests(), j.promptTokens(), j.completionTokens());
    }

    private static Counts usage(long teacherId) {
        Row u = jobs.usage(teacherId).await().indefinitely();
        return new Counts(u.getLong(5), u.getLong(6), u.getLong(7), u.getLong(1), u.getLong(2), u.getLong(3), u.getLong(4));
    }

    /**
     * Stores the outcomes, then the same outcomes again, as a worker whose first store committed but whose reply was
     * lost; checks that the second stored nothing and changed no counter of the job nor of the teacher's usage, and
     * returns the job's counters after the first.
     */
    private static Counts storedTwice(String owner, long teacherId, long job, List<Outcome> outcomes, int maxAttempts) {
        store(owner, outcomes, maxAttempts);
        Counts once = counts(job);
        Counts usage = usage(teacherId);
        assertThat(store(owner, outcomes, maxAttempts)).as("the same outcomes again").isEqualTo(new TaskQueue.Stored(0, 0));
        assertThat(counts(job)).as("the job's counters after the same store again").isEqualTo(once);
        assertThat(usage(teacherId)).as("the teacher's usage after the same store again").isEqualTo(usage);
        return once;
    }

    /**
     * Cancelling a job while a worker stores its outcomes: the cancel locks the job, then its tasks and ranges; the
     * store (store_work_once) locks the ranges, then the tasks, then the job. A transaction here takes the store's
     * locks in the store's order while the cancel waits for a range; PostgreSQL ends the cancel, which waited first,
     * with a deadlock. The cancel is tried again and ends the job (before, the caller got a 500).
     */
    @Test
    void aCancelThatDeadlocksWithAStoreIsTriedAgainAndEndsTheJob() throws Exception {
        long job = rangedJob("deadlock", teacher, 10, 2);
        assertThat(claimTasks(teacher, "w", 20)).isNotEmpty();
        String url = "jdbc:postgresql://localhost:" + pg.port() + "/queue_plans";
        Pool second = Pool.newInstance(PgBuilder.pool().with(new PoolOptions().setMaxSize(1))
                .connectingTo(PgConnectOptions.fromUri(pg.reactiveUrl("queue_plans")).setUser(LocalPostgres.USER).setPassword(LocalPostgres.PASSWORD))
                .using(vertx.getDelegate()).build());
        try (java.sql.Connection store = java.sql.DriverManager.getConnection(url, LocalPostgres.USER, LocalPostgres.PASSWORD);
             java.sql.Connection watch = java.sql.DriverManager.getConnection(url, LocalPostgres.USER, LocalPostgres.PASSWORD)) {
            store.setAutoCommit(false);
            try (java.sql.Statement st = store.createStatement()) {
                st.executeQuery("SELECT id FROM task_range WHERE job_id = " + job + " ORDER BY id FOR UPDATE").close();
            }
            java.util.concurrent.CompletableFuture<Boolean> cancelled = new JobRepository(second).cancel(job).subscribeAsCompletionStage();
            // the cancel holds the job and waits for the ranges
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!waitingForALock(watch)) {
                assertThat(System.nanoTime()).as("the cancel waits for the ranges").isLessThan(deadline);
                Thread.sleep(10);
            }
            try (java.sql.Statement st = store.createStatement()) {
                st.executeUpdate("UPDATE job SET done_count = done_count WHERE id = " + job);
            }
            store.commit();

            assertThat(cancelled.get(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        } finally {
            second.close().await().indefinitely();
        }
        assertThat(one("SELECT status FROM job WHERE id = " + job).getString(0)).isEqualTo("cancelled");
        assertThat(one("SELECT count(*) FROM task_range WHERE job_id = " + job).getLong(0)).isZero();
    }

    private static boolean waitingForALock(java.sql.Connection watch) throws java.sql.SQLException {
        try (java.sql.Statement st = watch.createStatement();
             java.sql.ResultSet r = st.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%task_range%'")) {
            r.next();
            return r.getLong(1) > 0;
        }
    }

    private static TaskQueue.Stored store(String owner, List<Outcome> outcomes, int maxAttempts) {
        return queue.store(owner, outcomes, maxAttempts).await().indefinitely();
    }

    /** Claims as a worker does, with no limit but the teacher's concurrency of 1,000. */
    private static List<Task> claimTasks(long teacherId, String owner, int want) {
        return queue.claim(teacherId, new TaskQueue.Limits(null, null, 1000, 2, 1000), owner, want, 60_000, 0, 0, new Long[0],
                new TaskQueue.RangeCounts(new Long[0], new Integer[0])).await().indefinitely();
    }

    /** An answer of 10 prompt and 100 completion tokens; {@code requests} 0 for a sample after the first of a request with n. */
    private static Outcome answer(long teacherId, Task t, int requests) {
        return new Outcome.Answered(t, teacherId, "thinking", "\\boxed{42}", "42", "stop", 10, 100, 5, requests);
    }

    /** A try that failed and counts toward the bound (an HTTP 503), to be tried again at once. */
    private static Outcome retry(long teacherId, Task t) {
        return new Outcome.Retry(t, teacherId, 0, true, "HTTP 503", 1);
    }

    /** A running, loaded job of {@code tasks} task rows waiting in the queue, one sample per item, cache keys as rangedJob's from {@code keys}. */
    private static long taskJob(String name, long teacherId, int tasks, String keys) {
        long job = one("INSERT INTO job (name, teacher_id, input, samples_per_item, prompt_template, params, request, status, loaded, task_count) "
                + "VALUES ('" + name + "', " + teacherId + ", 'in', 1, '{{text}}', '{}', '{}', 'running', true, " + tasks + ") RETURNING id")
                .getLong(0);
        run("INSERT INTO job_item (job_id, item_pos, item_id, item_text, item_meta, prompt) "
                + "SELECT " + job + ", g, 'q' || g, 'question ' || g, '{}', 'question ' || g FROM generate_series(1, " + tasks + ") g");
        run("INSERT INTO task (job_id, teacher_id, seq, item_pos, sample_index, cache_key) "
                + "SELECT " + job + ", " + teacherId + ", g, g, 0, sha256(convert_to('" + keys + "' || '/' || g || '/0', 'UTF8')) "
                + "FROM generate_series(1, " + tasks + ") g");
        return job;
    }

    /** A running, loaded job of {@code items} items and {@code samples} samples each, whose samples are handed out as ranges. */
    private static long rangedJob(String name, long teacherId, int items, int samples) {
        return rangedJob(name, teacherId, items, samples, null);
    }

    /** As above, with the cache keys of another job made with the same {@code keys} (null: the job's own). */
    private static long rangedJob(String name, long teacherId, int items, int samples, String keys) {
        long job = one("INSERT INTO job (name, teacher_id, input, samples_per_item, prompt_template, params, request, status, loaded, task_count) "
                + "VALUES ('" + name + "', " + teacherId + ", 'in', " + samples + ", '{{text}}', '{}', '{}', 'running', true, "
                + (items * samples) + ") RETURNING id").getLong(0);
        String seed = keys == null ? Long.toString(job) : keys;
        run("INSERT INTO job_item (job_id, item_pos, item_id, item_text, item_meta, prompt, cache_keys) "
                + "SELECT " + job + ", g, 'q' || g, 'question ' || g, '{}', 'question ' || g, "
                + "(SELECT string_agg(sha256(convert_to('" + seed + "' || '/' || g || '/' || s, 'UTF8')), '' ORDER BY s) FROM generate_series(0, "
                + (samples - 1) + ") s) FROM generate_series(1, " + items + ") g");
        run("INSERT INTO job_cursor (job_id, teacher_id) VALUES (" + job + ", " + teacherId + ")");
        return job;
    }

    /** The cache key rangedJob gives a sample. */
    private static byte[] key(long job, long itemPos, int sample) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256")
                    .digest((job + "/" + itemPos + "/" + sample).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** claim_work as a worker calls it; the claimed rows: id, job, seq, item position, sample index, prompt, cache key, cached. */
    private static List<Row> claimWork(long teacherId, String owner, int want, Long[] ranges, Integer[] answered) {
        return claimWork(teacherId, owner, want, 100_000, ranges, answered);
    }

    private static List<Row> claimWork(long teacherId, String owner, int want, int maxConcurrency, Long[] ranges, Integer[] answered) {
        List<Row> rows = new ArrayList<>();
        pool.preparedQuery("SELECT * FROM claim_work($1, $2, $3, 60000, NULL, NULL, $4, 2, 1000, 0, 0, '{}', $5, $6)")
                .execute(Tuple.of(teacherId, owner, want, maxConcurrency, ranges, answered)).await().indefinitely().forEach(rows::add);
        return rows;
    }

    private static long teacher(String name) {
        return one("INSERT INTO teacher (name, base_url, model, max_concurrency) VALUES ('" + name + "', 'http://t/v1', 'm', 100) RETURNING id")
                .getLong(0);
    }

    /**
     * Stores outcomes for claimed samples of ranges, as store_work_once takes them: kinds[i] is 'a' (answered) or
     * 'r' (try again) for samples.get(i), each its own request. Returns the samples answered.
     */
    private static int storeRanged(String owner, List<Row> samples, String kinds) {
        return storeRanged(pool, owner, samples, kinds).await().indefinitely();
    }

    private static Uni<Integer> storeRanged(io.vertx.mutiny.sqlclient.SqlClient client, String owner, List<Row> samples, String kinds) {
        List<Row> answered = new ArrayList<>();
        List<Row> retried = new ArrayList<>();
        for (int i = 0; i < samples.size(); i++) {
            (kinds.charAt(i) == 'a' ? answered : retried).add(samples.get(i));
        }
        List<Object> args = new ArrayList<>(List.of(owner));
        addSamples(args, answered);
        String[] text = new String[answered.size()];
        java.util.Arrays.fill(text, "42");
        Long[] tokens = new Long[answered.size()];
        java.util.Arrays.fill(tokens, 10L);
        Integer[] requests = new Integer[answered.size()];
        java.util.Arrays.fill(requests, 1);
        args.addAll(List.of(text, tokens, requests));
        addSamples(args, retried);
        int r = retried.size();
        String[] kind = new String[r];
        java.util.Arrays.fill(kind, "r");
        Long[] delay = new Long[r];
        java.util.Arrays.fill(delay, 0L);
        Integer[] ones = new Integer[r];
        java.util.Arrays.fill(ones, 1);
        String[] error = new String[r];
        java.util.Arrays.fill(error, "HTTP 503");
        args.addAll(List.of(kind, delay, ones, error, ones));
        return client.preparedQuery("""
                        SELECT answered FROM store_work_once($1, 5, '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}',
                            '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}',
                            $2, $3, $4, $5, $6, $7, $8, $8, $8, $8, $9, $9, $9, $10,
                            $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)""")
                .execute(Tuple.tuple(args))
                .map(rows -> rows.iterator().next().getInteger(0));
    }

    /** Which samples the claimed rows are, as store_work takes them: id, job, seq, item position, sample index, cache key. */
    private static void addSamples(List<Object> args, List<Row> rows) {
        int n = rows.size();
        Long[] id = new Long[n];
        Long[] job = new Long[n];
        Long[] seq = new Long[n];
        Long[] pos = new Long[n];
        Integer[] sample = new Integer[n];
        io.vertx.core.buffer.Buffer[] key = new io.vertx.core.buffer.Buffer[n];
        for (int i = 0; i < n; i++) {
            Row r = rows.get(i);
            id[i] = r.getLong(0);
            job[i] = r.getLong(1);
            seq[i] = r.getLong(2);
            pos[i] = r.getLong(3);
            sample[i] = r.getInteger(4);
            key[i] = io.vertx.core.buffer.Buffer.buffer(r.getBuffer(6).getBytes());
        }
        args.addAll(List.of(id, job, seq, pos, sample, key));
    }

    /** A running, loaded job of {@code tasks} tasks, one sample per item. */
    private static long job(String name, int tasks) {
        long job = one("INSERT INTO job (name, teacher_id, input, samples_per_item, prompt_template, params, request, status, loaded, task_count) "
                + "VALUES ('" + name + "', " + teacher + ", 'in', 1, '{{text}}', '{}', '{}', 'running', true, " + tasks + ") RETURNING id")
                .getLong(0);
        run("INSERT INTO job_item (job_id, item_pos, item_id, item_text, item_meta, prompt) "
                + "SELECT " + job + ", g, 'q' || g, 'question ' || g, '{}', 'question ' || g FROM generate_series(0, " + (tasks - 1) + ") g");
        run("INSERT INTO task (job_id, teacher_id, seq, item_pos, sample_index, cache_key) "
                + "SELECT " + job + ", " + teacher + ", g, g, 0, sha256(int8send(" + job + " * 1000000 + g)) FROM generate_series(0, " + (tasks - 1) + ") g");
        return job;
    }

    /** Claims a chunk as worker w: {tasks leased, task buffers touched}. */
    private static long[] claim() {
        return pool.withTransaction(c -> taskBuffers(c).chain(before -> c.query("SELECT count(*) FROM claim_tasks(" + teacher
                        + ", 'w', " + CHUNK + ", 60000, NULL, NULL, 100000, 2, 1000, 0, 0)").execute()
                .map(rows -> rows.iterator().next().getLong(0))
                .chain(leased -> taskBuffers(c).map(after -> new long[] {leased, after - before}))))
                .await().indefinitely();
    }

    /** Stores an answer for every task worker w holds, all of one job: {results stored, task buffers touched}. */
    private static long[] store(long job) {
        Long[] ids = one("SELECT coalesce(array_agg(id ORDER BY id), '{}') FROM task WHERE lease_owner = 'w'").getArrayOfLongs(0);
        return pool.withTransaction(c -> taskBuffers(c).chain(before -> c.preparedQuery("""
                        SELECT answered FROM store_outcomes('w', 5, $1,
                            array_fill('thinking'::text, ARRAY[$2::int]), array_fill('42'::text, ARRAY[$2::int]),
                            array_fill('42'::text, ARRAY[$2::int]), array_fill('stop'::text, ARRAY[$2::int]),
                            array_fill(10::bigint, ARRAY[$2::int]), array_fill(100::bigint, ARRAY[$2::int]),
                            array_fill(5::bigint, ARRAY[$2::int]),
                            '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}',
                            ARRAY[$3::bigint], ARRAY[$2::bigint], '{0}', '{400}', '{4000}')""")
                .execute(Tuple.of(ids, ids.length, job))
                .map(rows -> rows.iterator().next().getLong(0))
                .chain(stored -> taskBuffers(c).map(after -> new long[] {stored, after - before}))))
                .await().indefinitely();
    }

    /**
     * Buffers of the task table and its indexes fetched, as the backend counts them before it reports them: the
     * current transaction's and perhaps earlier ones' (reported at most once a second), so only a difference
     * within one transaction says what a statement touched.
     */
    private static Uni<Long> taskBuffers(SqlConnection c) {
        return c.query("SELECT sum(pg_stat_get_xact_blocks_fetched(oid))::bigint FROM pg_class WHERE oid = 'task'::regclass "
                        + "OR oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = 'task'::regclass)")
                .execute().map(rows -> rows.iterator().next().getLong(0));
    }

    /** Buffers of the tables and their indexes fetched in this transaction (see {@link #taskBuffers}). */
    private static Uni<Long> buffers(SqlConnection c, String... tables) {
        return c.preparedQuery("SELECT sum(pg_stat_get_xact_blocks_fetched(oid))::bigint FROM pg_class WHERE oid = ANY ($1::regclass[]) "
                        + "OR oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = ANY ($1::regclass[]))")
                .execute(Tuple.of(tables)).map(rows -> rows.iterator().next().getLong(0));
    }

    private static Row one(String sql) {
        return pool.query(sql).execute().await().indefinitely().iterator().next();
    }

    private static Row one(String sql, Tuple args) {
        return pool.preparedQuery(sql).execute(args).await().indefinitely().iterator().next();
    }

    private static void run(String sql) {
        pool.query(sql).execute().await().indefinitely();
    }
}
