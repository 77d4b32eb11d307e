package dev.thoughtline.question.rest;

import dev.thoughtline.support.ApiException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.thoughtline.contracts.Domain;
import dev.thoughtline.question.repository.QuestionStore;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.ArrayList;
import java.util.List;

@Path("/api/v1/questions")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "questions")
public class QuestionResource {

    private final QuestionStore questions;
    private final ObjectMapper mapper;

    public QuestionResource(QuestionStore questions, ObjectMapper mapper) {
        this.questions = questions;
        this.mapper = mapper;
    }

    @GET
    @Path("/{id}")
    public Uni<QuestionView> get(@PathParam("id") long id) {
        return questions.find(id).chain(rows -> {
            if (rows.size() == 0) {
                throw ApiException.notFound("question " + id);
            }
            Row q = rows.iterator().next();
            return questions.duplicatesOf(id).map(dups -> {
                List<QuestionView.Repeat> repeats = new ArrayList<>();
                for (Row d : dups) {
                    repeats.add(new QuestionView.Repeat(d.getLong(0), d.getString(1), d.getLong(2), d.getLong(3), d.getString(4)));
                }
                try {
                    return new QuestionView(q.getLong(0), q.getString(1), q.getString(2), Domain.valueOf(q.getString(3)),
                            q.getLong(4), q.getString(5), q.getString(6), mapper.readTree(q.getString(7)), repeats);
                } catch (JsonProcessingException e) {
                    throw new IllegalStateException(e);
                }
            });
        });
    }
}
