package dev.thoughtline.generation.repository;

import dev.thoughtline.generation.Teacher;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.List;

/**
 * Teachers, by id and by name. Registration goes through Panache; the workers and job submission read
 * detached snapshots with plain SQL, outside any Hibernate session (teachers never change once registered).
 */
@ApplicationScoped
public class TeacherRepository implements PanacheRepositoryBase<Teacher, Long> {

    private static final String COLUMNS = "id, name, base_url, model, api_key_env, temperature, top_p, max_tokens, rpm, tpm, "
            + "max_concurrency, input_per_mtok, output_per_mtok, supports_n, created_at, cache_namespace, cache_scope";

    private final Pool pool;

    public TeacherRepository(Pool pool) {
        this.pool = pool;
    }

    public Uni<Teacher> findByName(String name) {
        return find("name", name).firstResult();
    }

    /** Every teacher, detached. */
    public Uni<List<Teacher>> snapshot() {
        return pool.query("SELECT " + COLUMNS + " FROM teacher ORDER BY id").execute().map(rows -> {
            List<Teacher> out = new ArrayList<>(rows.size());
            rows.forEach(r -> out.add(detached(r)));
            return out;
        });
    }

    /** The teacher named {@code name}, detached, or null. */
    public Uni<Teacher> snapshotByName(String name) {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM teacher WHERE name = $1").execute(Tuple.of(name))
                .map(rows -> rows.size() == 0 ? null : detached(rows.iterator().next()));
    }

    /** The teacher with id {@code id}, detached, or null. */
    public Uni<Teacher> snapshotById(long id) {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM teacher WHERE id = $1").execute(Tuple.of(id))
                .map(rows -> rows.size() == 0 ? null : detached(rows.iterator().next()));
    }

    private static Teacher detached(Row r) {
        Teacher t = new Teacher();
        t.id = r.getLong("id");
        t.name = r.getString("name");
        t.baseUrl = r.getString("base_url");
        t.model = r.getString("model");
        t.apiKeyEnv = r.getString("api_key_env");
        t.cacheNamespace = r.getString("cache_namespace");
        t.cacheScope = r.getString("cache_scope");
        t.temperature = r.getDouble("temperature");
        t.topP = r.getDouble("top_p");
        t.maxTokens = r.getInteger("max_tokens");
        t.rpm = r.getInteger("rpm");
        t.tpm = r.getLong("tpm");
        t.maxConcurrency = r.getInteger("max_concurrency");
        t.inputPerMTok = r.getDouble("input_per_mtok");
        t.outputPerMTok = r.getDouble("output_per_mtok");
        t.supportsN = r.getBoolean("supports_n");
        t.createdAt = r.getOffsetDateTime("created_at").toInstant();
        return t;
    }
}
