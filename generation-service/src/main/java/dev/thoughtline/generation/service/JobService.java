package dev.thoughtline.generation.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.thoughtline.contracts.DatasetClient;
import dev.thoughtline.contracts.DatasetClientException;
import dev.thoughtline.contracts.DatasetRef;
import dev.thoughtline.contracts.DatasetStatus;
import dev.thoughtline.generation.Job;
import dev.thoughtline.generation.Teacher;
import dev.thoughtline.generation.config.GenerationConfig;
import dev.thoughtline.generation.repository.JobRepository;
import dev.thoughtline.generation.repository.TeacherRepository;
import dev.thoughtline.generation.rest.JobRequest;
import dev.thoughtline.generation.rest.JobView;
import dev.thoughtline.generation.rest.TeacherUsage;
import dev.thoughtline.contracts.OutboundPolicy;
import dev.thoughtline.support.ApiException;
import dev.thoughtline.support.Outbound;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/** Submits jobs (idempotent by name), reports their progress, and pauses, resumes and cancels them. */
@ApplicationScoped
public class JobService {

    /** A sample that failed for good. */
    public record Failure(String itemId, int sampleIndex, int attempts, String error) {
    }

    /** A job and whether this call made it. */
    public record Submitted(JobView job, boolean created) {
    }

    /** Parameters the service sets itself: a job cannot send them. */
    private static final Set<String> RESERVED = Set.of("model", "messages", "n", "stream", "stream_options");

    private final JobRepository jobs;
    private final TeacherRepository teachers;
    private final JobLoader loader;
    private final Engine engine;
    private final DatasetClient datasets;
    private final HttpClient http;
    private final GenerationConfig config;
    private final ObjectMapper mapper;
    private final io.vertx.core.Vertx vertx;
    private final OutboundPolicy policy;

    public JobService(JobRepository jobs, TeacherRepository teachers, JobLoader loader, Engine engine, DatasetClient datasets,
                      HttpClient http, GenerationConfig config, ObjectMapper mapper, io.vertx.core.Vertx vertx, OutboundPolicy policy) {
        this.vertx = vertx;
        this.policy = policy;
        this.jobs = jobs;
        this.teachers = teachers;
        this.loader = loader;
        this.engine = engine;
        this.datasets = datasets;
        this.http = http;
        this.config = config;
        this.mapper = mapper;
    }

    /**
     * Submits a job. The same name with the same request returns the job as it stands; the same name with
     * another request is a conflict. Before anything is stored the input must answer as a complete dataset
     * whose first item fills the template, and the teacher must answer at all.
     */
    public Uni<Submitted> submit(JobRequest req) {
        if (req == null) {
            throw ApiException.badRequest("the body is empty: send {name, input, teacher, samplesPerItem, promptTemplate}");
        }
        String name = required(req.name(), "name");
        if (name.length() > 200 || name.chars().anyMatch(Character::isISOControl)) {
            throw ApiException.badRequest("name must be at most 200 characters, without control characters");
        }
        DatasetRef input;
        try {
            input = DatasetRef.of(required(req.input(), "input"));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("input is not a DatasetRef: " + e.getMessage());
        }
        String teacherName = required(req.teacher(), "teacher");
        int samples = req.samplesPerItem() == null ? 1 : req.samplesPerItem();
        if (samples < 1 || samples > config.jobs().maxSamplesPerItem()) {
            throw ApiException.badRequest("samplesPerItem must be between 1 and " + config.jobs().maxSamplesPerItem() + ", got " + samples);
        }
        PromptTemplate template;
        try {
            template = PromptTemplate.parse(req.promptTemplate());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        if (req.systemPrompt() != null && req.systemPrompt().indexOf('\0') >= 0) {
            throw ApiException.badRequest("systemPrompt holds a NUL character");
        }
        ObjectNode asked = params(req.params());
        ObjectNode request = mapper.createObjectNode();
        request.put("name", name).put("input", input.url()).put("teacher", teacherName).put("samplesPerItem", samples)
                .put("promptTemplate", req.promptTemplate()).put("systemPrompt", req.systemPrompt());
        request.set("params", asked);

        return teachers.snapshotByName(teacherName).chain(teacher -> {
            if (teacher == null) {
                throw ApiException.unprocessable("no teacher is named '" + teacherName + "': register it with POST /api/v1/teachers");
            }
            return jobs.findByName(name).chain(existing -> {
                if (existing != null) {
                    return same(existing, request).map(job -> new Submitted(job, false));
                }
                ObjectNode effective = effective(teacher, asked);
                return checkInput(input, template)
                        .chain(() -> probe(teacher))
                        .chain(() -> jobs.create(name, teacher.id, input.url(), samples, req.promptTemplate(), req.systemPrompt(),
                                effective.toString(), request.toString()))
                        .chain(job -> {
                            if (!sameRequest(job, request)) {
                                throw conflict(job);
                            }
                            loader.load(job.id());
                            engine.wake(teacher);
                            return view(job, teacher).map(v -> new Submitted(v, true));
                        });
            });
        });
    }

    private Uni<JobView> same(Job existing, ObjectNode request) {
        if (!sameRequest(existing, request)) {
            throw conflict(existing);
        }
        return teachers.snapshotById(existing.teacherId()).chain(t -> view(existing, t));
    }

    private boolean sameRequest(Job job, ObjectNode request) {
        try {
            return mapper.readTree(job.request()).equals(request);
        } catch (Exception e) {
            return false;
        }
    }

    private static ApiException conflict(Job job) {
        return ApiException.conflict("a job named '" + job.name() + "' exists with another request (id " + job.id()
                + "); choose another name");
    }

    private static String required(String value, String field) {
        if (value == null || value.isBlank()) {
            throw ApiException.badRequest(field + " is required");
        }
        return value.strip();
    }

    /** The job's own parameters, checked, with {@code maxTokens}/{@code topP} spelled as OpenAI spells them. */
    private ObjectNode params(JsonNode given) {
        ObjectNode out = mapper.createObjectNode();
        if (given == null || given.isNull()) {
            return out;
        }
        if (!given.isObject()) {
            throw ApiException.badRequest("params must be a JSON object of sampling parameters");
        }
        given.fields().forEachRemaining(e -> {
            String key = switch (e.getKey()) {
                case "maxTokens" -> "max_tokens";
                case "topP" -> "top_p";
                default -> e.getKey();
            };
            if (RESERVED.contains(key)) {
                throw ApiException.badRequest("params." + e.getKey() + " is set by the service and cannot be sent");
            }
            out.set(key, e.getValue());
        });
        JsonNode maxTokens = out.get("max_tokens");
        if (maxTokens != null && !(maxTokens.canConvertToInt() && maxTokens.isIntegralNumber() && maxTokens.asInt() >= 1)) {
            throw ApiException.badRequest("params.max_tokens must be a positive integer");
        }
        JsonNode temperature = out.get("temperature");
        if (temperature != null && !(temperature.isNumber() && temperature.asDouble() >= 0 && temperature.asDouble() <= 2)) {
            throw ApiException.badRequest("params.temperature must be a number from 0 to 2");
        }
        JsonNode topP = out.get("top_p");
        if (topP != null && !(topP.isNumber() && topP.asDouble() > 0 && topP.asDouble() <= 1)) {
            throw ApiException.badRequest("params.top_p must be a number above 0 and at most 1");
        }
        JsonNode seed = out.get("seed");
        if (seed != null && !(seed.isIntegralNumber() && seed.canConvertToLong())) {
            throw ApiException.badRequest("params.seed must be an integer");
        }
        return out;
    }

    /** The teacher's defaults under the job's parameters, with the base seed made explicit. */
    private ObjectNode effective(Teacher t, ObjectNode asked) {
        ObjectNode out = mapper.createObjectNode();
        if (t.temperature != null) {
            out.put("temperature", t.temperature);
        }
        if (t.topP != null) {
            out.put("top_p", t.topP);
        }
        if (t.maxTokens != null) {
            out.put("max_tokens", t.maxTokens);
        }
        out.setAll(asked);
        if (!out.has("seed")) {
            out.put("seed", 0);
        }
        return out;
    }

    /** The input must be a complete dataset whose first item fills the template. */
    private Uni<Void> checkInput(DatasetRef input, PromptTemplate template) {
        return datasets.info(input)
                .onFailure(DatasetClientException.class).transform(e -> ApiException.unprocessable(
                        "the input " + input.url() + " cannot be read: " + e.getMessage()))
                .chain(info -> {
                    if (info.status() == DatasetStatus.FAILED) {
                        throw ApiException.unprocessable("the input " + input.url() + " failed; it has no items to generate from");
                    }
                    if (info.status() != DatasetStatus.COMPLETE) {
                        throw ApiException.conflict("the input " + input.url() + " is still building; submit the job once it is complete");
                    }
                    return datasets.pages(input.itemsUri(null, 1)).select().first().toUni()
                            .onFailure(DatasetClientException.class).transform(e -> ApiException.unprocessable(
                                    "the items of " + input.url() + " cannot be read: " + e.getMessage()));
                })
                .invoke(page -> {
                    if (page != null && !page.items().isEmpty()) {
                        try {
                            template.render(page.items().get(0));
                        } catch (IllegalArgumentException e) {
                            throw ApiException.unprocessable(e.getMessage());
                        }
                    }
                })
                .replaceWithVoid();
    }

    /**
     * Any HTTP answer from the teacher's {@code /models} will do: a teacher that does not answer at all is refused.
     * Its endpoint is checked against the outbound policy again first (the policy may have changed since the teacher
     * was registered).
     */
    private Uni<Void> probe(Teacher t) {
        String base = t.baseUrl.endsWith("/") ? t.baseUrl.substring(0, t.baseUrl.length() - 1) : t.baseUrl;
        URI models = URI.create(base + "/models");
        HttpRequest.Builder b = HttpRequest.newBuilder(models).GET().timeout(config.jobs().teacherProbeTimeout());
        String key = TeacherKeys.read(t.apiKeyEnv);
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        return Outbound.check(vertx, policy, models, "the teacher '" + t.name + "'", false)
                .chain(() -> Uni.createFrom().completionStage(() -> http.sendAsync(b.build(), HttpResponse.BodyHandlers.discarding())))
                .onFailure(e -> !(e instanceof ApiException)).transform(e -> ApiException.unprocessable("the teacher '" + t.name + "' at " + t.baseUrl
                        + " does not answer: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())))
                .replaceWithVoid();
    }

    public Uni<JobView> get(long id) {
        return jobs.find(id).onItem().ifNull().failWith(() -> ApiException.notFound("job " + id))
                .chain(job -> teachers.snapshotById(job.teacherId()).chain(t -> view(job, t)));
    }

    public Uni<List<JobView>> list() {
        return jobs.list().chain(all -> teachers.snapshot().chain(ts -> {
            Uni<List<JobView>> out = Uni.createFrom().item(new java.util.ArrayList<>());
            for (Job job : all) {
                Teacher t = ts.stream().filter(x -> x.id.equals(job.teacherId())).findFirst().orElse(null);
                out = out.chain(list -> view(job, t).map(v -> {
                    list.add(v);
                    return list;
                }));
            }
            return out;
        }));
    }

    public Uni<JobView> pause(long id) {
        return transition(id, jobs::pause, "pause", Job.Status.RUNNING);
    }

    public Uni<JobView> resume(long id) {
        return transition(id, jobs::resume, "resume", Job.Status.PAUSED)
                .invoke(v -> teachers.snapshotByName(v.teacher()).subscribe().with(t -> {
                    if (t != null) {
                        engine.wake(t);
                    }
                }, e -> { }));
    }

    public Uni<JobView> cancel(long id) {
        return transition(id, jobs::cancel, "cancel", null);
    }

    /**
     * Applies a transition; asking for the state the job is already in is answered with the job (a repeated
     * pause is not an error), any other refused transition is a conflict.
     */
    private Uni<JobView> transition(long id, java.util.function.LongFunction<Uni<Boolean>> change, String verb, Job.Status from) {
        return jobs.find(id).onItem().ifNull().failWith(() -> ApiException.notFound("job " + id))
                .chain(before -> change.apply(id).chain(changed -> jobs.find(id).map(after -> {
                    if (!changed && !alreadyThere(verb, after.status())) {
                        throw ApiException.conflict("cannot " + verb + " job " + id + ": it is " + after.status().db());
                    }
                    return after;
                })))
                .chain(job -> teachers.snapshotById(job.teacherId()).chain(t -> view(job, t)));
    }

    private static boolean alreadyThere(String verb, Job.Status status) {
        return switch (verb) {
            case "pause" -> status == Job.Status.PAUSED;
            case "resume" -> status == Job.Status.RUNNING;
            default -> status == Job.Status.CANCELLED;
        };
    }

    /** Progress every {@code every} while the job runs, when it changed; the last event is its final state. */
    public Multi<JobView> events(long id, Duration every) {
        return get(id).toMulti().onItem().transformToMultiAndConcatenate(first -> Multi.createFrom().emitter(em -> {
            em.emit(first);
            if (isTerminal(first)) {
                em.complete();
                return;
            }
            java.util.concurrent.atomic.AtomicReference<JobView> last = new java.util.concurrent.atomic.AtomicReference<>(first);
            java.util.concurrent.atomic.AtomicBoolean busy = new java.util.concurrent.atomic.AtomicBoolean();
            long timer = vertx.setPeriodic(every.toMillis(), tick -> {
                if (!busy.compareAndSet(false, true)) {
                    return;
                }
                get(id).subscribe().with(v -> {
                    busy.set(false);
                    if (!progressEquals(last.getAndSet(v), v)) {
                        em.emit(v);
                    }
                    if (isTerminal(v)) {
                        em.complete();
                    }
                }, em::fail);
            });
            em.onTermination(() -> vertx.cancelTimer(timer));
        }));
    }

    private static boolean isTerminal(JobView v) {
        return Job.Status.valueOf(v.status().toUpperCase(java.util.Locale.ROOT)).terminal();
    }

    private static boolean progressEquals(JobView a, JobView b) {
        return a.status().equals(b.status()) && a.done() == b.done() && a.failed() == b.failed() && a.pending() == b.pending()
                && a.inFlight() == b.inFlight() && a.total() == b.total() && a.requests() == b.requests();
    }

    public Uni<List<Failure>> failures(long id) {
        return jobs.find(id).onItem().ifNull().failWith(() -> ApiException.notFound("job " + id))
                .chain(job -> jobs.failures(id, 1000))
                .map(rows -> {
                    List<Failure> out = new java.util.ArrayList<>();
                    rows.forEach(r -> out.add(new Failure(r.getString(0), r.getInteger(1), r.getInteger(2), r.getString(3))));
                    return out;
                });
    }

    public Uni<TeacherUsage> usage(long teacherId) {
        return teachers.snapshotById(teacherId).onItem().ifNull().failWith(() -> ApiException.notFound("teacher " + teacherId))
                .chain(t -> jobs.usage(teacherId).map(r -> new TeacherUsage(t.id, t.name, r.getLong(0), r.getLong(1), r.getLong(2),
                        r.getLong(3), r.getLong(4), cost(t, r.getLong(3), r.getLong(4)), r.getLong(5), r.getLong(6), r.getLong(7))));
    }

    private static double cost(Teacher t, long promptTokens, long completionTokens) {
        return t == null ? 0 : (promptTokens * t.inputPerMTok + completionTokens * t.outputPerMTok) / 1_000_000.0;
    }

    private Uni<JobView> view(Job job, Teacher t) {
        Uni<JobRepository.Open> open = job.status().terminal() ? Uni.createFrom().item(new JobRepository.Open(0, 0)) : jobs.open(job);
        return open.map(o -> {
            Instant end = job.finishedAt() != null ? job.finishedAt() : Instant.now();
            double seconds = job.startedAt() == null ? 0 : Math.max(0.001, Duration.between(job.startedAt(), end).toMillis() / 1000.0);
            double tokensPerSecond = seconds == 0 ? 0 : job.completionTokens() / seconds;
            Double eta = null;
            long remaining = o.pending() + o.leased();
            if (!job.status().terminal() && job.done() > 0 && seconds > 0) {
                eta = remaining / (job.done() / seconds);
            }
            JsonNode params;
            try {
                params = mapper.readTree(job.params());
            } catch (Exception e) {
                params = null;
            }
            return new JobView(job.id(), job.name(), job.status().db(), job.error(), t == null ? null : t.name, job.input(),
                    DatasetRef.of(config.publicUrl(), job.id()).url(), job.samplesPerItem(), job.loaded(), job.itemCount(),
                    job.taskCount(), job.done(), job.cached(), job.failed(), o.pending(), o.leased(), job.requests(),
                    job.failedRequests(), job.promptTokens(), job.completionTokens(), cost(t, job.promptTokens(), job.completionTokens()),
                    tokensPerSecond, eta, t == null ? null : engine.breakerState(t.id), job.promptTemplate(), job.systemPrompt(), params,
                    job.createdAt(), job.startedAt(), job.finishedAt());
        });
    }
}
