package dev.thoughtline.question.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.thoughtline.contracts.LineError;
import dev.thoughtline.question.ImportRun;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;

import java.net.URI;
import java.util.List;

/** Maps import runs to their API view. */
@ApplicationScoped
public class ImportViews {

    private final ObjectMapper mapper;

    public ImportViews(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    public Response accepted(ImportRun run) {
        return Response.accepted(view(run)).location(URI.create("/api/v1/imports/" + run.id)).build();
    }

    public ImportView view(ImportRun r) {
        try {
            return new ImportView(r.id, r.sourceId, r.kind.toLowerCase(), r.status.toLowerCase(), mapper.readTree(r.params),
                    r.cursor, r.received, r.imported, r.duplicates, r.rejected,
                    List.of(mapper.readValue(r.errors, LineError[].class)), r.failure, r.createdAt, r.updatedAt);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("import " + r.id + " holds unreadable JSON", e);
        }
    }
}
