package dev.thoughtline.question.rest;

import dev.thoughtline.question.service.MixService;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/api/v1/mixes")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "mixes")
public class MixResource {

    private final MixService mixes;

    public MixResource(MixService mixes) {
        this.mixes = mixes;
    }

    @POST
    @Operation(summary = "Mix sources into an immutable question dataset (201; the same name and request again: 200)")
    public Uni<Response> mix(MixRequest request) {
        return mixes.mix(request).map(m -> m.created()
                ? Response.created(m.dataset().ref().uri()).entity(m.dataset()).build()
                : Response.ok(m.dataset()).build());
    }
}
