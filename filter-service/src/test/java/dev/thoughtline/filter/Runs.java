package dev.thoughtline.filter;

import io.restassured.http.ContentType;
import io.restassured.response.Response;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;

/** Calls of the filter-service API as a user's tooling makes them. */
final class Runs {

    private Runs() {
    }

    /** Submits a run and waits until it is no longer running; returns its final view. */
    static Map<String, Object> run(String body) {
        long id = given().contentType(ContentType.JSON).body(body).post("/api/v1/filter-runs").then().statusCode(202)
                .extract().jsonPath().getLong("id");
        return await(id);
    }

    static Map<String, Object> await(long id) {
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (System.nanoTime() < deadline) {
            Map<String, Object> view = given().get("/api/v1/filter-runs/" + id).then().statusCode(200).extract().jsonPath().getMap("");
            if (!"running".equals(view.get("status"))) {
                return view;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }
        throw new AssertionError("run " + id + " did not finish");
    }

    /** Every line of an NDJSON collection, following Link: rel="next". */
    static List<Map<String, Object>> all(String path) {
        List<Map<String, Object>> out = new ArrayList<>();
        String next = path + (path.contains("?") ? "&" : "?") + "limit=7";
        while (next != null) {
            Response r = given().get(next);
            r.then().statusCode(200);
            for (String line : r.asString().split("\n")) {
                if (!line.isBlank()) {
                    out.add(io.restassured.path.json.JsonPath.from(line).getMap(""));
                }
            }
            String link = r.getHeader("Link");
            next = link == null ? null : java.net.URI.create(link.substring(link.indexOf('<') + 1, link.indexOf('>'))).getRawPath()
                    + "?" + java.net.URI.create(link.substring(link.indexOf('<') + 1, link.indexOf('>'))).getRawQuery();
        }
        return out;
    }
}
