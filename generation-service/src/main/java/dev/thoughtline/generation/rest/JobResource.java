package dev.thoughtline.generation.rest;

import dev.thoughtline.generation.service.JobService;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
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
import org.jboss.resteasy.reactive.RestStreamElementType;

import java.net.URI;
import java.time.Duration;
import java.util.List;

@Path("/api/v1/jobs")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "jobs")
public class JobResource {

    private final JobService jobs;

    public JobResource(JobService jobs) {
        this.jobs = jobs;
    }

    @POST
    @Operation(summary = "Submit a generation job: 202 with the job; the same name and request again: 200 with it as it stands")
    public Uni<Response> submit(JobRequest request) {
        return jobs.submit(request).map(s -> s.created()
                ? Response.accepted(s.job()).location(URI.create("/api/v1/jobs/" + s.job().id())).build()
                : Response.ok(s.job()).build());
    }

    @GET
    public Uni<List<JobView>> list() {
        return jobs.list();
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "A job's progress: done, failed, pending, in flight, tokens, cost, tokens/s, ETA")
    public Uni<JobView> get(@PathParam("id") long id) {
        return jobs.get(id);
    }

    @GET
    @Path("/{id}/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    @Operation(summary = "Server-sent progress events, one per change (checked every second), ending with the final state")
    @Blocking
    public Multi<JobView> events(@PathParam("id") long id) {
        // an event stream's headers go out before its first event, and an error after them cannot be answered: an
        // unknown job is a 404 problem only if it is found out before the stream is returned (hence a worker thread)
        jobs.get(id).await().atMost(Duration.ofSeconds(30));
        return jobs.events(id, Duration.ofSeconds(1));
    }

    @POST
    @Path("/{id}/pause")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Stop claiming the job's tasks; requests in flight finish and are stored")
    public Uni<JobView> pause(@PathParam("id") long id) {
        return jobs.pause(id);
    }

    @POST
    @Path("/{id}/resume")
    @Consumes(MediaType.WILDCARD)
    public Uni<JobView> resume(@PathParam("id") long id) {
        return jobs.resume(id);
    }

    @POST
    @Path("/{id}/cancel")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Cancel the job: open tasks are dropped, requests in flight aborted, its dataset fails")
    public Uni<JobView> cancel(@PathParam("id") long id) {
        return jobs.cancel(id);
    }

    @GET
    @Path("/{id}/failures")
    @Operation(summary = "The job's samples that failed for good, with their attempts and last error (at most 1000)")
    public Uni<List<JobService.Failure>> failures(@PathParam("id") long id) {
        return jobs.failures(id);
    }
}
