import dev.thoughtline.filter.service.text.NearDuplicates;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Near-dedup of COUNT generated questions of about 60 words, 10% of them planted near duplicates of an earlier
 * question (one to three small edits: a word replaced, dropped, inserted or swapped with its neighbour, or a
 * typo). The questions are written to an NDJSON file first (not timed); each timed run reads the file, parses
 * the lines and runs filter-service's near-dedup (128 permutations, word 5-grams, 32 bands of 4 rows, Indel
 * ratio >= 90) over all of them in order. Prints docs/s per run, the median, and recall and precision of the
 * planted pairs. Usage: java -Xmx3g -cp filter-service/target/classes bench/NearDedupBench.java [COUNT] [RUNS]
 */
public class NearDedupBench {

    public static void main(String[] args) throws Exception {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        System.out.printf("machine: %d cores, %s; %s %s; %s%n", Runtime.getRuntime().availableProcessors(), cpu(),
                System.getProperty("java.vm.name"), System.getProperty("java.version"), java.time.ZonedDateTime.now());
        int[] root = new int[count];
        Path file = Files.createTempFile("near-dedup", ".ndjson");
        file.toFile().deleteOnExit();
        generate(count, root, file);
        System.out.printf("input: %,d questions, %,d planted near duplicates, %,d MB of NDJSON%n", count,
                java.util.stream.IntStream.of(root).filter(r -> r >= 0).count(), Files.size(file) >> 20);
        List<Double> rates = new ArrayList<>();
        List<NearDuplicates.Match> last = null;
        for (int run = 0; run <= runs; run++) {
            long t0 = System.nanoTime();
            List<String> texts = new ArrayList<>(count);
            try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                String line;
                while ((line = in.readLine()) != null) {
                    int at = line.indexOf("\"text\":\"") + 8;
                    texts.add(line.substring(at, line.lastIndexOf('"')));
                }
            }
            last = NearDuplicates.run(texts, NearDuplicates.Params.defaults());
            double s = (System.nanoTime() - t0) / 1e9;
            if (run == 0) {
                System.out.printf("warm-up: %.2f s%n", s);
                continue;
            }
            rates.add(count / s);
            System.out.printf("run %d: %.2f s, %,.0f docs/s%n", run, s, count / s);
        }
        long planted = 0, found = 0, dropped = 0, right = 0;
        for (int i = 0; i < count; i++) {
            NearDuplicates.Match m = last.get(i);
            int r = root[i] >= 0 ? root[i] : i;
            if (root[i] >= 0) {
                planted++;
            }
            if (!m.kept()) {
                dropped++;
                int rm = root[m.duplicateOf()] >= 0 ? root[m.duplicateOf()] : m.duplicateOf();
                if (rm == r) {
                    right++;
                    if (root[i] >= 0) {
                        found++;
                    }
                }
            }
        }
        rates.sort(null);
        System.out.printf("median: %,.0f docs/s; recall of planted pairs %.4f (%,d of %,d); precision %.4f (%,d of %,d dropped)%n",
                rates.get(rates.size() / 2), (double) found / planted, found, planted, (double) right / dropped, right, dropped);
    }

    static void generate(int count, int[] root, Path file) throws Exception {
        SplittableRandom rnd = new SplittableRandom(20261127);
        String[] vocab = new String[20_000];
        for (int i = 0; i < vocab.length; i++) {
            StringBuilder w = new StringBuilder();
            int len = 2 + rnd.nextInt(8);
            for (int k = 0; k < len; k++) {
                w.append((char) ('a' + rnd.nextInt(26)));
            }
            vocab[i] = w.toString();
        }
        List<String[]> originals = new ArrayList<>();
        List<Integer> originalIds = new ArrayList<>();
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (int i = 0; i < count; i++) {
                String[] words;
                if (i > 100 && rnd.nextInt(10) == 0) {
                    int pick = rnd.nextInt(originals.size());
                    words = edit(originals.get(pick), rnd, vocab);
                    root[i] = originalIds.get(pick);
                } else {
                    words = new String[50 + rnd.nextInt(21)];
                    for (int k = 0; k < words.length; k++) {
                        // a Zipf-like skew: common words recur across questions, as in real text
                        double u = rnd.nextDouble();
                        words[k] = rnd.nextInt(4) == 0 ? Integer.toString(rnd.nextInt(1000)) : vocab[(int) (vocab.length * u * u * u)];
                    }
                    originals.add(words);
                    originalIds.add(i);
                    root[i] = -1;
                }
                out.write("{\"id\":\"q" + i + "\",\"text\":\"" + String.join(" ", words) + "?\"}\n");
            }
        }
    }

    static String[] edit(String[] words, SplittableRandom rnd, String[] vocab) {
        List<String> w = new ArrayList<>(List.of(words));
        int edits = 1 + rnd.nextInt(3);
        for (int e = 0; e < edits; e++) {
            int at = rnd.nextInt(w.size() - 1);
            switch (rnd.nextInt(5)) {
                case 0 -> w.set(at, vocab[rnd.nextInt(vocab.length)]);
                case 1 -> w.remove(at);
                case 2 -> w.add(at, vocab[rnd.nextInt(vocab.length)]);
                case 3 -> {
                    String t = w.get(at);
                    w.set(at, w.get(at + 1));
                    w.set(at + 1, t);
                }
                default -> {
                    String t = w.get(at);
                    int c = rnd.nextInt(t.length());
                    w.set(at, t.substring(0, c) + (char) ('a' + rnd.nextInt(26)) + t.substring(Math.min(t.length(), c + 1)));
                }
            }
        }
        return w.toArray(new String[0]);
    }

    static String cpu() throws Exception {
        return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name")).findFirst()
                .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown");
    }
}
