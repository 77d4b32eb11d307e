package dev.thoughtline.filter.service.text;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;

/**
 * Near-duplicate detection over a stream of documents in order: MinHash signatures (computed in parallel, in
 * chunks, the next chunk's while the current one is indexed) and LSH banding give candidates among the documents kept so far; the exact Indel ratio of the processed
 * texts confirms a candidate at the threshold. The first document of each cluster is kept; every later one that
 * matches a kept document is dropped with the document it matched and the similarity. Never O(n²): each document
 * is compared only with its LSH candidates.
 */
public final class NearDuplicates {

    /** The parameters of a run; defaults: 128 permutations, word 5-grams, 32 bands of 4 rows, threshold 90. */
    public record Params(int permutations, int shingleWords, int bands, int rows, double threshold, long seed) {
        public static Params defaults() {
            return new Params(128, 5, 32, 4, 90, 42);
        }

        public void validate() {
            if (permutations < 1 || permutations > 1024) {
                throw new IllegalArgumentException("permutations must be 1-1024");
            }
            if (shingleWords < 1 || shingleWords > 32) {
                throw new IllegalArgumentException("shingleWords must be 1-32");
            }
            if (bands < 1 || rows < 1 || (long) bands * rows > permutations) {
                throw new IllegalArgumentException("bands x rows must be at least 1 and at most permutations");
            }
            if (threshold <= 0 || threshold > 100) {
                throw new IllegalArgumentException("threshold must be in (0, 100]");
            }
        }
    }

    /** One document's verdict: kept (duplicateOf -1), or dropped as a near duplicate of an earlier document. */
    public record Match(int duplicateOf, double similarity) {
        public static final Match KEPT = new Match(-1, 0);

        public boolean kept() {
            return duplicateOf < 0;
        }
    }

    private static final int CHUNK = 4096;

    private final Params params;
    private final MinHasher hasher;
    private final LshIndex index;
    private final List<String> kept = new ArrayList<>();
    private final List<Integer> keptDocs = new ArrayList<>();
    private int next;

    public NearDuplicates(Params params, int expected) {
        params.validate();
        this.params = params;
        this.hasher = new MinHasher(params.permutations(), params.shingleWords(), params.seed());
        this.index = new LshIndex(params.bands(), params.rows(), Math.max(16, expected));
    }

    /**
     * The verdicts of a whole list of texts, in order. The signatures of the next chunk are computed while the
     * current chunk goes through the index, on a pool of one thread per core in which the thread that waits for a
     * chunk's signatures helps compute them.
     */
    public static List<Match> run(List<String> texts, Params params) {
        NearDuplicates d = new NearDuplicates(params, texts.size());
        ForkJoinPool pool = new ForkJoinPool(Runtime.getRuntime().availableProcessors());
        try {
            return pool.submit(() -> {
                List<Match> out = new ArrayList<>(texts.size());
                int chunks = (texts.size() + CHUNK - 1) / CHUNK;
                Signing next = chunks == 0 ? null : d.sign(texts, 0);
                for (int c = 0; c < chunks; c++) {
                    Signing current = next;
                    current.join();
                    next = c + 1 < chunks ? d.sign(texts, c + 1) : null;
                    out.addAll(d.index(current.processed, current.keys));
                }
                return out;
            }).join();
        } finally {
            pool.shutdown();
        }
    }

    /** Signatures of one chunk, computed by forked subtasks of at most 256 texts. */
    private final class Signing extends RecursiveAction {
        final List<String> texts;
        final String[] processed;
        final long[][] keys;
        final int lo;
        final int hi;

        Signing(List<String> texts, String[] processed, long[][] keys, int lo, int hi) {
            this.texts = texts;
            this.processed = processed;
            this.keys = keys;
            this.lo = lo;
            this.hi = hi;
        }

        @Override
        protected void compute() {
            if (hi - lo <= 256) {
                for (int i = lo; i < hi; i++) {
                    processed[i] = Texts.process(texts.get(i));
                    keys[i] = index.keys(hasher.signature(processed[i]));
                }
                return;
            }
            int mid = (lo + hi) >>> 1;
            invokeAll(new Signing(texts, processed, keys, lo, mid), new Signing(texts, processed, keys, mid, hi));
        }
    }

    private Signing sign(List<String> all, int chunk) {
        List<String> texts = all.subList(chunk * CHUNK, Math.min(all.size(), (chunk + 1) * CHUNK));
        Signing s = new Signing(texts, new String[texts.size()], new long[texts.size()][], 0, texts.size());
        s.fork();
        return s;
    }

    /** The verdicts of the next texts of the stream (numbered after every earlier call's). */
    public List<Match> next(List<String> texts) {
        int n = texts.size();
        String[] processed = new String[n];
        long[][] keys = new long[n][];
        for (int i = 0; i < n; i++) {
            processed[i] = Texts.process(texts.get(i));
            keys[i] = index.keys(hasher.signature(processed[i]));
        }
        return index(processed, keys);
    }

    /** The order-dependent part: each text against the kept ones, in order; kept texts join the index. */
    private List<Match> index(String[] processed, long[][] keys) {
        int n = processed.length;
        List<Match> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Match m = match(processed[i], keys[i]);
            if (m.kept()) {
                int slot = kept.size();
                kept.add(processed[i]);
                keptDocs.add(next);
                index.add(keys[i], slot);
            }
            out.add(m);
            next++;
        }
        return out;
    }

    private Match match(String text, long[] keys) {
        int[] best = {-1};
        double[] bestScore = {0};
        int[] seen = new int[Math.min(16, params.bands())];
        int[] seenCount = {0};
        index.candidates(keys, slot -> {
            for (int k = 0; k < seenCount[0]; k++) {
                if (seen[k] == slot) {
                    return;
                }
            }
            if (seenCount[0] < seen.length) {
                seen[seenCount[0]++] = slot;
            }
            double r = Indel.ratio(text, kept.get(slot), params.threshold());
            if (r > bestScore[0] || (r == bestScore[0] && r > 0 && slot < best[0])) {
                bestScore[0] = r;
                best[0] = slot;
            }
        });
        return best[0] < 0 ? Match.KEPT : new Match(keptDocs.get(best[0]), bestScore[0]);
    }
}
