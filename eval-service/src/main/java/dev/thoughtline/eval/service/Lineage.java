package dev.thoughtline.eval.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.thoughtline.contracts.DatasetClient;
import dev.thoughtline.contracts.DatasetRef;
import dev.thoughtline.contracts.DatasetStatus;
import dev.thoughtline.contracts.Excerpt;
import dev.thoughtline.eval.config.EvalConfig;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The lineage of datasets (their {@code parents}, followed through the contract whichever server serves them) as the
 * leaderboard shows it. The refs are what callers registered with their models, so the crawl is bounded: at most
 * {@code max-datasets} descriptions and {@code max-depth} generations, a few at a time, each within
 * {@code request-timeout} and all within {@code budget};
 * what the budget leaves unread is marked so, not waited for. Descriptions are cached (complete datasets never
 * change: for {@code cache-complete}; others for {@code cache-other}), so a leaderboard asks each server once in a
 * while, not at every request. Every request goes through the outbound policy of the {@link DatasetClient}.
 */
@ApplicationScoped
public class Lineage {

    private record Cached(ObjectNode node, long expiresNanos) {
    }

    private final DatasetClient datasets;
    private final ObjectMapper mapper;
    private final EvalConfig.Lineage config;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    public Lineage(DatasetClient datasets, ObjectMapper mapper, EvalConfig config) {
        this.datasets = datasets;
        this.mapper = mapper;
        this.config = config.lineage();
    }

    /**
     * The descriptions of {@code refs} and their ancestors, keyed by ref, breadth first. Each is {@code {dataset, name,
     * kind, status, itemCount, recipe, parents}}, or {@code {dataset, error, parents: []}} when it could not be read.
     * Blocking: at most the configured budget.
     */
    public Map<String, ObjectNode> of(Collection<String> refs) {
        long deadline = System.nanoTime() + config.budget().toNanos();
        Map<String, ObjectNode> out = new LinkedHashMap<>();
        Set<String> level = new LinkedHashSet<>(refs);
        for (int depth = 0; depth <= config.maxDepth() && !level.isEmpty(); depth++) {
            List<String> wanted = new ArrayList<>();
            for (String ref : level) {
                if (!out.containsKey(ref) && out.size() + wanted.size() < config.maxDatasets()) {
                    wanted.add(ref);
                }
            }
            Map<String, ObjectNode> described = describeAll(wanted, deadline);
            Set<String> next = new LinkedHashSet<>();
            for (String ref : wanted) {
                ObjectNode node = described.get(ref);
                out.put(ref, node);
                if (depth < config.maxDepth()) {
                    node.path("parents").forEach(p -> next.add(p.asText()));
                }
            }
            level = next;
        }
        return out;
    }

    private Map<String, ObjectNode> describeAll(List<String> refs, long deadline) {
        Map<String, ObjectNode> out = new ConcurrentHashMap<>();
        List<String> missing = new ArrayList<>();
        long now = System.nanoTime();
        for (String ref : refs) {
            Cached c = cache.get(ref);
            if (c != null && c.expiresNanos() - now > 0) {
                out.put(ref, c.node().deepCopy());
            } else {
                missing.add(ref);
            }
        }
        long left = deadline - now;
        if (!missing.isEmpty() && left > 0) {
            try {
                Multi.createFrom().iterable(missing)
                        .onItem().transformToUni(ref -> describe(ref).invoke(node -> out.put(ref, node))
                                .ifNoItem().after(config.requestTimeout()).recoverWithItem(() -> null))
                        .merge(config.concurrency())
                        .collect().last()
                        .await().atMost(Duration.ofNanos(left));
            } catch (io.smallrye.mutiny.TimeoutException late) {
                // what was read is kept; the rest is marked below
            }
        }
        for (String ref : refs) {
            out.computeIfAbsent(ref, r -> unread(r, "not read: its server did not answer within the time the leaderboard allows"));
        }
        return out;
    }

    private Uni<ObjectNode> describe(String ref) {
        DatasetRef dataset;
        try {
            dataset = DatasetRef.of(ref);
        } catch (IllegalArgumentException e) {
            return Uni.createFrom().item(remember(ref, unread(ref, "not a DatasetRef"), config.cacheOther()));
        }
        return datasets.info(dataset)
                .map(info -> {
                    ObjectNode o = mapper.createObjectNode().put("dataset", ref);
                    o.put("name", Excerpt.clean(info.name(), 200)).put("kind", info.kind().name().toLowerCase(java.util.Locale.ROOT))
                            .put("status", info.status().name().toLowerCase(java.util.Locale.ROOT)).put("itemCount", info.itemCount());
                    o.set("recipe", mapper.valueToTree(info.recipe()));
                    ArrayNode parents = o.putArray("parents");
                    info.parents().stream().limit(config.maxDatasets()).forEach(p -> parents.add(p.url()));
                    return remember(ref, o, info.status() == DatasetStatus.COMPLETE ? config.cacheComplete() : config.cacheOther());
                })
                .onFailure().recoverWithItem(e -> remember(ref, unread(ref, "cannot read it: " + e.getMessage()), config.cacheOther()));
    }

    private ObjectNode unread(String ref, String why) {
        ObjectNode o = mapper.createObjectNode().put("dataset", ref).put("error", why);
        o.putArray("parents");
        return o;
    }

    private ObjectNode remember(String ref, ObjectNode node, Duration ttl) {
        if (cache.size() >= config.cacheSize()) {
            // the cache is a convenience: past its size it starts again rather than tracking use
            cache.clear();
        }
        cache.put(ref, new Cached(node.deepCopy(), System.nanoTime() + ttl.toNanos()));
        return node;
    }
}
