package dev.thoughtline.generation.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.thoughtline.generation.Job;
import dev.thoughtline.generation.Outcome;
import dev.thoughtline.generation.Task;
import dev.thoughtline.generation.Teacher;
import dev.thoughtline.generation.client.TeacherClient;
import dev.thoughtline.generation.config.GenerationConfig;
import dev.thoughtline.generation.repository.JobRepository;
import dev.thoughtline.generation.repository.TaskQueue;
import dev.thoughtline.generation.repository.TeacherRepository;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * This replica's worker: a {@link TeacherLane} per teacher claims tasks from the queue in PostgreSQL and
 * calls the teacher; outcomes are buffered and stored in batches, one transaction each. Leases are renewed
 * while requests run; requests of cancelled jobs are aborted; jobs whose loader died are taken over. Every
 * replica runs one, and they share the queue through the database alone.
 */
@ApplicationScoped
public class Engine {

    private final Vertx vertx;
    private final TaskQueue queue;
    private final JobRepository jobs;
    private final TeacherRepository teachers;
    private final JobLoader loader;
    private final GenerationConfig config;
    private final ObjectMapper mapper;
    private final MeterRegistry metrics;
    private final String owner;

    private final Map<Long, TeacherLane> lanes = new ConcurrentHashMap<>();
    private final Map<Long, JobSpec> specs = new ConcurrentHashMap<>();
    private final Map<Long, AtomicLong> pending = new ConcurrentHashMap<>();
    private final List<Outcome> outcomes = new ArrayList<>();
    private final AtomicBoolean flushing = new AtomicBoolean();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicLong stored = new AtomicLong();
    /** Tasks this replica settled since it last vacuumed the task table. */
    private final AtomicLong settledSinceVacuum = new AtomicLong();
    private final AtomicBoolean vacuuming = new AtomicBoolean();
    private final List<Long> timers = new ArrayList<>();
    private volatile boolean stopping;
    private volatile int failedFlushes;
    private volatile int isolate;
    private volatile List<Outcome> inFlush = List.of();
    /** The ranges this replica leased and has not stored every sample of yet. */
    private final Map<Long, RangeCount> ranges = new ConcurrentHashMap<>();

    /** A range's samples: how many, how many are no longer in flight here, how many are stored. */
    private record RangeCount(long teacherId, int size, AtomicInteger answered, AtomicInteger stored) {
    }

    public Engine(Vertx vertx, TaskQueue queue, JobRepository jobs, TeacherRepository teachers, JobLoader loader,
                  GenerationConfig config, ObjectMapper mapper, MeterRegistry metrics) {
        this.vertx = vertx;
        this.queue = queue;
        this.jobs = jobs;
        this.teachers = teachers;
        this.loader = loader;
        this.config = config;
        this.mapper = mapper;
        this.metrics = metrics;
        this.owner = config.worker().id().orElseGet(Engine::defaultId);
    }

    private static String defaultId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "worker";
        }
        return host + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    void start(@Observes StartupEvent event) {
        metrics.gauge("thoughtline_generation_in_flight_requests", Tags.empty(), inFlight);
        if (!config.worker().enabled()) {
            Log.info("the worker is off (thoughtline.worker.enabled=false): this replica serves the API only");
            return;
        }
        Log.infof("worker %s: up to %d requests in flight", owner, config.worker().maxInFlight());
        GenerationConfig.Worker w = config.worker();
        timers.add(vertx.setPeriodic(w.pollInterval().toMillis(), id -> lanes.values().forEach(TeacherLane::pump)));
        timers.add(vertx.setPeriodic(w.flushInterval().toMillis(), id -> flush()));
        timers.add(vertx.setPeriodic(Math.max(100, w.lease().toMillis() / 3), id -> renew()));
        timers.add(vertx.setPeriodic(1000, id -> watchCancels()));
        timers.add(vertx.setPeriodic(5000, id -> housekeeping()));
        housekeeping();
    }

    void stop(@Observes ShutdownEvent event) {
        stopping = true;
        timers.forEach(vertx::cancelTimer);
        // tasks in flight go back to the queue now rather than when their leases expire
        lanes.values().forEach(TeacherLane::releaseAll);
        for (int i = 0; i < 50 && (hasOutcomes() || flushing.get()); i++) {
            flush();
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        lanes.values().forEach(TeacherLane::close);
    }

    /** The name this replica leases tasks under. */
    public String owner() {
        return owner;
    }

    TaskQueue queue() {
        return queue;
    }

    boolean stopping() {
        return stopping;
    }

    int freeSlots() {
        return config.worker().maxInFlight() - inFlight.get();
    }

    void started(int n) {
        inFlight.addAndGet(n);
    }

    void finished(int n) {
        inFlight.addAndGet(-n);
    }

    /** Requests in flight from this replica. */
    public int inFlight() {
        return inFlight.get();
    }

    /** Samples this replica has stored (answered or from the cache). */
    public long stored() {
        return stored.get();
    }

    void soon(Runnable r) {
        vertx.runOnContext(v -> r.run());
    }

    /**
     * A request ended and the lane has room for a chunk: it claims now. Its answered tasks keep their leases until
     * they are stored, and the claim leaves them out of the count of tasks in flight (see {@link #answeredIds} and
     * {@link #rangeCounts}),
     * so it need not wait for the store; outcomes are stored in batches of their own ({@code flush-size},
     * {@code flush-interval}).
     */
    void soonIfRoom(TeacherLane lane) {
        if (lane.roomForChunk()) {
            soon(lane::pump);
        }
    }

    /** The task rows of a teacher whose requests ended here and whose outcomes wait to be stored, or are being stored. */
    Long[] answeredIds(long teacherId) {
        List<Long> ids = new ArrayList<>();
        synchronized (outcomes) {
            addTaskIds(outcomes, teacherId, ids);
        }
        addTaskIds(inFlush, teacherId, ids);
        return ids.toArray(Long[]::new);
    }

    private static void addTaskIds(List<Outcome> from, long teacherId, List<Long> into) {
        for (Outcome o : from) {
            if (o.teacherId() == teacherId && !o.task().ranged()) {
                into.add(o.task().id());
            }
        }
    }

    /**
     * The ranges of a teacher this replica tracks, and for each how many samples are no longer in flight here: the
     * claim counts the rest against the teacher's concurrency. Unlike a list of answered samples, the counts hold
     * however the claim and a store interleave: a stored sample was answered first.
     */
    TaskQueue.RangeCounts rangeCounts(long teacherId) {
        List<Long> ids = new ArrayList<>();
        List<Integer> answered = new ArrayList<>();
        ranges.forEach((id, c) -> {
            if (c.teacherId() == teacherId) {
                ids.add(id);
                answered.add(c.answered().get());
            }
        });
        return new TaskQueue.RangeCounts(ids.toArray(Long[]::new), answered.toArray(Integer[]::new));
    }

    /** Tracks the ranges a claim just leased; called before any of their samples is sent or reported. */
    void leased(long teacherId, List<Task> tasks) {
        Map<Long, Integer> sizes = new HashMap<>();
        for (Task t : tasks) {
            if (t.ranged()) {
                sizes.merge(t.rangeId(), 1, Integer::sum);
            }
        }
        sizes.forEach((id, n) -> ranges.put(id, new RangeCount(teacherId, n, new AtomicInteger(), new AtomicInteger())));
    }

    /** Samples that left this replica without an outcome to store (their job was cancelled). */
    void dropped(List<Task> tasks) {
        for (Task t : tasks) {
            if (t.ranged()) {
                RangeCount c = ranges.get(t.rangeId());
                if (c != null) {
                    c.answered().incrementAndGet();
                }
                settled(t);
            }
        }
    }

    private void settled(Task t) {
        RangeCount c = ranges.get(t.rangeId());
        if (c != null && c.stored().incrementAndGet() >= c.size()) {
            ranges.remove(t.rangeId());
        }
    }

    /** The circuit breaker's state for a teacher in this replica, with its last error; null when it has no lane. */
    public String breakerState(long teacherId) {
        TeacherLane lane = lanes.get(teacherId);
        if (lane == null) {
            return null;
        }
        CircuitBreaker.State s = lane.breaker.state();
        return s == CircuitBreaker.State.CLOSED ? "closed" : s.name().toLowerCase(java.util.Locale.ROOT) + ": " + lane.breaker.lastError();
    }

    void report(Outcome o) {
        if (o.task().ranged()) {
            RangeCount c = ranges.get(o.task().rangeId());
            if (c != null) {
                c.answered().incrementAndGet();
            }
        }
        int size;
        synchronized (outcomes) {
            outcomes.add(o);
            size = outcomes.size();
        }
        if (size >= config.worker().flushSize()) {
            soon(this::flush);
        }
    }

    private boolean bufferedAtLeast(int n) {
        synchronized (outcomes) {
            return outcomes.size() >= n;
        }
    }

    private boolean hasOutcomes() {
        synchronized (outcomes) {
            return !outcomes.isEmpty();
        }
    }

    /**
     * Stores buffered outcomes, one batch (one transaction) at a time. A failed batch is kept and tried again
     * (a result is never dropped because the database blinked); a batch that keeps failing is stored one
     * outcome at a time, and an answer that cannot be stored even alone fails its task with the reason.
     */
    void flush() {
        if (!flushing.compareAndSet(false, true)) {
            return;
        }
        List<Outcome> batch;
        synchronized (outcomes) {
            int n = Math.min(outcomes.size(), isolate > 0 ? 1 : config.worker().flushSize() * 4);
            batch = new ArrayList<>(outcomes.subList(0, n));
            outcomes.subList(0, n).clear();
        }
        if (batch.isEmpty()) {
            flushing.set(false);
            return;
        }
        inFlush = batch;
        queue.store(owner, batch, config.worker().maxAttempts()).subscribe().with(s -> {
            stored.addAndGet(s.answered() + s.fromCache());
            settledSinceVacuum.addAndGet(batch.size());
            for (Outcome o : batch) {
                if (o.task().ranged()) {
                    settled(o.task());
                }
            }
            inFlush = List.of();
            failedFlushes = 0;
            if (isolate > 0) {
                isolate--;
            }
            flushing.set(false);
            // what came in meanwhile joins a fuller batch, unless a full one waits (or stopping): a store costs the
            // database about as much for 10 outcomes as for 100, and no claim waits for it
            if (hasOutcomes() && (stopping || bufferedAtLeast(config.worker().flushSize()))) {
                soon(this::flush);
            }
        }, failure -> {
            // only the database refusing the data (not an outage) can make an outcome unstorable
            boolean refused = failure instanceof io.vertx.pgclient.PgException;
            failedFlushes = refused ? failedFlushes + 1 : 0;
            List<Outcome> retry = batch;
            if (failedFlushes >= 3 && isolate == 0) {
                isolate = batch.size();
                failedFlushes = 0;
            } else if (failedFlushes >= 3) {
                Outcome o = batch.get(0);
                Log.errorf("an outcome of task %d cannot be stored: %s", o.task().id(), failure.toString());
                retry = o instanceof Outcome.Answered || o instanceof Outcome.FromCache
                        ? List.of(new Outcome.Failed(o.task(), o.teacherId(), Text.clean("the answer cannot be stored: " + failure.getMessage()), 0))
                        : List.of();
                if (retry.isEmpty() && o.task().ranged()) {
                    settled(o.task());
                }
                failedFlushes = 0;
                isolate = Math.max(1, isolate);
            } else {
                Log.warnf("storing %d outcomes failed, will retry: %s", batch.size(), failure.toString());
            }
            synchronized (outcomes) {
                outcomes.addAll(0, retry);
            }
            inFlush = List.of();
            flushing.set(false);
        });
    }

    /** Renews the leases of every task this replica holds: in flight, or answered and waiting to be stored. */
    private void renew() {
        Set<Long> ids = new HashSet<>();
        lanes.values().forEach(l -> l.leasedIds(ids));
        synchronized (outcomes) {
            outcomes.forEach(o -> ids.add(o.task().id()));
        }
        List<Outcome> storing = inFlush;
        storing.forEach(o -> ids.add(o.task().id()));
        queue.renew(owner, ids.toArray(Long[]::new), config.worker().lease().toMillis()).subscribe().with(n -> { },
                failure -> Log.warnf("renewing leases failed: %s", failure.toString()));
    }

    private void watchCancels() {
        Set<Long> inFlightJobs = new HashSet<>();
        lanes.values().forEach(l -> inFlightJobs.addAll(l.jobsInFlight()));
        if (inFlightJobs.isEmpty()) {
            return;
        }
        jobs.cancelledAmong(inFlightJobs.toArray(Long[]::new)).subscribe().with(cancelled -> {
            if (!cancelled.isEmpty()) {
                lanes.values().forEach(l -> l.abort(cancelled));
            }
        }, failure -> Log.debugf("checking for cancelled jobs failed: %s", failure));
    }

    /** New teachers get lanes; jobs whose loader died are taken over; the pending-task gauges are refreshed. */
    void housekeeping() {
        if (stopping) {
            return;
        }
        teachers.snapshot().subscribe().with(all -> all.forEach(this::lane),
                failure -> Log.warnf("reading teachers failed: %s", failure.toString()));
        jobs.orphanedLoads(config.jobs().loaderStaleAfter().toMillis()).subscribe().with(
                ids -> ids.forEach(loader::load), failure -> Log.debugf("looking for orphaned loads failed: %s", failure));
        int every = config.worker().vacuumEvery();
        if (every > 0 && settledSinceVacuum.get() >= every && vacuuming.compareAndSet(false, true)) {
            long settled = settledSinceVacuum.get();
            queue.vacuum().subscribe().with(v -> {
                settledSinceVacuum.addAndGet(-settled);
                vacuuming.set(false);
            }, failure -> {
                vacuuming.set(false);
                Log.warnf("vacuuming the task table failed: %s", failure.toString());
            });
        }
        queue.pendingPerTeacher().subscribe().with(counts -> {
            pending.forEach((teacher, gauge) -> gauge.set(counts.getOrDefault(teacher, 0L)));
            counts.forEach((teacher, n) -> pendingGauge(teacher).set(n));
        }, failure -> Log.debugf("counting pending tasks failed: %s", failure));
    }

    private AtomicLong pendingGauge(long teacherId) {
        return pending.computeIfAbsent(teacherId, id -> {
            TeacherLane lane = lanes.get(id);
            String name = lane == null ? Long.toString(id) : lane.teacher.name;
            return metrics.gauge("thoughtline_generation_pending_tasks", Tags.of("teacher", name), new AtomicLong());
        });
    }

    private TeacherLane lane(Teacher t) {
        return lanes.computeIfAbsent(t.id, id -> {
            String key = TeacherKeys.read(t.apiKeyEnv);
            if (t.apiKeyEnv != null && key == null) {
                Log.warnf("teacher %s: %s is not a teacher key variable set here; requests go without a key", t.name, t.apiKeyEnv);
            }
            GenerationConfig.Client c = config.client();
            TeacherClient client = new TeacherClient(vertx, mapper, new TeacherClient.Endpoint(URI.create(t.baseUrl), t.model, key,
                    Math.min(t.maxConcurrency, config.worker().maxInFlight()), c.firstTokenTimeout(), c.idleTimeout(), c.connectTimeout(),
                    c.maxLineBytes(), c.maxSampleChars()));
            TeacherLane lane = new TeacherLane(t, client, this, config);
            metrics.gauge("thoughtline_generation_teacher_in_flight_requests", Tags.of("teacher", t.name), lane, TeacherLane::inFlight);
            return lane;
        });
    }

    /** Registers a teacher's lane at once (a job was just submitted for it) and looks for its work. */
    public void wake(Teacher t) {
        if (config.worker().enabled() && !stopping) {
            soon(lane(t)::pump);
        }
    }

    /** Per-teacher meters, registered once: a registry lookup per request costs more than the request's bookkeeping. */
    final class Meters {
        private final Map<String, Counter> requests = new ConcurrentHashMap<>();
        private final Counter promptTokens;
        private final Counter completionTokens;
        private final io.micrometer.core.instrument.Timer latency;
        private final Tags tags;

        Meters(Teacher t) {
            tags = Tags.of("teacher", t.name);
            promptTokens = Counter.builder("thoughtline_generation_tokens_total").tags(tags.and("type", "prompt")).register(metrics);
            completionTokens = Counter.builder("thoughtline_generation_tokens_total").tags(tags.and("type", "completion")).register(metrics);
            latency = metrics.timer("thoughtline_generation_request_seconds", tags);
        }

        void request(String outcome, long prompt, long completion, long latencyMs) {
            requests.computeIfAbsent(outcome, o -> Counter.builder("thoughtline_generation_requests_total")
                    .tags(tags.and("outcome", o)).register(metrics)).increment();
            if (prompt > 0 || completion > 0) {
                promptTokens.increment(prompt);
                completionTokens.increment(completion);
                latency.record(latencyMs, TimeUnit.MILLISECONDS);
            }
        }
    }

    Meters meters(Teacher t) {
        return new Meters(t);
    }

    /** The specs of the tasks' jobs, read once per job (a job's spec never changes). */
    Uni<Map<Long, JobSpec>> specs(List<Task> tasks) {
        Set<Long> missing = new HashSet<>();
        for (Task t : tasks) {
            if (!specs.containsKey(t.jobId())) {
                missing.add(t.jobId());
            }
        }
        Uni<Void> load = Uni.createFrom().voidItem();
        for (long id : missing) {
            load = load.chain(() -> jobs.find(id).invoke(job -> {
                if (job != null) {
                    specs.put(id, spec(job));
                }
            })).replaceWithVoid();
        }
        return load.map(v -> {
            if (specs.size() > 10_000) {
                specs.clear();
            }
            Map<Long, JobSpec> out = new HashMap<>();
            tasks.forEach(t -> out.put(t.jobId(), specs.get(t.jobId())));
            return out;
        });
    }

    private JobSpec spec(Job job) {
        try {
            ObjectNode params = (ObjectNode) mapper.readTree(job.params());
            long seed = params.path("seed").asLong(0);
            params.remove("seed");
            return new JobSpec(job.id(), job.systemPrompt(), params, seed);
        } catch (Exception e) {
            throw new IllegalStateException("job " + job.id() + " holds unreadable params", e);
        }
    }

    /** For tests and benchmarks: waits until the buffered outcomes are stored. */
    public void drain(Duration max) throws InterruptedException {
        long end = System.nanoTime() + max.toNanos();
        while ((hasOutcomes() || flushing.get()) && System.nanoTime() < end) {
            flush();
            TimeUnit.MILLISECONDS.sleep(10);
        }
    }
}
