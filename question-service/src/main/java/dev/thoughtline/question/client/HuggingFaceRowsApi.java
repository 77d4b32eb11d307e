package dev.thoughtline.question.client;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

/** The rows API of the Hugging Face datasets server ({@code GET /rows}). */
@RegisterRestClient(configKey = "huggingface")
@Produces(MediaType.APPLICATION_JSON)
interface HuggingFaceRowsApi {

    @GET
    @Path("/rows")
    RowsPage rows(@QueryParam("dataset") String dataset, @QueryParam("config") String config,
                  @QueryParam("split") String split, @QueryParam("offset") long offset,
                  @QueryParam("length") int length);
}
