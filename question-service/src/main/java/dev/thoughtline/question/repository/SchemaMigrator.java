package dev.thoughtline.question.repository;

import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Applies the versioned SQL scripts in {@code db/migration} at startup, each once, in order. Replicas
 * starting together serialise on a PostgreSQL advisory lock, so exactly one applies each script.
 * The scripts are plain SQL so the schema can hold what the bulk paths need (arrays, partial indexes).
 */
@ApplicationScoped
public class SchemaMigrator {

    /** The scripts, oldest first; a new version is appended, never edited. */
    static final List<String> SCRIPTS = List.of("V1__questions.sql");

    private static final long LOCK = 0x7468_6f75_6768_7471L; // "thoughtq"

    void migrate(@Observes @Priority(1) StartupEvent event, Pool pool) {
        pool.withTransaction(conn -> conn.query("SELECT pg_advisory_xact_lock(" + LOCK + ")").execute()
                .chain(() -> conn.query("""
                        CREATE TABLE IF NOT EXISTS schema_version (
                            version int PRIMARY KEY, script text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())""")
                        .execute())
                .chain(() -> conn.query("SELECT coalesce(max(version), 0) FROM schema_version").execute())
                .chain(rows -> {
                    int current = rows.iterator().next().getInteger(0);
                    io.smallrye.mutiny.Uni<Void> chain = io.smallrye.mutiny.Uni.createFrom().voidItem();
                    for (int v = current + 1; v <= SCRIPTS.size(); v++) {
                        int version = v;
                        String script = SCRIPTS.get(v - 1);
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

    private static String read(String script) {
        try (InputStream in = SchemaMigrator.class.getClassLoader().getResourceAsStream("db/migration/" + script)) {
            if (in == null) {
                throw new IllegalStateException("missing db/migration/" + script);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
