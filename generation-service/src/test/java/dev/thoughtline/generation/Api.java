package dev.thoughtline.generation;

import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

import static io.restassured.RestAssured.given;

/** The REST calls the tests make, as a user's tooling makes them. */
public final class Api {

    private Api() {
    }

    public static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Registers a teacher at {@code baseUrl}; {@code limits} is the JSON of its limits. */
    public static String teacher(String baseUrl, String model, String limits, boolean supportsN) {
        String name = unique("teacher");
        given().contentType(ContentType.JSON).body("{\"name\":\"" + name + "\",\"baseUrl\":\"" + baseUrl + "\",\"model\":\"" + model
                        + "\",\"limits\":" + limits + ",\"pricing\":{\"inputPerMTok\":1.0,\"outputPerMTok\":2.0},\"supportsN\":" + supportsN + "}")
                .post("/api/v1/teachers").then().statusCode(201);
        return name;
    }

    public static String jobBody(String name, String input, String teacher, int samples, String params) {
        return "{\"name\":\"" + name + "\",\"input\":\"" + input + "\",\"teacher\":\"" + teacher + "\",\"samplesPerItem\":" + samples
                + ",\"promptTemplate\":\"Solve: {{text}}\",\"params\":" + params + "}";
    }

    /** Submits a job and returns its id (202 expected). */
    public static long submit(String name, String input, String teacher, int samples, String params) {
        return given().contentType(ContentType.JSON).body(jobBody(name, input, teacher, samples, params)).post("/api/v1/jobs")
                .then().statusCode(202).extract().jsonPath().getLong("id");
    }

    public static JsonPath job(long id) {
        return given().get("/api/v1/jobs/" + id).then().statusCode(200).extract().jsonPath();
    }

    /** Polls the job until {@code done} holds of it, or fails after {@code max}. */
    public static JsonPath awaitJob(long id, Duration max, Predicate<JsonPath> done) {
        long end = System.nanoTime() + max.toNanos();
        JsonPath j = job(id);
        while (!done.test(j)) {
            if (System.nanoTime() > end) {
                throw new AssertionError("job " + id + " did not get there in " + max + ": " + j.prettify());
            }
            sleep(100);
            j = job(id);
        }
        return j;
    }

    /** Polls until the job is in {@code status}; fails at once when it ends in another state. */
    public static JsonPath awaitStatus(long id, String status, Duration max) {
        return awaitJob(id, max, j -> {
            String s = j.getString("status");
            if (!s.equals(status) && List.of("complete", "failed", "cancelled").contains(s)) {
                throw new AssertionError("job " + id + " ended " + s + ", not " + status + ": " + j.prettify());
            }
            return status.equals(s);
        });
    }

    /** Every item of a dataset, read page by page through the contract as any reader would. */
    public static List<Map<String, Object>> items(long datasetId, int pageSize) {
        List<Map<String, Object>> all = new ArrayList<>();
        String url = "/api/v1/datasets/" + datasetId + "/items?limit=" + pageSize;
        while (url != null) {
            var res = given().get(url).then().statusCode(200).extract();
            for (String line : res.asString().split("\n")) {
                if (!line.isBlank()) {
                    all.add(JsonPath.from(line).getMap(""));
                }
            }
            String link = res.header("Link");
            url = link == null ? null : link.substring(link.indexOf('<') + 1, link.indexOf('>'));
        }
        return all;
    }

    public static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
