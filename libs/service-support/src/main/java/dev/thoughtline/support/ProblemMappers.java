package dev.thoughtline.support;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import dev.thoughtline.contracts.Problem;
import io.quarkus.logging.Log;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Turns every error into an RFC 9457 problem: the caller's mistakes into a 4xx saying what to fix, and
 * anything else into a 500 whose detail names no internals (it is logged; a 500 is always a bug).
 */
public class ProblemMappers {

    @ServerExceptionMapper
    public Response api(ApiException e, HttpServerRequest request) {
        return respond(e.problem(), request);
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e, HttpServerRequest request) {
        int status = e.getResponse().getStatus();
        if (status >= 500) {
            Log.error("request failed", e);
        }
        Response.StatusType type = Response.Status.fromStatusCode(status);
        String title = type == null ? "HTTP " + status : type.getReasonPhrase();
        String detail = switch (status) {
            case 404 -> "no such resource: " + request.path();
            case 405 -> request.method() + " is not allowed on " + request.path();
            case 415 -> "unsupported Content-Type '" + request.getHeader("Content-Type") + "' for " + request.path();
            case 406 -> "cannot produce the media type asked for in Accept";
            default -> e.getMessage();
        };
        return respond(Problem.of(status, title, detail), request);
    }

    @ServerExceptionMapper
    public Response json(JsonProcessingException e, HttpServerRequest request) {
        return respond(Problem.of(400, "Malformed JSON body", describe(e)), request);
    }

    @ServerExceptionMapper
    public Response mismatched(MismatchedInputException e, HttpServerRequest request) {
        return respond(Problem.of(400, "Malformed JSON body", describe(e)), request);
    }

    @ServerExceptionMapper
    public Response instantiation(ValueInstantiationException e, HttpServerRequest request) {
        return respond(Problem.of(400, "Malformed JSON body", describe(e)), request);
    }

    @ServerExceptionMapper
    public Response constraint(org.hibernate.exception.ConstraintViolationException e, HttpServerRequest request) {
        return respond(Problem.of(409, "Conflict", "the request conflicts with a concurrent change; retry it"), request);
    }

    @ServerExceptionMapper
    public Response database(io.vertx.pgclient.PgException e, HttpServerRequest request) {
        return unexpected(e, request);
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable e, HttpServerRequest request) {
        // what PostgreSQL refused because of what the caller sent, however deep in the causes
        io.vertx.pgclient.PgException pg = PgErrors.cause(e);
        if (PgErrors.isUniqueViolation(pg)) {
            return respond(Problem.of(409, "Conflict", "the request conflicts with a concurrent change; retry it"), request);
        }
        if (PgErrors.isNulInText(pg)) {
            return respond(Problem.of(400, "Bad request", "the request holds a NUL character (U+0000), which no text here can hold: "
                    + "remove it"), request);
        }
        Log.errorf(e, "unexpected error on %s %s", request.method(), request.path());
        return respond(Problem.of(500, "Internal error", "the service failed unexpectedly; this is a bug, please report it"), request);
    }

    static String describe(JsonProcessingException e) {
        String where = "";
        if (e instanceof com.fasterxml.jackson.databind.JsonMappingException m && !m.getPath().isEmpty()) {
            StringBuilder p = new StringBuilder();
            for (var ref : m.getPath()) {
                if (ref.getFieldName() != null) {
                    p.append(p.length() == 0 ? "" : ".").append(ref.getFieldName());
                } else if (ref.getIndex() >= 0) {
                    p.append('[').append(ref.getIndex()).append(']');
                }
            }
            where = " at '" + p + "'";
        }
        Throwable cause = e instanceof ValueInstantiationException && e.getCause() != null ? e.getCause() : null;
        String msg = cause != null ? cause.getMessage() : e.getOriginalMessage();
        return (msg == null ? "unreadable JSON" : msg.replace('\n', ' ')) + where;
    }

    private static Response respond(Problem p, HttpServerRequest request) {
        return Response.status(p.status()).type(Problem.MEDIA_TYPE).entity(p.withInstance(request.path())).build();
    }
}
