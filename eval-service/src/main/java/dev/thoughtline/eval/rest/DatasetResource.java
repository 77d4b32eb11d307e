package dev.thoughtline.eval.rest;

import dev.thoughtline.contracts.DatasetInfo;
import dev.thoughtline.contracts.Ndjson;
import dev.thoughtline.eval.service.BenchmarkService;
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

/** The dataset contract over benchmarks (kind {@code benchmark}): what generation-service runs and filters decontaminate against. */
@Path("/api/v1/datasets")
@Tag(name = "datasets")
public class DatasetResource {

    private final BenchmarkService service;

    public DatasetResource(BenchmarkService service) {
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
    @Operation(summary = "Benchmark items {id, text, answer, answerType, metadata} in file order (NDJSON, Link paging)")
    public Uni<Response> items(@PathParam("id") long id, @QueryParam("after") String after, @QueryParam("limit") String limit,
                               @Context UriInfo uri) {
        return service.items(id, after, limit).map(page -> ItemPages.response(page, uri, limit));
    }
}
