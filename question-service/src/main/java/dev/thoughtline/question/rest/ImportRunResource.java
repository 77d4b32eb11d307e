package dev.thoughtline.question.rest;

import dev.thoughtline.question.service.ImportService;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Import runs by id: their progress, and resuming a failed paged import. */
@Path("/api/v1/imports")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "imports")
public class ImportRunResource {

    private final ImportService imports;
    private final ImportViews views;

    public ImportRunResource(ImportService imports, ImportViews views) {
        this.imports = imports;
        this.views = views;
    }

    @GET
    @Path("/{id}")
    public Uni<ImportView> getImport(@PathParam("id") long id) {
        return imports.findRun(id).map(views::view);
    }

    @POST
    @Path("/{id}/resume")
    @Operation(summary = "Resume a failed Hugging Face or DatasetRef import from its last committed page")
    public Uni<Response> resume(@PathParam("id") long id) {
        return imports.resume(id).map(views::accepted);
    }

}
