package dev.thoughtline.generation.repository;

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
 */
class QueueFunctionsTest {

    private static final int TASKS = 20_000;
    private static final int CHUNK = 100;

    private static LocalPostgres pg;
    private static Vertx vertx;
    private static Pool pool;
    private static long teacher;

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

    private static Row one(String sql) {
        return pool.query(sql).execute().await().indefinitely().iterator().next();
    }

    private static void run(String sql) {
        pool.query(sql).execute().await().indefinitely();
    }
}
