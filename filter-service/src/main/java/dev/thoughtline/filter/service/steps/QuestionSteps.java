package dev.thoughtline.filter.service.steps;

import dev.thoughtline.filter.Item;
import dev.thoughtline.filter.service.text.LshIndex;
import dev.thoughtline.filter.service.text.MinHasher;
import dev.thoughtline.filter.service.text.NearDuplicates;
import dev.thoughtline.filter.service.text.Texts;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The steps that need nothing but the items: length, random, exact-dedup, near-dedup. */
final class QuestionSteps {

    private QuestionSteps() {
    }

    /**
     * {@code length}: the length of a question's text, or of a trace's reasoning and content (in characters,
     * words, or, for traces, completion tokens); bounds drop what is outside them; {@code perQuestion} keeps the
     * {@code k} shortest or longest traces of each question.
     */
    static final class Length implements FilterStep {
        private final String unit;
        private final Double min;
        private final Double max;
        private final String perQuestion;
        private final int k;

        Length(StepParams p) {
            unit = p.choice("unit", "words", Set.of("chars", "words", "tokens"));
            min = p.optionalNumber("min", 0, 1e9);
            max = p.optionalNumber("max", 0, 1e9);
            perQuestion = p.choice("perQuestion", null, Set.of("shortest", "longest"));
            k = p.integer("k", 1, 1, 1_000_000);
            if (min != null && max != null && min > max) {
                throw p.bad("min must not be above max");
            }
        }

        /** Per item unless it ranks the traces of a question against each other (and so needs them all at once). */
        @Override
        public boolean perItem() {
            return perQuestion == null;
        }

        @Override
        public void apply(String name, List<Item> items) {
            for (Item item : items) {
                double len = length(item);
                item.scores.put(name, len);
                if (min != null && len < min) {
                    FilterStep.drop(item, name, "length " + (long) len + " " + unit + " is below " + min.longValue());
                } else if (max != null && len > max) {
                    FilterStep.drop(item, name, "length " + (long) len + " " + unit + " is above " + max.longValue());
                }
            }
            if (perQuestion == null) {
                return;
            }
            Map<String, List<Item>> groups = new HashMap<>();
            for (Item item : items) {
                if (item.kept()) {
                    groups.computeIfAbsent(item.isTrace() ? item.questionId() : item.id, q -> new ArrayList<>()).add(item);
                }
            }
            Comparator<Item> order = Comparator.comparingDouble((Item i) -> i.scores.get(name));
            order = (perQuestion.equals("longest") ? order.reversed() : order).thenComparingLong(i -> i.pos);
            for (List<Item> group : groups.values()) {
                group.sort(order);
                for (int i = k; i < group.size(); i++) {
                    FilterStep.drop(group.get(i), name, "not among the " + k + " " + perQuestion + " of its question");
                }
            }
        }

        private double length(Item item) {
            String text = item.isTrace() ? item.response() : item.text();
            switch (unit) {
                case "chars":
                    return text.length();
                case "tokens":
                    return item.node.path("completionTokens").asDouble(Texts.wordHashes(Texts.process(text)).length);
                default:
                    return Texts.wordHashes(Texts.process(text)).length;
            }
        }
    }

    /** {@code random}: a score in [0, 1) from the seed and the item's id, the same in every run. */
    static final class Random implements FilterStep {
        private final long seed;

        Random(StepParams p) {
            seed = (long) p.number("seed", 0, -9.0e15, 9.0e15);
        }

        @Override
        public boolean perItem() {
            return true;
        }

        @Override
        public void apply(String name, List<Item> items) {
            for (Item item : items) {
                long h = Texts.mix(seed * 0x9E3779B97F4A7C15L ^ Texts.mix(item.id.hashCode() * 0xC2B2AE3D27D4EB4FL ^ item.id.length()));
                item.scores.put(name, (h >>> 11) * 0x1.0p-53);
            }
        }
    }

    /** {@code exact-dedup}: the first item of each normalised text is kept; later ones name it. */
    static final class ExactDedup implements FilterStep {
        private final String field;

        ExactDedup(StepParams p) {
            field = p.text("field", "text");
        }

        /**
         * The key a sharded run groups the item by: the first 16 bytes of the SHA-256 of its normalised text (two
         * different texts share it with probability about n²/2^129: never, at any input this service accepts).
         */
        byte[] key(Item item) {
            try {
                byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
                        .digest(Texts.process(item.node.path(field).asText("")).getBytes(java.nio.charset.StandardCharsets.UTF_8));
                return java.util.Arrays.copyOf(digest, 16);
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void apply(String name, List<Item> items) {
            Map<String, String> first = new HashMap<>();
            for (Item item : items) {
                String key = Texts.process(item.node.path(field).asText(""));
                String earlier = first.putIfAbsent(key, item.id);
                if (earlier != null) {
                    FilterStep.drop(item, name, "duplicate of " + earlier);
                }
            }
        }
    }

    /** {@code near-dedup}: MinHash LSH candidates confirmed by the Indel ratio; the first of each cluster is kept. */
    static final class NearDedup implements FilterStep {
        private final NearDuplicates.Params params;
        private final String field;

        NearDedup(StepParams p) {
            NearDuplicates.Params d = NearDuplicates.Params.defaults();
            int permutations = p.integer("permutations", d.permutations(), 1, 1024);
            int bands = p.integer("bands", d.bands(), 1, 1024);
            int rows = p.integer("rows", d.rows(), 1, 1024);
            params = new NearDuplicates.Params(permutations, p.integer("shingleWords", d.shingleWords(), 1, 32), bands, rows,
                    p.number("threshold", d.threshold(), 1, 100), (long) p.number("seed", d.seed(), -9.0e15, 9.0e15));
            field = p.text("field", "text");
            try {
                params.validate();
            } catch (IllegalArgumentException e) {
                throw p.bad(e.getMessage());
            }
        }

        NearDuplicates.Params params() {
            return params;
        }

        /** The text the step compares: the item's field. */
        String text(Item item) {
            return item.node.path(field).asText("");
        }

        /**
         * The item's LSH band fingerprints as a sharded run stores them: per band, the upper 32 bits of its key (what
         * {@link dev.thoughtline.filter.service.text.LshIndex} compares), 4 bytes big-endian a band.
         */
        byte[] bandKeys(Item item, MinHasher hasher) {
            long[] keys = LshIndex.keys(hasher.signature(Texts.process(text(item))), params.bands(), params.rows());
            java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(4 * keys.length);
            for (long k : keys) {
                out.putInt((int) (k >>> 32));
            }
            return out.array();
        }

        /** The signer of {@link #bandKeys} (thread-safe: one per run is enough). */
        MinHasher hasher() {
            return new MinHasher(params.permutations(), params.shingleWords(), params.seed());
        }

        @Override
        public void apply(String name, List<Item> items) {
            List<String> texts = new ArrayList<>(items.size());
            for (Item item : items) {
                texts.add(item.node.path(field).asText(""));
            }
            List<NearDuplicates.Match> matches = NearDuplicates.run(texts, params);
            for (int i = 0; i < items.size(); i++) {
                NearDuplicates.Match m = matches.get(i);
                if (!m.kept()) {
                    Item item = items.get(i);
                    item.scores.put(name, Math.round(m.similarity() * 100) / 100.0);
                    FilterStep.drop(item, name, String.format(java.util.Locale.ROOT, "near duplicate of %s (Indel ratio %.1f)",
                            items.get(m.duplicateOf()).id, m.similarity()));
                }
            }
        }
    }
}
