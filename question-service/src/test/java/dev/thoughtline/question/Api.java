package dev.thoughtline.question;

import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

import static io.restassured.RestAssured.given;

/** Small helpers over the service's REST API, for tests. */
public final class Api {

    private Api() {
    }

    /** A name no other test uses. */
    public static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    public static long source(String name, String domain) {
        return given().contentType(ContentType.JSON)
                .body("{\"name\":\"" + name + "\",\"domain\":\"" + domain + "\",\"origin\":\"human\"}")
                .post("/api/v1/sources").then().statusCode(201).extract().jsonPath().getLong("id");
    }

    static ValidatableResponse importLines(long source, String query, String body) {
        return importBytes(source, query, body.getBytes(StandardCharsets.UTF_8));
    }

    static ValidatableResponse importBytes(long source, String query, byte[] body) {
        return given().contentType("application/x-ndjson").body(body)
                .post("/api/v1/sources/" + source + "/imports" + (query.isEmpty() ? "" : "?" + query)).then();
    }

    /** Polls an import run until it is no longer running; returns its final view. */
    static io.restassured.path.json.JsonPath awaitImport(long id) {
        long deadline = System.currentTimeMillis() + 60_000;
        while (true) {
            io.restassured.path.json.JsonPath run = given().get("/api/v1/imports/" + id).then().statusCode(200).extract().jsonPath();
            if (!"running".equals(run.getString("status"))) {
                return run;
            }
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("import " + id + " still running: " + run.prettify());
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    /** One dataset item, read with Jackson (RestAssured's JsonPath is too slow for thousands of lines). */
    record Item(com.fasterxml.jackson.databind.JsonNode node) {
        String getString(String dotted) {
            com.fasterxml.jackson.databind.JsonNode n = node.at("/" + dotted.replace('.', '/'));
            return n.isMissingNode() || n.isNull() ? null : n.asText();
        }

        java.util.Map<String, Object> getMap(String field) {
            return MAPPER.convertValue(node.get(field), new com.fasterxml.jackson.core.type.TypeReference<>() {
            });
        }
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper MAPPER = new com.fasterxml.jackson.databind.ObjectMapper();

    /** Every item of a dataset, following Link headers with pages of {@code limit}. */
    static java.util.List<Item> items(String ref, int limit) {
        java.util.List<Item> out = new java.util.ArrayList<>();
        String next = ref + "/items?limit=" + limit;
        while (next != null) {
            io.restassured.response.Response page = given().get(next).then().statusCode(200)
                    .contentType("application/x-ndjson").extract().response();
            for (String line : page.asString().split("\\n")) {
                if (!line.isEmpty()) {
                    try {
                        out.add(new Item(MAPPER.readTree(line)));
                    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                        throw new AssertionError("not JSON: " + line, e);
                    }
                }
            }
            java.net.URI link = dev.thoughtline.contracts.LinkHeader.findNext(page.header("Link"), java.net.URI.create(next));
            next = link == null ? null : link.toString();
        }
        return out;
    }

    /** Creates a mix and returns its DatasetRef. */
    static String mix(String json) {
        return given().contentType(ContentType.JSON).body(json).post("/api/v1/mixes")
                .then().statusCode(201).extract().jsonPath().getString("ref");
    }

    /** n questions unique to this tag, one JSON object per line. */
    static String questions(String tag, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append("{\"id\":\"").append(tag).append('-').append(i).append("\",\"text\":\"Question ").append(i)
                    .append(" of ").append(tag).append(": what is ").append(i).append(" + ").append(i)
                    .append("?\",\"answer\":\"").append(2 * i).append("\"}\n");
        }
        return sb.toString();
    }
}
