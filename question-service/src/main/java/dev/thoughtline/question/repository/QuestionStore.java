package dev.thoughtline.question.repository;

import dev.thoughtline.support.PgErrors;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The bulk path for questions, in SQL on the reactive client: a batch is one multi-row insert built from
 * arrays ({@code unnest}), so an import costs a few statements per thousand questions instead of one per
 * question. Exact dedup is the unique index on {@code hash}: a question already stored, by any source,
 * becomes a {@code question_duplicate} row linked to it.
 */
@ApplicationScoped
public class QuestionStore {

    private final io.vertx.mutiny.sqlclient.Pool pool;

    public QuestionStore(io.vertx.mutiny.sqlclient.Pool pool) {
        this.pool = pool;
    }

    /** What one batch did. */
    public record BatchResult(int imported, int duplicates) {
    }

    /**
     * The fast path: skips hashes already stored with an anti-join. Cheaper per row than ON CONFLICT's
     * speculative insertion, but a question committed by a concurrent import between the check and the
     * insert fails the whole statement with a unique violation; {@link #INSERT_ON_CONFLICT} then redoes it.
     */
    private static final String INSERT = """
            INSERT INTO question (source_id, import_id, hash, external_id, text, answer, domain, metadata)
            SELECT $1, $2, u.h, u.e, u.t, u.a, u.d, u.m::jsonb
            FROM unnest($3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[]) AS u(h, e, t, a, d, m)
            WHERE NOT EXISTS (SELECT 1 FROM question q WHERE q.hash = u.h)
            RETURNING id, hash""";

    private static final String INSERT_ON_CONFLICT = """
            INSERT INTO question (source_id, import_id, hash, external_id, text, answer, domain, metadata)
            SELECT $1, $2, u.h, u.e, u.t, u.a, u.d, u.m::jsonb
            FROM unnest($3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[]) AS u(h, e, t, a, d, m)
            ON CONFLICT (hash) DO NOTHING
            RETURNING id, hash""";

    private static final String EXISTING = "SELECT id, hash FROM question WHERE hash = ANY($1::uuid[])";

    private static final String INSERT_DUPLICATES = """
            INSERT INTO question_duplicate (question_id, source_id, import_id, line, external_id)
            SELECT u.q, $1, $2, u.l, u.e FROM unnest($3::bigint[], $4::bigint[], $5::text[]) AS u(q, l, e)""";

    /**
     * Stores a batch: on a pool, each statement commits on its own; on a connection in a transaction, with
     * it. Rows are inserted in hash order so that concurrent imports take index locks in the
     * same order and cannot deadlock each other.
     */
    public Uni<BatchResult> insert(SqlClient client, long sourceId, long importId, List<Candidate> batch) {
        Map<UUID, Candidate> firsts = new HashMap<>(batch.size() * 2);
        List<Candidate> repeats = new ArrayList<>();
        for (Candidate c : batch) {
            if (firsts.putIfAbsent(c.hash(), c) != null) {
                repeats.add(c);
            }
        }
        Candidate[] unique = firsts.values().toArray(new Candidate[0]);
        Arrays.sort(unique, Comparator.comparing(Candidate::hash));
        int n = unique.length;
        UUID[] h = new UUID[n];
        String[] e = new String[n];
        String[] t = new String[n];
        String[] a = new String[n];
        String[] d = new String[n];
        String[] m = new String[n];
        for (int i = 0; i < n; i++) {
            Candidate c = unique[i];
            h[i] = c.hash();
            e[i] = c.externalId();
            t[i] = c.text();
            a[i] = c.answer();
            d[i] = c.domain();
            m[i] = c.metadataJson();
        }
        Tuple params = Tuple.tuple(List.of(sourceId, importId, h, e, t, a, d, m));
        // inside a transaction a failed statement would abort it: there, ON CONFLICT at once
        Uni<io.vertx.mutiny.sqlclient.RowSet<Row>> inserted = client instanceof io.vertx.mutiny.sqlclient.Pool
                ? client.preparedQuery(INSERT).execute(params).onFailure(PgErrors::isUniqueViolation)
                        .recoverWithUni(() -> client.preparedQuery(INSERT_ON_CONFLICT).execute(params))
                : client.preparedQuery(INSERT_ON_CONFLICT).execute(params);
        return inserted
                .chain(rows -> {
            Map<UUID, Long> ids = new HashMap<>(n * 2);
            for (Row r : rows) {
                ids.put(r.getUUID(1), r.getLong(0));
            }
            int imported = ids.size();
            List<Candidate> conflicted = new ArrayList<>();
            for (Candidate c : unique) {
                if (!ids.containsKey(c.hash())) {
                    conflicted.add(c);
                }
            }
            if (conflicted.isEmpty() && repeats.isEmpty()) {
                return Uni.createFrom().item(new BatchResult(imported, 0));
            }
            UUID[] wanted = conflicted.stream().map(Candidate::hash).toArray(UUID[]::new);
            Uni<Map<UUID, Long>> existing = wanted.length == 0 ? Uni.createFrom().item(ids)
                    : client.preparedQuery(EXISTING).execute(Tuple.of(wanted)).map(found -> {
                        for (Row r : found) {
                            ids.put(r.getUUID(1), r.getLong(0));
                        }
                        return ids;
                    });
            return existing.chain(all -> {
                List<Candidate> dups = new ArrayList<>(conflicted);
                dups.addAll(repeats);
                Long[] q = new Long[dups.size()];
                Long[] l = new Long[dups.size()];
                String[] x = new String[dups.size()];
                int k = 0;
                for (Candidate c : dups) {
                    Long id = all.get(c.hash());
                    if (id == null) {
                        continue;
                    }
                    q[k] = id;
                    l[k] = c.line();
                    x[k] = c.externalId();
                    k++;
                }
                int count = k;
                return client.preparedQuery(INSERT_DUPLICATES)
                        .execute(Tuple.tuple(List.of(sourceId, importId, Arrays.copyOf(q, k), Arrays.copyOf(l, k), Arrays.copyOf(x, k))))
                        .map(ignored -> new BatchResult(imported, count));
            });
        });
    }

    /** One question with its source name, or an empty set. */
    public Uni<io.vertx.mutiny.sqlclient.RowSet<Row>> find(long id) {
        return pool.preparedQuery("""
                        SELECT q.id, q.text, q.answer, coalesce(q.domain, s.domain), q.source_id, s.name, q.external_id,
                               q.metadata::text
                        FROM question q JOIN source s ON s.id = q.source_id WHERE q.id = $1""")
                .execute(Tuple.of(id));
    }

    /** The repeats of one question, oldest first. */
    public Uni<io.vertx.mutiny.sqlclient.RowSet<Row>> duplicatesOf(long id) {
        return pool.preparedQuery("""
                        SELECT d.source_id, s.name, d.import_id, d.line, d.external_id
                        FROM question_duplicate d JOIN source s ON s.id = d.source_id
                        WHERE d.question_id = $1 ORDER BY d.id LIMIT 1000""")
                .execute(Tuple.of(id));
    }
}
