package dev.thoughtline.filter.service.steps;

import com.fasterxml.jackson.databind.JsonNode;
import dev.thoughtline.contracts.DatasetClient;
import dev.thoughtline.contracts.DatasetRef;
import dev.thoughtline.filter.Item;
import dev.thoughtline.filter.service.text.Indel;
import dev.thoughtline.filter.service.text.LshIndex;
import dev.thoughtline.filter.service.text.MinHasher;
import dev.thoughtline.filter.service.text.NearDuplicates;
import dev.thoughtline.filter.service.text.Texts;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code decontaminate}: drops every question that shares a word n-gram (13 by default) with an item of one of
 * the benchmark datasets, or whose Indel ratio to one is at least the threshold (75 by default), the latter
 * among the MinHash LSH candidates near-dedup uses. The reason names the benchmark and its item.
 */
final class Decontaminate implements FilterStep {

    private record Benchmarked(String ref, String id, String processed) {
    }

    private final List<DatasetRef> benchmarks = new ArrayList<>();
    private final int ngram;
    private final double threshold;
    private final String field;
    private final List<Benchmarked> items = new ArrayList<>();
    private final Map<Long, Integer> grams = new HashMap<>();
    private final MinHasher hasher;
    private LshIndex index;

    Decontaminate(StepParams p) {
        List<String> refs = p.texts("benchmarks");
        if (refs.isEmpty()) {
            throw p.bad("benchmarks must list at least one benchmark DatasetRef");
        }
        for (String r : refs) {
            try {
                benchmarks.add(DatasetRef.of(r));
            } catch (IllegalArgumentException e) {
                throw p.bad(e.getMessage());
            }
        }
        ngram = p.integer("ngram", 13, 3, 64);
        threshold = p.number("threshold", 75, 1, 100);
        field = p.text("field", "text");
        NearDuplicates.Params d = NearDuplicates.Params.defaults();
        hasher = new MinHasher(d.permutations(), d.shingleWords(), d.seed());
    }

    @Override
    public Uni<Void> prepare(DatasetClient datasets) {
        return Multi.createFrom().iterable(benchmarks)
                .onItem().transformToMultiAndConcatenate(ref -> datasets.items(ref).map(node -> item(ref, node)))
                .collect().asList()
                .invoke(list -> {
                    items.addAll(list);
                    index = new LshIndex(NearDuplicates.Params.defaults().bands(), NearDuplicates.Params.defaults().rows(), list.size());
                    for (int i = 0; i < list.size(); i++) {
                        Benchmarked b = list.get(i);
                        for (long g : Texts.shingles(Texts.wordHashes(b.processed()), ngram)) {
                            grams.putIfAbsent(g, i);
                        }
                        index.add(index.keys(hasher.signature(b.processed())), i);
                    }
                })
                .replaceWithVoid();
    }

    private static Benchmarked item(DatasetRef ref, JsonNode node) {
        String text = node.path("text").asText(node.path("problem").asText(""));
        return new Benchmarked(ref.url(), node.path("id").asText(), Texts.process(text));
    }

    @Override
    public boolean perItem() {
        return true;
    }

    @Override
    public void apply(String name, List<Item> questions) {
        for (Item q : questions) {
            String text = Texts.process(q.node.path(field).asText(""));
            long[] words = Texts.wordHashes(text);
            if (words.length >= ngram) {
                Integer hit = null;
                for (long g : Texts.shingles(words, ngram)) {
                    hit = grams.get(g);
                    if (hit != null) {
                        break;
                    }
                }
                if (hit != null) {
                    Benchmarked b = items.get(hit);
                    q.scores.put(name, 100.0);
                    FilterStep.drop(q, name, "shares a " + ngram + "-word sequence with " + b.ref() + " item " + b.id());
                    continue;
                }
            }
            int[] best = {-1};
            double[] score = {0};
            index.candidates(index.keys(hasher.signature(text)), i -> {
                double r = Indel.ratio(text, items.get(i).processed(), threshold);
                if (r > score[0]) {
                    score[0] = r;
                    best[0] = i;
                }
            });
            if (best[0] >= 0) {
                Benchmarked b = items.get(best[0]);
                q.scores.put(name, Math.round(score[0] * 100) / 100.0);
                FilterStep.drop(q, name, String.format(Locale.ROOT, "Indel ratio %.1f to %s item %s", score[0], b.ref(), b.id()));
            } else {
                q.scores.put(name, 0.0);
            }
        }
    }

    static Set<String> params() {
        return Set.of("benchmarks", "ngram", "threshold", "field");
    }
}
