package dev.thoughtline.filter.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.thoughtline.contracts.DatasetClient;
import dev.thoughtline.contracts.DatasetClientException;
import dev.thoughtline.contracts.DatasetInfo;
import dev.thoughtline.contracts.DatasetKind;
import dev.thoughtline.contracts.DatasetRef;
import dev.thoughtline.contracts.DatasetStatus;
import dev.thoughtline.filter.FilterRun;
import dev.thoughtline.support.GenerationClient;
import dev.thoughtline.filter.Item;
import dev.thoughtline.filter.config.FilterConfig;
import dev.thoughtline.filter.repository.FilterRunRepository;
import dev.thoughtline.filter.rest.FilterRunRequest;
import dev.thoughtline.filter.rest.FilterRunView;
import dev.thoughtline.filter.service.steps.ShardPlan;
import dev.thoughtline.filter.service.steps.Steps;
import dev.thoughtline.support.ApiException;
import dev.thoughtline.support.ItemPages;
import dev.thoughtline.support.WorkLeases;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Filter runs: validation and submission, the run itself (read the input, apply the steps in order on a worker
 * thread, store the verdicts, record per-step statistics), and the views of runs, verdicts and output datasets.
 * A run is owned by one replica at a time through a lease ({@link WorkLeases}); a replica takes over the runs of one that
 * died or stopped and runs them again from their start (LLM steps reuse their generation jobs by name).
 */
@ApplicationScoped
public class FilterRunService {

    /** The kind of work a filter run is to {@link WorkLeases}. */
    static final String KIND = "filter-run";

    private final FilterRunRepository runs;
    private final Pool pool;
    private final WorkLeases leases;
    private final DatasetClient datasets;
    private final ObjectMapper mapper;
    private final FilterConfig config;
    private final java.util.function.Supplier<GenerationClient> generation;
    private final jakarta.enterprise.inject.Instance<dev.thoughtline.filter.service.embedding.Embedder> embedder;

    public FilterRunService(FilterRunRepository runs, Pool pool, WorkLeases leases, DatasetClient datasets, ObjectMapper mapper,
                            FilterConfig config, jakarta.enterprise.inject.Instance<dev.thoughtline.filter.service.embedding.Embedder> embedder) {
        this.runs = runs;
        this.pool = pool;
        this.leases = leases;
        this.datasets = datasets;
        this.mapper = mapper;
        this.config = config;
        this.embedder = embedder;
        java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1)
                .connectTimeout(java.time.Duration.ofSeconds(10)).build();
        GenerationClient client = config.generationUrl().map(url -> new GenerationClient(url, http, mapper, config.generationClient())).orElse(null);
        this.generation = () -> {
            if (client == null) {
                throw new IllegalStateException("thoughtline.generation-url is not set");
            }
            return client;
        };
    }

    /** From startup on, this replica takes over runs whose owner died or stopped (see {@link WorkLeases}). */
    void ownership(@Observes @Priority(10) StartupEvent event) {
        leases.register(KIND, config.runs().concurrency(), this::takeOver);
        leases.register(FilterRunRepository.SHARD, config.runs().shardConcurrency(), this::workShard);
    }

    /** A run whose lease this replica just took: run it again from its start, or end the lease of one that ended. */
    private void takeOver(WorkLeases.Lease lease) {
        runs.byId(lease.id()).subscribe().with(r -> {
            if (r == null || !"running".equals(r.status())) {
                leases.fenced(lease, tx -> leases.end(tx, lease)).subscribe().with(v -> { }, f -> leases.forget(lease));
                return;
            }
            Log.infof("filter run %d (%s): taken over, running it again from its start (its LLM steps' jobs are reused by name)",
                    r.id(), r.name());
            List<Steps.Planned> planned;
            try {
                planned = plan(mapper.readValue(r.steps(), FilterRunRequest.Step[].class));
            } catch (IOException | RuntimeException e) {
                ended(r, lease, "cannot resume: " + e.getMessage());
                return;
            }
            start(r, planned, lease);
        }, failure -> {
            Log.warnf("filter run %d: cannot read it to take it over: %s", lease.id(), failure.toString());
            leases.forget(lease);
        });
    }

    /** The view of a new run (created true), or of the identical run already under that name (created false). */
    public record Submitted(FilterRunView view, boolean created) {
    }

    public Uni<Submitted> submit(FilterRunRequest request) {
        if (request == null) {
            throw ApiException.badRequest("a filter run needs a body: {name, input, steps}");
        }
        if (request.name() == null || request.name().isBlank() || request.name().length() > 200) {
            throw ApiException.badRequest("name is required (at most 200 characters)");
        }
        if (request.input() == null) {
            throw ApiException.badRequest("input is required: the DatasetRef to filter");
        }
        DatasetRef input;
        try {
            input = DatasetRef.of(request.input());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("input: " + e.getMessage());
        }
        if (request.steps() == null || request.steps().isEmpty()) {
            throw ApiException.badRequest("steps must list at least one step");
        }
        List<Steps.Planned> planned = plan(request.steps().toArray(new FilterRunRequest.Step[0]));
        if (config.generationUrl().isEmpty() && planned.stream().anyMatch(p -> Steps.LLM.contains(p.type()))) {
            throw ApiException.unprocessable("LLM steps run as generation jobs, and this filter-service has no generation-service "
                    + "(set thoughtline.generation-url)");
        }
        String steps;
        try {
            steps = mapper.writeValueAsString(request.steps());
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("steps cannot be stored: " + e.getOriginalMessage());
        }
        return runs.byName(request.name()).chain(existing -> {
            if (existing != null) {
                return same(existing, input, steps).map(v -> new Submitted(view(existing), false));
            }
            return inputInfo(input).chain(info -> {
                if (!info.status().equals(DatasetStatus.COMPLETE)) {
                    throw ApiException.unprocessable("input " + input.url() + " is " + info.status().name().toLowerCase()
                            + ": only a complete dataset can be filtered");
                }
                boolean traces = info.kind() == DatasetKind.TRACE
                        || (info.kind() == DatasetKind.FILTERED && "trace".equals(String.valueOf(info.recipe().get("inputKind"))));
                for (Steps.Planned p : planned) {
                    if (p.overTraces() && !traces) {
                        throw ApiException.badRequest("step " + p.name() + " reads traces, but " + input.url() + " is a "
                                + info.kind().name().toLowerCase() + " dataset");
                    }
                }
                String kind = traces ? "trace" : info.kind().name().toLowerCase();
                int shardSize = ShardPlan.of(planned) != null && info.itemCount() > config.runs().shardSize() ? config.runs().shardSize() : 0;
                // the run and its lease, held by this replica, in one transaction: no other replica runs it while it lives
                return pool.withTransaction(tx -> runs.insert(tx, request.name(), input.url(), kind, steps, shardSize).chain(run -> run == null
                        ? Uni.createFrom().<Created>nullItem()
                        : leases.create(tx, KIND, run.id(), () -> { }).map(lease -> new Created(run, lease)))).chain(created -> {
                    if (created == null) {
                        // a concurrent submission took the name first
                        return runs.byName(request.name()).chain(other -> same(other, input, steps).map(v -> new Submitted(view(other), false)));
                    }
                    start(created.run(), planned, created.lease());
                    return Uni.createFrom().item(new Submitted(view(created.run()), true));
                });
            });
        });
    }

    private record Created(FilterRun run, WorkLeases.Lease lease) {
    }

    private Uni<Void> same(FilterRun existing, DatasetRef input, String steps) {
        try {
            if (existing.input().equals(input.url()) && mapper.readTree(existing.steps()).equals(mapper.readTree(steps))) {
                return Uni.createFrom().voidItem();
            }
        } catch (JsonProcessingException e) {
            // not the same, then
        }
        throw ApiException.conflict("a filter run named '" + existing.name() + "' exists with a different input or steps");
    }

    private Uni<DatasetInfo> inputInfo(DatasetRef input) {
        return datasets.info(input).onFailure(DatasetClientException.class).transform(e -> {
            DatasetClientException d = (DatasetClientException) e;
            return ApiException.unprocessable("input " + input.url() + " cannot be read: " + d.getMessage());
        });
    }

    private static List<Steps.Planned> plan(FilterRunRequest.Step[] steps) {
        List<Steps.Planned> planned = new ArrayList<>();
        java.util.Set<String> names = new java.util.HashSet<>();
        for (int i = 0; i < steps.length; i++) {
            Steps.Planned p = Steps.plan(i, steps[i]);
            if (!names.add(p.name())) {
                throw ApiException.badRequest("step " + (i + 1) + ": a step named '" + p.name() + "' comes earlier; give this one a name");
            }
            planned.add(p);
        }
        return planned;
    }

    // --- running

    /**
     * Runs a run whose lease this replica holds, from its start: every write is fenced by the lease, so a replica that
     * lost it (taken over, or handed over at shutdown) stops and changes nothing.
     */
    private void start(FilterRun run, List<Steps.Planned> planned, WorkLeases.Lease lease) {
        if (run.shardSize() > 0) {
            startSharded(run, planned, lease);
            return;
        }
        DatasetRef input = DatasetRef.of(run.input());
        for (int i = 0; i < planned.size(); i++) {
            planned.get(i).bind(new RunContext(run, i, lease), embedder::get);
        }
        AtomicInteger count = new AtomicInteger();
        java.util.concurrent.atomic.AtomicReference<io.smallrye.mutiny.subscription.Cancellable> running = new java.util.concurrent.atomic.AtomicReference<>();
        leases.track(lease, () -> {
            io.smallrye.mutiny.subscription.Cancellable c = running.get();
            if (c != null) {
                c.cancel();
            }
        });
        running.set(leases.fenced(lease, tx -> runs.clearVerdicts(tx, run.id()))
                .chain(() -> Multi.createFrom().iterable(planned).onItem().transformToUniAndConcatenate(p -> p.step().prepare(datasets).replaceWith(Boolean.TRUE))
                        .collect().last())
                .chain(() -> datasets.items(input)
                        .map(node -> {
                            if (count.incrementAndGet() > config.runs().maxItems()) {
                                throw new IllegalStateException("the input has more than " + config.runs().maxItems()
                                        + " items (thoughtline.runs.max-items)");
                            }
                            return new Item(count.get(), node);
                        })
                        .collect().asList())
                .emitOn(Infrastructure.getDefaultWorkerPool())
                .map(items -> new Object[]{items, apply(planned, items)})
                .chain(result -> {
                    @SuppressWarnings("unchecked")
                    List<Item> items = (List<Item>) result[0];
                    return store(lease, items).chain(() -> leases.fenced(lease, tx -> runs.complete(tx, run.id(), items.size(),
                            items.stream().filter(Item::kept).count(), result[1].toString()).chain(() -> leases.end(tx, lease))));
                })
                .subscribe().with(
                        v -> Log.infof("filter run %d (%s) is complete", run.id(), run.name()),
                        failure -> {
                            if (lost(failure)) {
                                Log.infof("filter run %d (%s) stopped here: another replica holds it now", run.id(), run.name());
                                return;
                            }
                            String reason = failure instanceof DatasetClientException || failure instanceof IllegalStateException
                                    || failure instanceof GenerationClient.GenerationException ? failure.getMessage() : failure.toString();
                            ended(run, lease, reason);
                        }));
    }

    // --- sharded runs

    /**
     * A sharded run, on a worker thread: its input stored as verdict rows page by page (memory: a page), then phase by
     * phase ({@link ShardPlan}): the phase's shards offered to every replica, and once none is left, the step that ends
     * the phase resolved from stored data, written with the next phase's shards in one transaction. Then its statistics
     * are computed from the stored verdicts. A run taken over goes on from the phase it was in.
     */
    private void startSharded(FilterRun run, List<Steps.Planned> planned, WorkLeases.Lease lease) {
        leases.track(lease, () -> { });
        Infrastructure.getDefaultWorkerPool().execute(() -> {
            try {
                List<ShardPlan.Phase> phases = ShardPlan.of(planned);
                if (phases == null) {
                    throw new IllegalStateException("its steps can no longer be worked in shards");
                }
                long items = run.ingested() != null ? run.ingested() : ingest(run, lease);
                long shards = (items + run.shardSize() - 1) / run.shardSize();
                for (int p = run.ingested() != null ? run.phase() : 0; p < phases.size(); p++) {
                    ShardPlan.Phase phase = phases.get(p);
                    awaitShards(run, lease, p);
                    resolve(run.id(), phase);
                    int next = p + 1;
                    Long[] ids = next < phases.size() ? shardIds(run.id(), next, shards) : new Long[0];
                    // the run moves on (past its last phase too) in the transaction that writes the resolution, so an owner
                    // that takes the run over never resolves a phase twice (a rank keep applied again would drop more)
                    leases.fenced(lease, tx -> resolved(tx, run.id(), phase)
                            .chain(() -> runs.advance(tx, run.id(), next))
                            .chain(() -> ids.length == 0 ? Uni.createFrom().voidItem() : leases.offer(tx, FilterRunRepository.SHARD, ids)))
                            .await().indefinitely();
                    leases.scanSoon();
                }
                Map<String, Long> dropped = runs.droppedBy(run.id()).await().indefinitely();
                ArrayNode stats = storedStats(run.id(), planned, items, dropped);
                long kept = dropped.getOrDefault(null, 0L);
                leases.fenced(lease, tx -> runs.complete(tx, run.id(), items, kept, stats.toString())
                                .chain(() -> runs.clearKeys(tx, run.id())).chain(() -> leases.end(tx, lease)))
                        .await().indefinitely();
                Log.infof("filter run %d (%s) is complete: %d items in shards of %d, %d phases", run.id(), run.name(), items,
                        run.shardSize(), phases.size());
            } catch (RuntimeException failure) {
                if (lost(failure)) {
                    Log.infof("filter run %d (%s) stopped here: another replica holds it now", run.id(), run.name());
                    return;
                }
                ended(run, lease, failure instanceof DatasetClientException || failure instanceof IllegalStateException
                        ? failure.getMessage() : failure.toString());
            }
        });
    }

    private static Long[] shardIds(long runId, int phase, long shards) {
        Long[] ids = new Long[(int) shards];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = FilterRunRepository.shardId(runId, phase, i);
        }
        return ids;
    }

    /**
     * Finds what the step ending a phase drops and stores it apart ({@code dedup_drop}); nothing is written to the
     * verdicts yet, so a resolve cut short is simply done again. A rank keep needs no search: it is one statement.
     */
    private void resolve(long runId, ShardPlan.Phase phase) {
        if (!phase.keyed()) {
            return;
        }
        runs.clearDrops(runId, phase.index()).await().indefinitely();
        if (phase.kind() == ShardPlan.End.EXACT) {
            runs.exactDrops(runId, phase.index()).await().indefinitely();
        } else {
            new NearDedupResolve(runs, pool, mapper, runId, phase, config.runs().resolveBatch()).run();
        }
    }

    /** Writes the drops of the step ending a phase into the verdicts, in the transaction that moves the run on. */
    private Uni<Void> resolved(io.vertx.mutiny.sqlclient.SqlConnection tx, long runId, ShardPlan.Phase phase) {
        return switch (phase.kind()) {
            case NONE -> Uni.createFrom().voidItem();
            case RANK -> runs.rankKeep(tx, runId, phase.end().name(), phase.end().keep().topN(), phase.end().keep().topFraction(),
                    "asc".equals(phase.end().keep().order()));
            default -> runs.applyDrops(tx, runId, phase.index(), phase.end().name());
        };
    }

    /** Stores the run's input as verdicts still to be judged, then offers its first phase's shards; returns how many items. */
    private long ingest(FilterRun run, WorkLeases.Lease lease) {
        leases.fenced(lease, tx -> runs.clearVerdicts(tx, run.id()).chain(() -> runs.withdrawShards(tx, run.id()))).await().indefinitely();
        java.util.concurrent.atomic.AtomicLong count = new java.util.concurrent.atomic.AtomicLong();
        datasets.items(DatasetRef.of(run.input()))
                .map(node -> {
                    if (count.incrementAndGet() > config.runs().maxShardedItems()) {
                        throw new IllegalStateException("the input has more than " + config.runs().maxShardedItems()
                                + " items (thoughtline.runs.max-sharded-items)");
                    }
                    return verdict(new Item(count.get(), node));
                })
                .group().intoLists().of(config.runs().verdictBatch())
                .onItem().transformToUniAndConcatenate(batch -> leases.fenced(lease, tx -> runs.insertVerdicts(tx, run.id(), batch)))
                .collect().last().await().indefinitely();
        long items = count.get();
        long shards = (items + run.shardSize() - 1) / run.shardSize();
        if (shards >= 1L << FilterRunRepository.PHASE_SHIFT) {
            throw new IllegalStateException("the input has " + items + " items: more than " + ((1L << FilterRunRepository.PHASE_SHIFT) - 1)
                    + " shards of " + run.shardSize());
        }
        Long[] ids = shardIds(run.id(), 0, shards);
        leases.fenced(lease, tx -> runs.ingested(tx, run.id(), items)
                .chain(() -> ids.length == 0 ? Uni.createFrom().voidItem() : leases.offer(tx, FilterRunRepository.SHARD, ids))).await().indefinitely();
        leases.scanSoon();
        Log.infof("filter run %d (%s): %d items stored, %d shards offered", run.id(), run.name(), items, ids.length);
        return items;
    }

    /** Waits until every shard of a phase of the run is worked, while the run is this replica's and running. */
    private void awaitShards(FilterRun run, WorkLeases.Lease lease, int phase) {
        while (true) {
            if (!leases.holds(lease)) {
                throw new WorkLeases.LeaseLost(lease);
            }
            FilterRun now = runs.byId(run.id()).await().indefinitely();
            if (now == null || !"running".equals(now.status())) {
                throw new IllegalStateException(now == null ? "the run is gone" : now.error());
            }
            if (runs.openShards(run.id(), phase).await().indefinitely() == 0) {
                return;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted");
            }
        }
    }

    /**
     * A shard whose lease this replica took: the items of its range that every earlier phase kept read, its phase's
     * steps applied to them in order, their verdicts rewritten (and, before a dedup step, their keys stored) and the
     * lease ended in one transaction fenced by the lease (a shard taken over from a replica that died is worked again
     * whole). A shard that cannot be worked fails its run.
     */
    private void workShard(WorkLeases.Lease shard) {
        long runId = shard.id() >>> FilterRunRepository.RUN_SHIFT;
        int phaseIndex = (int) ((shard.id() >>> FilterRunRepository.PHASE_SHIFT) & 0xFF);
        long index = shard.id() & ((1L << FilterRunRepository.PHASE_SHIFT) - 1);
        leases.track(shard, () -> { });
        Infrastructure.getDefaultWorkerPool().execute(() -> {
            try {
                FilterRun run = runs.byId(runId).await().indefinitely();
                if (run == null || !"running".equals(run.status()) || run.shardSize() == 0) {
                    leases.fenced(shard, tx -> leases.end(tx, shard)).await().indefinitely();
                    return;
                }
                List<ShardPlan.Phase> phases = ShardPlan.of(plan(mapper.readValue(run.steps(), FilterRunRequest.Step[].class)));
                if (phases == null || phaseIndex >= phases.size()) {
                    throw new IllegalStateException("its steps can no longer be worked in shards");
                }
                ShardPlan.Phase phase = phases.get(phaseIndex);
                for (Steps.Planned p : phase.steps()) {
                    p.step().prepare(datasets).await().indefinitely();
                }
                long from = index * run.shardSize() + 1;
                long to = from + run.shardSize() - 1;
                List<Item> items = new ArrayList<>();
                for (Row r : runs.shardItems(runId, from, to).await().indefinitely()) {
                    items.add(new Item(r.getLong(0), mapper.readTree(r.getString(1))));
                }
                phase.apply(items);
                // the items are stored already: only the judgement is written, and only by a phase that judged them
                List<FilterRunRepository.NewVerdict> verdicts = phase.steps().isEmpty() ? List.of() : items.stream().map(i -> verdict(i, false)).toList();
                Long[] keyPos = null;
                io.vertx.core.buffer.Buffer[] keys = null;
                if (phase.keyed()) {
                    List<Item> alive = items.stream().filter(Item::kept).toList();
                    keyPos = new Long[alive.size()];
                    keys = new io.vertx.core.buffer.Buffer[alive.size()];
                    dev.thoughtline.filter.service.text.MinHasher hasher = phase.hasher();
                    for (int i = 0; i < keys.length; i++) {
                        keyPos[i] = alive.get(i).pos;
                        keys[i] = io.vertx.core.buffer.Buffer.buffer(phase.key(alive.get(i), hasher));
                    }
                }
                Long[] kp = keyPos;
                io.vertx.core.buffer.Buffer[] ks = keys;
                int batch = config.runs().verdictBatch();
                leases.fenced(shard, tx -> Multi.createFrom().range(0, (verdicts.size() + batch - 1) / batch)
                        .onItem().transformToUniAndConcatenate(b -> runs.updateVerdicts(tx, runId,
                                verdicts.subList(b * batch, Math.min(verdicts.size(), (b + 1) * batch))).replaceWith(Boolean.TRUE))
                        .collect().last()
                        .chain(() -> kp == null ? Uni.createFrom().voidItem() : runs.replaceKeys(tx, runId, phaseIndex, from, to, kp, ks))
                        .chain(() -> leases.end(tx, shard))).await().indefinitely();
            } catch (IOException | RuntimeException failure) {
                if (lost(failure)) {
                    return;
                }
                String reason = "shard " + (index + 1) + ": " + (failure instanceof DatasetClientException || failure instanceof IllegalStateException
                        ? failure.getMessage() : failure.toString());
                Log.warnf("filter run %d: %s", runId, reason);
                runs.failRunning(runId, reason).chain(() -> leases.fenced(shard, tx -> leases.end(tx, shard)))
                        .subscribe().with(v -> { }, f -> leases.forget(shard));
            } finally {
                leases.scanSoon();
            }
        });
    }

    /** Per-step counts and score histograms from the stored verdicts, as a run held in memory computes them. */
    private ArrayNode storedStats(long runId, List<Steps.Planned> planned, long items, Map<String, Long> dropped) {
        ArrayNode stats = mapper.createArrayNode();
        long in = items;
        for (Steps.Planned p : planned) {
            long out = in - dropped.getOrDefault(p.name(), 0L);
            ObjectNode s = stats.addObject().put("name", p.name()).put("type", p.type()).put("in", in);
            s.put("out", out);
            Row range = runs.scoreRange(runId, p.name()).await().indefinitely();
            long scored = range.getLong(0);
            ObjectNode h = mapper.createObjectNode().put("scored", scored);
            if (scored > 0) {
                double min = range.getDouble(1);
                double max = range.getDouble(2);
                h.put("min", min).put("max", max);
                ArrayNode c = h.putArray("counts");
                for (long k : runs.scoreBins(runId, p.name(), min, max).await().indefinitely()) {
                    c.add(k);
                }
            }
            s.set("histogram", h);
            in = out;
        }
        return stats;
    }

    private static boolean lost(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof WorkLeases.LeaseLost) {
                return true;
            }
        }
        return false;
    }

    /** Fails a run that could not go on, if this replica still holds it, and ends its lease. */
    private void ended(FilterRun run, WorkLeases.Lease lease, String reason) {
        Log.warnf("filter run %d (%s) failed: %s", run.id(), run.name(), reason);
        leases.fenced(lease, tx -> runs.fail(tx, run.id(), reason).chain(() -> leases.end(tx, lease)))
                .subscribe().with(x -> { }, f -> {
                    if (!lost(f)) {
                        Log.errorf("cannot record the failure of run %d: %s", run.id(), f.toString());
                    }
                    leases.forget(lease);
                });
    }

    /**
     * What an LLM step of a run needs: its stage dataset, generation-service, and waiting for its job. Blocking
     * calls: LLM steps run on the run's worker thread, never on an event loop.
     */
    private final class RunContext implements Steps.LlmContext {
        private final FilterRun run;
        private final int stage;
        private final WorkLeases.Lease lease;

        RunContext(FilterRun run, int stage, WorkLeases.Lease lease) {
            this.run = run;
            this.stage = stage;
            this.lease = lease;
        }

        @Override
        public String stage(List<Item> items) {
            Long[] pos = new Long[items.size()];
            String[] json = new String[items.size()];
            for (int i = 0; i < items.size(); i++) {
                pos[i] = items.get(i).pos;
                try {
                    json[i] = mapper.writeValueAsString(items.get(i).node);
                } catch (JsonProcessingException e) {
                    throw new UncheckedIOException(e);
                }
            }
            leases.fenced(lease, tx -> runs.replaceStage(tx, run.id(), stage, pos, json)).await().indefinitely();
            return stageRef(run.id(), stage).url();
        }

        @Override
        public GenerationClient generation() {
            return generation.get();
        }

        @Override
        public String jobName(String step) {
            return "filter-" + run.name() + "-" + step;
        }

        @Override
        public GenerationClient.Job await(GenerationClient.Job job) {
            // the lease is checked at every state the stream brings: a replica that lost the run stops waiting
            GenerationClient.Job j = generation().await(job, config.llmStepTimeout(), seen -> {
                if (!leases.holds(lease)) {
                    throw new WorkLeases.LeaseLost(lease);
                }
            });
            if (!j.finished()) {
                throw new IllegalStateException("generation job " + j.id() + " did not finish within " + config.llmStepTimeout());
            }
            if (!j.status().equals("complete")) {
                throw new IllegalStateException("generation job " + j.id() + " is " + j.status() + (j.error() == null ? "" : ": " + j.error()));
            }
            return j;
        }

        @Override
        public Map<String, List<JsonNode>> traces(String dataset) {
            Map<String, List<JsonNode>> out = new java.util.HashMap<>();
            for (JsonNode t : datasets.items(DatasetRef.of(dataset)).collect().asList().await().indefinitely()) {
                out.computeIfAbsent(t.path("questionId").asText(), k -> new ArrayList<>()).add(t);
            }
            return out;
        }
    }

    private DatasetRef stageRef(long runId, int stage) {
        String base = config.publicUrl().endsWith("/") ? config.publicUrl().substring(0, config.publicUrl().length() - 1) : config.publicUrl();
        return DatasetRef.of(base + "/api/v1/filter-runs/" + runId + "/stages/" + stage);
    }

    /** The items alive before an LLM step, as a dataset of the input's kind. */
    public Uni<DatasetInfo> stage(long id, int stage) {
        return runs.byId(id).chain(r -> {
            if (r == null) {
                throw ApiException.notFound("filter run " + id);
            }
            return runs.stageCount(id, stage).map(n -> {
                if (n == 0) {
                    throw ApiException.notFound("stage " + stage + " of filter run " + id);
                }
                DatasetKind kind = "trace".equals(r.inputKind()) ? DatasetKind.TRACE : DatasetKind.QUESTION;
                return new DatasetInfo(id + "-" + stage, stageRef(id, stage), r.name() + " before step " + (stage + 1), kind,
                        DatasetStatus.COMPLETE, n, List.of(DatasetRef.of(r.input())), Map.of("filterRun", r.name(), "stage", stage),
                        r.createdAt().toInstant());
            });
        });
    }

    public Uni<ItemPages.Page> stageItems(long id, int stage, String after, String limit) {
        long cursor = ItemPages.cursor(after);
        int size = ItemPages.limit(limit, 1000, 10_000);
        return runs.stageItems(id, stage, cursor, size, config.runs().pageBytes())
                .emitOn(Infrastructure.getDefaultWorkerPool())
                .map(rows -> ItemPages.render(mapper.getFactory(), rows, size, (g, r) -> g.writeRawValue(r.getString(1))));
    }

    /** Applies the steps in order; returns the per-step statistics. CPU work: runs on a worker thread. */
    private ArrayNode apply(List<Steps.Planned> planned, List<Item> items) {
        ArrayNode stats = mapper.createArrayNode();
        List<Item> alive = items;
        for (Steps.Planned p : planned) {
            int in = alive.size();
            p.step().apply(p.name(), alive);
            Steps.keep(p, alive);
            ObjectNode s = stats.addObject().put("name", p.name()).put("type", p.type()).put("in", in);
            List<Item> next = new ArrayList<>(alive.size());
            for (Item item : alive) {
                if (item.kept()) {
                    next.add(item);
                }
            }
            s.put("out", next.size());
            s.set("histogram", histogram(alive, p.name()));
            alive = next;
        }
        return stats;
    }

    private ObjectNode histogram(List<Item> items, String name) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        int n = 0;
        for (Item i : items) {
            Double s = i.scores.get(name);
            if (s != null) {
                min = Math.min(min, s);
                max = Math.max(max, s);
                n++;
            }
        }
        ObjectNode h = mapper.createObjectNode().put("scored", n);
        if (n == 0) {
            return h;
        }
        h.put("min", min).put("max", max);
        long[] counts = new long[10];
        for (Item i : items) {
            Double s = i.scores.get(name);
            if (s != null) {
                int bin = max == min ? 0 : (int) Math.min(9, Math.floor((s - min) / (max - min) * 10));
                counts[bin]++;
            }
        }
        ArrayNode c = h.putArray("counts");
        for (long k : counts) {
            c.add(k);
        }
        return h;
    }

    private Uni<Void> store(WorkLeases.Lease lease, List<Item> items) {
        int batch = config.runs().verdictBatch();
        List<List<Item>> batches = new ArrayList<>();
        for (int from = 0; from < items.size(); from += batch) {
            batches.add(items.subList(from, Math.min(items.size(), from + batch)));
        }
        return Multi.createFrom().iterable(batches)
                .onItem().transformToUniAndConcatenate(b -> {
                    List<FilterRunRepository.NewVerdict> verdicts = b.stream().map(this::verdict).toList();
                    return leases.fenced(lease, tx -> runs.insertVerdicts(tx, lease.id(), verdicts)).replaceWith(Boolean.TRUE);
                })
                .collect().last().replaceWithVoid();
    }

    private FilterRunRepository.NewVerdict verdict(Item i) {
        return verdict(i, true);
    }

    /** The verdict row of an item; {@code withItem} false leaves out the item's own JSON (null). */
    private FilterRunRepository.NewVerdict verdict(Item i, boolean withItem) {
        try {
            ObjectNode reasons = mapper.valueToTree(i.reasons);
            i.findings.forEach((k, v) -> reasons.set(k + ".finding", v));
            return new FilterRunRepository.NewVerdict(i.pos, i.id, i.kept(), i.droppedBy, mapper.writeValueAsString(i.scores),
                    mapper.writeValueAsString(reasons), withItem ? mapper.writeValueAsString(i.node) : null);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    // --- views

    public Uni<FilterRunView> get(long id) {
        return runs.byId(id).chain(r -> {
            if (r == null) {
                throw ApiException.notFound("filter run " + id);
            }
            if (r.shardSize() == 0 || !"running".equals(r.status())) {
                return Uni.createFrom().item(view(r));
            }
            if (r.ingested() == null) {
                return Uni.createFrom().item(view(r, new FilterRunView.Progress(1, phases(r), 0, 0, null, null)));
            }
            long shards = (r.ingested() + r.shardSize() - 1) / r.shardSize();
            return runs.openShards(r.id(), r.phase()).map(open -> view(r, progress(r, shards, shards - open)));
        });
    }

    private int phases(FilterRun r) {
        try {
            List<ShardPlan.Phase> phases = ShardPlan.of(plan(mapper.readValue(r.steps(), FilterRunRequest.Step[].class)));
            return phases == null ? 0 : phases.size();
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private FilterRunView.Progress progress(FilterRun r, long shards, long done) {
        Double rate = null;
        Long eta = null;
        if (done > 0 && r.phaseStartedAt() != null) {
            double seconds = Math.max(0.001, java.time.Duration.between(r.phaseStartedAt().toInstant(), java.time.Instant.now()).toMillis() / 1000.0);
            rate = Math.round(done * r.shardSize() / seconds * 10) / 10.0;
            eta = rate > 0 ? (long) Math.ceil((shards - done) * r.shardSize() / rate) : null;
        }
        int phases = phases(r);
        // past its last phase, a run is computing its statistics
        return new FilterRunView.Progress(Math.min(r.phase() + 1, phases), phases, shards, done, rate, eta);
    }

    public Uni<List<FilterRunView>> list() {
        return runs.list().map(list -> list.stream().map(this::view).toList());
    }

    public FilterRunView view(FilterRun r) {
        return view(r, null);
    }

    private FilterRunView view(FilterRun r, FilterRunView.Progress progress) {
        return new FilterRunView(r.id(), r.name(), r.status(), r.input(), outputRef(r.id()).url(), r.itemCount(), r.keptCount(),
                tree(r.steps()), tree(r.stats()), r.error(), r.createdAt(), r.finishedAt(), r.shardSize() == 0 ? null : r.shardSize(), progress);
    }

    private JsonNode tree(String json) {
        try {
            return json == null ? null : mapper.readTree(json);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private DatasetRef outputRef(long id) {
        return DatasetRef.of(config.publicUrl(), id);
    }

    public Uni<DatasetInfo> dataset(long id) {
        return runs.byId(id).map(r -> {
            if (r == null) {
                throw ApiException.notFound("dataset " + id);
            }
            return info(r);
        });
    }

    public Uni<List<DatasetInfo>> datasets() {
        return runs.list().map(list -> list.stream().map(this::info).toList());
    }

    private DatasetInfo info(FilterRun r) {
        DatasetStatus status = switch (r.status()) {
            case "complete" -> DatasetStatus.COMPLETE;
            case "failed" -> DatasetStatus.FAILED;
            default -> DatasetStatus.BUILDING;
        };
        Map<String, Object> recipe = new java.util.LinkedHashMap<>();
        recipe.put("filterRun", r.name());
        recipe.put("inputKind", r.inputKind());
        recipe.put("steps", tree(r.steps()));
        return new DatasetInfo(Long.toString(r.id()), outputRef(r.id()), r.name(), DatasetKind.FILTERED, status, r.keptCount(),
                List.of(DatasetRef.of(r.input())), recipe, r.createdAt().toInstant());
    }

    /** A page of the output view (kept items with their scores) or of the verdicts. */
    public Uni<ItemPages.Page> page(long id, String after, String limit, boolean view) {
        long cursor = ItemPages.cursor(after);
        int size = ItemPages.limit(limit, 1000, 10_000);
        return runs.byId(id).chain(r -> {
            if (r == null) {
                throw ApiException.notFound((view ? "dataset " : "filter run ") + id);
            }
            if (view && !"complete".equals(r.status())) {
                throw ApiException.conflict("dataset " + id + " is " + (r.status().equals("running") ? "building" : r.status())
                        + ": its items are served once it is complete");
            }
            // up to a page of bytes to parse and write: not on the event loop
            return runs.verdicts(id, cursor, size, view, config.runs().pageBytes())
                    .emitOn(Infrastructure.getDefaultWorkerPool()).map(rows -> render(rows, size, view));
        });
    }

    private ItemPages.Page render(io.vertx.mutiny.sqlclient.RowSet<Row> rows, int limit, boolean view) {
        return ItemPages.render(mapper.getFactory(), rows, limit, (g, r) -> {
            if (view) {
                ObjectNode item = (ObjectNode) mapper.readTree(r.getString(6));
                item.set("scores", mapper.readTree(r.getString(4)));
                mapper.writeTree(g, item);
                return;
            }
            g.writeStartObject();
            g.writeNumberField("pos", r.getLong(0));
            g.writeStringField("id", r.getString(1));
            g.writeBooleanField("kept", r.getBoolean(2));
            g.writeStringField("droppedBy", r.getString(3));
            g.writeFieldName("scores");
            g.writeRawValue(r.getString(4));
            g.writeFieldName("reasons");
            g.writeRawValue(r.getString(5));
            g.writeEndObject();
        });
    }
}
