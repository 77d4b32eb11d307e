package dev.thoughtline.generation.repository;

import dev.thoughtline.support.SchemaMigrations;
import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.util.List;

/** Brings generation-service's schema up to date at startup (see {@link SchemaMigrations}). */
@ApplicationScoped
public class SchemaMigrator {

    /** The scripts in {@code db/migration}, oldest first; a new version is appended, never edited. */
    static final List<String> SCRIPTS = List.of("V1__teachers.sql", "V2__jobs.sql", "V3__claim_function.sql",
            "V4__store_function.sql", "V5__queue_plans.sql", "V6__claim_without_store.sql", "V7__task_ranges.sql", "V8__cache_scope.sql",
            "V9__idempotent_accounting.sql");

    private static final long LOCK = 0x7468_6f75_6768_7467L; // "thoughtg"

    void migrate(@Observes @Priority(1) StartupEvent event, Pool pool) {
        SchemaMigrations.apply(pool, LOCK, SCRIPTS);
    }
}
