package dev.thoughtline.generation.rest;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

@QuarkusTest
class TeacherResourceTest {

    private static String name() {
        return "teacher-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static String teacher(String name, String apiKeyEnv, int concurrency) {
        return "{\"name\":\"" + name + "\",\"baseUrl\":\"http://vllm:8000/v1\",\"model\":\"qwq-32b\",\"apiKeyEnv\":"
                + (apiKeyEnv == null ? "null" : "\"" + apiKeyEnv + "\"")
                + ",\"defaults\":{\"temperature\":0.7,\"maxTokens\":32768},\"limits\":{\"rpm\":600,\"tpm\":2000000,\"maxConcurrency\":"
                + concurrency + "},\"pricing\":{\"inputPerMTok\":0.15,\"outputPerMTok\":0.6},\"supportsN\":true}";
    }

    @Test
    void registersATeacherAndShowsItWithoutAnyKey() {
        String name = name();
        long id = given().contentType(ContentType.JSON).body(teacher(name, "THOUGHTLINE_TEACHER_KEY_TEST", 64)).post("/api/v1/teachers")
                .then().statusCode(201).header("Location", containsString("/api/v1/teachers/"))
                .body("name", equalTo(name)).body("limits.maxConcurrency", equalTo(64)).body("defaults.temperature", equalTo(0.7f))
                .body("apiKeyEnv", equalTo("THOUGHTLINE_TEACHER_KEY_TEST")).body("apiKeyPresent", equalTo(true))
                .body(not(containsString(System.getenv("THOUGHTLINE_TEACHER_KEY_TEST"))))
                .extract().jsonPath().getLong("id");
        given().get("/api/v1/teachers/" + id).then().statusCode(200).body("model", equalTo("qwq-32b")).body("supportsN", equalTo(true));
        given().get("/api/v1/teachers").then().statusCode(200).body("name", hasItem(name));
    }

    @Test
    void saysWhenTheKeysVariableIsMissingHere() {
        given().contentType(ContentType.JSON).body(teacher(name(), "THOUGHTLINE_TEACHER_KEY_NO_SUCH_VAR", 4)).post("/api/v1/teachers")
                .then().statusCode(201).body("apiKeyPresent", equalTo(false));
    }

    @Test
    void registeringAgainReturnsTheTeacherAndOtherSettingsConflict() {
        String name = name();
        given().contentType(ContentType.JSON).body(teacher(name, null, 8)).post("/api/v1/teachers").then().statusCode(201);
        given().contentType(ContentType.JSON).body(teacher(name, null, 8)).post("/api/v1/teachers").then().statusCode(200);
        given().contentType(ContentType.JSON).body(teacher(name, null, 9)).post("/api/v1/teachers")
                .then().statusCode(409).contentType("application/problem+json");
    }

    @Test
    void rejectsWhatCannotBeATeacher() {
        String[][] cases = {
                {"{\"baseUrl\":\"http://x/v1\",\"model\":\"m\"}", "name is required"},
                {"{\"name\":\"" + name() + "\",\"baseUrl\":\"vllm:8000\",\"model\":\"m\"}", "absolute http(s) URL"},
                {"{\"name\":\"" + name() + "\",\"baseUrl\":\"http://user:sk-123@x/v1\",\"model\":\"m\"}", "credentials"},
                {"{\"name\":\"" + name() + "\",\"baseUrl\":\"http://x/v1\"}", "model is required"},
                {"{\"name\":\"" + name() + "\",\"baseUrl\":\"http://x/v1\",\"model\":\"m\",\"apiKeyEnv\":\"sk-live-123\"}", "environment variable"},
                {"{\"name\":\"" + name() + "\",\"baseUrl\":\"http://x/v1\",\"model\":\"m\",\"limits\":{\"maxConcurrency\":0}}", "maxConcurrency"},
                {"{\"name\":\"" + name() + "\",\"baseUrl\":\"http://x/v1\",\"model\":\"m\",\"defaults\":{\"temperature\":3}}", "temperature"},
                {"{\"name\":\"" + name() + "\",\"baseUrl\":\"http://x/v1\",\"model\":\"m\",\"pricing\":{\"outputPerMTok\":-1}}", "pricing"},
                {"{\"name\":\"" + name() + "\",\"baseUrl\":\"http://x/v1\",\"model\":\"m\",\"limits\":{\"rpm\":\"many\"}}", null},
        };
        for (String[] c : cases) {
            var r = given().contentType(ContentType.JSON).body(c[0]).post("/api/v1/teachers").then().statusCode(400)
                    .contentType("application/problem+json");
            if (c[1] != null) {
                r.body("detail", containsString(c[1]));
            }
        }
        given().get("/api/v1/teachers/424242").then().statusCode(404).contentType("application/problem+json");
    }
}
