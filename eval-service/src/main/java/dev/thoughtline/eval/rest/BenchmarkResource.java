package dev.thoughtline.eval.rest;

import dev.thoughtline.contracts.Ndjson;
import dev.thoughtline.eval.service.BenchmarkService;
import dev.thoughtline.eval.service.BenchmarkSpec;
import dev.thoughtline.support.BulkBody;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.io.InputStream;
import java.net.URI;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/** Benchmarks: the built-in specs, imports (an NDJSON upload or the datasets server), and the stored ones. */
@Path("/api/v1/benchmarks")
@Tag(name = "benchmarks")
public class BenchmarkResource {

    private final BenchmarkService service;

    public BenchmarkResource(BenchmarkService service) {
        this.service = service;
    }

    @GET
    @Path("/specs")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "The built-in specs: answer type, default repeats, prompt template")
    public Collection<BenchmarkSpec> specs() {
        return BenchmarkSpec.BUILT_IN.values();
    }

    @BulkBody
    @POST
    @Consumes({Ndjson.MEDIA_TYPE, "application/jsonl", "application/x-jsonlines", MediaType.TEXT_PLAIN})
    @Produces(MediaType.APPLICATION_JSON)
    @Blocking
    @Operation(summary = "Import a benchmark from an NDJSON body: 201, 200 for the same name and content again, 409 for other content, "
            + "422 with per-line errors when any row is not a valid item (nothing is stored)")
    public Uni<Response> upload(@QueryParam("name") String name, @QueryParam("spec") String spec, @QueryParam("answerType") String answerType,
                                @QueryParam("repeats") Integer repeats, @QueryParam("promptTemplate") String promptTemplate,
                                @QueryParam("id") String id, @QueryParam("text") String text, @QueryParam("answer") String answer,
                                @QueryParam("correct") String correct, @QueryParam("incorrect") String incorrect, InputStream body) {
        List<String> wrong = incorrect == null || incorrect.isBlank() ? List.of() : Arrays.stream(incorrect.split(",")).map(String::trim).toList();
        return service.upload(name, spec, answerType, repeats, promptTemplate,
                new BenchmarkRequest.Fields(id, text, answer, correct, wrong), body).map(BenchmarkResource::created);
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Blocking
    @Operation(summary = "Import a benchmark from the Hugging Face datasets server: {name, spec?, fields?, huggingface: {dataset, config, split}}")
    public Uni<Response> importHuggingFace(BenchmarkRequest request) {
        return service.importHuggingFace(request).map(BenchmarkResource::created);
    }

    private static Response created(BenchmarkService.Created c) {
        return Response.status(c.created() ? 201 : 200).location(URI.create("/api/v1/benchmarks/" + c.view().name())).entity(c.view()).build();
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<List<BenchmarkView>> list() {
        return service.list();
    }

    @GET
    @Path("/{benchmark}")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "A benchmark by name or id; its items are the dataset at `dataset`")
    public Uni<BenchmarkView> get(@PathParam("benchmark") String benchmark) {
        return service.get(benchmark);
    }
}
