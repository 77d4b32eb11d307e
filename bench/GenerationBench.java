import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Bench for generation-service (started by bench/generation-service.sh). Plain JDK.
 *
 * overhead: teacher-sim answers at once; wrk's raw rate of the same streamed request at the same concurrency,
 *   then a job of N samples through generation-service (queue, client, storage), RUNS times. Prints samples/s,
 *   the ratio to wrk's requests/s, CPU-seconds of generation-service and of PostgreSQL per 1,000 samples, and the
 *   CPU of both per sample against teacher-sim's (each without its JIT compiler threads).
 * concurrency: teacher-sim with a latency profile; a job with more samples than the target concurrency; samples
 *   teacher-sim's vllm:num_requests_running each second over a steady window and prints realised/target.
 *
 * java bench/GenerationBench.java overhead GEN_URL Q_URL SIM_URL GEN_PID PG_PORT SAMPLES RUNS CONCURRENCY
 * java bench/GenerationBench.java concurrency GEN_URL Q_URL SIM_URL GEN_PID PG_PORT TARGET
 */
public class GenerationBench {

    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        String gen = args[1];
        String q = args[2];
        String sim = args[3];
        long genPid = Long.parseLong(args[4]);
        int pgPort = Integer.parseInt(args[5]);
        printMachine();
        if (mode.equals("overhead")) {
            overhead(gen, q, sim, genPid, pgPort, Integer.parseInt(args[6]), Integer.parseInt(args[7]), Integer.parseInt(args[8]),
                    Long.parseLong(args[9]));
        } else {
            concurrency(gen, q, sim, genPid, Integer.parseInt(args[6]));
        }
    }

    static void overhead(String gen, String q, String sim, long genPid, int pgPort, int samples, int runs, int c, long simPid)
            throws Exception {
        String input = questions(q, "overhead", samples);
        String teacher = teacher(gen, sim, "overhead", c);
        List<Double> ratios = new ArrayList<>();
        List<Double> parities = new ArrayList<>();
        // warm-up jobs first, not counted: the JIT compiles the hot paths of the service and of teacher-sim (after
        // one job of 20,000 samples both still spent a third more CPU per sample than in the runs that followed;
        // after two, C2's compiler threads still took 29% of the service's CPU in the first timed run and 17% in
        // the second, by async-profiler). The service is deployed as a native executable, without a JIT.
        for (int w = 1; w <= 3; w++) {
            System.out.printf("warm-up %d: %d samples%n", w, field(await(gen, submit(gen, "warmup-" + ProcessHandle.current().pid() + "-" + w,
                    input, teacher, 1, "{\"seed\":" + (-w) + "}")), "done"));
        }
        for (int run = 1; run <= runs; run++) {
            double simWrk0 = cpuSeconds(simPid);
            double wrkCpu0 = childrenCpuSeconds();
            long w0 = System.nanoTime();
            double raw = wrk(sim, c);
            double wrkWall = (System.nanoTime() - w0) / 1e9;
            double simPerRequest = (cpuSeconds(simPid) - simWrk0) / (raw * wrkWall);
            double wrkPerRequest = (childrenCpuSeconds() - wrkCpu0) / (raw * wrkWall);
            long pg = postmaster(pgPort);
            double simCpu0 = cpuSeconds(simPid);
            double genCpu0 = cpuSeconds(genPid);
            double simJit0 = jitSeconds(simPid);
            double genJit0 = jitSeconds(genPid);
            double pgCpu0 = treeCpuSeconds(pg);
            long t0 = System.nanoTime();
            // a seed of its own per run: nothing is answered from the cache of an earlier run
            long job = submit(gen, "overhead-" + ProcessHandle.current().pid() + "-" + run, input, teacher, 1, "{\"seed\":" + (run * 1_000_000L) + "}");
            String done = await(gen, job);
            double s = (System.nanoTime() - t0) / 1e9;
            double genCpu = cpuSeconds(genPid) - genCpu0;
            double pgCpu = treeCpuSeconds(pg) - pgCpu0;
            double simCpu = cpuSeconds(simPid) - simCpu0;
            double genJit = jitSeconds(genPid) - genJit0;
            double simJit = jitSeconds(simPid) - simJit0;
            long stored = field(done, "done");
            double rate = stored / s;
            ratios.add(rate / raw);
            // what the orchestrator and its database cost per sample against what the server it calls costs, both
            // without their JIT compilers (the native executables have none)
            double parity = (genCpu - genJit + pgCpu) / (simCpu - simJit);
            parities.add(parity);
            System.out.printf("run %d: wrk raw %,.0f requests/s (%d connections); generation-service %,d samples stored in %.2f s = %,.0f samples/s; "
                            + "ratio %.2f; CPU-s per 1,000 samples: generation-service %.3f (JIT %.3f), PostgreSQL %.3f, teacher-sim %.3f (JIT %.3f) "
                            + "(under wrk: teacher-sim %.3f, wrk %.3f per 1,000 requests); cores busy %.2f of 2 (requests %d, cached %d); "
                            + "service and PostgreSQL against teacher-sim, JIT aside: %.2f%n",
                    run, raw, c, stored, s, rate, rate / raw, genCpu * 1000 / stored, genJit * 1000 / stored, pgCpu * 1000 / stored,
                    simCpu * 1000 / stored, simJit * 1000 / stored,
                    simPerRequest * 1000, wrkPerRequest * 1000, (genCpu + pgCpu + simCpu) / s, field(done, "requests"), field(done, "cached"),
                    parity);
        }
        Collections.sort(ratios);
        Collections.sort(parities);
        System.out.printf("median ratio: %.2f; median CPU of service and PostgreSQL against teacher-sim's: %.2f%n",
                ratios.get(ratios.size() / 2), parities.get(parities.size() / 2));
    }

    static void concurrency(String gen, String q, String sim, long genPid, int target) throws Exception {
        String input = questions(q, "concurrency", target);
        String teacher = teacher(gen, sim, "concurrency", target);
        long job = submit(gen, "concurrency-" + ProcessHandle.current().pid(), input, teacher, 2, "{}");
        long t0 = System.nanoTime();
        List<Double> running = new ArrayList<>();
        double peakHeapMb = 0;
        // ramp up for 8 s, then sample for 20 s (each request takes about 20.5 s: first token 0.5 s, 1,000 tokens of 20 ms)
        while (System.nanoTime() - t0 < Duration.ofSeconds(28).toNanos()) {
            Thread.sleep(1000);
            double r = metric(sim + "/metrics", "vllm:num_requests_running");
            double heap = heapUsedMb(gen);
            peakHeapMb = Math.max(peakHeapMb, heap);
            long elapsed = (System.nanoTime() - t0) / 1_000_000_000L;
            System.out.printf("t=%2ds running at the teacher: %.0f, generation-service heap used %.0f MB, RSS %.0f MB%n", elapsed, r, heap, rssMb(genPid));
            if (elapsed >= 8) {
                running.add(r);
            }
        }
        Collections.sort(running);
        double median = running.get(running.size() / 2);
        double mean = running.stream().mapToDouble(Double::doubleValue).average().orElse(0);
        System.out.printf("target %d in flight: median %.0f (%.1f%%), mean %.0f (%.1f%%) over %d samples; peak heap used %.0f MB%n",
                target, median, 100 * median / target, mean, 100 * mean / target, running.size(), peakHeapMb);
        HTTP.send(HttpRequest.newBuilder(URI.create(gen + "/api/v1/jobs/" + job + "/cancel")).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    // --- the services' APIs

    static String questions(String q, String label, int n) throws Exception {
        String name = label + "-" + ProcessHandle.current().pid();
        long source = field(send(q + "/api/v1/sources", "{\"name\":\"" + name + "\",\"domain\":\"math\",\"origin\":\"synthetic\"}", 201), "id");
        StringBuilder body = new StringBuilder();
        // questions of their own per label: question-service drops exact duplicates across sources
        long shift = (ProcessHandle.current().pid() % 1000) * 1_000_000L;
        for (int i = 1; i <= n; i++) {
            body.append("{\"id\":\"").append(label).append('-').append(i).append("\",\"problem\":\"What is ").append(i).append(" * 7 + ")
                    .append(shift + i % 97).append("?\"}\n");
        }
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(q + "/api/v1/sources/" + source + "/imports?text=problem&id=id"))
                .header("Content-Type", "application/x-ndjson").POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                HttpResponse.BodyHandlers.ofString());
        check(r, 200);
        long imported = field(r.body(), "imported");
        String mix = send(q + "/api/v1/mixes", "{\"name\":\"" + name + "\",\"components\":[{\"source\":\"" + name + "\",\"count\":" + imported
                + "}],\"seed\":1}", 201);
        return group(mix, "\"ref\":\"([^\"]+)\"");
    }

    static String teacher(String gen, String sim, String label, int concurrency) throws Exception {
        String name = label + "-" + ProcessHandle.current().pid();
        send(gen + "/api/v1/teachers", "{\"name\":\"" + name + "\",\"baseUrl\":\"" + sim + "/v1\",\"model\":\"teacher-sim\",\"limits\":{\"maxConcurrency\":"
                + concurrency + "},\"pricing\":{\"inputPerMTok\":0.1,\"outputPerMTok\":0.4}}", 201);
        return name;
    }

    static long submit(String gen, String name, String input, String teacher, int samples, String params) throws Exception {
        return field(send(gen + "/api/v1/jobs", "{\"name\":\"" + name + "\",\"input\":\"" + input + "\",\"teacher\":\"" + teacher
                + "\",\"samplesPerItem\":" + samples + ",\"promptTemplate\":\"Solve: {{text}}\",\"params\":" + params + "}", 202), "id");
    }

    static String await(String gen, long job) throws Exception {
        while (true) {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(gen + "/api/v1/jobs/" + job)).build(), HttpResponse.BodyHandlers.ofString());
            String status = group(r.body(), "\"status\":\"([a-z]+)\"");
            if (!status.equals("running")) {
                if (!status.equals("complete")) {
                    throw new IllegalStateException("job " + job + " ended " + status + ": " + r.body());
                }
                return r.body();
            }
            Thread.sleep(250);
        }
    }

    static String send(String url, String json, int expected) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).timeout(Duration.ofMinutes(5)).build(), HttpResponse.BodyHandlers.ofString());
        check(r, expected);
        return r.body();
    }

    // --- measuring

    static double wrk(String sim, int connections) throws Exception {
        Path script = Path.of("bench", "chat.lua");
        Process p = new ProcessBuilder("wrk", "-t1", "-c" + connections, "-d15s", "-s", script.toString(), sim + "/v1/chat/completions")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        if (out.contains("Non-2xx")) {
            throw new IllegalStateException("wrk got errors:\n" + out);
        }
        return Double.parseDouble(group(out, "Requests/sec:\\s+([0-9.]+)"));
    }

    static double metric(String url, String name) throws Exception {
        String body = HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body();
        return body.lines().filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{") || (name.contains("{") && l.startsWith(name)))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    static double heapUsedMb(String gen) throws Exception {
        return metric(gen + "/q/metrics", "jvm_memory_used_bytes{area=\"heap\"") / 1e6;
    }

    static double rssMb(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
            }
        }
        return -1;
    }

    /** utime + stime of one process, in seconds (clock ticks of 1/100 s). */
    static double cpuSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
        } catch (IOException gone) {
            return 0;
        }
    }

    /**
     * CPU of a JVM's JIT compiler threads ("C1 CompilerThre", "C2 CompilerThre" in /proc), in seconds: work the
     * native executable the service ships as does not do at all, reported apart so the rest reads as the code's cost.
     * Threads that ended meanwhile (HotSpot stops idle compiler threads) are lost, so this is a lower bound.
     */
    static double jitSeconds(long pid) {
        double s = 0;
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                try {
                    if (Files.readString(t.resolve("comm")).contains("CompilerThre")) {
                        String stat = Files.readString(t.resolve("stat"));
                        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                        s += (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
                    }
                } catch (IOException threadGone) {
                    // ended between the listing and the read
                }
            }
        } catch (IOException gone) {
            return 0;
        }
        return s;
    }

    /** CPU of this process's children that have ended (wrk), in seconds. */
    static double childrenCpuSeconds() {
        return endedChildrenCpuSeconds(ProcessHandle.current().pid());
    }

    /** CPU of a process's children that ended and were waited for (cutime + cstime), in seconds. */
    static double endedChildrenCpuSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[13]) + Long.parseLong(f[14])) / 100.0;
        } catch (IOException e) {
            return 0;
        }
    }

    /**
     * CPU of a process and its descendants, in seconds: those alive now, and those that ended and were waited for by
     * the process (PostgreSQL's autovacuum workers come and go; their CPU lands in the postmaster's cutime).
     */
    static double treeCpuSeconds(long pid) {
        Optional<ProcessHandle> h = ProcessHandle.of(pid);
        if (h.isEmpty()) {
            return 0;
        }
        double s = cpuSeconds(pid) + endedChildrenCpuSeconds(pid);
        for (ProcessHandle d : (Iterable<ProcessHandle>) h.get().descendants()::iterator) {
            s += cpuSeconds(d.pid());
        }
        return s;
    }

    /** The postmaster listening on the port (its backends are its children). */
    static long postmaster(int port) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().command().map(c -> c.endsWith("/postgres")).orElse(false))
                .filter(p -> p.info().arguments().map(a -> String.join(" ", a).contains(Integer.toString(port))).orElse(false))
                .map(ProcessHandle::pid).findFirst().orElseThrow(() -> new IllegalStateException("no postmaster on port " + port));
    }

    static void printMachine() throws Exception {
        String cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name")).findFirst()
                .map(l -> l.substring(l.indexOf(':') + 2)).orElse("?");
        System.out.printf("machine: %d cores, %s, %.1f GiB; %s %s; %s%n", Runtime.getRuntime().availableProcessors(), cpu,
                ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getTotalMemorySize() / (1024.0 * 1024 * 1024),
                System.getProperty("java.vm.name"), System.getProperty("java.version"), java.time.ZonedDateTime.now());
    }

    static long field(String json, String name) {
        return Long.parseLong(group(json, "\"" + name + "\":(\\d+)"));
    }

    static String group(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        if (!m.find()) {
            throw new IllegalStateException("no match for " + regex + " in " + text);
        }
        return m.group(1);
    }

    static void check(HttpResponse<String> r, int expected) {
        if (r.statusCode() != expected) {
            throw new IllegalStateException(r.uri() + " answered " + r.statusCode() + ": " + r.body());
        }
    }
}
