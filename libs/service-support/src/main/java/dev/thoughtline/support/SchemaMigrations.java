package dev.thoughtline.support;

import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Applies a service's versioned SQL scripts ({@code db/migration/V1__x.sql}, ...), each once and in order,
 * recording them in {@code schema_version}. Replicas starting together serialise on a PostgreSQL advisory
 * lock, so exactly one applies each script. Plain SQL lets a schema hold what bulk paths need (arrays,
 * partial indexes) that entity mappings cannot express. A service lists its scripts in code (no classpath
 * scanning: native images cannot list resources) and includes them with
 * {@code quarkus.native.resources.includes=db/migration/*.sql}.
 */
public final class SchemaMigrations {

    private SchemaMigrations() {
    }

    /**
     * Brings the schema up to date; blocks (call it from a startup observer).
     *
     * @param lockKey a key of this service's own: services sharing a database must not share it
     * @param scripts file names under {@code db/migration}, oldest first; a new version is appended, never edited. A
     *                name with a slash is a path under {@code db/}: {@code support/work_lease.sql} is service-support's
     *                own script, shared by the services that use {@link WorkLeases}
     */
    public static void apply(Pool pool, long lockKey, List<String> scripts) {
        // no NOTICE for the schema_version table that exists at every start but the first, nor for a script's IF EXISTS
        pool.withTransaction(conn -> conn.query("SET LOCAL client_min_messages = warning").execute()
                .chain(() -> conn.query("SELECT pg_advisory_xact_lock(" + lockKey + ")").execute())
                .chain(() -> conn.query("""
                        CREATE TABLE IF NOT EXISTS schema_version (
                            version int PRIMARY KEY, script text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())""")
                        .execute())
                .chain(() -> conn.query("SELECT coalesce(max(version), 0) FROM schema_version").execute())
                .chain(rows -> {
                    int current = rows.iterator().next().getInteger(0);
                    Uni<Void> chain = Uni.createFrom().voidItem();
                    for (int v = current + 1; v <= scripts.size(); v++) {
                        int version = v;
                        String script = scripts.get(v - 1);
                        chain = chain.chain(() -> conn.query(read(script)).execute())
                                .chain(() -> conn.preparedQuery("INSERT INTO schema_version (version, script) VALUES ($1, $2)")
                                        .execute(Tuple.of(version, script)))
                                .invoke(() -> Log.infof("applied schema %s", script))
                                .replaceWithVoid();
                    }
                    return chain;
                }))
                .await().indefinitely();
    }

    private static String path(String script) {
        return script.indexOf('/') >= 0 ? "db/" + script : "db/migration/" + script;
    }

    private static String read(String script) {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        try (InputStream in = (loader != null ? loader : SchemaMigrations.class.getClassLoader())
                .getResourceAsStream(path(script))) {
            if (in == null) {
                throw new IllegalStateException("missing " + path(script));
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
