package dev.thoughtline.eval.rest;

import dev.thoughtline.eval.service.ModelService;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
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

/** Models under test and their training lineage. */
@Path("/api/v1/models")
@Tag(name = "models")
public class ModelResource {

    private final ModelService service;

    public ModelResource(ModelService service) {
        this.service = service;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Blocking
    @Operation(summary = "Register {name, teacher, trainedOn: [DatasetRef], description?}: 201, 200 for the same again, 409 for another, "
            + "422 when generation-service has no such teacher")
    public Uni<Response> register(ModelRequest request) {
        return service.register(request).map(c -> Response.status(c.created() ? 201 : 200)
                .location(URI.create("/api/v1/models/" + c.view().name())).entity(c.view()).build());
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<List<ModelView>> list() {
        return service.list();
    }

    @GET
    @Path("/{name}")
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<ModelView> get(@PathParam("name") String name) {
        return service.get(name);
    }
}
