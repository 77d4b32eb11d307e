package dev.thoughtline.question;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import static dev.thoughtline.question.Api.unique;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/** What the extensions provide and operators rely on: health, metrics, the OpenAPI document. */
@QuarkusTest
class ServiceEndpointsTest {

    @Test
    void readinessChecksTheDatabase() {
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"))
                .body(containsString("Reactive PostgreSQL connections health check"));
        given().get("/q/health/live").then().statusCode(200);
    }

    @Test
    void metricsCountImportedQuestionsPerSource() {
        String name = unique("metrics");
        Api.importLines(Api.source(name, "math"), "", Api.questions(name, 4) + "not json\n").statusCode(200);
        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("thoughtline_questions_imported_total{source=\"" + name + "\"} 4.0"))
                .body(containsString("thoughtline_questions_rejected_total{source=\"" + name + "\"} 1.0"));
    }

    @Test
    void theOpenApiDocumentListsTheApi() {
        given().get("/q/openapi?format=json").then().statusCode(200)
                .body(containsString("/api/v1/mixes"))
                .body(containsString("/api/v1/sources/{id}/imports/huggingface"))
                .body(containsString("/api/v1/datasets/{id}/items"));
    }
}
