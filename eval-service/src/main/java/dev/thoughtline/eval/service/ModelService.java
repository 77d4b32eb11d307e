package dev.thoughtline.eval.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.thoughtline.contracts.DatasetRef;
import dev.thoughtline.contracts.OutboundPolicy;
import dev.thoughtline.eval.Model;
import dev.thoughtline.eval.repository.EvalRepository;
import dev.thoughtline.eval.rest.ModelRequest;
import dev.thoughtline.eval.rest.ModelView;
import dev.thoughtline.support.ApiException;
import dev.thoughtline.support.GenerationClient;
import dev.thoughtline.support.Outbound;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Models under test with their lineage. A model names the generation-service teacher that serves it (checked when
 * it is registered) and the datasets it was trained on; the same request again answers the existing model.
 */
@ApplicationScoped
public class ModelService {

    public record Created(ModelView view, boolean created) {
    }

    private final EvalRepository repository;
    private final ObjectMapper mapper;
    private final Generation generation;
    private final OutboundPolicy policy;

    public ModelService(EvalRepository repository, ObjectMapper mapper, Generation generation, OutboundPolicy policy) {
        this.repository = repository;
        this.mapper = mapper;
        this.generation = generation;
        this.policy = policy;
    }

    /**
     * Blocking (it asks generation-service about the teacher, and resolves the hosts of {@code trainedOn} for the
     * outbound policy): call on a worker thread.
     */
    public Uni<Created> register(ModelRequest request) {
        if (request == null) {
            throw ApiException.badRequest("a model needs a body: {name, teacher, trainedOn: [DatasetRef]}");
        }
        if (request.name() == null || !request.name().matches("[A-Za-z0-9._:/-]{1,200}")) {
            throw ApiException.badRequest("name is required: 1-200 letters, digits, '.', '_', ':', '/' or '-'");
        }
        if (request.teacher() == null || request.teacher().isBlank()) {
            throw ApiException.badRequest("teacher is required: the generation-service teacher (an OpenAI-compatible endpoint) that serves the model");
        }
        List<String> trainedOn = new ArrayList<>();
        for (String ref : request.trainedOn() == null ? List.<String>of() : request.trainedOn()) {
            DatasetRef d;
            try {
                d = DatasetRef.of(Objects.requireNonNull(ref, "null"));
            } catch (IllegalArgumentException | NullPointerException e) {
                throw ApiException.badRequest("trainedOn: " + e.getMessage());
            }
            // the leaderboard reads the lineage: a ref it could never read is refused now, not shown as an error later
            Outbound.checkBlocking(policy, d.uri(), "trainedOn " + d.url(), true);
            trainedOn.add(d.url());
        }
        String teacher = request.teacher().trim();
        boolean exists;
        try {
            exists = generation.client().teacher(teacher) != null;
        } catch (GenerationClient.GenerationException e) {
            throw new ApiException(503, "Service unavailable", "cannot check teacher '" + teacher + "': " + e.getMessage(), null);
        }
        if (!exists) {
            throw ApiException.unprocessable("generation-service has no teacher named '" + teacher
                    + "': register the model's endpoint there first (POST /api/v1/teachers)");
        }
        String json = json(trainedOn);
        return repository.insertModel(request.name(), teacher, json, request.description())
                .chain(created -> created != null ? Uni.createFrom().item(new Created(view(created), true))
                        : repository.modelByName(request.name()).map(existing -> {
                            ModelView v = view(existing);
                            if (!v.teacher().equals(teacher) || !v.trainedOn().equals(trainedOn)
                                    || !Objects.equals(v.description(), request.description())) {
                                throw ApiException.conflict("a model named '" + request.name() + "' exists with another teacher, lineage or description");
                            }
                            return new Created(v, false);
                        }));
    }

    public Uni<List<ModelView>> list() {
        return repository.models().map(list -> list.stream().map(this::view).toList());
    }

    public Uni<ModelView> get(String name) {
        return repository.modelByName(name).map(m -> {
            if (m == null) {
                throw ApiException.notFound("model " + name);
            }
            return view(m);
        });
    }

    public ModelView view(Model m) {
        String[] refs;
        try {
            refs = mapper.readValue(m.trainedOn(), String[].class);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        return new ModelView(m.id(), m.name(), m.teacher(), Arrays.asList(refs), m.description(), m.createdAt());
    }

    private String json(Object o) {
        try {
            return mapper.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
