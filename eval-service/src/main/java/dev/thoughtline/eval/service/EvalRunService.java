package dev.thoughtline.eval.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.thoughtline.contracts.DatasetClient;
import dev.thoughtline.contracts.DatasetClientException;
import dev.thoughtline.contracts.DatasetRef;
import dev.thoughtline.eval.Benchmark;
import dev.thoughtline.eval.EvalResult;
import dev.thoughtline.eval.EvalRun;
import dev.thoughtline.eval.config.EvalConfig;
import dev.thoughtline.eval.repository.EvalRepository;
import dev.thoughtline.eval.rest.EvalRunRequest;
import dev.thoughtline.eval.rest.EvalRunView;
import dev.thoughtline.eval.rest.TeacherReportRequest;
import dev.thoughtline.support.ApiException;
import dev.thoughtline.support.WorkLeases;
import dev.thoughtline.support.GenerationClient;
import dev.thoughtline.support.ItemPages;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Eval runs: validation and submission, the run itself (one generation job per benchmark through
 * generation-service, waited for, then scored and stored with its metrics in one transaction per benchmark), and
 * the views. A run is owned by one replica at a time through a lease ({@link WorkLeases}); a replica takes over the
 * runs of one that died or stopped and drives them on from their last scored benchmark: their jobs are submitted again
 * under the same names, which generation-service answers with the existing jobs, so nothing is paid twice.
 */
@ApplicationScoped
public class EvalRunService {

    /** The kind of work an eval run is to {@link WorkLeases}. */
    static final String KIND = "eval-run";

    private final EvalRepository repository;
    private final Pool pool;
    private final WorkLeases leases;
    private final BenchmarkService benchmarks;
    private final Generation generation;
    private final DatasetClient datasets;
    private final ObjectMapper mapper;
    private final EvalConfig config;
    private final ExecutorService drivers;

    public EvalRunService(EvalRepository repository, Pool pool, WorkLeases leases, BenchmarkService benchmarks, Generation generation,
                          DatasetClient datasets, ObjectMapper mapper, EvalConfig config) {
        this.repository = repository;
        this.pool = pool;
        this.leases = leases;
        this.benchmarks = benchmarks;
        this.generation = generation;
        this.datasets = datasets;
        this.mapper = mapper;
        this.config = config;
        this.drivers = Executors.newFixedThreadPool(config.runs().concurrency(), r -> {
            Thread t = new Thread(r, "eval-run");
            t.setDaemon(true);
            return t;
        });
    }

    /** From startup on, this replica takes over runs whose owner died or stopped (see {@link WorkLeases}). */
    void ownership(@Observes @Priority(10) StartupEvent event) {
        leases.register(KIND, config.runs().concurrency(), this::takeOver);
    }

    /** A run whose lease this replica just took: drive it on, or end the lease of one that ended. */
    private void takeOver(WorkLeases.Lease lease) {
        repository.runById(lease.id()).subscribe().with(r -> {
            if (r == null || !"running".equals(r.status())) {
                leases.fenced(lease, tx -> leases.end(tx, lease)).subscribe().with(v -> { }, f -> leases.forget(lease));
                return;
            }
            Log.infof("eval run %d (%s): taken over, driving it on from its last scored benchmark", r.id(), r.name());
            start(r, lease);
        }, failure -> {
            Log.warnf("eval run %d: cannot read it to take it over: %s", lease.id(), failure.toString());
            leases.forget(lease);
        });
    }

    void stop(@Observes ShutdownEvent event) {
        drivers.shutdownNow();
    }

    public record Submitted(EvalRunView view, boolean created) {
    }

    public Uni<Submitted> submit(EvalRunRequest request) {
        if (request == null) {
            throw ApiException.badRequest("an eval run needs a body: {model, benchmarks: [name], repeats?, temperature?, maxTokens?, seed?}");
        }
        if (request.model() == null || request.model().isBlank()) {
            throw ApiException.badRequest("model is required: the name of a registered model (POST /api/v1/models)");
        }
        Sampling sampling = sampling(request.repeats(), request.temperature(), request.maxTokens(), request.seed());
        List<String> names = benchmarkNames(request.benchmarks());
        return lookup(names).chain(found -> repository.modelByName(request.model()).chain(model -> {
            if (model == null) {
                throw ApiException.unprocessable("unknown model '" + request.model() + "': register it first (POST /api/v1/models)");
            }
            ObjectNode resolved = resolved(model.name(), model.teacher(), names, sampling, null);
            String name = request.name() != null ? checkName(request.name()) : model.name() + "-" + String.join("+", names) + "-" + hash(resolved);
            return create(name, model.name(), model.teacher(), resolved, found);
        }));
    }

    /** A teacher report: one run per teacher on the same benchmark, named {@code name-teacher}. */
    public Uni<List<Submitted>> report(TeacherReportRequest request) {
        if (request == null || request.name() == null || request.benchmark() == null || request.teachers() == null || request.teachers().isEmpty()) {
            throw ApiException.badRequest("a teacher report needs {name, benchmark, teachers: [name, ...]}");
        }
        String name = checkName(request.name());
        Sampling sampling = sampling(request.repeats(), request.temperature(), request.maxTokens(), request.seed());
        if (new HashSet<>(request.teachers()).size() != request.teachers().size()) {
            throw ApiException.badRequest("teachers lists a teacher twice");
        }
        for (String t : request.teachers()) {
            if (t == null || !t.matches("[A-Za-z0-9._:/-]{1,200}")) {
                throw ApiException.badRequest("teachers: '" + t + "' is not a teacher name");
            }
        }
        List<String> names = List.of(request.benchmark());
        return lookup(names).chain(found -> {
            List<Uni<Submitted>> runs = new ArrayList<>();
            for (String teacher : request.teachers()) {
                ObjectNode resolved = resolved(null, teacher, names, sampling, name);
                runs.add(create(name + "-" + teacher, null, teacher, resolved, found));
            }
            return Uni.join().all(runs).andFailFast();
        });
    }

    private record Sampling(Integer repeats, double temperature, int maxTokens, long seed) {
    }

    private Sampling sampling(Integer repeats, Double temperature, Integer maxTokens, Long seed) {
        if (repeats != null && (repeats < 1 || repeats > 1024)) {
            throw ApiException.badRequest("repeats must be between 1 and 1024, got " + repeats);
        }
        double t = temperature == null ? config.runs().temperature() : temperature;
        if (t < 0 || t > 2 || Double.isNaN(t)) {
            throw ApiException.badRequest("temperature must be between 0 and 2");
        }
        int max = maxTokens == null ? config.runs().maxTokens() : maxTokens;
        if (max < 1 || max > 1_000_000) {
            throw ApiException.badRequest("maxTokens must be between 1 and 1000000");
        }
        return new Sampling(repeats, t, max, seed == null ? 0 : seed);
    }

    private static List<String> benchmarkNames(List<String> benchmarks) {
        if (benchmarks == null || benchmarks.isEmpty()) {
            throw ApiException.badRequest("benchmarks must name at least one benchmark");
        }
        Set<String> seen = new HashSet<>();
        for (String b : benchmarks) {
            if (b == null || b.isBlank()) {
                throw ApiException.badRequest("benchmarks: a name is empty");
            }
            if (!seen.add(b)) {
                throw ApiException.badRequest("benchmarks lists '" + b + "' twice");
            }
        }
        return benchmarks;
    }

    private static String checkName(String name) {
        if (name.isBlank() || name.length() > 200 || !name.matches("[A-Za-z0-9._:/+-]+")) {
            throw ApiException.badRequest("name: 1-200 letters, digits, '.', '_', ':', '/', '+' or '-'");
        }
        return name;
    }

    private Uni<List<Benchmark>> lookup(List<String> names) {
        List<Uni<Benchmark>> found = new ArrayList<>();
        for (String n : names) {
            found.add(benchmarks.find(n).onFailure(ApiException.class).transform(e ->
                    ApiException.unprocessable("unknown benchmark '" + n + "': import it first (POST /api/v1/benchmarks)")));
        }
        return Uni.join().all(found).andFailFast();
    }

    private ObjectNode resolved(String model, String teacher, List<String> names, Sampling s, String report) {
        ObjectNode r = mapper.createObjectNode();
        if (model != null) {
            r.put("model", model);
        }
        r.put("teacher", teacher);
        ArrayNode b = r.putArray("benchmarks");
        names.forEach(b::add);
        if (s.repeats() != null) {
            r.put("repeats", s.repeats());
        }
        r.put("temperature", s.temperature()).put("maxTokens", s.maxTokens()).put("seed", s.seed());
        if (report != null) {
            r.put("report", report);
        }
        return r;
    }

    private Uni<Submitted> create(String name, String model, String teacher, ObjectNode request, List<Benchmark> found) {
        String json = request.toString();
        List<Long> ids = found.stream().map(Benchmark::id).toList();
        return repository.runByName(name).chain(existing -> {
            if (existing != null) {
                return same(existing, request);
            }
            // the run and its lease, held by this replica, in one transaction: no other replica drives it while it lives
            return pool.withTransaction(tx -> repository.insertRun(tx, name, model, teacher, json, ids).chain(run -> run == null
                    ? Uni.createFrom().<Created>nullItem()
                    : leases.create(tx, KIND, run.id(), () -> { }).map(lease -> new Created(run, lease)))).chain(created -> {
                if (created == null) {
                    return repository.runByName(name).chain(other -> same(other, request));
                }
                start(created.run(), created.lease());
                return view(created.run()).map(v -> new Submitted(v, true));
            });
        });
    }

    private record Created(EvalRun run, WorkLeases.Lease lease) {
    }

    private Uni<Submitted> same(EvalRun existing, ObjectNode request) {
        // both sides parsed from text: numbers compare by value, whatever node type built them
        if (!tree(existing.request()).equals(tree(request.toString()))) {
            throw ApiException.conflict("an eval run named '" + existing.name() + "' exists with another request");
        }
        return view(existing).map(v -> new Submitted(v, false));
    }

    private static String hash(ObjectNode request) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(request.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // --- driving a run (blocking, on a driver thread)

    /**
     * Drives a run whose lease this replica holds, on a driver thread. Every write is fenced by the lease, and the
     * driver checks it while it waits: a replica that lost it (taken over, or handed over at shutdown) stops and
     * changes nothing, and never fails the run for stopping.
     */
    private void start(EvalRun run, WorkLeases.Lease lease) {
        java.util.concurrent.Future<?> driving = drivers.submit(() -> {
            try {
                drive(run, lease);
                leases.fenced(lease, tx -> repository.completeRun(tx, run.id()).chain(() -> leases.end(tx, lease))).await().indefinitely();
                Log.infof("eval run %d (%s) is complete", run.id(), run.name());
            } catch (RuntimeException e) {
                if (e instanceof WorkLeases.LeaseLost || !leases.holds(lease)) {
                    Log.infof("eval run %d (%s) stopped here: another replica drives it now", run.id(), run.name());
                    return;
                }
                String reason = e instanceof RunFailure || e instanceof GenerationClient.GenerationException || e instanceof DatasetClientException
                        || e instanceof ApiException ? e.getMessage() : e.toString();
                Log.warnf("eval run %d (%s) failed: %s", run.id(), run.name(), reason);
                try {
                    leases.fenced(lease, tx -> repository.failRun(tx, run.id(), reason).chain(() -> leases.end(tx, lease))).await().indefinitely();
                } catch (RuntimeException f) {
                    if (!(f instanceof WorkLeases.LeaseLost)) {
                        Log.errorf("cannot record the failure of eval run %d: %s", run.id(), f.toString());
                    }
                    leases.forget(lease);
                }
            }
        });
        leases.track(lease, () -> driving.cancel(true));
    }

    /** A run failed for a reason its user should read. */
    static final class RunFailure extends RuntimeException {
        RunFailure(String message) {
            super(message);
        }
    }

    private void drive(EvalRun run, WorkLeases.Lease lease) {
        JsonNode request = tree(run.request());
        GenerationClient gen = generation.client();
        List<EvalResult> results = repository.results(run.id()).await().indefinitely();
        Map<Long, GenerationClient.Job> jobs = new LinkedHashMap<>();
        Map<Long, Benchmark> byId = new LinkedHashMap<>();
        // every job first, so that generation-service works on all of them at once
        for (EvalResult r : results) {
            if (r.status().equals("complete")) {
                continue;
            }
            Benchmark b = repository.benchmarkById(r.benchmarkId()).await().indefinitely();
            byId.put(b.id(), b);
            ObjectNode params = mapper.createObjectNode().put("temperature", request.path("temperature").asDouble())
                    .put("maxTokens", request.path("maxTokens").asInt()).put("seed", request.path("seed").asLong());
            GenerationClient.Job job = gen.submit("eval-" + run.name() + "-" + b.name(), benchmarks.ref(b.id()).url(), run.teacher(),
                    b.promptTemplate(), repeats(request, b), params);
            if (r.jobId() == null || r.jobId() != job.id()) {
                leases.fenced(lease, tx -> repository.setJob(tx, run.id(), b.id(), job.id())).await().indefinitely();
            }
            jobs.put(b.id(), job);
        }
        for (Map.Entry<Long, GenerationClient.Job> e : jobs.entrySet()) {
            Benchmark b = byId.get(e.getKey());
            GenerationClient.Job done = generation.await(e.getValue(), () -> {
                if (!leases.holds(lease)) {
                    throw new WorkLeases.LeaseLost(lease);
                }
            });
            score(run, b, repeats(request, b), done, lease);
        }
    }

    private static int repeats(JsonNode request, Benchmark b) {
        return request.has("repeats") ? request.get("repeats").asInt() : b.repeats();
    }

    private void score(EvalRun run, Benchmark b, int repeats, GenerationClient.Job job, WorkLeases.Lease lease) {
        List<Scorer.Gold> gold = new ArrayList<>(b.itemCount());
        for (Row r : repository.answers(b.id()).await().indefinitely()) {
            gold.add(new Scorer.Gold(r.getInteger(0), r.getString(1), r.getString(2), r.getString(3)));
        }
        Scorer scorer = new Scorer(mapper, b.name(), repeats, gold);
        for (JsonNode trace : datasets.items(DatasetRef.of(job.dataset())).subscribe().asIterable()) {
            scorer.trace(trace);
        }
        ObjectNode metrics = scorer.metrics(job.cost(), pricing(run.teacher()));
        metrics.put("jobId", job.id()).put("traces", job.dataset());
        leases.fenced(lease, tx -> repository.completeResult(tx, run.id(), b.id(), metrics.toString(), scorer.scoredItems())).await().indefinitely();
    }

    /** The teacher's list prices per million input and output tokens, or null when generation-service does not say. */
    private double[] pricing(String teacher) {
        JsonNode t = generation.client().teacher(teacher);
        JsonNode p = t == null ? null : t.get("pricing");
        if (p == null || !p.path("inputPerMTok").isNumber() || !p.path("outputPerMTok").isNumber()) {
            return null;
        }
        return new double[]{p.get("inputPerMTok").asDouble(), p.get("outputPerMTok").asDouble()};
    }

    // --- views

    public Uni<EvalRunView> get(String idOrName) {
        return find(idOrName).chain(this::view);
    }

    public Uni<EvalRun> find(String idOrName) {
        Uni<EvalRun> r = idOrName.matches("\\d{1,18}") ? repository.runById(Long.parseLong(idOrName)) : repository.runByName(idOrName);
        return r.map(run -> {
            if (run == null) {
                throw ApiException.notFound("eval run " + idOrName);
            }
            return run;
        });
    }

    public Uni<List<EvalRunView>> list() {
        return repository.runs().chain(this::views);
    }

    public Uni<List<EvalRunView>> reportRuns(String report) {
        return repository.runsOfReport(report).chain(this::views);
    }

    private Uni<List<EvalRunView>> views(List<EvalRun> runs) {
        return runs.isEmpty() ? Uni.createFrom().item(List.<EvalRunView>of()) : Uni.join().all(runs.stream().map(this::view).toList()).andFailFast();
    }

    public Uni<EvalRunView> view(EvalRun r) {
        return repository.results(r.id()).map(results -> new EvalRunView(r.id(), r.name(), r.model(), r.teacher(), r.status(), r.error(),
                tree(r.request()), results.stream().map(x -> new EvalRunView.Result(x.benchmark(), x.status(), x.jobId(),
                        x.metrics() == null ? null : tree(x.metrics()))).toList(), r.createdAt(), r.finishedAt()));
    }

    /** A page of per-item records of one benchmark of a run (409 until that benchmark is scored). */
    public Uni<ItemPages.Page> items(String run, String benchmark, String after, String limit) {
        long cursor = ItemPages.cursor(after);
        int size = ItemPages.limit(limit, 1000, 10_000);
        return find(run).chain(r -> repository.results(r.id()).chain(results -> {
            EvalResult result = results.stream().filter(x -> x.benchmark().equals(benchmark)).findFirst()
                    .orElseThrow(() -> ApiException.notFound("benchmark " + benchmark + " of eval run " + run));
            if (!result.status().equals("complete")) {
                throw ApiException.conflict("benchmark " + benchmark + " of eval run " + run + " is not scored yet");
            }
            return repository.items(r.id(), result.benchmarkId(), cursor, size)
                    .map(rows -> ItemPages.render(mapper.getFactory(), rows, size, (g, row) -> g.writeRawValue(row.getString(1))));
        }));
    }

    JsonNode tree(String json) {
        try {
            return mapper.readTree(json);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
