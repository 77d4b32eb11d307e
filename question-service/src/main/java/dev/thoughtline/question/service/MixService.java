package dev.thoughtline.question.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.thoughtline.contracts.DatasetInfo;
import dev.thoughtline.contracts.DatasetKind;
import dev.thoughtline.contracts.DatasetRef;
import dev.thoughtline.contracts.DatasetStatus;
import dev.thoughtline.question.QuestionDataset;
import dev.thoughtline.question.Source;
import dev.thoughtline.question.repository.DatasetRepository;
import dev.thoughtline.question.repository.SourceRepository;
import dev.thoughtline.support.ApiException;
import dev.thoughtline.support.PgErrors;
import dev.thoughtline.question.rest.MixRequest;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Mixes sources into an immutable question dataset. Which questions a component takes is decided by
 * PostgreSQL's seeded hash of each question id ({@code hashtextextended(id, seed)}): the same seed over the
 * same questions gives the same ids, without holding a source's ids in memory. The recipe records the
 * highest question id of each source at mixing time, so the sample can be drawn again after more imports.
 */
@ApplicationScoped
public class MixService {

    /** A dataset and whether this call made it. */
    public record Mixed(DatasetInfo dataset, boolean created) {
    }

    /** A resolved component: how many questions to take from which source. */
    record Share(Source source, long count, Long requestedCount, Double weight) {
    }

    /** More items than any mix can hold: bounds every count and size before arithmetic on them. */
    static final long MAX_ITEMS = 1L << 40;

    private final SourceRepository sources;
    private final DatasetRepository datasets;
    private final DatasetService views;
    private final ObjectMapper mapper;

    public MixService(SourceRepository sources, DatasetRepository datasets, DatasetService views, ObjectMapper mapper) {
        this.sources = sources;
        this.datasets = datasets;
        this.views = views;
        this.mapper = mapper;
    }

    @WithSession
    public Uni<Mixed> mix(MixRequest req) {
        validate(req);
        JsonNode request = mapper.valueToTree(normalized(req));
        return datasets.find("name", req.name().trim()).<QuestionDataset>firstResult().chain(existing -> {
            if (existing != null) {
                return sameRequest(existing, request)
                        ? Uni.createFrom().item(new Mixed(views.toInfo(existing), false))
                        : Uni.createFrom().failure(ApiException.conflict("a dataset named '" + existing.name
                        + "' exists with another recipe: " + views.toInfo(existing).ref()));
            }
            return sources.listAll().chain(all -> resolve(req, all)
                    .chain(shares -> datasets.createMix(req.name().trim(), seed(req), shares.stream()
                            .map(s -> new DatasetRepository.Component(s.source().id, s.source().name, s.source().domain.name(), s.count(),
                                    s.requestedCount(), s.weight()))
                            .toList(), request)))
                    .chain(id -> datasets.findById(id))
                    .map(d -> new Mixed(views.toInfo(d), true));
        }).onFailure(PgErrors::isUniqueViolation).recoverWithUni(() ->
                // the same name was mixed concurrently: answer as if this request came second
                datasets.find("name", req.name().trim()).<QuestionDataset>firstResult().map(existing -> {
                    if (existing != null && sameRequest(existing, request)) {
                        return new Mixed(views.toInfo(existing), false);
                    }
                    throw ApiException.conflict("a dataset named '" + req.name().trim() + "' was made meanwhile with another recipe");
                }));
    }

    private Uni<List<Share>> resolve(MixRequest req, List<Source> all) {
        Map<String, Source> byName = new LinkedHashMap<>();
        Map<Long, Source> byId = new LinkedHashMap<>();
        for (Source s : all) {
            byName.put(s.name, s);
            byId.put(s.id, s);
        }
        List<MixRequest.Component> comps = req.components() == null ? List.of() : req.components();
        List<Source> listed = new ArrayList<>();
        Set<Long> seen = new HashSet<>();
        for (MixRequest.Component c : comps) {
            Source s = byName.get(c.source().trim());
            if (s == null && c.source().trim().chars().allMatch(Character::isDigit)) {
                try {
                    s = byId.get(Long.parseLong(c.source().trim()));
                } catch (NumberFormatException tooLong) {
                    s = null;
                }
            }
            if (s == null) {
                throw ApiException.unprocessable("source '" + c.source() + "' does not exist");
            }
            if (!seen.add(s.id)) {
                throw ApiException.badRequest("source '" + s.name + "' is listed twice");
            }
            listed.add(s);
        }
        return sources.counts(null).map(counts -> {
            List<Share> shares = new ArrayList<>();
            if (req.topN() != null) {
                List<Source> candidates = listed.isEmpty() ? all : listed;
                if (req.topN() > candidates.size()) {
                    throw ApiException.unprocessable("topN is " + req.topN() + " but there are only "
                            + candidates.size() + " candidate sources");
                }
                List<Source> top = candidates.stream()
                        .sorted(Comparator.comparing((Source s) -> s.quality == null ? Double.NEGATIVE_INFINITY : s.quality)
                                .reversed().thenComparing(s -> s.name))
                        .limit(req.topN()).toList();
                long[] split = largestRemainder(req.size(), top.stream().map(s -> 1.0).toList());
                for (int i = 0; i < top.size(); i++) {
                    shares.add(new Share(top.get(i), split[i], null, 1.0));
                }
            } else {
                long fixed = comps.stream().filter(c -> c.count() != null).mapToLong(MixRequest.Component::count).sum();
                List<Double> weights = new ArrayList<>();
                List<Integer> weighted = new ArrayList<>();
                for (int i = 0; i < comps.size(); i++) {
                    if (comps.get(i).weight() != null) {
                        weights.add(comps.get(i).weight());
                        weighted.add(i);
                    }
                }
                if (!weighted.isEmpty() && req.size() == null) {
                    throw ApiException.badRequest("size is required when components have weights");
                }
                long rest = req.size() == null ? 0 : req.size() - fixed;
                if (req.size() != null && rest < 0) {
                    throw ApiException.badRequest("size " + req.size() + " is smaller than the counts' sum " + fixed);
                }
                if (req.size() != null && weighted.isEmpty() && rest != 0) {
                    throw ApiException.badRequest("size " + req.size() + " differs from the counts' sum " + fixed);
                }
                long[] split = weighted.isEmpty() ? new long[0] : largestRemainder(rest, weights);
                for (int i = 0, w = 0; i < comps.size(); i++) {
                    MixRequest.Component c = comps.get(i);
                    long n = c.count() != null ? c.count() : split[w++];
                    shares.add(new Share(listed.get(i), n, c.count(), c.weight()));
                }
            }
            List<String> short_ = new ArrayList<>();
            for (Share s : shares) {
                long have = SourceRepository.of(counts, s.source().id).questions();
                if (s.count() > have) {
                    short_.add("'" + s.source().name + "' has " + have + " questions, the mix asks for " + s.count());
                }
            }
            if (!short_.isEmpty()) {
                throw ApiException.unprocessable("not enough questions: " + String.join("; ", short_));
            }
            return shares.stream().filter(s -> s.count() > 0).toList();
        });
    }

    /** Splits {@code total} in proportion to {@code weights}; leftovers go to the largest remainders, then to the first. */
    static long[] largestRemainder(long total, List<Double> weights) {
        // scaled by the largest weight, so that huge weights cannot sum to infinity
        double max = weights.stream().mapToDouble(Double::doubleValue).max().orElse(1);
        double sum = weights.stream().mapToDouble(w -> w / max).sum();
        long[] out = new long[weights.size()];
        double[] rem = new double[weights.size()];
        long given = 0;
        for (int i = 0; i < out.length; i++) {
            double exact = total * (weights.get(i) / max) / sum;
            out[i] = (long) Math.floor(exact);
            rem[i] = exact - out[i];
            given += out[i];
        }
        Integer[] order = new Integer[out.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> rem[a] != rem[b] ? Double.compare(rem[b], rem[a]) : Integer.compare(a, b));
        // the floors leave less than one item per share: at most one round hands out the rest
        for (int k = 0; given < total && k < out.length; k++) {
            out[order[k]]++;
            given++;
        }
        out[order[0]] += total - given;
        return out;
    }

    private static void validate(MixRequest req) {
        if (req == null) {
            throw ApiException.badRequest("the body is empty: send {name, components:[{source, count | weight}], size?, seed?}");
        }
        if (req.name() == null || req.name().isBlank()) {
            throw ApiException.badRequest("name is required");
        }
        if (req.name().length() > 200 || req.name().indexOf('\0') >= 0) {
            throw ApiException.badRequest("name must be at most 200 characters, without NUL");
        }
        List<MixRequest.Component> comps = req.components() == null ? List.of() : req.components();
        if (req.topN() == null && comps.isEmpty()) {
            throw ApiException.badRequest("components are required (or topN with a size)");
        }
        if (req.size() != null && (req.size() < 1 || req.size() > MAX_ITEMS)) {
            throw ApiException.badRequest("size must be between 1 and " + MAX_ITEMS);
        }
        for (int i = 0; i < comps.size(); i++) {
            MixRequest.Component c = comps.get(i);
            String at = "components[" + i + "]";
            if (c == null || c.source() == null || c.source().isBlank()) {
                throw ApiException.badRequest(at + ".source is required: a source's name or id");
            }
            if (req.topN() != null) {
                if (c.count() != null || c.weight() != null) {
                    throw ApiException.badRequest(at + ": with topN, components only list candidate sources (no count or weight)");
                }
                continue;
            }
            if ((c.count() == null) == (c.weight() == null)) {
                throw ApiException.badRequest(at + ": give either count or weight");
            }
            if (c.count() != null && (c.count() < 1 || c.count() > MAX_ITEMS)) {
                throw ApiException.badRequest(at + ".count must be between 1 and " + MAX_ITEMS);
            }
            if (c.weight() != null && (!(c.weight() > 0) || c.weight().isInfinite())) {
                throw ApiException.badRequest(at + ".weight must be a positive number");
            }
        }
        if (req.topN() != null) {
            if (req.topN() < 1) {
                throw ApiException.badRequest("topN must be 1 or more");
            }
            if (req.size() == null) {
                throw ApiException.badRequest("size is required with topN");
            }
        }
    }

    private static long seed(MixRequest req) {
        return req.seed() == null ? 0L : req.seed();
    }

    private static MixRequest normalized(MixRequest req) {
        return new MixRequest(req.name().trim(), req.components() == null ? List.of() : req.components(), req.size(),
                seed(req), req.topN());
    }

    private boolean sameRequest(QuestionDataset existing, JsonNode request) {
        try {
            // compared as text: stored numbers come back as ints where the request had longs
            return request.toString().equals(String.valueOf(mapper.readTree(existing.recipe).get("request")));
        } catch (JsonProcessingException e) {
            return false;
        }
    }
}
