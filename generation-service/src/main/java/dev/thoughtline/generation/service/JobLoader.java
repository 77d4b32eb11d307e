package dev.thoughtline.generation.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.thoughtline.contracts.DatasetClient;
import dev.thoughtline.contracts.DatasetClientException;
import dev.thoughtline.contracts.DatasetRef;
import dev.thoughtline.generation.Job;
import dev.thoughtline.generation.Teacher;
import dev.thoughtline.generation.config.GenerationConfig;
import dev.thoughtline.generation.repository.JobRepository;
import dev.thoughtline.generation.repository.TeacherRepository;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Loads a job's input into the queue: reads the input dataset page by page through the contract, renders
 * each item's prompt, and enqueues a task per sample together with the page cursor in one transaction, so
 * a loader that dies is resumed exactly by whichever replica takes the job over. An input that cannot be
 * read, or an item the template cannot fill, fails the job with the reason.
 */
@ApplicationScoped
public class JobLoader {

    /** This loader was taken over, or the job ended: stop quietly. */
    private static final class Superseded extends RuntimeException {
        Superseded() {
            super(null, null, false, false);
        }
    }

    private final JobRepository jobs;
    private final TeacherRepository teachers;
    private final DatasetClient datasets;
    private final GenerationConfig config;
    private final ObjectMapper mapper;
    private final ObjectMapper canonical;
    private final String owner;
    private final Set<Long> loading = ConcurrentHashMap.newKeySet();
    private final io.vertx.core.Vertx vertx;
    private final java.util.concurrent.atomic.AtomicBoolean beating = new java.util.concurrent.atomic.AtomicBoolean();

    public JobLoader(JobRepository jobs, TeacherRepository teachers, DatasetClient datasets, GenerationConfig config,
                     ObjectMapper mapper, io.vertx.core.Vertx vertx) {
        this.jobs = jobs;
        this.vertx = vertx;
        this.teachers = teachers;
        this.datasets = datasets;
        this.config = config;
        this.mapper = mapper;
        this.canonical = mapper.copy().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);
        this.owner = config.worker().id().orElse("loader") + "-" + java.util.UUID.randomUUID().toString().substring(0, 8);
    }

    /** Starts loading the job's input in the background, unless this replica already is or another one holds it. */
    public void load(long jobId) {
        if (!loading.add(jobId)) {
            return;
        }
        if (beating.compareAndSet(false, true)) {
            // the heartbeat: a page may take long (retries, a slow server), and only a silent loader is taken over
            vertx.setPeriodic(Math.max(100, config.jobs().loaderStaleAfter().toMillis() / 3), id -> {
                if (!loading.isEmpty()) {
                    jobs.touchLoading(loading.toArray(Long[]::new), owner).subscribe().with(v -> { },
                            failure -> Log.debugf("the loaders' heartbeat failed: %s", failure));
                }
            });
        }
        jobs.claimLoading(jobId, owner, config.jobs().loaderStaleAfter().toMillis())
                .chain(claimed -> claimed == null ? Uni.createFrom().voidItem() : run(claimed))
                .subscribe().with(v -> loading.remove(jobId), failure -> {
                    loading.remove(jobId);
                    Log.warnf("loading job %d stopped: %s", jobId, failure.toString());
                });
    }

    /** SIGTERM: the jobs this replica loads are handed over at once, not after {@code loader-stale-after}. */
    void handOver(@jakarta.enterprise.event.Observes @jakarta.annotation.Priority(1) io.quarkus.runtime.ShutdownEvent event) {
        if (loading.isEmpty()) {
            return;
        }
        try {
            int n = jobs.releaseLoading(owner).await().atMost(java.time.Duration.ofSeconds(5));
            Log.infof("handed the loading of %d job(s) over", n);
        } catch (RuntimeException e) {
            Log.warnf("handing loads over failed (they are taken over when their loader is silent): %s", e.toString());
        }
    }

    private Uni<Void> run(JobRepository.Claimed claimed) {
        Job job = claimed.job();
        return teachers.snapshotById(job.teacherId()).chain(teacher -> {
            PromptTemplate template = PromptTemplate.parse(job.promptTemplate());
            String params = canonicalParams(job);
            URI first = claimed.next() != null ? URI.create(claimed.next())
                    : DatasetRef.of(job.input()).itemsUri(null, config.jobs().inputPageSize());
            long[] position = {job.itemCount()};
            return datasets.pages(first)
                    .emitOn(Infrastructure.getDefaultWorkerPool())
                    .onItem().transformToUniAndConcatenate(page -> {
                        List<JobRepository.NewItem> items = items(job, teacher, template, params, page.items(), position[0]);
                        return jobs.enqueuePage(job.id(), job.teacherId(), owner, items, job.samplesPerItem(),
                                        page.next() == null ? null : page.next().toString())
                                .invoke(ok -> {
                                    if (!ok) {
                                        throw new Superseded();
                                    }
                                    position[0] += page.items().size();
                                });
                    })
                    .collect().last()
                    .replaceWithVoid()
                    .onFailure(Superseded.class).recoverWithNull().replaceWithVoid()
                    .onFailure().recoverWithUni(e -> {
                        String reason = reason(job, e);
                        Log.infof("job %s fails: %s", job.name(), reason);
                        return jobs.failLoading(job.id(), reason);
                    });
        });
    }

    private static String reason(Job job, Throwable e) {
        if (e instanceof DatasetClientException d) {
            return "cannot read the input " + job.input() + ": " + d.getMessage();
        }
        if (e instanceof IllegalArgumentException) {
            return e.getMessage();
        }
        return "loading the input failed: " + e;
    }

    /** The job's parameters as the cache key sees them: canonical JSON, keys sorted. */
    String canonicalParams(Job job) {
        try {
            return canonical.writeValueAsString(canonical.readTree(job.params()));
        } catch (Exception e) {
            throw new IllegalStateException("job " + job.id() + " holds unreadable params", e);
        }
    }

    private List<JobRepository.NewItem> items(Job job, Teacher teacher, PromptTemplate template, String params,
                                              List<JsonNode> items, long position) {
        int k = job.samplesPerItem();
        List<JobRepository.NewItem> out = new ArrayList<>(items.size());
        long pos = position;
        for (JsonNode raw : items) {
            pos++;
            JsonNode item = Text.clean(raw);
            JsonNode id = item.get("id");
            if (id == null || !(id.isTextual() || id.isNumber())) {
                throw new IllegalArgumentException("input item " + pos + " has no id: every item of a dataset carries a string id");
            }
            String prompt = template.render(item);
            if (prompt.getBytes(StandardCharsets.UTF_8).length > config.jobs().maxPromptBytes()) {
                throw new IllegalArgumentException("the prompt of item " + id.asText() + " is longer than "
                        + config.jobs().maxPromptBytes() + " bytes");
            }
            String text = item.path("text").isTextual() ? item.get("text").textValue() : prompt;
            String meta = metadata(item).toString();
            byte[][] keys = new byte[k][];
            for (int s = 0; s < k; s++) {
                keys[s] = CacheKeys.of(teacher.cacheScope, teacher.model, params, job.systemPrompt(), prompt, s);
            }
            out.add(new JobRepository.NewItem(pos, id.asText(), text, meta, prompt, keys));
        }
        return out;
    }

    /**
     * What a trace keeps of its question besides id and text: its metadata, plus its domain, source,
     * reference answer (answer filters verify against it) and the scores question filters gave it (an export
     * reports the difficulty).
     */
    private ObjectNode metadata(JsonNode item) {
        ObjectNode meta = item.path("metadata").isObject() ? ((ObjectNode) item.get("metadata")).deepCopy() : mapper.createObjectNode();
        for (String field : List.of("domain", "source", "answer", "answerType", "scores")) {
            if (item.hasNonNull(field)) {
                meta.set(field, item.get(field));
            }
        }
        return meta;
    }
}
