package dev.thoughtline.eval.rest;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.thoughtline.contracts.Ndjson;
import dev.thoughtline.eval.service.ComparisonService;
import dev.thoughtline.eval.service.EvalRunService;
import dev.thoughtline.eval.service.LeaderboardService;
import dev.thoughtline.support.ApiException;
import dev.thoughtline.support.ItemPages;
import io.smallrye.common.annotation.Blocking;
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

/** Eval runs, their per-item records, comparisons, the leaderboard and teacher reports. */
@Path("/api/v1")
@Tag(name = "eval runs")
public class EvalRunResource {

    private final EvalRunService runs;
    private final ComparisonService comparisons;
    private final LeaderboardService leaderboard;

    public EvalRunResource(EvalRunService runs, ComparisonService comparisons, LeaderboardService leaderboard) {
        this.runs = runs;
        this.comparisons = comparisons;
        this.leaderboard = leaderboard;
    }

    @POST
    @Path("/eval-runs")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Start an eval run {name?, model, benchmarks, repeats?, temperature?, maxTokens?, seed?}: 202; the same request "
            + "again answers the existing run (200); the same name with another request is a 409")
    public Uni<Response> submit(EvalRunRequest request) {
        return runs.submit(request).map(s -> Response.status(s.created() ? 202 : 200)
                .location(URI.create("/api/v1/eval-runs/" + s.view().id())).entity(s.view()).build());
    }

    @GET
    @Path("/eval-runs")
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<List<EvalRunView>> list() {
        return runs.list();
    }

    @GET
    @Path("/eval-runs/{run}")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "A run by id or name: status, and per benchmark its generation job and metrics")
    public Uni<EvalRunView> get(@PathParam("run") String run) {
        return runs.get(run);
    }

    @GET
    @Path("/eval-runs/{run}/results/{benchmark}/items")
    @Produces(Ndjson.MEDIA_TYPE)
    @Operation(summary = "Per-item records of one benchmark of a run: passes, pass rate, and each repeat's verdict, extracted answer, "
            + "finish reason and tokens (NDJSON, Link paging)")
    public Uni<Response> items(@PathParam("run") String run, @PathParam("benchmark") String benchmark, @QueryParam("after") String after,
                               @QueryParam("limit") String limit, @Context UriInfo uri) {
        return runs.items(run, benchmark, after, limit).map(page -> ItemPages.response(page, uri, limit));
    }

    @GET
    @Path("/compare")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Paired per-item differences of two runs (?a=&b=, ids or names) on each benchmark they share (or ?benchmark=)")
    public Uni<ObjectNode> compare(@QueryParam("a") String a, @QueryParam("b") String b, @QueryParam("benchmark") String benchmark) {
        return comparisons.compare(a, b, benchmark);
    }

    @GET
    @Path("/leaderboard")
    @Produces(MediaType.APPLICATION_JSON)
    @Blocking
    @Operation(summary = "Models x benchmarks with each model's training lineage, and every dataset of that lineage ranked by the models "
            + "trained on it (?benchmark= repeated to choose the columns)")
    public ObjectNode leaderboard(@QueryParam("benchmark") List<String> benchmarks) {
        return leaderboard.leaderboard(benchmarks);
    }

    @POST
    @Path("/teacher-reports")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Candidate teachers on one benchmark {name, benchmark, teachers, repeats?, ...}: one eval run each; 202")
    public Uni<Response> report(TeacherReportRequest request) {
        return runs.report(request).chain(list -> report(request.name()).map(r -> Response.status(
                list.stream().anyMatch(EvalRunService.Submitted::created) ? 202 : 200).location(URI.create("/api/v1/teacher-reports/" + request.name()))
                .entity(r).build()));
    }

    @GET
    @Path("/teacher-reports/{name}")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Per teacher: accuracy against the reference answers, mean reasoning tokens, cost per 1,000 samples; best first")
    public Uni<TeacherReport> report(@PathParam("name") String name) {
        return runs.reportRuns(name).map(list -> {
            if (list.isEmpty()) {
                throw ApiException.notFound("teacher report " + name);
            }
            return TeacherReport.of(name, list);
        });
    }
}
