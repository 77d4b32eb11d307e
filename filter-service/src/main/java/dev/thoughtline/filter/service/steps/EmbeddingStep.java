package dev.thoughtline.filter.service.steps;

import dev.thoughtline.filter.Item;
import dev.thoughtline.filter.service.embedding.Embedder;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code embedding}: score = mean cosine similarity of the item's text to the positive examples minus the mean
 * similarity to the negative ones (no negatives: 0). Drops nothing by itself: use {@code keep}.
 */
final class EmbeddingStep implements FilterStep {

    static final Set<String> PARAMS = Set.of("positive", "negative", "field");

    private final List<String> positive;
    private final List<String> negative;
    private final String field;
    private Embedder embedder;

    EmbeddingStep(StepParams p) {
        positive = p.texts("positive");
        negative = p.texts("negative");
        field = p.text("field", "text");
        if (positive.isEmpty()) {
            throw p.bad("positive must list at least one example text");
        }
        if (positive.size() + negative.size() > 1000) {
            throw p.bad("at most 1,000 example texts");
        }
    }

    void bind(Embedder embedder) {
        this.embedder = embedder;
    }

    @Override
    public void apply(String name, List<Item> items) {
        List<float[]> pos = embedder.embed(positive);
        List<float[]> neg = negative.isEmpty() ? List.of() : embedder.embed(negative);
        List<String> texts = new ArrayList<>(items.size());
        for (Item item : items) {
            texts.add(item.node.path(field).asText(""));
        }
        List<float[]> vectors = embedder.embed(texts);
        for (int i = 0; i < items.size(); i++) {
            float[] v = vectors.get(i);
            double score = mean(v, pos) - (neg.isEmpty() ? 0 : mean(v, neg));
            items.get(i).scores.put(name, Math.round(score * 10000) / 10000.0);
        }
    }

    private static double mean(float[] v, List<float[]> examples) {
        double s = 0;
        for (float[] e : examples) {
            s += Embedder.cosine(v, e);
        }
        return s / examples.size();
    }
}
