package dev.thoughtline.question.repository;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.thoughtline.question.QuestionDataset;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/** Question datasets: made in one SQL transaction with their items, read through Panache and SQL pages. */
@ApplicationScoped
public class DatasetRepository implements PanacheRepositoryBase<QuestionDataset, Long> {

    /** How many questions to take from one source. */
    public record Component(long sourceId, String sourceName, String sourceDomain, long count, Long requestedCount, Double weight) {
    }

    private final Pool pool;
    private final ObjectMapper mapper;

    public DatasetRepository(Pool pool, ObjectMapper mapper) {
        this.pool = pool;
        this.mapper = mapper;
    }

    /**
     * Makes a mix in one REPEATABLE READ transaction (counts, sample and items see one snapshot) and returns
     * its id. Items are ordered by the same seeded hash that picked them, so sources are interleaved.
     */
    public Uni<Long> createMix(String name, long seed, List<Component> components, JsonNode request) {
        return pool.withTransaction(conn -> conn.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ").execute()
                .chain(() -> watermarks(conn, components))
                .chain(marks -> parents(conn, components).chain(parents -> {
                    long total = components.stream().mapToLong(Component::count).sum();
                    ObjectNode recipe = mapper.createObjectNode();
                    recipe.put("type", "mix");
                    recipe.put("seed", seed);
                    recipe.put("selection", "the count lowest hashtextextended(question id, seed) of each source, "
                            + "among its questions with id <= maxQuestionId");
                    ArrayNode comps = recipe.putArray("components");
                    for (int i = 0; i < components.size(); i++) {
                        Component c = components.get(i);
                        ObjectNode o = comps.addObject();
                        o.put("source", c.sourceName());
                        o.put("sourceId", c.sourceId());
                        o.put("count", c.count());
                        if (c.weight() != null) {
                            o.put("weight", c.weight());
                        }
                        o.put("maxQuestionId", marks.get(i));
                    }
                    recipe.set("request", request);
                    return conn.preparedQuery("""
                                    INSERT INTO dataset (name, kind, status, item_count, parents, recipe)
                                    VALUES ($1, 'question', 'complete', $2, $3, $4) RETURNING id""")
                            .execute(Tuple.of(name, total, parents.toString(), recipe.toString()))
                            .map(rows -> rows.iterator().next().getLong(0))
                            .call(id -> insertItems(conn, id, seed, components, marks).invoke(rows -> {
                                if (rows.rowCount() != total) {
                                    // positions must be dense 1..item_count: paging relies on it
                                    throw new IllegalStateException("mix " + name + " picked " + rows.rowCount()
                                            + " questions, expected " + total);
                                }
                            }).chain(() -> conn.preparedQuery("""
                                    UPDATE dataset SET max_line_bytes = coalesce(
                                      (SELECT max(octet_length(line)) FROM dataset_item WHERE dataset_id = $1), 0)
                                    WHERE id = $1""").execute(Tuple.of(id))));
                })));
    }

    private Uni<List<Long>> watermarks(SqlConnection conn, List<Component> components) {
        Long[] ids = components.stream().map(Component::sourceId).toArray(Long[]::new);
        return conn.preparedQuery("SELECT source_id, max(id) FROM question WHERE source_id = ANY($1) GROUP BY source_id")
                .execute(Tuple.of(ids))
                .map(rows -> {
                    java.util.Map<Long, Long> max = new java.util.HashMap<>();
                    for (Row r : rows) {
                        max.put(r.getLong(0), r.getLong(1));
                    }
                    List<Long> out = new ArrayList<>();
                    for (Component c : components) {
                        out.add(max.getOrDefault(c.sourceId(), 0L));
                    }
                    return out;
                });
    }

    /** The DatasetRefs the mixed sources were imported from: the mix's parents. */
    private Uni<ArrayNode> parents(SqlConnection conn, List<Component> components) {
        Long[] ids = components.stream().map(Component::sourceId).toArray(Long[]::new);
        return conn.preparedQuery("SELECT params FROM import_run WHERE source_id = ANY($1) AND kind = 'DATASET'")
                .execute(Tuple.of(ids))
                .map(rows -> {
                    TreeSet<String> refs = new TreeSet<>();
                    for (Row r : rows) {
                        try {
                            JsonNode from = mapper.readTree(r.getString(0)).get("from");
                            if (from != null && from.isTextual()) {
                                refs.add(from.textValue());
                            }
                        } catch (Exception ignored) {
                            // an unreadable params record only loses a lineage edge
                        }
                    }
                    ArrayNode a = mapper.createArrayNode();
                    refs.forEach(a::add);
                    return a;
                });
    }

    /**
     * Picks each component's questions and stores them with their rendered NDJSON lines. The lines are
     * built by concatenation ({@code to_json} escapes the strings): several times cheaper than
     * {@code json_build_object} over millions of rows. The source's name and domain come in as parameters,
     * so the picked rows are read in one pass over the source's questions, with no join.
     */
    private Uni<RowSet<Row>> insertItems(SqlConnection conn, long datasetId, long seed, List<Component> components,
                                         List<Long> marks) {
        StringBuilder sql = new StringBuilder("""
                INSERT INTO dataset_item (dataset_id, position, question_id, line)
                SELECT $1, row_number() OVER (ORDER BY k, id), id,
                       convert_to('{"id":"' || id || '","text":' || to_json(text)::text || ',"domain":"' || dom
                                  || '","source":' || src || coalesce(',"answer":' || to_json(answer)::text, '')
                                  || ',"metadata":' || metadata::text || '}', 'UTF8')
                FROM (""");
        List<Object> args = new ArrayList<>(List.of(datasetId, seed));
        for (int i = 0; i < components.size(); i++) {
            Component c = components.get(i);
            int p = args.size();
            sql.append(i == 0 ? "\n" : "\nUNION ALL\n")
                    .append("(SELECT q.id, hashtextextended(q.id::text, $2) AS k, q.text, q.answer, lower(coalesce(q.domain, $")
                    .append(p + 1).append(")) AS dom, to_json($").append(p + 2).append("::text)::text AS src, q.metadata")
                    .append(" FROM question q WHERE q.source_id = $").append(p + 3).append(" AND q.id <= $").append(p + 4)
                    .append(" ORDER BY k, q.id LIMIT $").append(p + 5).append(")");
            args.add(c.sourceDomain());
            args.add(c.sourceName());
            args.add(c.sourceId());
            args.add(marks.get(i));
            args.add(c.count());
        }
        sql.append("\n) picked");
        return conn.query("SET LOCAL work_mem = '256MB'").execute()
                .chain(() -> conn.preparedQuery(sql.toString()).execute(Tuple.tuple(args)));
    }

    /**
     * One page: (position, NDJSON line as UTF-8 bytes) of the items after position {@code after}, at most
     * {@code limit}. Positions are dense, so the page is a bounded range of the primary key: the plan stays
     * an index range scan whatever the statistics say.
     */
    public Uni<RowSet<Row>> page(long datasetId, long after, int limit) {
        return pool.preparedQuery("""
                        SELECT position, line FROM dataset_item
                        WHERE dataset_id = $1 AND position > $2 AND position <= $2 + $3
                        ORDER BY position""")
                .execute(Tuple.of(datasetId, after, limit));
    }
}
