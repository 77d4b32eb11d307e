import dev.thoughtline.testing.LocalPostgres;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * PostgreSQL's CPU for generation-service's queue alone, without the service: an embedded PostgreSQL, the
 * service's migrations, and a loop in one backend that loads a job, then claims and stores its samples, CHUNK at
 * a time, each claim and each store in a transaction of its own (as a worker's are). The backend's CPU is read
 * from its /proc/self/stat. Two paths on the same schema, alternating:
 * <ul>
 *   <li>{@code tasks}: the previous release's (migration V6): a task row per sample, {@code claim_tasks},
 *   {@code store_outcomes};</li>
 *   <li>{@code ranges}: this release's: items with their cache keys, a cursor (V7), {@code claim_work},
 *   {@code store_work_once}.</li>
 * </ul>
 * Usage (bench/queue-sql.sh builds the classpath): java -cp CP bench/QueueSqlBench.java [RUNS=5] [SAMPLES=20000] [CHUNK=29]
 */
public class QueueSqlBench {

    static final Path MIGRATIONS = Path.of("generation-service/src/main/resources/db/migration");

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int samples = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        int chunk = args.length > 2 ? Integer.parseInt(args[2]) : 29;
        System.out.printf("%d samples a run, claims and stores of %d; CPU-ms of the backend per 1,000 samples%n", samples, chunk);
        Map<String, List<Double>> totals = new TreeMap<>();
        try (LocalPostgres pg = LocalPostgres.start()) {
            for (int run = 1; run <= runs; run++) {
                for (String path : List.of("tasks", "ranges")) {
                    String db = "queue_" + path + "_" + run;
                    pg.createDatabase(db);
                    try (Connection c = DriverManager.getConnection("jdbc:postgresql://localhost:" + pg.port() + "/" + db,
                            LocalPostgres.USER, LocalPostgres.PASSWORD); Statement s = c.createStatement()) {
                        c.setAutoCommit(true);
                        for (Path m : migrations()) {
                            s.execute(Files.readString(m));
                        }
                        s.execute("""
                                CREATE FUNCTION cpu() RETURNS int LANGUAGE sql AS $$
                                  SELECT split_part(pg_read_file('/proc/self/stat'), ' ', 14)::int
                                       + split_part(pg_read_file('/proc/self/stat'), ' ', 15)::int $$""");
                        s.execute("CREATE TABLE timing (what text, ticks int)");
                        s.execute(path.equals("tasks") ? tasks(samples, chunk) : ranges(samples, chunk));
                        Map<String, Integer> ticks = new TreeMap<>();
                        try (ResultSet r = s.executeQuery("SELECT what, ticks FROM timing")) {
                            while (r.next()) {
                                ticks.put(r.getString(1), r.getInt(2));
                            }
                        }
                        long stored;
                        try (ResultSet r = s.executeQuery("SELECT count(*) FROM result")) {
                            r.next();
                            stored = r.getLong(1);
                        }
                        if (stored != samples) {
                            throw new IllegalStateException(path + ": " + stored + " results stored of " + samples);
                        }
                        try (ResultSet r = s.executeQuery("SELECT requests, completion_tokens FROM job")) {
                            r.next();
                            if (r.getLong(1) != samples || r.getLong(2) != 100L * samples) {
                                throw new IllegalStateException(path + ": the job counts " + r.getLong(1) + " requests and "
                                        + r.getLong(2) + " completion tokens for " + samples + " samples");
                            }
                        }
                        // ticks of 10 ms, per 1,000 samples
                        double per = 10.0 * 1000 / samples;
                        double total = (ticks.get("load") + ticks.get("claims") + ticks.get("stores")) * per;
                        totals.computeIfAbsent(path, k -> new ArrayList<>()).add(total);
                        System.out.printf("run %d, %-6s: load %.0f, claims %.0f, stores %.0f, total %.0f%n", run, path,
                                ticks.get("load") * per, ticks.get("claims") * per, ticks.get("stores") * per, total);
                    }
                }
            }
        }
        for (Map.Entry<String, List<Double>> e : totals.entrySet()) {
            List<Double> t = new ArrayList<>(e.getValue());
            Collections.sort(t);
            System.out.printf("median total, %s: %.0f CPU-ms per 1,000 samples (%.0f-%.0f)%n", e.getKey(), t.get(t.size() / 2),
                    t.get(0), t.get(t.size() - 1));
        }
    }

    static List<Path> migrations() throws Exception {
        try (var files = Files.list(MIGRATIONS)) {
            return files.filter(p -> p.getFileName().toString().matches("V\\d+__.*\\.sql"))
                    .sorted((a, b) -> Integer.compare(version(a), version(b))).toList();
        }
    }

    static int version(Path p) {
        String n = p.getFileName().toString();
        return Integer.parseInt(n.substring(1, n.indexOf("__")));
    }

    /** A job's teacher and job rows, and the answer every store writes. */
    static String setup() {
        return """
                INSERT INTO teacher (name, base_url, model, max_concurrency) VALUES ('t', 'http://t/v1', 'm', 64);
                INSERT INTO job (name, teacher_id, input, samples_per_item, prompt_template, params, request, status)
                VALUES ('j', currval('teacher_id_seq'), 'in', 1, 'Solve: {{text}}', '{}', '{}', 'running');
                """;
    }

    /** The previous release's path: the loader writes a task row per sample; claim_tasks, store_outcomes. */
    static String tasks(int samples, int chunk) {
        return setup() + """
                DO $$ DECLARE j bigint := currval('job_id_seq'); te bigint := currval('teacher_id_seq'); c0 int := cpu(); BEGIN
                  FOR b IN 0..%1$d LOOP
                    INSERT INTO job_item (job_id, item_pos, item_id, item_text, item_meta, prompt)
                    SELECT j, g, 'q-' || g, 'What is ' || g || ' * 7 + 13?', '{}', 'Solve: What is ' || g || ' * 7 + 13?'
                    FROM generate_series(b * 1000 + 1, b * 1000 + 1000) g;
                    INSERT INTO task (job_id, teacher_id, seq, item_pos, sample_index, cache_key)
                    SELECT j, te, g, g, 0, sha256((j || '-' || g)::bytea) FROM generate_series(b * 1000 + 1, b * 1000 + 1000) g;
                    UPDATE job SET task_count = task_count + 1000, item_count = item_count + 1000, loaded = (b = %1$d) WHERE id = j;
                    COMMIT;
                  END LOOP;
                  INSERT INTO timing VALUES ('load', cpu() - c0);
                END $$;
                DO $$ DECLARE te bigint := currval('teacher_id_seq'); j bigint := currval('job_id_seq'); ids bigint[]; n int; c0 int;
                  claim_t int := 0; store_t int := 0; txt text := repeat('we think about the answer and compute it ', 12); BEGIN
                  LOOP
                    c0 := cpu();
                    SELECT array_agg(c_id) INTO ids FROM claim_tasks(te, 'w', %2$d, 60000, NULL, NULL, 64, 10, 1000, 0, 0, '{}'::bigint[]);
                    claim_t := claim_t + cpu() - c0;
                    COMMIT;
                    EXIT WHEN ids IS NULL;
                    n := cardinality(ids);
                    c0 := cpu();
                    PERFORM * FROM store_outcomes('w', 5, ids, array_fill(txt, ARRAY[n]), array_fill('\\boxed{12}.'::text, ARRAY[n]),
                        array_fill('12'::text, ARRAY[n]), array_fill('stop'::text, ARRAY[n]), array_fill(9::bigint, ARRAY[n]),
                        array_fill(100::bigint, ARRAY[n]), array_fill(3::bigint, ARRAY[n]), '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}',
                        ARRAY[j], ARRAY[n::bigint], ARRAY[0::bigint], ARRAY[9::bigint * n], ARRAY[100::bigint * n]);
                    store_t := store_t + cpu() - c0;
                    COMMIT;
                  END LOOP;
                  INSERT INTO timing VALUES ('claims', claim_t), ('stores', store_t);
                END $$;
                """.formatted(samples / 1000 - 1, chunk);
    }

    /** This release's path: items with their cache keys and a cursor; claim_work, store_work_once. */
    static String ranges(int samples, int chunk) {
        return setup() + """
                DO $$ DECLARE j bigint := currval('job_id_seq'); te bigint := currval('teacher_id_seq'); c0 int := cpu(); BEGIN
                  FOR b IN 0..%1$d LOOP
                    INSERT INTO job_cursor (job_id, teacher_id) VALUES (j, te) ON CONFLICT (job_id) DO NOTHING;
                    INSERT INTO job_item (job_id, item_pos, item_id, item_text, item_meta, prompt, cache_keys)
                    SELECT j, g, 'q-' || g, 'What is ' || g || ' * 7 + 13?', '{}', 'Solve: What is ' || g || ' * 7 + 13?',
                           sha256((j || '-' || g)::bytea)
                    FROM generate_series(b * 1000 + 1, b * 1000 + 1000) g;
                    UPDATE job SET task_count = task_count + 1000, item_count = item_count + 1000, loaded = (b = %1$d) WHERE id = j;
                    COMMIT;
                  END LOOP;
                  INSERT INTO timing VALUES ('load', cpu() - c0);
                END $$;
                DO $$ DECLARE te bigint := currval('teacher_id_seq'); j bigint := currval('job_id_seq'); ids bigint[]; jb bigint[];
                  sq bigint[]; ps bigint[]; sm int[]; ks bytea[]; n int; c0 int; claim_t int := 0; store_t int := 0;
                  txt text := repeat('we think about the answer and compute it ', 12); BEGIN
                  LOOP
                    c0 := cpu();
                    SELECT array_agg(c_id), array_agg(c_job_id), array_agg(c_seq), array_agg(c_item_pos), array_agg(c_sample_index),
                           array_agg(c_cache_key)
                    INTO ids, jb, sq, ps, sm, ks
                    FROM claim_work(te, 'w', %2$d, 60000, NULL, NULL, 64, 10, 1000, 0, 0, '{}'::bigint[], '{}'::bigint[], '{}'::int[]);
                    claim_t := claim_t + cpu() - c0;
                    COMMIT;
                    EXIT WHEN ids IS NULL;
                    n := cardinality(ids);
                    c0 := cpu();
                    PERFORM * FROM store_work_once('w', 5, '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}',
                        '{}', '{}', '{}', '{}', '{}',
                        ids, jb, sq, ps, sm, ks, array_fill(txt, ARRAY[n]), array_fill('\\boxed{12}.'::text, ARRAY[n]),
                        array_fill('12'::text, ARRAY[n]), array_fill('stop'::text, ARRAY[n]), array_fill(9::bigint, ARRAY[n]),
                        array_fill(100::bigint, ARRAY[n]), array_fill(3::bigint, ARRAY[n]), array_fill(1, ARRAY[n]),
                        '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}');
                    store_t := store_t + cpu() - c0;
                    COMMIT;
                  END LOOP;
                  INSERT INTO timing VALUES ('claims', claim_t), ('stores', store_t);
                END $$;
                """.formatted(samples / 1000 - 1, chunk);
    }
}
