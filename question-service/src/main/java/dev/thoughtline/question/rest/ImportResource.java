package dev.thoughtline.question.rest;

import dev.thoughtline.support.ApiException;
import dev.thoughtline.contracts.Ndjson;
import dev.thoughtline.question.repository.ImportRunRepository;
import dev.thoughtline.question.service.ImportService;
import dev.thoughtline.support.BulkBody;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

@Path("/api/v1/sources/{id}/imports")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "imports")
public class ImportResource {

    private final ImportService imports;
    private final ImportRunRepository runs;
    private final ImportViews views;

    public ImportResource(ImportService imports, ImportRunRepository runs, ImportViews views) {
        this.imports = imports;
        this.runs = runs;
        this.views = views;
    }

    @BulkBody
    @POST
    @Consumes({Ndjson.MEDIA_TYPE, "application/jsonl", "application/x-jsonlines", MediaType.APPLICATION_JSON,
            MediaType.TEXT_PLAIN, MediaType.APPLICATION_OCTET_STREAM})
    @Blocking
    @Operation(summary = "Import questions from NDJSON/JSONL, streamed; the query maps fields (text=problem&answer=solution&id=uid)")
    public ImportReport importLines(@PathParam("id") long sourceId, @Context UriInfo uri, InputStream body) {
        Map<String, String> fields = new LinkedHashMap<>();
        uri.getQueryParameters().forEach((k, v) -> fields.put(k, v.isEmpty() ? "" : v.get(0)));
        return imports.importNdjson(sourceId, fields, body);
    }

    @POST
    @Path("/huggingface")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Import a split from the Hugging Face datasets server, in the background (202)")
    public Uni<Response> importHuggingFace(@PathParam("id") long sourceId, HuggingFaceImportRequest request) {
        if (request == null) {
            throw ApiException.badRequest("the body is empty: send {dataset, config, split, limit?, fields?}");
        }
        return imports.startHuggingFace(sourceId, request).map(views::accepted);
    }

    @POST
    @Path("/dataset")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Import the items of any DatasetRef, in the background (202)")
    public Uni<Response> importDataset(@PathParam("id") long sourceId, DatasetImportRequest request) {
        if (request == null) {
            throw ApiException.badRequest("the body is empty: send {from, fields?}");
        }
        return imports.startDataset(sourceId, request).map(views::accepted);
    }

    @GET
    @WithSession
    public Uni<List<ImportView>> listImports(@PathParam("id") long sourceId) {
        return runs.listBySource(sourceId).map(list -> list.stream().map(views::view).toList());
    }
}
