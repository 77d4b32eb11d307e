package dev.thoughtline.question.repository;

import dev.thoughtline.support.SchemaMigrations;
import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.util.List;

/** Brings question-service's schema up to date at startup (see {@link SchemaMigrations}). */
@ApplicationScoped
public class SchemaMigrator {

    /** The scripts in {@code db/migration}, oldest first; a new version is appended, never edited. */
    static final List<String> SCRIPTS = List.of("V1__questions.sql", "support/work_lease.sql", "V3__import_leases.sql");

    private static final long LOCK = 0x7468_6f75_6768_7471L; // "thoughtq"

    void migrate(@Observes @Priority(1) StartupEvent event, Pool pool) {
        SchemaMigrations.apply(pool, LOCK, SCRIPTS);
    }
}
