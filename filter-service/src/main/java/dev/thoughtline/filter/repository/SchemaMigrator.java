package dev.thoughtline.filter.repository;

import dev.thoughtline.support.SchemaMigrations;
import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.util.List;

/** Brings filter-service's schema up to date at startup (see {@link SchemaMigrations}). */
@ApplicationScoped
public class SchemaMigrator {

    /** The scripts in {@code db/migration}, oldest first; a new version is appended, never edited. */
    static final List<String> SCRIPTS = List.of("V1__filter_runs.sql", "V2__stages.sql", "V3__item_bytes.sql", "support/work_lease.sql",
            "V5__run_leases.sql", "V6__sharded_runs.sql", "V7__shard_phases.sql");

    private static final long LOCK = 0x7468_6f75_6768_7466L; // "thoughtf"

    void migrate(@Observes @Priority(1) StartupEvent event, Pool pool) {
        SchemaMigrations.apply(pool, LOCK, SCRIPTS);
    }
}
