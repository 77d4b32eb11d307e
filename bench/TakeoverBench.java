import dev.thoughtline.teachersim.SimConfig;
import dev.thoughtline.teachersim.TeacherSim;
import dev.thoughtline.testing.LocalPostgres;
import dev.thoughtline.testing.QuarkusProcess;
import dev.thoughtline.testing.RoundRobinProxy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Takeover and handover times of a filter run between two filter-service replicas (see bench/takeover.sh). Per run:
 * a run with a response-length step is submitted to the owner, and once its generation job has stored samples the
 * owner is killed (SIGKILL) or stopped (SIGTERM); the figure is the time from the signal until the other replica logs
 * that it took the run over, and until the run is complete. Prints every run, the medians and the machine.
 */
public class TakeoverBench {

    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final Path FILTER = Path.of("filter-service", "target", "quarkus-app", "quarkus-run.jar");
    static final Path GENERATION = Path.of("generation-service", "target", "quarkus-app", "quarkus-run.jar");

    public static void main(String[] args) throws Exception {
        int runs = Integer.parseInt(args[0]);
        Path work = Path.of(args[1]);
        LocalPostgres pg = LocalPostgres.start();
        pg.createDatabase("generation");
        pg.createDatabase("filters");
        TeacherSim sim = TeacherSim.start(SimConfig.defaults().with("tokens-mean", 100).with("tokens-sd", 20).with("itl-ms", 8));
        int genPort = QuarkusProcess.freePort();
        Process gen = QuarkusProcess.start(GENERATION, genPort, pg, Map.of("QUARKUS_DATASOURCE_REACTIVE_URL", pg.reactiveUrl("generation"),
                "THOUGHTLINE_OUTBOUND_PRIVATE", "allow"), work.resolve("generation.log"), "512m");
        String genUrl = "http://localhost:" + genPort;
        QuarkusProcess.awaitReady(genUrl, gen, Duration.ofSeconds(120));
        post(genUrl + "/api/v1/teachers", "{\"name\":\"sim\",\"baseUrl\":\"" + sim.baseUrl() + "\",\"model\":\"" + SimConfig.defaults().model()
                + "\",\"limits\":{\"maxConcurrency\":16}}");
        int[] ports = {QuarkusProcess.freePort(), QuarkusProcess.freePort()};
        RoundRobinProxy proxy = new RoundRobinProxy(List.of(ports[0], ports[1]));
        Process[] replicas = new Process[2];
        int[] generation = new int[2];
        String input = questions(work, 300);
        Map<String, List<Double>> takeover = new HashMap<>();
        Map<String, List<Double>> complete = new HashMap<>();
        try {
            for (int i = 0; i < 2; i++) {
                replicas[i] = replica(i, ports[i], ++generation[i], pg, proxy, genUrl, work);
            }
            int owner = 0;
            for (int r = 1; r <= runs; r++) {
                for (String mode : new String[] {"kill", "term"}) {
                    int other = 1 - owner;
                    String name = "bench-" + mode + "-" + r + "-" + System.nanoTime();
                    String body = post("http://localhost:" + ports[owner] + "/api/v1/filter-runs", "{\"name\":\"" + name + "\",\"input\":\"" + input
                            + "\",\"steps\":[{\"type\":\"response-length\",\"params\":{\"teacher\":\"sim\",\"samples\":1},\"keep\":{\"topFraction\":0.5}}]}");
                    long id = Long.parseLong(body.replaceAll("(?s).*\"id\":(\\d+).*", "$1"));
                    while (!get(genUrl + "/api/v1/jobs").matches("(?s).*\"name\":\"filter-" + name + "-[^\"]*\"[^}]*\"done\":[1-9].*")) {
                        Thread.sleep(50);
                    }
                    Path otherLog = log(work, other, generation[other]);
                    long t0 = System.nanoTime();
                    if (mode.equals("kill")) {
                        replicas[owner].destroyForcibly();
                    } else {
                        replicas[owner].destroy();
                    }
                    String line = "filter-run " + id + ": taking it over";
                    while (!Files.readString(otherLog).contains(line)) {
                        Thread.sleep(20);
                    }
                    double took = (System.nanoTime() - t0) / 1e9;
                    while (!get(proxy.url() + "/api/v1/filter-runs/" + id).contains("\"status\":\"complete\"")) {
                        Thread.sleep(50);
                    }
                    double done = (System.nanoTime() - t0) / 1e9;
                    takeover.computeIfAbsent(mode, k -> new ArrayList<>()).add(took);
                    complete.computeIfAbsent(mode, k -> new ArrayList<>()).add(done);
                    System.out.printf("run %d %s: taken over after %.2f s, complete %.2f s after the signal%n", r, mode.equals("kill") ? "SIGKILL" : "SIGTERM", took, done);
                    replicas[owner].waitFor();
                    replicas[owner] = replica(owner, ports[owner], ++generation[owner], pg, proxy, genUrl, work);
                    owner = other;
                }
            }
        } finally {
            for (Process p : replicas) {
                if (p != null) {
                    p.destroyForcibly();
                }
            }
            gen.destroyForcibly();
            proxy.close();
            sim.close();
            pg.close();
        }
        System.out.printf("median takeover after SIGKILL: %.2f s (complete after %.2f s); after SIGTERM: %.2f s (complete after %.2f s); %d runs each%n",
                median(takeover.get("kill")), median(complete.get("kill")), median(takeover.get("term")), median(complete.get("term")), runs);
        System.out.printf("leases 15 s, scan 2 s (defaults); %s; %d cores, %s; %s %s%n", LocalDate.now(), Runtime.getRuntime().availableProcessors(),
                cpu(), System.getProperty("java.vm.name"), System.getProperty("java.version"));
    }

    static Process replica(int i, int port, int generation, LocalPostgres pg, RoundRobinProxy proxy, String genUrl, Path work) throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("QUARKUS_DATASOURCE_REACTIVE_URL", pg.reactiveUrl("filters"));
        env.put("THOUGHTLINE_PUBLIC_URL", proxy.url());
        env.put("THOUGHTLINE_GENERATION_URL", genUrl);
        env.put("THOUGHTLINE_LEASES_OWNER", "replica-" + i + "-" + generation);
        env.put("THOUGHTLINE_OUTBOUND_PRIVATE", "allow");
        Process p = QuarkusProcess.start(FILTER, port, pg, env, log(work, i, generation), "256m");
        QuarkusProcess.awaitReady("http://localhost:" + port, p, Duration.ofSeconds(120));
        return p;
    }

    static Path log(Path work, int i, int generation) {
        return work.resolve("filter-" + i + "-" + generation + ".log");
    }

    /** A contract dataset of {@code n} questions served from a file by a tiny server of the JDK's. */
    static String questions(Path work, int n) throws Exception {
        StringBuilder items = new StringBuilder();
        for (int i = 1; i <= n; i++) {
            items.append("{\"id\":\"q").append(i).append("\",\"text\":\"What is ").append(i).append(" * 17 + ").append(i % 7).append("?\"}\n");
        }
        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        String base = "http://127.0.0.1:" + server.getAddress().getPort() + "/api/v1/datasets/1";
        byte[] page = items.toString().getBytes();
        byte[] info = ("{\"id\":\"1\",\"name\":\"bench\",\"kind\":\"question\",\"status\":\"complete\",\"itemCount\":" + n
                + ",\"parents\":[],\"recipe\":{},\"createdAt\":\"2026-12-01T00:00:00Z\"}").getBytes();
        server.createContext("/api/v1/datasets/1", ex -> {
            byte[] b = ex.getRequestURI().getPath().endsWith("/items") ? page : info;
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        server.start();
        return base;
    }

    static String post(String url, String body) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2) {
            throw new IllegalStateException(url + " answered " + r.statusCode() + ": " + r.body());
        }
        return r.body();
    }

    static String get(String url) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (Exception replicaGone) {
            return "";
        }
    }

    static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        s.sort(Double::compare);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    static String cpu() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name")).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).strip()).orElse("unknown CPU");
        } catch (Exception e) {
            return "unknown CPU";
        }
    }
}
