package dev.thoughtline.question.rest;

import dev.thoughtline.contracts.DatasetInfo;
import dev.thoughtline.contracts.Ndjson;
import dev.thoughtline.question.service.DatasetService;
import dev.thoughtline.support.ItemPages;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.List;

/** The dataset contract: {@code GET {ref}} and {@code GET {ref}/items}. */
@Path("/api/v1/datasets")
@Tag(name = "datasets")
public class DatasetResource {

    private final DatasetService datasets;

    public DatasetResource(DatasetService datasets) {
        this.datasets = datasets;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<List<DatasetInfo>> list() {
        return datasets.list();
    }

    @GET
    @Path("/{id}")
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<DatasetInfo> get(@PathParam("id") long id) {
        return datasets.get(id);
    }

    @GET
    @Path("/{id}/items")
    @Produces(Ndjson.MEDIA_TYPE)
    @Operation(summary = "Items as NDJSON in cursor order; Link: rel=\"next\" while more remain (limit <= 10000)")
    public Uni<Response> items(@PathParam("id") long id, @QueryParam("after") String after,
                               @QueryParam("limit") String limit, @Context UriInfo uri) {
        return datasets.items(id, after, limit).map(page -> ItemPages.response(page, uri, limit));
    }
}
