package dev.thoughtline.filter.rest;

import dev.thoughtline.contracts.DatasetInfo;
import dev.thoughtline.contracts.Ndjson;
import dev.thoughtline.filter.service.FilterRunService;
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

/** The dataset contract over runs' outputs; a run's id is its output dataset's id. */
@Path("/api/v1/datasets")
@Tag(name = "datasets")
public class DatasetResource {

    private final FilterRunService service;

    public DatasetResource(FilterRunService service) {
        this.service = service;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<List<DatasetInfo>> list() {
        return service.datasets();
    }

    @GET
    @Path("/{id}")
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<DatasetInfo> get(@PathParam("id") long id) {
        return service.dataset(id);
    }

    @GET
    @Path("/{id}/items")
    @Produces(Ndjson.MEDIA_TYPE)
    @Operation(summary = "The upstream items every step kept, unchanged plus scores, in input order (NDJSON, Link paging)")
    public Uni<Response> items(@PathParam("id") long id, @QueryParam("after") String after, @QueryParam("limit") String limit,
                               @Context UriInfo uri) {
        return service.page(id, after, limit, true).map(page -> ItemPages.response(page, uri, limit));
    }
}
