package dev.thoughtline.question.service;

import dev.thoughtline.question.Source;
import dev.thoughtline.question.repository.SourceRepository;
import dev.thoughtline.support.ApiException;
import dev.thoughtline.question.rest.SourceRequest;
import dev.thoughtline.question.rest.SourceUpdate;
import dev.thoughtline.question.rest.SourceView;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/** Registers and describes sources. Registration is idempotent by name, so a recipe can be run again. */
@ApplicationScoped
public class SourceService {

    /** A source and whether this call made it. */
    public record Registered(SourceView source, boolean created) {
    }

    private final SourceRepository sources;

    public SourceService(SourceRepository sources) {
        this.sources = sources;
    }

    @WithTransaction
    public Uni<Registered> register(SourceRequest req) {
        if (req == null) {
            throw ApiException.badRequest("the body is empty: send {name, domain, origin}");
        }
        req.validate();
        return sources.findByName(req.name().trim()).chain(existing -> {
            if (existing != null) {
                if (existing.domain != req.domain() || existing.origin != req.origin()
                        || !Objects.equals(existing.license, req.license())
                        || !Objects.equals(existing.description, req.description())) {
                    throw ApiException.conflict("a source named '" + existing.name + "' exists with other fields (id "
                            + existing.id + "); choose another name or PATCH /api/v1/sources/" + existing.id);
                }
                return view(existing).map(v -> new Registered(v, false));
            }
            Source s = new Source();
            s.name = req.name().trim();
            s.domain = req.domain();
            s.origin = req.origin();
            s.license = req.license();
            s.description = req.description();
            s.quality = req.quality();
            s.createdAt = Instant.now();
            return sources.persist(s).map(saved -> new Registered(toView(saved, SourceRepository.Counts.NONE), true));
        });
    }

    @WithSession
    public Uni<SourceView> get(long id) {
        return sources.findById(id)
                .onItem().ifNull().failWith(() -> ApiException.notFound("source " + id))
                .chain(this::view);
    }

    @WithSession
    public Uni<List<SourceView>> list() {
        return sources.listAll().chain(all -> sources.counts(null)
                .map(counts -> all.stream()
                        .sorted((a, b) -> Long.compare(a.id, b.id))
                        .map(s -> toView(s, SourceRepository.of(counts, s.id)))
                        .toList()));
    }

    @WithTransaction
    public Uni<SourceView> update(long id, SourceUpdate update) {
        if (update == null) {
            throw ApiException.badRequest("the body is empty: send the fields to change");
        }
        if ((update.license() != null && update.license().indexOf('\0') >= 0)
                || (update.description() != null && update.description().indexOf('\0') >= 0)) {
            throw ApiException.badRequest("license and description cannot contain NUL characters");
        }
        if (update.quality() != null && (update.quality().isNaN() || update.quality().isInfinite())) {
            throw ApiException.badRequest("quality must be a finite number");
        }
        return sources.findById(id)
                .onItem().ifNull().failWith(() -> ApiException.notFound("source " + id))
                .chain(s -> {
                    if (update.quality() != null) {
                        s.quality = update.quality();
                    }
                    if (update.license() != null) {
                        s.license = update.license();
                    }
                    if (update.description() != null) {
                        s.description = update.description();
                    }
                    return view(s);
                });
    }

    private Uni<SourceView> view(Source s) {
        return sources.counts(s.id).map(c -> toView(s, SourceRepository.of(c, s.id)));
    }

    static SourceView toView(Source s, SourceRepository.Counts c) {
        return new SourceView(s.id, s.name, s.domain, s.origin, s.license, s.description, s.quality,
                c.questions(), c.duplicates(), s.createdAt);
    }
}
