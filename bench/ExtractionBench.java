import dev.thoughtline.answercheck.AnswerChecker;
import dev.thoughtline.answercheck.AnswerType;
import dev.thoughtline.answercheck.Extraction;
import dev.thoughtline.answercheck.Extractor;
import dev.thoughtline.answercheck.Main;
import dev.thoughtline.generation.service.FinalAnswer;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Time of final-answer extraction on adversarial responses of 1 MiB (and one degenerate response of 280 KB), per
 * extractor: libs/answer-check's {@code Extractor.extract}, its {@code AnswerChecker.check} (extraction and
 * comparison with a gold of 1/2), and generation-service's {@code FinalAnswer.of}; then the answer-check command
 * line ({@code Main}) on three lines of 560 KB. WARMUP rounds over every input first, then RUNS timed rounds;
 * prints the median and the max ms per input and extractor (wall time) and the median CPU ms of the thread, with what
 * was extracted. KIB scales every input: 1024
 * gives the sizes above, a smaller value lets code that is quadratic finish (the 280 KB and 560 KB inputs shrink
 * in proportion).
 * Usage: bench/extraction.sh [RUNS=9] [WARMUP=3] [KIB=1024], which builds what it needs and runs
 * java -cp libs/answer-check/target/answer-check-runner.jar:generation-service/target/classes bench/ExtractionBench.java RUNS WARMUP KIB
 */
public class ExtractionBench {

    /** The size of the large inputs, in characters: 1 MiB unless KIB says otherwise. */
    static int large = 1 << 20;

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 9;
        int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        large = (args.length > 2 ? Integer.parseInt(args[2]) : 1024) * 1024;
        System.out.printf("machine: %d cores, %s; %s %s; %s%n", Runtime.getRuntime().availableProcessors(), cpu(),
                System.getProperty("java.vm.name"), System.getProperty("java.version"), java.time.ZonedDateTime.now());
        System.out.printf("runs: %d timed after %d warm-up rounds; large inputs of %,d characters; load average %s%n", runs, warmup,
                large, load());

        Map<String, String> inputs = inputs();
        Map<String, Function<String, String>> extractors = new LinkedHashMap<>();
        extractors.put("Extractor.extract", s -> describe(Extractor.extract(s)));
        extractors.put("AnswerChecker.check", s -> {
            AnswerChecker.Result r = AnswerChecker.check("\\frac{1}{2}", s, AnswerType.EXPRESSION);
            return r.verdict() + ", " + describe(r.extraction());
        });
        extractors.put("FinalAnswer.of", s -> shorten(FinalAnswer.of(s, null)));

        for (int w = 0; w < warmup; w++) {
            for (String input : inputs.values()) {
                for (Function<String, String> f : extractors.values()) {
                    f.apply(input);
                }
            }
        }
        // wall time is what a caller waits; the thread's CPU time leaves out the time other processes take the core
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        System.out.printf("%n| input | chars | extractor | median ms | max ms | median CPU ms | extracted |%n|---|---|---|---|---|---|---|%n");
        for (Map.Entry<String, String> input : inputs.entrySet()) {
            for (Map.Entry<String, Function<String, String>> f : extractors.entrySet()) {
                double[] ms = new double[runs];
                double[] cpu = new double[runs];
                String result = null;
                for (int r = 0; r < runs; r++) {
                    long c0 = threads.getCurrentThreadCpuTime();
                    long t0 = System.nanoTime();
                    result = f.getValue().apply(input.getValue());
                    ms[r] = (System.nanoTime() - t0) / 1e6;
                    cpu[r] = (threads.getCurrentThreadCpuTime() - c0) / 1e6;
                }
                Arrays.sort(ms);
                Arrays.sort(cpu);
                System.out.printf("| %s | %,d | %s | %.2f | %.2f | %.2f | %s |%n", input.getKey(), input.getValue().length(), f.getKey(),
                        ms[runs / 2], ms[runs - 1], cpu[runs / 2], result);
            }
        }

        // the command line: three lines of 560 KB, each a JSON object around an adversarial prediction
        String lines = commandLineInput();
        for (int w = 0; w < warmup; w++) {
            commandLine(lines);
        }
        double[] ms = new double[runs];
        double[] cpu = new double[runs];
        String out = null;
        for (int r = 0; r < runs; r++) {
            long c0 = threads.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            out = commandLine(lines);
            ms[r] = (System.nanoTime() - t0) / 1e6;
            cpu[r] = (threads.getCurrentThreadCpuTime() - c0) / 1e6;
        }
        Arrays.sort(ms);
        Arrays.sort(cpu);
        System.out.printf("%nload average after the runs: %s%n", load());
        System.out.printf("%ncommand line (Main), three lines of %,d KB (%,d bytes): median %.2f ms, max %.2f ms, median CPU %.2f ms for the three; output:%n%s",
                scaled(560), lines.getBytes(StandardCharsets.UTF_8).length, ms[runs / 2], ms[runs - 1], cpu[runs / 2], out);
    }

    /** Each input: a name and the response. */
    static Map<String, String> inputs() {
        Map<String, String> in = new LinkedHashMap<>();
        in.put("unclosed \\boxed{", fill("\\boxed{"));
        in.put("\\boxed{ and \\fbox{ interleaved", fill("\\boxed{\\fbox{"));
        int depth = (large - 9) / 2;
        in.put("nested braces, closed", "\\boxed{" + "{".repeat(depth) + "1" + "}".repeat(depth) + "}");
        in.put("nested braces, unclosed", "\\boxed{" + "{".repeat(large - 8) + "1");
        in.put("digits after \"final answer is\"", "The final answer is " + "7".repeat(large - 28) + " apples");
        in.put("\"final answer is \" repeated", fill("final answer is "));
        in.put("\"Answer: \" repeated", fill("Answer: "));
        in.put("\"$\" repeated", fill("$"));
        in.put("\"\\[\" repeated", fill("\\["));
        in.put("\"\\(\" repeated", fill("\\("));
        in.put("\"</think>\" repeated", fill("</think>"));
        in.put("adjacent boxes \"\\boxed{1} and \"", fill("\\boxed{1} and "));
        in.put("one token \"wait \" repeated", fill("wait "));
        in.put("degenerate loop, 280 KB", degenerate());
        return in;
    }

    static String fill(String unit) {
        return unit.repeat(large / unit.length());
    }

    /** A reasoning trace stuck in a loop (no closing think tag): unclosed boxes and spans, phrases, long numbers. */
    static String degenerate() {
        String loop = "Hmm, so the final answer is \\boxed{\\frac{1}{2} \\( 12,345 $x$ wait \\[ ";
        return "<think>\n" + loop.repeat((scaled(280 * 1024) - 8) / loop.length());
    }

    /** A size given for inputs of 1 MiB, in proportion to the size asked for. */
    static int scaled(int size) {
        return (int) ((long) size * large / (1 << 20));
    }

    static String commandLineInput() {
        int size = scaled(560 * 1024);
        List<String> predictions = List.of("\\boxed{".repeat(size / 7), "The final answer is " + "7".repeat(size - 28) + " apples",
                "\\[".repeat(size / 2));
        StringBuilder b = new StringBuilder();
        for (String p : predictions) {
            b.append("{\"gold\": \"1\", \"prediction\": \"").append(p.replace("\\", "\\\\")).append("\"}\n");
        }
        return b.toString();
    }

    static String commandLine(String lines) throws Exception {
        InputStream in = System.in;
        PrintStream out = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        try {
            System.setIn(new ByteArrayInputStream(lines.getBytes(StandardCharsets.UTF_8)));
            System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
            Main.main(new String[0]);
        } finally {
            System.setIn(in);
            System.setOut(out);
        }
        List<String> shortened = new ArrayList<>();
        for (String line : buffer.toString(StandardCharsets.UTF_8).split("\n")) {
            shortened.add(line.length() > 120 ? line.substring(0, 100) + "... (" + line.length() + " chars)" : line);
        }
        return String.join("\n", shortened) + "\n";
    }

    static String describe(Extraction e) {
        return e.source() + (e.found() ? " " + shorten(e.answer()) : "");
    }

    static String shorten(String s) {
        if (s == null) {
            return "null";
        }
        String t = s.length() > 24 ? s.substring(0, 16) + "... (" + s.length() + " chars)" : s;
        return "`" + t.replace("|", "\\|").replace("\n", "\\n") + "`";
    }

    /** The machine's load averages over 1, 5 and 15 minutes: on a shared machine, what else was running. */
    static String load() throws Exception {
        String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
        return f[0] + " " + f[1] + " " + f[2];
    }

    static String cpu() throws Exception {
        return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name")).findFirst()
                .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown");
    }
}
