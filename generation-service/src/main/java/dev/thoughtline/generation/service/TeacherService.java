package dev.thoughtline.generation.service;

import dev.thoughtline.generation.Teacher;
import dev.thoughtline.generation.repository.TeacherRepository;
import dev.thoughtline.generation.rest.TeacherRequest;
import dev.thoughtline.generation.rest.TeacherView;
import dev.thoughtline.contracts.OutboundPolicy;
import dev.thoughtline.support.ApiException;
import dev.thoughtline.support.Outbound;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;

import java.net.URI;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/** Registers and describes teachers; registration is idempotent by name, so a recipe can be run again. */
@ApplicationScoped
public class TeacherService {

    /** Requests in flight when a teacher names no limit. */
    static final int DEFAULT_CONCURRENCY = 16;

    /** A teacher and whether this call made it. */
    public record Registered(TeacherView teacher, boolean created) {
    }

    private final TeacherRepository teachers;
    private final OutboundPolicy policy;
    private final Vertx vertx;

    public TeacherService(TeacherRepository teachers, OutboundPolicy policy, Vertx vertx) {
        this.teachers = teachers;
        this.policy = policy;
        this.vertx = vertx;
    }

    /** Checks a registration before {@link #register}: its fields, and its endpoint against the outbound policy. */
    public Uni<Void> check(TeacherRequest req) {
        if (req == null) {
            throw ApiException.badRequest("the body is empty: send {name, baseUrl, model, ...}");
        }
        req.validate();
        return Outbound.check(vertx, policy, URI.create(req.baseUrl().strip()), "the teacher's baseUrl", true);
    }

    /** Registers a teacher that {@link #check} passed. */
    @WithTransaction
    public Uni<Registered> register(TeacherRequest req) {
        req.validate();
        Teacher wanted = toEntity(req);
        return teachers.findByName(wanted.name).chain(existing -> {
            if (existing != null) {
                if (!same(existing, wanted)) {
                    throw ApiException.conflict("a teacher named '" + existing.name + "' exists with other settings (id "
                            + existing.id + "); choose another name");
                }
                return Uni.createFrom().item(new Registered(view(existing), false));
            }
            wanted.createdAt = Instant.now();
            return teachers.persist(wanted).map(t -> new Registered(view(t), true));
        });
    }

    @WithSession
    public Uni<TeacherView> get(long id) {
        return teachers.findById(id).onItem().ifNull().failWith(() -> ApiException.notFound("teacher " + id)).map(TeacherService::view);
    }

    @WithSession
    public Uni<List<TeacherView>> list() {
        return teachers.listAll().map(all -> all.stream().sorted(Comparator.comparing(t -> t.id)).map(TeacherService::view).toList());
    }

    private static Teacher toEntity(TeacherRequest r) {
        Teacher t = new Teacher();
        t.name = r.name().trim();
        t.baseUrl = r.baseUrl().trim();
        t.model = r.model().trim();
        t.apiKeyEnv = r.apiKeyEnv();
        t.cacheNamespace = r.cacheNamespace();
        if (r.defaults() != null) {
            t.temperature = r.defaults().temperature();
            t.topP = r.defaults().topP();
            t.maxTokens = r.defaults().maxTokens();
        }
        if (r.limits() != null) {
            t.rpm = r.limits().rpm();
            t.tpm = r.limits().tpm();
        }
        t.maxConcurrency = r.limits() == null || r.limits().maxConcurrency() == null ? DEFAULT_CONCURRENCY : r.limits().maxConcurrency();
        if (r.pricing() != null) {
            t.inputPerMTok = r.pricing().inputPerMTok() == null ? 0 : r.pricing().inputPerMTok();
            t.outputPerMTok = r.pricing().outputPerMTok() == null ? 0 : r.pricing().outputPerMTok();
        }
        t.supportsN = Boolean.TRUE.equals(r.supportsN());
        return t;
    }

    private static boolean same(Teacher a, Teacher b) {
        return a.baseUrl.equals(b.baseUrl) && a.model.equals(b.model) && Objects.equals(a.apiKeyEnv, b.apiKeyEnv)
                && Objects.equals(a.cacheNamespace, b.cacheNamespace)
                && Objects.equals(a.temperature, b.temperature) && Objects.equals(a.topP, b.topP)
                && Objects.equals(a.maxTokens, b.maxTokens) && Objects.equals(a.rpm, b.rpm) && Objects.equals(a.tpm, b.tpm)
                && a.maxConcurrency == b.maxConcurrency && a.inputPerMTok == b.inputPerMTok
                && a.outputPerMTok == b.outputPerMTok && a.supportsN == b.supportsN;
    }

    static TeacherView view(Teacher t) {
        return new TeacherView(t.id, t.name, t.baseUrl, t.model, t.apiKeyEnv, TeacherKeys.read(t.apiKeyEnv) != null, t.cacheNamespace,
                new TeacherRequest.Defaults(t.temperature, t.topP, t.maxTokens),
                new TeacherRequest.Limits(t.rpm, t.tpm, t.maxConcurrency),
                new TeacherRequest.Pricing(t.inputPerMTok, t.outputPerMTok), t.supportsN, t.createdAt);
    }
}
