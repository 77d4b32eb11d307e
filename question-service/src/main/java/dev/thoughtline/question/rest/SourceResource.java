package dev.thoughtline.question.rest;

import dev.thoughtline.question.service.SourceService;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.net.URI;
import java.util.List;

@Path("/api/v1/sources")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "sources")
public class SourceResource {

    private final SourceService sources;

    public SourceResource(SourceService sources) {
        this.sources = sources;
    }

    @POST
    @Operation(summary = "Register a source (idempotent by name: the same fields again return the existing one with 200)")
    public Uni<Response> register(SourceRequest request) {
        return sources.register(request).map(r -> r.created()
                ? Response.created(URI.create("/api/v1/sources/" + r.source().id())).entity(r.source()).build()
                : Response.ok(r.source()).build());
    }

    @GET
    @Operation(summary = "All sources with their question and duplicate counts")
    public Uni<List<SourceView>> list() {
        return sources.list();
    }

    @GET
    @Path("/{id}")
    public Uni<SourceView> get(@PathParam("id") long id) {
        return sources.get(id);
    }

    @PATCH
    @Path("/{id}")
    @Operation(summary = "Set a source's quality score, licence or description")
    public Uni<SourceView> update(@PathParam("id") long id, SourceUpdate update) {
        return sources.update(id, update);
    }
}
