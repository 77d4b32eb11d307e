package dev.thoughtline.question.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.thoughtline.contracts.DatasetClient;
import dev.thoughtline.contracts.DatasetRef;
import dev.thoughtline.contracts.LineReader;
import dev.thoughtline.contracts.OutboundPolicy;
import dev.thoughtline.contracts.Utf8;
import dev.thoughtline.question.ImportRun;
import dev.thoughtline.question.Source;
import dev.thoughtline.question.client.HuggingFaceClient;
import dev.thoughtline.question.client.RowsPage;
import dev.thoughtline.question.config.QuestionConfig;
import dev.thoughtline.question.repository.Candidate;
import dev.thoughtline.question.repository.ImportRunRepository;
import dev.thoughtline.question.repository.QuestionStore;
import dev.thoughtline.support.ApiException;
import dev.thoughtline.support.Outbound;
import dev.thoughtline.support.WorkLeases;
import dev.thoughtline.question.rest.DatasetImportRequest;
import dev.thoughtline.question.rest.HuggingFaceImportRequest;
import dev.thoughtline.question.rest.ImportReport;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Imports questions into a source, from an NDJSON upload, the Hugging Face datasets server, or any
 * DatasetRef. Every record is mapped, normalised and hashed here, then stored in batches by
 * {@link QuestionStore}; a bad record is counted and reported with its line and reason and never stops
 * the good ones.
 *
 * <p>The pipelines are blocking by design and run on worker threads: an upload is read from the request
 * stream as it arrives (the stream's own backpressure bounds memory to one batch), and one batch is
 * parsed while the previous one is being written.
 */
@ApplicationScoped
public class ImportService {

    private final QuestionStore store;
    private final ImportRunRepository runs;
    private final HuggingFaceClient huggingFace;
    private final DatasetClient datasets;
    private final Pool pool;
    private final QuestionConfig config;
    private final ObjectMapper mapper;
    private final ObjectReader lineReader;
    private final MeterRegistry metrics;
    private final OutboundPolicy policy;
    private final io.vertx.core.Vertx vertx;
    /**
     * Paged imports run here, on plain threads: no request context is propagated to them, so each of their
     * database calls gets a session of its own rather than sharing the request's.
     */
    private final ExecutorService background;
    private final WorkLeases leases;

    /** The kind of work a paged import is to {@link WorkLeases}. */
    static final String KIND = "import";

    public ImportService(QuestionStore store, ImportRunRepository runs, HuggingFaceClient huggingFace,
                         DatasetClient datasets, Pool pool, QuestionConfig config, ObjectMapper mapper,
                         MeterRegistry metrics, WorkLeases leases, OutboundPolicy policy, io.vertx.core.Vertx vertx) {
        this.store = store;
        this.leases = leases;
        this.runs = runs;
        this.huggingFace = huggingFace;
        this.datasets = datasets;
        this.pool = pool;
        this.config = config;
        this.mapper = mapper;
        this.lineReader = mapper.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        this.metrics = metrics;
        this.policy = policy;
        this.vertx = vertx;
        AtomicInteger threads = new AtomicInteger();
        this.background = Executors.newFixedThreadPool(config.imports().parallelImports(), r -> {
            Thread t = new Thread(r, "question-import-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    // ---- NDJSON upload -------------------------------------------------------------------------------

    /** Imports an NDJSON/JSONL stream into a source. Blocking: call on a worker thread. */
    public ImportReport importNdjson(long sourceId, Map<String, String> fields, InputStream body) {
        FieldMapping mapping = mapping(fields);
        Source source = await(() -> Panache.withSession(() -> Source.<Source>findById(sourceId)));
        if (source == null) {
            throw ApiException.notFound("source " + sourceId);
        }
        ImportTally tally = new ImportTally(config.imports().maxErrorsReported());
        LineReader lines = new LineReader(body, config.imports().maxLineBytes());
        ImportRunRepository.Claim run = null;
        List<Candidate> batch = new ArrayList<>(config.imports().batchSize());
        long batchBytes = 0;
        ArrayDeque<CompletableFuture<QuestionStore.BatchResult>> inFlight = new ArrayDeque<>();
        try {
            LineReader.Line line;
            while ((line = lines.next()) != null) {
                if (!line.tooLong() && line.isBlank()) {
                    continue;
                }
                tally.received++;
                Candidate c = parseLine(line, mapping, tally);
                if (c == null) {
                    continue;
                }
                if (run == null) {
                    // stored with the first line that can be imported: an upload without one stores nothing
                    run = await(() -> runs.create(sourceId, ImportRun.Kind.NDJSON, json(Map.of("fields", mapping.spec())), null));
                }
                batch.add(c);
                batchBytes += line.length();
                // a batch ends at a count or at a byte budget, so long lines cannot pile up in memory
                if (batch.size() >= config.imports().batchSize() || batchBytes >= config.imports().batchBytes()) {
                    while (inFlight.size() >= config.imports().parallelBatches()) {
                        join(inFlight.poll(), tally);
                    }
                    inFlight.add(store.insert(pool, sourceId, run.id(), batch).subscribeAsCompletionStage());
                    batch = new ArrayList<>(config.imports().batchSize());
                    batchBytes = 0;
                }
            }
            if (!batch.isEmpty()) {
                inFlight.add(store.insert(pool, sourceId, run.id(), batch).subscribeAsCompletionStage());
            }
            joinAll(inFlight, tally);
        } catch (IOException | UncheckedIOException e) {
            joinAll(inFlight, tally);
            finish(run, tally, null, ImportRun.Status.FAILED, "the upload broke off: " + e.getMessage());
            throw ApiException.badRequest("the upload broke off after " + lines.bytesRead() + " bytes: " + e.getMessage());
        } catch (RuntimeException e) {
            try {
                joinAll(inFlight, tally);
            } catch (RuntimeException again) {
                e.addSuppressed(again);
            }
            finishQuietly(run, tally, e);
            throw e;
        }
        if (run == null) {
            if (tally.received == 0) {
                throw ApiException.badRequest("the body is empty: send one JSON object per line");
            }
            count(source.name, tally, new ImportTally(0));
            throw new ApiException(422, "Nothing to import", "none of the " + tally.received
                    + " lines can be imported (the errors list the first); nothing was stored", List.copyOf(tally.errors));
        }
        finish(run, tally, null, ImportRun.Status.COMPLETE, null);
        count(source.name, tally, new ImportTally(0));
        return new ImportReport(run.id(), sourceId, tally.received, tally.imported, tally.duplicates, tally.rejected,
                List.copyOf(tally.errors), tally.truncated);
    }

    private Candidate parseLine(LineReader.Line line, FieldMapping mapping, ImportTally tally) {
        if (line.tooLong()) {
            tally.reject(line.number(), "line is longer than " + config.imports().maxLineBytes() + " bytes");
            return null;
        }
        int bad = Utf8.firstInvalid(line.bytes(), 0, line.length());
        if (bad >= 0) {
            tally.reject(line.number(), "invalid UTF-8 at byte " + (bad + 1));
            return null;
        }
        JsonNode node;
        try {
            node = lineReader.readTree(new java.io.ByteArrayInputStream(line.bytes(), 0, line.length()));
        } catch (IOException e) {
            tally.reject(line.number(), "malformed JSON: " + jsonMessage(e));
            return null;
        }
        return toCandidate(node, line.number(), mapping, tally);
    }

    private Candidate toCandidate(JsonNode node, long line, FieldMapping mapping, ImportTally tally) {
        try {
            FieldMapping.Fields f = mapping.extract(node);
            return new Candidate(line, TextNormalizer.hash(f.text()), f.externalId(), f.text(), f.answer(),
                    f.domain() == null ? null : f.domain().name(), mapper.writeValueAsString(f.metadata()));
        } catch (LineRejected e) {
            tally.reject(line, e.getMessage());
            return null;
        } catch (JsonProcessingException e) {
            tally.reject(line, "cannot store metadata: " + e.getOriginalMessage());
            return null;
        }
    }

    // ---- paged imports: Hugging Face and DatasetRef ----------------------------------------------------

    /** Registers a Hugging Face import and starts it in the background. */
    public Uni<ImportRun> startHuggingFace(long sourceId, HuggingFaceImportRequest request) {
        request.validate();
        mapping(request.fields());
        long offset = request.offset() == null ? 0 : request.offset();
        return startPaged(sourceId, ImportRun.Kind.HUGGINGFACE, json(request), Long.toString(offset));
    }

    /**
     * Registers an import from a DatasetRef and starts it in the background. A ref the outbound policy refuses is a
     * 422 before anything is stored or sent; one whose host does not resolve yet passes (each page is checked again).
     */
    public Uni<ImportRun> startDataset(long sourceId, DatasetImportRequest request) {
        DatasetRef from = request.validate();
        mapping(request.fields());
        return Outbound.check(vertx, policy, from.uri(), "the dataset " + from.url(), true)
                .chain(() -> startPaged(sourceId, ImportRun.Kind.DATASET, json(request),
                        from.itemsUri(null, config.imports().datasetPageSize()).toString()));
    }

    /** Starts a failed (or abandoned) paged import again from its last committed page. */
    public Uni<ImportRun> resume(long runId) {
        return findRun(runId).chain(run -> runs.claimForResume(runId, config.imports().staleAfter()).chain(claimed -> {
            if (claimed == null) {
                throw ApiException.conflict("import " + runId + " is " + run.status.toLowerCase()
                        + (ImportRun.Kind.NDJSON.name().equals(run.kind) ? "; an upload cannot be resumed, send the rest again"
                        : "; only a failed import, or one silent for " + config.imports().staleAfter() + ", can be resumed"));
            }
            return pool.withTransaction(tx -> leases.create(tx, KIND, runId, () -> { })).invoke(lease -> launch(claimed, lease))
                    .chain(() -> findRun(runId));
        }));
    }

    /** From startup on, this replica takes over paged imports whose replica died or stopped (see {@link WorkLeases}). */
    void ownership(@Observes StartupEvent event) {
        leases.register(KIND, config.imports().parallelImports(), this::takeOver);
    }

    /** A paged import whose lease this replica just took: on from its last committed page, or the lease ends. */
    private void takeOver(WorkLeases.Lease lease) {
        runs.takeOver(lease.id()).subscribe().with(claim -> {
            if (claim == null) {
                endLease(lease);
                return;
            }
            Log.infof("import %d: taken over, going on from its last committed page", lease.id());
            launch(claim, lease);
        }, failure -> {
            Log.warnf("import %d: cannot take it over: %s", lease.id(), failure.toString());
            leases.forget(lease);
        });
    }

    private void endLease(WorkLeases.Lease lease) {
        leases.fenced(lease, tx -> leases.end(tx, lease)).subscribe().with(v -> { }, f -> leases.forget(lease));
    }

    public Uni<ImportRun> findRun(long runId) {
        return Panache.withSession(() -> runs.findById(runId))
                .onItem().ifNull().failWith(() -> ApiException.notFound("import " + runId));
    }

    private Uni<ImportRun> startPaged(long sourceId, ImportRun.Kind kind, String params, String cursor) {
        // the run and its lease, held by this replica, in one transaction: another replica goes on with it if this one dies
        return Panache.withSession(() -> Source.<Source>findById(sourceId))
                .onItem().ifNull().failWith(() -> ApiException.notFound("source " + sourceId))
                .chain(source -> pool.withTransaction(tx -> runs.create(tx, sourceId, kind, params, cursor)
                        .chain(claim -> leases.create(tx, KIND, claim.id(), () -> { }).map(lease -> new Leased(claim, lease)))))
                .invoke(leased -> launch(leased.claim(), leased.lease()))
                .chain(leased -> findRun(leased.claim().id()));
    }

    private record Leased(ImportRunRepository.Claim claim, WorkLeases.Lease lease) {
    }

    private void launch(ImportRunRepository.Claim claim, WorkLeases.Lease lease) {
        background.execute(() -> runPaged(claim, lease));
    }

    @PreDestroy
    void stop() {
        background.shutdownNow();
    }

    /**
     * Drives one paged import to its end or its failure; on a worker thread. Does nothing if the run was
     * handed to another worker meanwhile (a resume while this one waited in the queue).
     */
    void runPaged(ImportRunRepository.Claim claim, WorkLeases.Lease lease) {
        long runId = claim.id();
        ImportRun run = await(() -> findRun(runId));
        if (!claim.worker().equals(run.worker)) {
            leases.forget(lease);
            return;
        }
        ImportTally before = ImportTally.resume(run, config.imports().maxErrorsReported(), mapper);
        ImportTally tally = ImportTally.resume(run, config.imports().maxErrorsReported(), mapper);
        try {
            if (ImportRun.Kind.HUGGINGFACE.name().equals(run.kind)) {
                HuggingFaceImportRequest req = mapper.readValue(run.params, HuggingFaceImportRequest.class);
                runHuggingFace(claim, run, req, tally);
            } else {
                DatasetImportRequest req = mapper.readValue(run.params, DatasetImportRequest.class);
                runDataset(claim, run, req, tally);
            }
        } catch (ImportRunRepository.Superseded e) {
            Log.infof("import %d goes on in another worker", runId);
            leases.forget(lease);
            return;
        } catch (Exception e) {
            if (leases.stopping() || !leases.holds(lease)) {
                // this replica stops or lost the import: another replica goes on from the last committed page
                Log.infof("import %d stopped here: another replica goes on with it", runId);
                leases.forget(lease);
                return;
            }
            Log.warnf("import %d stopped: %s", runId, e.toString());
            try {
                ImportRun latest = await(() -> findRun(runId));
                ImportTally committed = ImportTally.resume(latest, config.imports().maxErrorsReported(), mapper);
                finish(claim, committed, latest.cursor, ImportRun.Status.FAILED, reason(e));
            } catch (RuntimeException again) {
                Log.warnf("import %d: cannot record the failure: %s", runId, again.toString());
            }
            endLease(lease);
            return;
        }
        endLease(lease);
        try {
            Source source = await(() -> Panache.withSession(() -> Source.<Source>findById(run.sourceId)));
            count(source.name, tally, before);
        } catch (RuntimeException e) {
            // the import is complete; only its metrics are lost
            Log.warnf("import %d: metrics not counted: %s", runId, e.toString());
        }
    }

    private void runHuggingFace(ImportRunRepository.Claim claim, ImportRun run, HuggingFaceImportRequest req, ImportTally tally) {
        FieldMapping mapping = mapping(req.fields());
        long start = req.offset() == null ? 0 : req.offset();
        long end = req.limit() == null || req.limit() > Long.MAX_VALUE - start ? Long.MAX_VALUE : start + req.limit();
        long offset = Long.parseLong(run.cursor);
        int pageSize = config.imports().huggingFacePageSize();
        while (offset < end) {
            int length = (int) Math.min(pageSize, end - offset);
            RowsPage page = huggingFace.rows(req.dataset(), req.config(), req.split(), offset, length);
            if (page.rows().isEmpty()) {
                break;
            }
            List<Candidate> batch = new ArrayList<>(page.rows().size());
            for (RowsPage.Row row : page.rows()) {
                tally.received++;
                Candidate c = toCandidate(row.row(), row.rowIdx() + 1, mapping, tally);
                if (c != null) {
                    batch.add(c);
                }
            }
            offset += page.rows().size();
            if (page.numRowsTotal() != null && offset >= page.numRowsTotal()) {
                end = offset;
            }
            commitPage(claim, run, batch, tally, Long.toString(offset), offset >= end);
        }
        if (offset < end) {
            commitPage(claim, run, List.of(), tally, Long.toString(offset), true);
        }
    }

    private void runDataset(ImportRunRepository.Claim claim, ImportRun run, DatasetImportRequest req, ImportTally tally) {
        FieldMapping mapping = mapping(req.fields());
        URI next = run.cursor == null ? null : URI.create(run.cursor);
        if (next == null) {
            commitPage(claim, run, List.of(), tally, null, true);
            return;
        }
        long line = tally.received;
        for (DatasetClient.Page page : datasets.pages(next).subscribe().asIterable()) {
            List<Candidate> batch = new ArrayList<>(page.items().size());
            for (JsonNode item : page.items()) {
                tally.received++;
                line++;
                Candidate c = toCandidate(item, line, mapping, tally);
                if (c != null) {
                    batch.add(c);
                }
            }
            commitPage(claim, run, batch, tally, page.next() == null ? null : page.next().toString(), page.next() == null);
        }
    }

    /** Stores a page and records the run's progress in one transaction. */
    private void commitPage(ImportRunRepository.Claim claim, ImportRun run, List<Candidate> batch, ImportTally tally,
                            String cursor, boolean last) {
        ImportRun.Status status = last ? ImportRun.Status.COMPLETE : ImportRun.Status.RUNNING;
        QuestionStore.BatchResult result = await(() -> pool.withTransaction(conn -> {
            Uni<QuestionStore.BatchResult> stored = batch.isEmpty() ? Uni.createFrom().item(new QuestionStore.BatchResult(0, 0))
                    : store.insert(conn, run.sourceId, run.id, batch);
            return stored.call(r -> {
                ImportTally after = copyWith(tally, r);
                return runs.save(conn, claim, after.progress(mapper, cursor, status, null));
            });
        }));
        tally.add(result);
        run.cursor = cursor;
    }

    private ImportTally copyWith(ImportTally t, QuestionStore.BatchResult r) {
        ImportTally c = new ImportTally(Integer.MAX_VALUE);
        c.received = t.received;
        c.imported = t.imported + r.imported();
        c.duplicates = t.duplicates + r.duplicates();
        c.rejected = t.rejected;
        c.errors.addAll(t.errors);
        return c;
    }

    // ---- shared ---------------------------------------------------------------------------------------

    private FieldMapping mapping(Map<String, String> fields) {
        try {
            return FieldMapping.of(fields);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }

    private void joinAll(ArrayDeque<CompletableFuture<QuestionStore.BatchResult>> inFlight, ImportTally tally) {
        RuntimeException first = null;
        while (!inFlight.isEmpty()) {
            try {
                join(inFlight.poll(), tally);
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }

    private void join(CompletableFuture<QuestionStore.BatchResult> inFlight, ImportTally tally) {
        if (inFlight == null) {
            return;
        }
        try {
            tally.add(inFlight.join());
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    private void finish(ImportRunRepository.Claim run, ImportTally tally, String cursor, ImportRun.Status status, String failure) {
        if (run != null) {
            await(() -> runs.save(run, tally.progress(mapper, cursor, status, failure)));
        }
    }

    private void finishQuietly(ImportRunRepository.Claim run, ImportTally tally, Exception cause) {
        try {
            finish(run, tally, null, ImportRun.Status.FAILED, reason(cause));
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
        }
    }

    /** Counts what this worker added: {@code tally} less what the run had when it started. */
    private void count(String source, ImportTally tally, ImportTally before) {
        metrics.counter("thoughtline.questions.imported", "source", source).increment(tally.imported - before.imported);
        metrics.counter("thoughtline.questions.duplicates", "source", source).increment(tally.duplicates - before.duplicates);
        metrics.counter("thoughtline.questions.rejected", "source", source).increment(tally.rejected - before.rejected);
    }

    private String json(Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String reason(Throwable e) {
        Throwable t = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    private static String jsonMessage(IOException e) {
        String m = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
        return m == null ? "unreadable" : m.replace('\n', ' ');
    }

    private static <T> T await(java.util.function.Supplier<Uni<T>> work) {
        try {
            return VertxContextSupport.subscribeAndAwait(work);
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }
}
