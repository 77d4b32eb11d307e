package dev.thoughtline.cli;

import dev.thoughtline.testing.LocalPostgres;
import dev.thoughtline.testing.QuarkusProcess;
import dev.thoughtline.testing.RoundRobinProxy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The four services as a cluster runs them: each as replicas of its packaged jar on one database (of a
 * {@link LocalPostgres} the caller owns, named {@code PREFIX_questions} and so on), behind a {@link RoundRobinProxy}
 * that is the service's one address, as a Kubernetes Service is: the CLI and the other services call the proxy, and
 * every replica's {@code THOUGHTLINE_PUBLIC_URL} is it. Access by bearer tokens on, the production outbound policy
 * (the suite is the proxies' origins, plus the origins the caller allows), and short leases so that work of a
 * replica killed with SIGKILL is taken over within seconds. A replica can be killed and started again on the same
 * port, database and environment.
 */
final class ReplicatedSuite implements AutoCloseable {

    static final String[] SERVICES = PackagedSuite.SERVICES;

    /** One replica of a service: its port and environment stay the same across restarts; each start has its own log. */
    final class Replica {
        final String service;
        final int index;
        final int port;
        private final Map<String, String> env;
        private volatile Process process;
        private volatile boolean ready;
        private int starts;

        private Replica(String service, int index, int port, Map<String, String> env) {
            this.service = service;
            this.index = index;
            this.port = port;
            this.env = env;
        }

        private void start() throws IOException {
            starts++;
            ready = false;
            // the name it holds work under, new at each start as a new pod's is
            Map<String, String> named = new LinkedHashMap<>(env);
            named.put("THOUGHTLINE_LEASES_OWNER", name());
            named.put("THOUGHTLINE_WORKER_ID", name());
            process = QuarkusProcess.start(PackagedSuite.jar(service), port, pg, named,
                    Path.of("target", "chaos-logs", prefix + "-" + service + "-" + index + "-" + starts + ".log"), "256m");
        }

        private void awaitReady() {
            QuarkusProcess.awaitReady("http://localhost:" + port, process, Duration.ofSeconds(120));
            ready = true;
        }

        /** What this start of it holds leases under: {@code SERVICE-INDEX-START}. */
        String name() {
            return service + "-" + index + "-" + starts;
        }

        /** Whether it is up and has answered its readiness check since it was last started. */
        boolean ready() {
            return ready && process.isAlive();
        }

        /** SIGKILL, as a crash or an evicted pod: no shutdown hook runs, its connections break, its leases stay behind. */
        void kill() {
            ready = false;
            try {
                process.destroyForcibly().waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while killing " + this);
            }
        }

        /** Starts it again (after {@link #kill}) on the same port, database and environment, and waits until it is ready. */
        void restart() {
            if (process.isAlive()) {
                throw new IllegalStateException(this + " is still running");
            }
            try {
                start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            awaitReady();
        }

        @Override
        public String toString() {
            return service + "#" + index;
        }
    }

    private final LocalPostgres pg;
    private final String prefix;
    private final Map<String, RoundRobinProxy> proxies = new LinkedHashMap<>();
    private final Map<String, List<Replica>> replicas = new LinkedHashMap<>();

    private ReplicatedSuite(LocalPostgres pg, String prefix) {
        this.pg = pg;
        this.prefix = prefix;
    }

    /**
     * Starts {@code perService} replicas of each service on fresh databases {@code PREFIX_...}. {@code allow} are
     * origins outside the suite the services may call (teacher-sim); {@code extra} adds to every replica's environment.
     */
    static ReplicatedSuite start(LocalPostgres pg, String prefix, int perService, List<String> allow, Map<String, String> extra) {
        PackagedSuite.assumeBuilt();
        ReplicatedSuite suite = new ReplicatedSuite(pg, prefix);
        try {
            Map<String, List<Integer>> ports = new LinkedHashMap<>();
            for (String s : SERVICES) {
                pg.createDatabase(suite.database(s));
                List<Integer> p = new ArrayList<>();
                for (int i = 0; i < perService; i++) {
                    p.add(QuarkusProcess.freePort());
                }
                ports.put(s, p);
                suite.proxies.put(s, new RoundRobinProxy(p));
            }
            String origins = String.join(",", suite.proxies.values().stream().map(RoundRobinProxy::url).toList());
            for (String s : SERVICES) {
                Map<String, String> env = new LinkedHashMap<>();
                env.put("QUARKUS_DATASOURCE_REACTIVE_URL", pg.reactiveUrl(suite.database(s)));
                env.put("THOUGHTLINE_PUBLIC_URL", suite.url(s));
                env.put("THOUGHTLINE_GENERATION_URL", suite.url("generation-service"));
                env.put("THOUGHTLINE_AUTH_TOKENS", PackagedSuite.TOKEN);
                env.put("THOUGHTLINE_AUTH_TOKEN", PackagedSuite.TOKEN);
                // the production policy: the suite by its proxies' origins, the caller's servers by theirs, nothing else private
                env.put("THOUGHTLINE_OUTBOUND_SUITE", origins);
                env.put("THOUGHTLINE_OUTBOUND_ALLOW", String.join(",", allow));
                env.putAll(extra);
                List<Replica> rs = new ArrayList<>();
                for (int i = 0; i < perService; i++) {
                    Replica r = suite.new Replica(s, i, ports.get(s).get(i), Map.copyOf(env));
                    r.start();
                    rs.add(r);
                }
                suite.replicas.put(s, rs);
            }
            suite.replicas.values().forEach(rs -> rs.forEach(Replica::awaitReady));
            return suite;
        } catch (IOException | RuntimeException e) {
            suite.close();
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
    }

    private String database(String service) {
        return prefix + "_" + service.replace("-service", "");
    }

    /** What its databases' and logs' names start with. */
    String prefix() {
        return prefix;
    }

    /** The service's one address: its proxy. */
    String url(String service) {
        return proxies.get(service).url();
    }

    List<Replica> replicas(String service) {
        return replicas.get(service);
    }

    /**
     * The replicas of {@code service} that hold work now: a live lease on a filter run, an eval run or an import, or
     * generation requests (tasks or ranges of samples leased by its worker) or a job's input being loaded.
     */
    List<Replica> busy(String service) {
        String sql = service.equals("generation-service")
                ? "SELECT lease_owner FROM task WHERE state = 'leased' AND lease_until > now()"
                        + " UNION SELECT owner FROM task_range WHERE open > 0 AND lease_until > now()"
                        + " UNION SELECT loader FROM job WHERE NOT loaded AND loader IS NOT NULL"
                : "SELECT owner FROM work_lease WHERE owner IS NOT NULL AND lease_until > now()";
        java.util.Set<String> owners = new java.util.HashSet<>();
        try (Connection c = jdbc(service); java.sql.Statement st = c.createStatement(); java.sql.ResultSet r = st.executeQuery(sql)) {
            while (r.next()) {
                owners.add(r.getString(1));
            }
        } catch (SQLException e) {
            return List.of();
        }
        // a loader's name is its worker's with a suffix
        return replicas(service).stream().filter(rep -> owners.stream().anyMatch(o -> o != null && (o.equals(rep.name()) || o.startsWith(rep.name() + "-"))))
                .toList();
    }

    /** A JDBC connection to the service's database, for what the API does not show (duplicates). */
    Connection jdbc(String service) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://localhost:" + pg.port() + "/" + database(service), LocalPostgres.USER,
                LocalPostgres.PASSWORD);
    }

    @Override
    public void close() {
        List<Process> running = new ArrayList<>();
        replicas.values().forEach(rs -> rs.forEach(r -> {
            if (r.process != null) {
                r.process.destroy();
                running.add(r.process);
            }
        }));
        for (Process p : running) {
            try {
                if (!p.waitFor(20, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        proxies.values().forEach(RoundRobinProxy::close);
    }
}
