package dev.thoughtline.filter.rest;

import dev.thoughtline.contracts.DatasetRef;
import dev.thoughtline.contracts.Ndjson;
import dev.thoughtline.contracts.OutboundPolicy;
import dev.thoughtline.filter.service.FilterRunService;
import dev.thoughtline.filter.service.steps.Steps;
import dev.thoughtline.support.ItemPages;
import dev.thoughtline.support.Outbound;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
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

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Filter runs: submit, watch, read the verdicts. */
@Path("/api/v1/filter-runs")
@Tag(name = "filter runs")
public class FilterRunResource {

    private final FilterRunService service;
    private final OutboundPolicy policy;
    private final io.vertx.core.Vertx vertx;

    public FilterRunResource(FilterRunService service, OutboundPolicy policy, io.vertx.core.Vertx vertx) {
        this.service = service;
        this.policy = policy;
        this.vertx = vertx;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Start a filter run: 202 with the run; the same request again answers the existing run (200)")
    public Uni<Response> submit(FilterRunRequest request) {
        return readable(request).chain(() -> service.submit(request)).map(s -> Response.status(s.created() ? 202 : 200)
                .location(URI.create("/api/v1/filter-runs/" + s.view().id())).entity(s.view()).build());
    }

    /** The datasets the steps read besides the input (its own is checked as it is read): refused now by the policy, if at all. */
    private Uni<Void> readable(FilterRunRequest request) {
        Uni<Void> checked = Uni.createFrom().voidItem();
        if (request != null && request.steps() != null) {
            for (FilterRunRequest.Step step : request.steps()) {
                for (DatasetRef ref : Steps.reads(step)) {
                    checked = checked.chain(() -> Outbound.check(vertx, policy, ref.uri(), "benchmark " + ref.url(), false));
                }
            }
        }
        return checked;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<List<FilterRunView>> list() {
        return service.list();
    }

    @GET
    @Path("/{id}")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "A run: status, counts, per-step in/out and score histograms, its output DatasetRef")
    public Uni<FilterRunView> get(@PathParam("id") long id) {
        return service.get(id);
    }

    @GET
    @Path("/{id}/verdicts")
    @Produces(Ndjson.MEDIA_TYPE)
    @Operation(summary = "One verdict per input item, in input order: kept, droppedBy, scores, reasons (NDJSON, Link paging)")
    public Uni<Response> verdicts(@PathParam("id") long id, @QueryParam("after") String after, @QueryParam("limit") String limit,
                                  @Context UriInfo uri) {
        return service.page(id, after, limit, false).map(page -> ItemPages.response(page, uri, limit));
    }

    @GET
    @Path("/{id}/stages/{stage}")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "The items alive before an LLM step, as a dataset (what its generation job reads)")
    public Uni<dev.thoughtline.contracts.DatasetInfo> stage(@PathParam("id") long id, @PathParam("stage") int stage) {
        return service.stage(id, stage);
    }

    @GET
    @Path("/{id}/stages/{stage}/items")
    @Produces(Ndjson.MEDIA_TYPE)
    public Uni<Response> stageItems(@PathParam("id") long id, @PathParam("stage") int stage, @QueryParam("after") String after,
                                    @QueryParam("limit") String limit, @Context UriInfo uri) {
        return service.stageItems(id, stage, after, limit).map(page -> ItemPages.response(page, uri, limit));
    }

    @GET
    @Path("/step-types")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "The step types and their parameters")
    public Map<String, Set<String>> stepTypes() {
        return Steps.TYPES;
    }
}
