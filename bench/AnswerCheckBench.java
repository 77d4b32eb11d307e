import dev.thoughtline.answercheck.AnswerChecker;
import dev.thoughtline.answercheck.AnswerType;
import dev.thoughtline.answercheck.Verdict;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * Throughput of libs/answer-check on a mixed set: every case of the project's equivalence table, its prediction
 * once as a bare answer and once inside a response of ~1,500 characters with a think block (extraction included),
 * plus MATH500's reference solutions against their answers when ../shared/data is there. THREADS threads check
 * round-robin for four warm-up windows and then ROUNDS timed windows of SECONDS each; prints checks/s per window and the median.
 * Usage: java -cp libs/answer-check/target/classes bench/AnswerCheckBench.java [THREADS=2] [ROUNDS=5] [SECONDS=5]
 */
public class AnswerCheckBench {

    record Check(String gold, String prediction, AnswerType type, boolean response) {
    }

    public static void main(String[] args) throws Exception {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        List<Check> checks = checks();
        long responses = checks.stream().filter(Check::response).count();
        System.out.printf("machine: %d cores, %s; %s %s; %s%n", Runtime.getRuntime().availableProcessors(), cpu(),
                System.getProperty("java.vm.name"), System.getProperty("java.version"), java.time.ZonedDateTime.now());
        System.out.printf("set: %,d checks (%,d of them whole responses with extraction), %d threads%n", checks.size(), responses, threads);
        int[] verdicts = new int[3];
        for (Check c : checks) {
            verdicts[verdict(c).ordinal()]++;
        }
        System.out.printf("verdicts over the set: equal %d, different %d, unknown %d%n", verdicts[0], verdicts[1], verdicts[2]);
        // warm-up windows, not counted: the JIT takes some 20 s to settle on this set
        for (int w = 0; w < 4; w++) {
            window(checks, threads, seconds);
        }
        List<Double> rates = new ArrayList<>();
        for (int r = 1; r <= rounds; r++) {
            double rate = window(checks, threads, seconds);
            rates.add(rate);
            System.out.printf("round %d: %,.0f checks/s%n", r, rate);
        }
        double[] sorted = rates.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        System.out.printf("median: %,.0f checks/s (%d threads)%n", sorted[sorted.length / 2], threads);
        // the hard part alone: bare pairs that differ as text, so that every check parses and evaluates both sides
        List<Check> parsed = checks.stream().filter(c -> !c.response() && !c.gold().strip().equals(c.prediction().strip())).toList();
        List<Double> hard = new ArrayList<>();
        for (int r = 1; r <= rounds; r++) {
            hard.add(window(parsed, threads, seconds));
        }
        double[] h = hard.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        System.out.printf("pairs that differ as text only (%,d checks): median %,.0f checks/s (%d threads)%n", parsed.size(),
                h[h.length / 2], threads);
    }

    static Verdict verdict(Check c) {
        return c.response() ? AnswerChecker.check(c.gold(), c.prediction(), c.type()).verdict()
                : AnswerChecker.equivalent(c.gold(), c.prediction(), c.type());
    }

    static double window(List<Check> checks, int threads, int seconds) throws InterruptedException {
        LongAdder done = new LongAdder();
        AtomicBoolean stop = new AtomicBoolean();
        Thread[] ts = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            int offset = t * 7919;
            ts[t] = new Thread(() -> {
                int i = offset;
                long n = 0;
                while (!stop.get()) {
                    verdict(checks.get(i++ % checks.size()));
                    n++;
                }
                done.add(n);
            });
        }
        long t0 = System.nanoTime();
        for (Thread t : ts) {
            t.start();
        }
        Thread.sleep(seconds * 1000L);
        stop.set(true);
        for (Thread t : ts) {
            t.join();
        }
        return done.sum() / ((System.nanoTime() - t0) / 1e9);
    }

    static List<Check> checks() throws Exception {
        List<Check> out = new ArrayList<>();
        String reasoning = "<think>Let me set up the problem. We have two quantities, and the relation between them gives "
                + "an equation. Solving step by step: first isolate the variable, then simplify. ".repeat(12)
                + "Checking: substituting back gives a consistent result.</think>\n";
        for (String line : Files.readAllLines(Path.of("libs/answer-check/src/test/resources/equivalence-cases.tsv"))) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\t", -1);
            AnswerType type = f.length > 3 ? AnswerType.of(f[3]) : AnswerType.AUTO;
            out.add(new Check(f[1], f[2], type, false));
            out.add(new Check(f[1], reasoning + "So the final answer is $\\boxed{" + f[2] + "}$.", type, true));
        }
        Path math500 = Path.of("../shared/data/benchmarks/math500.jsonl");
        if (Files.isRegularFile(math500)) {
            for (String line : Files.readAllLines(math500)) {
                String answer = field(line, "answer");
                String solution = field(line, "solution");
                if (answer != null && solution != null) {
                    out.add(new Check(answer, solution, AnswerType.EXPRESSION, true));
                }
            }
        }
        java.util.Collections.shuffle(out, new java.util.Random(7));
        return out;
    }

    /** A string member of a JSON line, decoded; enough for the benchmark's input. */
    static String field(String line, String name) {
        int at = line.indexOf("\"" + name + "\": \"");
        if (at < 0) {
            return null;
        }
        StringBuilder b = new StringBuilder();
        for (int i = at + name.length() + 5; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '"') {
                return b.toString();
            }
            if (c == '\\' && i + 1 < line.length()) {
                char e = line.charAt(++i);
                switch (e) {
                    case 'n' -> b.append('\n');
                    case 't' -> b.append('\t');
                    case 'u' -> {
                        b.append((char) Integer.parseInt(line.substring(i + 1, i + 5), 16));
                        i += 4;
                    }
                    default -> b.append(e);
                }
            } else {
                b.append(c);
            }
        }
        return null;
    }

    static String cpu() throws Exception {
        return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name")).findFirst()
                .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown");
    }
}
