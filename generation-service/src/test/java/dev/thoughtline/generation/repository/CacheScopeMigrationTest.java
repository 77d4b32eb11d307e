package dev.thoughtline.generation.repository;

import dev.thoughtline.generation.service.CacheKeys;
import dev.thoughtline.support.SchemaMigrations;
import dev.thoughtline.testing.LocalPostgres;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.PoolOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The migration that keys the request cache by endpoint: keys stored before it (the digest of model, parameters,
 * prompts and sample index) become the keys the service computes now for the same sample of the same teacher, so
 * samples paid for stay reusable by their own endpoint and by no other.
 */
class CacheScopeMigrationTest {

    private static LocalPostgres pg;
    private static Vertx vertx;
    private static Pool pool;

    @BeforeAll
    static void start() {
        pg = LocalPostgres.start();
        pg.createDatabase("cache_scope");
        vertx = Vertx.vertx();
        PgConnectOptions connect = PgConnectOptions.fromUri(pg.reactiveUrl("cache_scope"))
                .setUser(LocalPostgres.USER).setPassword(LocalPostgres.PASSWORD);
        pool = Pool.newInstance(PgBuilder.pool().with(new PoolOptions().setMaxSize(1)).connectingTo(connect).using(vertx.getDelegate()).build());
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

    /** The key before the migration: the digest of the request alone, as V2-V7 stored it. */
    private static byte[] requestDigest(String model, String params, String prompt, int sample) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        for (String part : new String[] {model, params, "\u0000none", prompt, Integer.toString(sample)}) {
            byte[] b = part.getBytes(StandardCharsets.UTF_8);
            sha.update((b.length + ":").getBytes(StandardCharsets.US_ASCII));
            sha.update(b);
        }
        return sha.digest();
    }

    /** Bytes as hex: bytea goes in and out as text, so the test needs no Vert.x buffer of any class loader's. */
    private static String hex(byte[] b) {
        return java.util.HexFormat.of().formatHex(b);
    }

    private static Row one(String sql, Tuple args) {
        return pool.preparedQuery(sql).execute(args).await().indefinitely().iterator().next();
    }

    @Test
    void storedKeysBecomeTheKeysOfTheirTeachersEndpoint() throws Exception {
        int before = SchemaMigrator.SCRIPTS.indexOf("V8__cache_scope.sql");
        SchemaMigrations.apply(pool, 1, SchemaMigrator.SCRIPTS.subList(0, before));
        String params = "{\"seed\":0,\"temperature\":0.7}";
        long[] teachers = new long[2];
        String[] urls = {"http://vllm-a:8000/v1/", "http://vllm-b:8000/v1"};
        long[] jobs = new long[2];
        for (int i = 0; i < 2; i++) {
            teachers[i] = one("INSERT INTO teacher (name, base_url, model, max_concurrency) VALUES ($1, $2, 'qwq', 4) RETURNING id",
                    Tuple.of("t" + i, urls[i])).getLong(0);
            jobs[i] = one("INSERT INTO job (name, teacher_id, input, samples_per_item, prompt_template, params, request, status, loaded, task_count) "
                    + "VALUES ($1, $2, 'in', 2, '{{text}}', $3, '{}', 'running', true, 2) RETURNING id", Tuple.of("j" + i, teachers[i], params)).getLong(0);
            byte[] keys = new byte[64];
            System.arraycopy(requestDigest("qwq", params, "what is 2+2", 0), 0, keys, 0, 32);
            System.arraycopy(requestDigest("qwq", params, "what is 2+2", 1), 0, keys, 32, 32);
            pool.preparedQuery("INSERT INTO job_item (job_id, item_pos, item_id, item_text, item_meta, prompt, cache_keys) "
                    + "VALUES ($1, 1, 'q1', 'what is 2+2', '{}', 'what is 2+2', decode($2, 'hex'))").execute(Tuple.of(jobs[i], hex(keys))).await().indefinitely();
            pool.preparedQuery("INSERT INTO task (job_id, teacher_id, seq, item_pos, sample_index, cache_key) VALUES ($1, $2, 2, 1, 1, decode($3, 'hex'))")
                    .execute(Tuple.of(jobs[i], teachers[i], hex(requestDigest("qwq", params, "what is 2+2", 1)))).await().indefinitely();
            pool.preparedQuery("INSERT INTO result (job_id, seq, item_pos, sample_index, task_id, cache_key, reasoning, content, finish_reason, prompt_tokens, "
                            + "completion_tokens, latency_ms, attempts, cached) VALUES ($1, 1, 1, 0, 1, decode($2, 'hex'), '', '4', 'stop', 1, 1, 1, 1, false)")
                    .execute(Tuple.of(jobs[i], hex(requestDigest("qwq", params, "what is 2+2", 0)))).await().indefinitely();
        }

        SchemaMigrations.apply(pool, 1, SchemaMigrator.SCRIPTS);

        for (int i = 0; i < 2; i++) {
            String scope = one("SELECT cache_scope FROM teacher WHERE id = $1", Tuple.of(teachers[i])).getString(0);
            assertThat(scope).isEqualTo("http://vllm-" + (char) ('a' + i) + ":8000/v1");
            byte[] k0 = CacheKeys.of(scope, "qwq", params, null, "what is 2+2", 0);
            byte[] k1 = CacheKeys.of(scope, "qwq", params, null, "what is 2+2", 1);
            byte[] both = new byte[64];
            System.arraycopy(k0, 0, both, 0, 32);
            System.arraycopy(k1, 0, both, 32, 32);
            assertThat(one("SELECT encode(cache_keys, 'hex') FROM job_item WHERE job_id = $1", Tuple.of(jobs[i])).getString(0)).isEqualTo(hex(both));
            assertThat(one("SELECT encode(cache_key, 'hex') FROM task WHERE job_id = $1", Tuple.of(jobs[i])).getString(0)).isEqualTo(hex(k1));
            assertThat(one("SELECT encode(cache_key, 'hex') FROM result WHERE job_id = $1", Tuple.of(jobs[i])).getString(0)).isEqualTo(hex(k0));
        }
        // the two endpoints asked the same thing and no longer share a key
        assertThat(one("SELECT count(DISTINCT cache_key) FROM result", Tuple.tuple()).getLong(0)).isEqualTo(2);
        // a namespace is part of the scope
        pool.query("UPDATE teacher SET cache_namespace = 'run-2' WHERE id = " + teachers[1]).execute().await().indefinitely();
        assertThat(one("SELECT cache_scope FROM teacher WHERE id = $1", Tuple.of(teachers[1])).getString(0)).isEqualTo("http://vllm-b:8000/v1\nrun-2");
    }
}
