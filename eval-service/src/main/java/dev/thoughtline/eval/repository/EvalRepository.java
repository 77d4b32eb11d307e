package dev.thoughtline.eval.repository;

import dev.thoughtline.eval.Benchmark;
import dev.thoughtline.eval.EvalResult;
import dev.thoughtline.eval.EvalRun;
import dev.thoughtline.eval.Model;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** Benchmarks, models, eval runs and their scored items in PostgreSQL. */
@ApplicationScoped
public class EvalRepository {

    /** A scored item to store. */
    public record ScoredItem(int pos, String itemId, int passes, int samples, String record) {
    }

    /** An item's pass count, for comparisons. */
    public record Passes(String itemId, int passes, int samples) {
    }

    /** The best-known result of a model on a benchmark, for the leaderboard. */
    public record Standing(String model, String benchmark, long runId, String runName, String metrics) {
    }

    private static final String BENCHMARK = "id, name, spec, answer_type, repeats, prompt_template, origin::text, item_count, created_at";
    private static final String MODEL = "id, name, teacher, trained_on::text, description, created_at";
    private static final String RUN = "id, name, model, teacher, request::text, status, error, created_at, finished_at";

    private final Pool pool;

    public EvalRepository(Pool pool) {
        this.pool = pool;
    }

    // --- benchmarks

    /** Stores a benchmark with its items in one transaction; null when the name is taken. */
    public Uni<Benchmark> insertBenchmark(String name, String spec, String answerType, int repeats, String template, String origin,
                                          List<String> itemIds, List<String> items) {
        return pool.withTransaction(conn -> conn.preparedQuery("INSERT INTO benchmark (name, spec, answer_type, repeats, prompt_template, "
                                + "origin, item_count) VALUES ($1, $2, $3, $4, $5, $6::text::jsonb, $7) ON CONFLICT (name) DO NOTHING RETURNING " + BENCHMARK)
                .execute(Tuple.tuple(List.of(name, spec == null ? "" : spec, answerType, repeats, template, origin, items.size())))
                .chain(rows -> {
                    if (rows.size() == 0) {
                        return Uni.createFrom().nullItem();
                    }
                    Benchmark b = benchmark(rows.iterator().next());
                    Integer[] pos = new Integer[items.size()];
                    for (int i = 0; i < pos.length; i++) {
                        pos[i] = i + 1;
                    }
                    return conn.preparedQuery("INSERT INTO benchmark_item (benchmark_id, pos, item_id, item) "
                                    + "SELECT $1, u.pos, u.id, u.item::jsonb FROM unnest($2::int[], $3::text[], $4::text[]) AS u(pos, id, item)")
                            .execute(Tuple.of(b.id(), pos, itemIds.toArray(new String[0]), items.toArray(new String[0])))
                            .replaceWith(b);
                }));
    }

    public Uni<Benchmark> benchmarkByName(String name) {
        return one("SELECT " + BENCHMARK + " FROM benchmark WHERE name = $1", Tuple.of(name), EvalRepository::benchmark);
    }

    public Uni<Benchmark> benchmarkById(long id) {
        return one("SELECT " + BENCHMARK + " FROM benchmark WHERE id = $1", Tuple.of(id), EvalRepository::benchmark);
    }

    public Uni<List<Benchmark>> benchmarks() {
        return pool.query("SELECT " + BENCHMARK + " FROM benchmark ORDER BY id").execute().map(rows -> all(rows, EvalRepository::benchmark));
    }

    /** Items after a position, in order, one more than asked. */
    public Uni<RowSet<Row>> benchmarkItems(long id, long after, int limit) {
        return pool.preparedQuery("SELECT pos, item::text FROM benchmark_item WHERE benchmark_id = $1 AND pos > $2 ORDER BY pos LIMIT $3")
                .execute(Tuple.of(id, after, limit + 1));
    }

    /** Every item of a benchmark as (pos, id, answer, answerType), in order: what scoring needs. */
    public Uni<RowSet<Row>> answers(long id) {
        return pool.preparedQuery("SELECT pos, item_id, item->>'answer', item->>'answerType' FROM benchmark_item WHERE benchmark_id = $1 ORDER BY pos")
                .execute(Tuple.of(id));
    }

    // --- models

    /** Stores a model; null when the name is taken. */
    public Uni<Model> insertModel(String name, String teacher, String trainedOn, String description) {
        return one("INSERT INTO model (name, teacher, trained_on, description) VALUES ($1, $2, $3::text::jsonb, $4) "
                + "ON CONFLICT (name) DO NOTHING RETURNING " + MODEL, Tuple.of(name, teacher, trainedOn, description), EvalRepository::model);
    }

    public Uni<Model> modelByName(String name) {
        return one("SELECT " + MODEL + " FROM model WHERE name = $1", Tuple.of(name), EvalRepository::model);
    }

    public Uni<List<Model>> models() {
        return pool.query("SELECT " + MODEL + " FROM model ORDER BY id").execute().map(rows -> all(rows, EvalRepository::model));
    }

    // --- runs

    /** Stores a run and one pending result per benchmark; null when the name is taken. */
    /** Inserts a run and its results in {@code conn}'s transaction; null when the name is taken. */
    public Uni<EvalRun> insertRun(SqlClient conn, String name, String model, String teacher, String request, List<Long> benchmarkIds) {
        return conn.preparedQuery("INSERT INTO eval_run (name, model, teacher, request) "
                                + "VALUES ($1, $2, $3, $4::text::jsonb) ON CONFLICT (name) DO NOTHING RETURNING " + RUN)
                .execute(Tuple.of(name, model, teacher, request))
                .chain(rows -> {
                    if (rows.size() == 0) {
                        return Uni.createFrom().nullItem();
                    }
                    EvalRun run = run(rows.iterator().next());
                    return conn.preparedQuery("INSERT INTO eval_result (run_id, benchmark_id) SELECT $1, unnest($2::bigint[])")
                            .execute(Tuple.of(run.id(), benchmarkIds.toArray(new Long[0]))).replaceWith(run);
                });
    }

    public Uni<EvalRun> runById(long id) {
        return one("SELECT " + RUN + " FROM eval_run WHERE id = $1", Tuple.of(id), EvalRepository::run);
    }

    public Uni<EvalRun> runByName(String name) {
        return one("SELECT " + RUN + " FROM eval_run WHERE name = $1", Tuple.of(name), EvalRepository::run);
    }

    public Uni<List<EvalRun>> runs() {
        return pool.query("SELECT " + RUN + " FROM eval_run ORDER BY id").execute().map(rows -> all(rows, EvalRepository::run));
    }

    /** The runs of a teacher report, oldest first. */
    public Uni<List<EvalRun>> runsOfReport(String report) {
        return pool.preparedQuery("SELECT " + RUN + " FROM eval_run WHERE request->>'report' = $1 ORDER BY id").execute(Tuple.of(report))
                .map(rows -> all(rows, EvalRepository::run));
    }

    public Uni<List<EvalRun>> running() {
        return pool.query("SELECT " + RUN + " FROM eval_run WHERE status = 'running' ORDER BY id").execute()
                .map(rows -> all(rows, EvalRepository::run));
    }

    /** A run's results in the order of its benchmarks (by benchmark id). */
    public Uni<List<EvalResult>> results(long runId) {
        return pool.preparedQuery("SELECT r.run_id, r.benchmark_id, b.name, r.job_id, r.status, r.metrics::text FROM eval_result r "
                        + "JOIN benchmark b ON b.id = r.benchmark_id WHERE r.run_id = $1 ORDER BY r.benchmark_id")
                .execute(Tuple.of(runId)).map(rows -> all(rows, EvalRepository::result));
    }

    public Uni<Void> setJob(SqlClient conn, long runId, long benchmarkId, long jobId) {
        return conn.preparedQuery("UPDATE eval_result SET job_id = $3 WHERE run_id = $1 AND benchmark_id = $2")
                .execute(Tuple.of(runId, benchmarkId, jobId)).replaceWithVoid();
    }

    /** Stores a benchmark's scored items and metrics in {@code conn}'s transaction (replacing an earlier try's). */
    public Uni<Void> completeResult(SqlClient conn, long runId, long benchmarkId, String metrics, List<ScoredItem> items) {
        int n = items.size();
        Integer[] pos = new Integer[n];
        String[] ids = new String[n];
        Integer[] passes = new Integer[n];
        Integer[] samples = new Integer[n];
        String[] records = new String[n];
        for (int i = 0; i < n; i++) {
            ScoredItem s = items.get(i);
            pos[i] = s.pos();
            ids[i] = s.itemId();
            passes[i] = s.passes();
            samples[i] = s.samples();
            records[i] = s.record();
        }
        return conn.preparedQuery("DELETE FROM eval_item WHERE run_id = $1 AND benchmark_id = $2")
                .execute(Tuple.of(runId, benchmarkId))
                .chain(() -> conn.preparedQuery("INSERT INTO eval_item (run_id, benchmark_id, pos, item_id, passes, samples, record) "
                                + "SELECT $1, $2, u.pos, u.id, u.passes, u.samples, u.record::jsonb "
                                + "FROM unnest($3::int[], $4::text[], $5::int[], $6::int[], $7::text[]) AS u(pos, id, passes, samples, record)")
                        .execute(Tuple.tuple(List.<Object>of(runId, benchmarkId, pos, ids, passes, samples, records))))
                .chain(() -> conn.preparedQuery("UPDATE eval_result SET status = 'complete', metrics = $3::text::jsonb "
                                + "WHERE run_id = $1 AND benchmark_id = $2")
                        .execute(Tuple.of(runId, benchmarkId, metrics)))
                .replaceWithVoid();
    }

    /** Completes a running run, in {@code conn}'s transaction; a run that ended before stays as it is. */
    public Uni<Void> completeRun(SqlClient conn, long runId) {
        return conn.preparedQuery("UPDATE eval_run SET status = 'complete', error = NULL, finished_at = now() WHERE id = $1 AND status = 'running'")
                .execute(Tuple.of(runId)).replaceWithVoid();
    }

    /** Fails a running run, in {@code conn}'s transaction; a run that ended before stays as it is. */
    public Uni<Void> failRun(SqlClient conn, long runId, String error) {
        return conn.preparedQuery("UPDATE eval_run SET status = 'failed', error = $2, finished_at = now() WHERE id = $1 AND status = 'running'")
                .execute(Tuple.of(runId, error)).replaceWithVoid();
    }

    /** Scored items of one benchmark of a run after a position, in order, one more than asked. */
    public Uni<RowSet<Row>> items(long runId, long benchmarkId, long after, int limit) {
        return pool.preparedQuery("SELECT pos, record::text FROM eval_item WHERE run_id = $1 AND benchmark_id = $2 AND pos > $3 "
                        + "ORDER BY pos LIMIT $4")
                .execute(Tuple.of(runId, benchmarkId, after, limit + 1));
    }

    public Uni<List<Passes>> passes(long runId, long benchmarkId) {
        return pool.preparedQuery("SELECT item_id, passes, samples FROM eval_item WHERE run_id = $1 AND benchmark_id = $2 ORDER BY pos")
                .execute(Tuple.of(runId, benchmarkId))
                .map(rows -> all(rows, r -> new Passes(r.getString(0), r.getInteger(1), r.getInteger(2))));
    }

    /** For every model and benchmark, the latest complete result of the model's runs. */
    public Uni<List<Standing>> standings() {
        return pool.query("""
                        SELECT DISTINCT ON (e.model, b.name) e.model, b.name, e.id, e.name, r.metrics::text
                        FROM eval_result r JOIN eval_run e ON e.id = r.run_id JOIN benchmark b ON b.id = r.benchmark_id
                        WHERE e.model IS NOT NULL AND r.status = 'complete'
                        ORDER BY e.model, b.name, e.id DESC""")
                .execute().map(rows -> all(rows, r -> new Standing(r.getString(0), r.getString(1), r.getLong(2), r.getString(3), r.getString(4))));
    }

    // --- mapping

    private <T> Uni<T> one(String sql, Tuple args, Function<Row, T> map) {
        return pool.preparedQuery(sql).execute(args).map(rows -> rows.size() == 0 ? null : map.apply(rows.iterator().next()));
    }

    private static <T> List<T> all(RowSet<Row> rows, Function<Row, T> map) {
        List<T> out = new ArrayList<>(rows.size());
        for (Row r : rows) {
            out.add(map.apply(r));
        }
        return out;
    }

    private static Benchmark benchmark(Row r) {
        String spec = r.getString(2);
        return new Benchmark(r.getLong(0), r.getString(1), spec == null || spec.isEmpty() ? null : spec, r.getString(3), r.getInteger(4),
                r.getString(5), r.getString(6), r.getInteger(7), r.getOffsetDateTime(8));
    }

    private static Model model(Row r) {
        return new Model(r.getLong(0), r.getString(1), r.getString(2), r.getString(3), r.getString(4), r.getOffsetDateTime(5));
    }

    private static EvalRun run(Row r) {
        return new EvalRun(r.getLong(0), r.getString(1), r.getString(2), r.getString(3), r.getString(4), r.getString(5), r.getString(6),
                r.getOffsetDateTime(7), r.getOffsetDateTime(8));
    }

    private static EvalResult result(Row r) {
        return new EvalResult(r.getLong(0), r.getLong(1), r.getString(2), r.getLong(3), r.getString(4), r.getString(5));
    }
}
