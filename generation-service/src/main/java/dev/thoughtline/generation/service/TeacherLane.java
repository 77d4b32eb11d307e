package dev.thoughtline.generation.service;

import dev.thoughtline.generation.Outcome;
import dev.thoughtline.generation.Task;
import dev.thoughtline.generation.Teacher;
import dev.thoughtline.generation.client.ChatRequest;
import dev.thoughtline.generation.client.Completion;
import dev.thoughtline.generation.client.TeacherClient;
import dev.thoughtline.generation.client.TeacherException;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import dev.thoughtline.generation.config.GenerationConfig;
import dev.thoughtline.generation.repository.TaskQueue;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.subscription.Cancellable;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One teacher's work in this replica: claims tasks in chunks while the teacher has free capacity (its
 * cluster-wide limits are applied by the claim), sends them, and reports every outcome to the
 * {@link Engine}. With {@code supportsN}, the samples of one item claimed together go in one request.
 */
final class TeacherLane {

    /**
     * Completions up to this many characters (a few thousand tokens) have their final answers extracted where the
     * answer arrived, on the event loop: linear-time, tens of microseconds. Longer ones go to a worker thread.
     */
    static final long INLINE_CHARS = 64 * 1024;

    /** A request in flight: its tasks and how to abort it. */
    private record Running(long jobId, List<Task> tasks, java.util.concurrent.atomic.AtomicReference<Cancellable> call) {
        void cancel() {
            Cancellable c = call.get();
            if (c != null) {
                c.cancel();
            }
        }
    }

    final Teacher teacher;
    final CircuitBreaker breaker;
    private final TeacherClient client;
    private final Engine engine;
    private final GenerationConfig.Worker config;
    private final TaskQueue.Limits limits;
    private final int capacity;
    private final AtomicBoolean claiming = new AtomicBoolean();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Map<Long, Running> running = new ConcurrentHashMap<>();
    private volatile long pausedUntilNanos;
    private final Engine.Meters meters;
    /** Requests answered since the last claim and the tokens they cost: the next claim corrects the bucket. */
    private long paidRequests;
    private long paidTokens;

    TeacherLane(Teacher teacher, TeacherClient client, Engine engine, GenerationConfig config) {
        this.teacher = teacher;
        this.client = client;
        this.engine = engine;
        this.config = config.worker();
        this.breaker = new CircuitBreaker(config.breaker().failureThreshold(), config.breaker().openFor(), System::nanoTime);
        this.capacity = Math.min(teacher.maxConcurrency, config.worker().maxInFlight());
        double guess = teacher.maxTokens == null ? 1000 : Math.min(teacher.maxTokens, 4000);
        this.meters = engine.meters(teacher);
        this.limits = new TaskQueue.Limits(teacher.rpm, teacher.tpm, teacher.maxConcurrency, config.worker().burstSeconds(), guess);
    }

    int inFlight() {
        return inFlight.get();
    }

    /** Claims and sends work if there is room: in this lane, in the replica, and in the breaker. */
    void pump() {
        if (engine.stopping() || System.nanoTime() < pausedUntilNanos || !claiming.compareAndSet(false, true)) {
            return;
        }
        int free = Math.min(capacity - inFlight.get(), engine.freeSlots());
        int want = breaker.permits(Math.min(free, config.claimBatch()));
        if (want <= 0) {
            claiming.set(false);
            return;
        }
        boolean probe = breaker.state() != CircuitBreaker.State.CLOSED;
        long[] paid = takePaid();
        engine.queue().claim(teacher.id, limits, engine.owner(), want, config.lease().toMillis(), paid[0], paid[1],
                        engine.answeredIds(teacher.id), engine.rangeCounts(teacher.id))
                .invoke(tasks -> engine.leased(teacher.id, tasks))
                .chain(tasks -> engine.specs(tasks).map(specs -> Map.entry(tasks, specs)))
                .subscribe().with(claimed -> {
                    List<Task> tasks = claimed.getKey();
                    if (probe && tasks.stream().allMatch(Task::cached)) {
                        breaker.probeUnused();
                    }
                    try {
                        start(tasks, claimed.getValue());
                    } finally {
                        // only now: a claim that ran before these requests counted in flight would take their slots too
                        claiming.set(false);
                    }
                    // a full chunk says more may wait: go on while there is room for another chunk (a claim
                    // for the few slots left costs as much as a full one; they are filled with the next)
                    if (tasks.size() == want && want > 0 && !probe && roomForChunk()) {
                        engine.soon(this::pump);
                    }
                }, failure -> {
                    paid(paid[0], paid[1]);
                    claiming.set(false);
                    if (probe) {
                        breaker.probeUnused();
                    }
                    Log.warnf("claiming tasks for teacher %s failed: %s", teacher.name, failure.toString());
                });
    }

    private void start(List<Task> tasks, Map<Long, JobSpec> specs) {
        List<Task> group = new ArrayList<>();
        for (Task t : tasks) {
            if (t.cached()) {
                engine.report(new Outcome.FromCache(t, teacher.id));
                continue;
            }
            if (!group.isEmpty() && !(teacher.supportsN && sameItem(group.get(0), t) && group.size() < 128)) {
                send(group, specs.get(group.get(0).jobId()));
                group = new ArrayList<>();
            }
            group.add(t);
        }
        if (!group.isEmpty()) {
            send(group, specs.get(group.get(0).jobId()));
        }
    }

    private static boolean sameItem(Task a, Task b) {
        return a.jobId() == b.jobId() && a.itemPos() == b.itemPos() && b.sampleIndex() == a.sampleIndex() + (int) (b.seq() - a.seq());
    }

    private void send(List<Task> tasks, JobSpec spec) {
        Task first = tasks.get(0);
        ChatRequest request = ChatRequest.user(spec.systemPrompt(), first.prompt(), tasks.size(), spec.requestParams(first.sampleIndex()));
        inFlight.addAndGet(tasks.size());
        engine.started(tasks.size());
        Running r = new Running(first.jobId(), tasks, new java.util.concurrent.atomic.AtomicReference<>());
        running.put(first.id(), r);
        r.call().set(client.complete(request).subscribe().with(
                completion -> answered(tasks, completion),
                failure -> failed(tasks, failure)));
    }

    private synchronized void paid(long requests, long tokens) {
        paidRequests += requests;
        paidTokens += tokens;
    }

    private synchronized long[] takePaid() {
        long[] paid = {paidRequests, paidTokens};
        paidRequests = 0;
        paidTokens = 0;
        return paid;
    }

    /** Ends a request's bookkeeping; false when it was aborted already (its outcome is not reported). */
    private boolean settled(List<Task> tasks) {
        if (running.remove(tasks.get(0).id()) == null) {
            return false;
        }
        inFlight.addAndGet(-tasks.size());
        engine.finished(tasks.size());
        return true;
    }

    private void answered(List<Task> tasks, Completion c) {
        if (!settled(tasks)) {
            return;
        }
        breaker.success();
        paid(1, c.promptTokens() + c.completionTokens());
        meters.request("ok", c.promptTokens(), c.completionTokens(), c.latencyMs());
        long chars = 0;
        for (Completion.Choice choice : c.choices()) {
            chars += choice.reasoning().length() + choice.content().length();
        }
        if (chars <= INLINE_CHARS) {
            report(tasks, c);
        } else {
            // extracting the answer of a long completion is CPU work: not on the event loop, which serves every request
            Infrastructure.getDefaultWorkerPool().execute(() -> report(tasks, c));
        }
    }

    /** The outcomes of an answered request: its samples, each with its share of the usage and its final answer. */
    private void report(List<Task> tasks, Completion c) {
        int n = tasks.size();
        for (int i = 0; i < n; i++) {
            Completion.Choice choice = c.choices().get(i);
            // usage covers the whole request: each sample carries its share
            long pt = c.promptTokens() / n + (i == 0 ? c.promptTokens() % n : 0);
            long ct = c.completionTokens() / n + (i == 0 ? c.completionTokens() % n : 0);
            String reasoning = Text.clean(choice.reasoning());
            String content = Text.clean(choice.content());
            engine.report(new Outcome.Answered(tasks.get(i), teacher.id, reasoning, content,
                    FinalAnswer.of(content, reasoning), Text.clean(choice.finishReason()), pt, ct, c.latencyMs(), i == 0 ? 1 : 0));
        }
        engine.soonIfRoom(this);
    }

    private void failed(List<Task> tasks, Throwable failure) {
        if (!settled(tasks)) {
            return;
        }
        TeacherException e = failure instanceof TeacherException te ? te
                : new TeacherException(TeacherException.Kind.CONNECTION, 0, null, String.valueOf(failure), failure);
        if (!e.retryable()) {
            // the teacher answered: it is up, whatever it thought of this request
            breaker.success();
            for (int i = 0; i < tasks.size(); i++) {
                engine.report(new Outcome.Failed(tasks.get(i), teacher.id, Text.clean(e.getMessage()), i == 0 ? 1 : 0));
            }
        } else {
            boolean counted;
            if (e.kind() == TeacherException.Kind.RATE_LIMITED) {
                counted = breaker.state() == CircuitBreaker.State.CLOSED;
                if (e.retryAfter() != null) {
                    // the provider says when to come back: no claim for this teacher before then
                    pausedUntilNanos = Math.max(pausedUntilNanos, System.nanoTime() + e.retryAfter().toNanos());
                }
            } else {
                counted = breaker.failure(e.getMessage());
            }
            for (int i = 0; i < tasks.size(); i++) {
                Task t = tasks.get(i);
                engine.report(new Outcome.Retry(t, teacher.id, delayMs(t, e), counted, Text.clean(e.getMessage()), i == 0 ? 1 : 0));
            }
        }
        meters.request(e.kind().name().toLowerCase(java.util.Locale.ROOT), 0, 0, 0);
        engine.soonIfRoom(this);
    }

    /** Exponential backoff with jitter from the task's counted failures, or the server's Retry-After. */
    private long delayMs(Task t, TeacherException e) {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        if (e.retryAfter() != null) {
            long ms = e.retryAfter().toMillis();
            return ms + (long) (ms * 0.1 * rnd.nextDouble());
        }
        double base = config.backoff().toMillis() * Math.pow(2, Math.min(30, t.countedFailures()));
        double capped = Math.min(config.backoffMax().toMillis(), base);
        return (long) (capped * (0.5 + rnd.nextDouble()));
    }

    /** Whether free capacity is worth a claim now rather than at the next poll: half a chunk or more. */
    boolean roomForChunk() {
        int free = Math.min(capacity - inFlight.get(), engine.freeSlots());
        return free > 0 && free >= Math.min(config.claimBatch(), capacity) / 2;
    }

    /** Adds the ids of the tasks in flight here. */
    void leasedIds(java.util.Set<Long> into) {
        running.values().forEach(r -> r.tasks().forEach(t -> into.add(t.id())));
    }

    /** Jobs with requests in flight here. */
    java.util.Set<Long> jobsInFlight() {
        java.util.Set<Long> jobs = new java.util.HashSet<>();
        running.values().forEach(r -> jobs.add(r.jobId()));
        return jobs;
    }

    /** Aborts the requests of cancelled jobs: nothing of theirs is stored. */
    void abort(java.util.Collection<Long> jobs) {
        for (Running r : running.values()) {
            if (jobs.contains(r.jobId()) && running.remove(r.tasks().get(0).id()) != null) {
                r.cancel();
                inFlight.addAndGet(-r.tasks().size());
                engine.finished(r.tasks().size());
                engine.dropped(r.tasks());
            }
        }
    }

    /** Aborts everything in flight and gives the tasks back to the queue (this replica is stopping). */
    void releaseAll() {
        for (Running r : running.values()) {
            if (running.remove(r.tasks().get(0).id()) != null) {
                r.cancel();
                inFlight.addAndGet(-r.tasks().size());
                engine.finished(r.tasks().size());
                r.tasks().forEach(t -> engine.report(new Outcome.Released(t, teacher.id)));
            }
        }
    }

    void close() {
        client.close();
    }
}
