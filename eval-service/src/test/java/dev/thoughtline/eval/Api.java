package dev.thoughtline.eval;

import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/** Calls of the eval-service API (and of generation-service, to register teachers) as a user's tooling makes them. */
final class Api {

    private Api() {
    }

    static Response upload(String query, String ndjson) {
        return given().contentType("application/x-ndjson").body(ndjson.getBytes(java.nio.charset.StandardCharsets.UTF_8)).post("/api/v1/benchmarks?" + query);
    }

    /** Registers a teacher in the real generation-service (201, or 200 when it exists). */
    static void teacher(String name, String baseUrl, String model) {
        String body = "{\"name\":\"" + name + "\",\"baseUrl\":\"" + baseUrl + "\",\"model\":\"" + model + "\","
                + "\"limits\":{\"maxConcurrency\":32},\"pricing\":{\"inputPerMTok\":1.0,\"outputPerMTok\":4.0}}";
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(GenerationServiceResource.url + "/api/v1/teachers"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isIn(200, 201);
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    static void model(String name, String teacher, String... trainedOn) {
        StringBuilder refs = new StringBuilder();
        for (String r : trainedOn) {
            refs.append(refs.length() == 0 ? "" : ",").append('"').append(r).append('"');
        }
        given().contentType(ContentType.JSON).body("{\"name\":\"" + name + "\",\"teacher\":\"" + teacher + "\",\"trainedOn\":[" + refs + "]}")
                .post("/api/v1/models").then().statusCode(201);
    }

    /** Waits until a run is no longer running; returns its final view. */
    static JsonPath await(long id) {
        long deadline = System.nanoTime() + 180_000_000_000L;
        while (System.nanoTime() < deadline) {
            JsonPath view = given().get("/api/v1/eval-runs/" + id).then().statusCode(200).extract().jsonPath();
            if (!"running".equals(view.getString("status"))) {
                return view;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }
        throw new AssertionError("eval run " + id + " did not finish");
    }

    static JsonPath run(String body) {
        long id = given().contentType(ContentType.JSON).body(body).post("/api/v1/eval-runs").then().statusCode(202)
                .extract().jsonPath().getLong("id");
        return await(id);
    }

    /** Every line of an NDJSON collection, following Link: rel="next". */
    static List<Map<String, Object>> all(String path) {
        List<Map<String, Object>> out = new ArrayList<>();
        String next = path + (path.contains("?") ? "&" : "?") + "limit=37";
        while (next != null) {
            Response r = given().get(next);
            r.then().statusCode(200);
            for (String line : r.asString().split("\n")) {
                if (!line.isBlank()) {
                    out.add(JsonPath.from(line).getMap(""));
                }
            }
            String link = r.getHeader("Link");
            if (link == null) {
                next = null;
            } else {
                URI u = URI.create(link.substring(link.indexOf('<') + 1, link.indexOf('>')));
                next = u.getRawPath() + "?" + u.getRawQuery();
            }
        }
        return out;
    }
}
