package dev.thoughtline.generation.rest;

import dev.thoughtline.generation.service.JobService;
import dev.thoughtline.generation.service.TeacherService;
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

@Path("/api/v1/teachers")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "teachers")
public class TeacherResource {

    private final TeacherService teachers;
    private final JobService jobs;

    public TeacherResource(TeacherService teachers, JobService jobs) {
        this.teachers = teachers;
        this.jobs = jobs;
    }

    @POST
    @Operation(summary = "Register a teacher (idempotent by name: the same settings again return it with 200)")
    public Uni<Response> register(TeacherRequest request) {
        return teachers.check(request).chain(() -> teachers.register(request)).map(r -> r.created()
                ? Response.created(URI.create("/api/v1/teachers/" + r.teacher().id())).entity(r.teacher()).build()
                : Response.ok(r.teacher()).build());
    }

    @GET
    public Uni<List<TeacherView>> list() {
        return teachers.list();
    }

    @GET
    @Path("/{id}")
    public Uni<TeacherView> get(@PathParam("id") long id) {
        return teachers.get(id);
    }

    @GET
    @Path("/{id}/usage")
    @Operation(summary = "Requests, tokens, samples and cost over all of the teacher's jobs")
    public Uni<TeacherUsage> usage(@PathParam("id") long id) {
        return jobs.usage(id);
    }
}
