package dev.thoughtline.generation.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.thoughtline.contracts.DatasetInfo;
import dev.thoughtline.contracts.DatasetKind;
import dev.thoughtline.contracts.DatasetRef;
import dev.thoughtline.contracts.DatasetStatus;
import dev.thoughtline.generation.Job;
import dev.thoughtline.generation.Teacher;
import dev.thoughtline.generation.config.GenerationConfig;
import dev.thoughtline.generation.repository.JobRepository;
import dev.thoughtline.generation.repository.TeacherRepository;
import dev.thoughtline.support.ApiException;
import dev.thoughtline.support.ItemPages;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.enterprise.context.ApplicationScoped;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Serves each job's output as a trace dataset through the contract: {@code /datasets/{jobId}}. It is
 * {@code building} while the job runs or is paused, {@code complete} once every sample is stored or has
 * failed for good, {@code failed} when the job failed or was cancelled (a half-made dataset never shows as
 * complete). Items are ordered by (item, sample); the cursor is the sample's sequence number.
 */
@ApplicationScoped
public class TraceDatasetService {

    private final JobRepository jobs;
    private final TeacherRepository teachers;
    private final GenerationConfig config;
    private final ObjectMapper mapper;

    public TraceDatasetService(JobRepository jobs, TeacherRepository teachers, GenerationConfig config, ObjectMapper mapper) {
        this.jobs = jobs;
        this.teachers = teachers;
        this.config = config;
        this.mapper = mapper;
    }

    public Uni<DatasetInfo> get(long id) {
        return job(id).chain(job -> teachers.snapshotById(job.teacherId()).map(t -> info(job, t)));
    }

    public Uni<List<DatasetInfo>> list() {
        return jobs.list().chain(all -> teachers.snapshot().map(ts -> all.stream()
                .map(j -> info(j, ts.stream().filter(t -> t.id.equals(j.teacherId())).findFirst().orElse(null))).toList()));
    }

    private Uni<Job> job(long id) {
        return jobs.find(id).onItem().ifNull().failWith(() -> ApiException.notFound("dataset " + id));
    }

    private DatasetInfo info(Job job, Teacher t) {
        DatasetStatus status = switch (job.status()) {
            case RUNNING, PAUSED -> DatasetStatus.BUILDING;
            case COMPLETE -> DatasetStatus.COMPLETE;
            case FAILED, CANCELLED -> DatasetStatus.FAILED;
        };
        Map<String, Object> recipe = new LinkedHashMap<>();
        recipe.put("type", "generation");
        recipe.put("job", job.name());
        recipe.put("teacher", t == null ? null : t.name);
        recipe.put("model", t == null ? null : t.model);
        recipe.put("samplesPerItem", job.samplesPerItem());
        recipe.put("promptTemplate", job.promptTemplate());
        recipe.put("systemPrompt", job.systemPrompt());
        try {
            recipe.put("params", mapper.readValue(job.params(), Map.class));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        recipe.put("failedSamples", job.failed());
        if (job.status() == Job.Status.CANCELLED) {
            recipe.put("cancelled", true);
        }
        if (job.error() != null) {
            recipe.put("error", job.error());
        }
        return new DatasetInfo(Long.toString(job.id()), DatasetRef.of(config.publicUrl(), job.id()), job.name(), DatasetKind.TRACE,
                status, job.done(), List.of(DatasetRef.of(job.input())), recipe, job.createdAt());
    }

    public Uni<ItemPages.Page> items(long id, String after, String limit) {
        long cursor = ItemPages.cursor(after);
        int size = ItemPages.limit(limit, config.items().defaultLimit(), config.items().maxLimit());
        return job(id).chain(job -> teachers.snapshotById(job.teacherId())
                .chain(t -> jobs.results(id, cursor, size, config.items().pageBytes())
                        // up to a page of bytes to write: not on the event loop
                        .emitOn(Infrastructure.getDefaultWorkerPool())
                        .map(rows -> render(t, rows, size))));
    }

    private ItemPages.Page render(Teacher t, io.vertx.mutiny.sqlclient.RowSet<Row> rows, int limit) {
        return ItemPages.render(mapper.getFactory(), rows, limit, (g, r) -> {
            g.writeStartObject();
            g.writeStringField("id", r.getString(1) + "#" + r.getInteger(4));
            g.writeStringField("questionId", r.getString(1));
            g.writeStringField("text", r.getString(2));
            g.writeStringField("teacher", t == null ? null : t.name);
            g.writeStringField("model", t == null ? null : t.model);
            g.writeNumberField("sampleIndex", r.getInteger(4));
            g.writeStringField("reasoning", r.getString(5));
            g.writeStringField("content", r.getString(6));
            g.writeStringField("finalAnswer", r.getString(7));
            g.writeStringField("finishReason", r.getString(8));
            g.writeNumberField("promptTokens", r.getLong(9));
            g.writeNumberField("completionTokens", r.getLong(10));
            g.writeNumberField("latencyMs", r.getLong(11));
            g.writeBooleanField("cached", r.getBoolean(12));
            g.writeNumberField("attempts", r.getInteger(13));
            g.writeFieldName("metadata");
            g.writeRawValue(r.getString(3));
            g.writeEndObject();
        });
    }
}
