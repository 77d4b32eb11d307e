package dev.thoughtline.question.repository;

import dev.thoughtline.question.ImportRun;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/**
 * Import runs: read through Panache; written with SQL so that a page's questions and the run's progress
 * commit in one transaction (a resumed import then starts exactly where the last commit ended).
 */
@ApplicationScoped
public class ImportRunRepository implements PanacheRepositoryBase<ImportRun, Long> {

    /** The counts and state written after each batch. */
    public record Progress(long received, long imported, long duplicates, long rejected, String errorsJson,
                           String cursor, ImportRun.Status status, String failure) {
    }

    private final Pool pool;

    public ImportRunRepository(Pool pool) {
        this.pool = pool;
    }

    /** A run and the worker that may write it. */
    public record Claim(long id, UUID worker) {
    }

    /** The run was handed to another worker (a resume); this one must stop without writing. */
    public static final class Superseded extends RuntimeException {
        public Superseded(long id) {
            super("import " + id + " was handed to another worker", null, false, false);
        }
    }

    public Uni<Claim> create(long sourceId, ImportRun.Kind kind, String paramsJson, String cursor) {
        return create(pool, sourceId, kind, paramsJson, cursor);
    }

    /** Creates a run in {@code client}'s transaction, held by a new worker. */
    public Uni<Claim> create(SqlClient client, long sourceId, ImportRun.Kind kind, String paramsJson, String cursor) {
        UUID worker = UUID.randomUUID();
        return client.preparedQuery("""
                        INSERT INTO import_run (source_id, kind, status, params, cursor, worker)
                        VALUES ($1, $2, 'RUNNING', $3, $4, $5) RETURNING id""")
                .execute(Tuple.of(sourceId, kind.name(), paramsJson, cursor, worker))
                .map(rows -> new Claim(rows.iterator().next().getLong(0), worker));
    }

    /** Writes a run's progress if {@code claim} still holds it; fails with {@link Superseded} otherwise. */
    public Uni<Void> save(SqlClient client, Claim claim, Progress p) {
        return client.preparedQuery("""
                        UPDATE import_run SET received = $2, imported = $3, duplicates = $4, rejected = $5,
                          errors = $6, cursor = $7, status = $8, failure = $9, updated_at = now()
                        WHERE id = $1 AND worker = $10""")
                .execute(Tuple.tuple(Arrays.asList(claim.id(), p.received(), p.imported(), p.duplicates(), p.rejected(),
                        p.errorsJson(), p.cursor(), p.status().name(), p.failure(), claim.worker())))
                .invoke(rows -> {
                    if (rows.rowCount() == 0) {
                        throw new Superseded(claim.id());
                    }
                })
                .replaceWithVoid();
    }

    public Uni<Void> save(Claim claim, Progress p) {
        return save(pool, claim, p);
    }

    /**
     * Hands a failed paged import, or one whose worker went silent for {@code staleAfter}, to a new worker.
     * Returns null when the run is complete, still running, or not a paged import.
     */
    public Uni<Claim> claimForResume(long id, Duration staleAfter) {
        UUID worker = UUID.randomUUID();
        return pool.preparedQuery("""
                        UPDATE import_run SET status = 'RUNNING', failure = NULL, worker = $3, updated_at = now()
                        WHERE id = $1 AND kind <> 'NDJSON'
                          AND (status = 'FAILED' OR (status = 'RUNNING' AND updated_at < now() - make_interval(secs => $2)))
                        RETURNING id""")
                .execute(Tuple.of(id, (double) staleAfter.toMillis() / 1000.0, worker))
                .map(rows -> rows.size() == 1 ? new Claim(id, worker) : null);
    }

    /**
     * Hands a running paged import to a new worker of this replica (its lease was taken over): the old worker's next
     * write fails with {@link Superseded}. Null when the run is no longer running or is an upload.
     */
    public Uni<Claim> takeOver(long id) {
        UUID worker = UUID.randomUUID();
        return pool.preparedQuery("""
                        UPDATE import_run SET worker = $2, updated_at = now()
                        WHERE id = $1 AND status = 'RUNNING' AND kind <> 'NDJSON' RETURNING id""")
                .execute(Tuple.of(id, worker))
                .map(rows -> rows.size() == 1 ? new Claim(id, worker) : null);
    }

    public Uni<List<ImportRun>> listBySource(long sourceId) {
        return list("sourceId = ?1 order by id desc", sourceId);
    }
}
