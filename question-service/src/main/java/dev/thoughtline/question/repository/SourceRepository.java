package dev.thoughtline.question.repository;

import dev.thoughtline.question.Source;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.HashMap;
import java.util.Map;

/** Sources, and the per-source counts of questions and repeats. */
@ApplicationScoped
public class SourceRepository implements PanacheRepositoryBase<Source, Long> {

    /** Distinct questions and repeats of one source. */
    public record Counts(long questions, long duplicates) {
        public static final Counts NONE = new Counts(0, 0);
    }

    private final Pool pool;

    public SourceRepository(Pool pool) {
        this.pool = pool;
    }

    public Uni<Source> findByName(String name) {
        return find("name", name).firstResult();
    }

    public Uni<Map<Long, Counts>> counts(Long sourceId) {
        String where = sourceId == null ? "" : " WHERE source_id = $1";
        Tuple args = sourceId == null ? Tuple.tuple() : Tuple.of(sourceId);
        return pool.preparedQuery("""
                        SELECT source_id, sum(q)::bigint, sum(d)::bigint FROM (
                          SELECT source_id, count(*) AS q, 0 AS d FROM question%1$s GROUP BY source_id
                          UNION ALL
                          SELECT source_id, 0, count(*) FROM question_duplicate%1$s GROUP BY source_id
                        ) c GROUP BY source_id""".formatted(where))
                .execute(args)
                .map(rows -> {
                    Map<Long, Counts> m = new HashMap<>();
                    for (Row r : rows) {
                        m.put(r.getLong(0), new Counts(r.getLong(1), r.getLong(2)));
                    }
                    return m;
                });
    }

    public static Counts of(Map<Long, Counts> counts, long id) {
        return counts.getOrDefault(id, Counts.NONE);
    }
}
