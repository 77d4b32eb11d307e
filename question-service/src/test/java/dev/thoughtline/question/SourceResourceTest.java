package dev.thoughtline.question;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import static dev.thoughtline.question.Api.unique;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

@QuarkusTest
class SourceResourceTest {

    @Test
    void registersASourceAndListsItWithItsCounts() {
        String name = unique("gsm");
        long id = given().contentType(ContentType.JSON)
                .body("{\"name\":\"" + name + "\",\"domain\":\"math\",\"origin\":\"semi-synthetic\",\"license\":\"MIT\",\"description\":\"grade school\"}")
                .post("/api/v1/sources")
                .then().statusCode(201).header("Location", containsString("/api/v1/sources/"))
                .body("name", equalTo(name)).body("domain", equalTo("math")).body("origin", equalTo("semi-synthetic"))
                .body("questions", equalTo(0))
                .extract().jsonPath().getLong("id");
        Api.importLines(id, "", Api.questions(name, 3)).statusCode(200);
        given().get("/api/v1/sources/" + id).then().statusCode(200).body("questions", equalTo(3)).body("license", equalTo("MIT"));
        given().get("/api/v1/sources").then().statusCode(200).body("name", hasItem(name));
    }

    @Test
    void registeringTheSameSourceAgainReturnsItAndOtherFieldsConflict() {
        String name = unique("again");
        String body = "{\"name\":\"" + name + "\",\"domain\":\"code\",\"origin\":\"human\"}";
        long id = given().contentType(ContentType.JSON).body(body).post("/api/v1/sources").then().statusCode(201)
                .extract().jsonPath().getLong("id");
        given().contentType(ContentType.JSON).body(body).post("/api/v1/sources").then().statusCode(200).body("id", equalTo((int) id));
        given().contentType(ContentType.JSON).body("{\"name\":\"" + name + "\",\"domain\":\"math\",\"origin\":\"human\"}")
                .post("/api/v1/sources").then().statusCode(409).contentType("application/problem+json")
                .body("detail", containsString("exists with other fields"));
    }

    @Test
    void rejectsMissingAndUnknownFieldsWithProblemDetails() {
        given().contentType(ContentType.JSON).body("{\"domain\":\"math\",\"origin\":\"human\"}").post("/api/v1/sources")
                .then().statusCode(400).contentType("application/problem+json").body("detail", equalTo("name is required"));
        given().contentType(ContentType.JSON).body("{\"name\":\"x-" + unique("d") + "\",\"domain\":\"poetry\",\"origin\":\"human\"}")
                .post("/api/v1/sources").then().statusCode(400).contentType("application/problem+json")
                .body("title", equalTo("Malformed JSON body")).body("detail", containsString("poetry"));
        given().contentType(ContentType.JSON).body("{\"name\":\"" + unique("o") + "\",\"domain\":\"math\"}")
                .post("/api/v1/sources").then().statusCode(400).body("detail", containsString("origin is required"));
        given().contentType(ContentType.JSON).body("{\"name\": 12,").post("/api/v1/sources")
                .then().statusCode(400).contentType("application/problem+json");
        given().contentType(ContentType.JSON).body("").post("/api/v1/sources")
                .then().statusCode(400).contentType("application/problem+json");
        given().contentType(ContentType.JSON).body("{\"name\":\"a\\u0000b\",\"domain\":\"math\",\"origin\":\"human\"}")
                .post("/api/v1/sources").then().statusCode(400).body("detail", containsString("NUL"));
        given().contentType(ContentType.JSON).body("{\"name\":\" 1234 \",\"domain\":\"math\",\"origin\":\"human\"}")
                .post("/api/v1/sources").then().statusCode(400).body("detail", containsString("digits"));
        given().contentType(ContentType.JSON).body("{\"name\":\"1234\",\"domain\":\"math\",\"origin\":\"human\"}")
                .post("/api/v1/sources").then().statusCode(400).body("detail", containsString("digits"));
    }

    @Test
    void patchSetsTheQualityUsedByTopNMixes() {
        long id = Api.source(unique("q"), "science");
        given().contentType(ContentType.JSON).body("{\"quality\":0.71}").patch("/api/v1/sources/" + id)
                .then().statusCode(200).body("quality", equalTo(0.71f)).body("domain", equalTo("science"));
        given().contentType(ContentType.JSON).body("{\"quality\":1}").patch("/api/v1/sources/999999")
                .then().statusCode(404).contentType("application/problem+json");
    }

    @Test
    void unknownSourceAndUnknownPathAreProblem404s() {
        given().get("/api/v1/sources/987654").then().statusCode(404).contentType("application/problem+json")
                .body("detail", equalTo("source 987654 does not exist"));
        given().get("/api/v1/nothing-here").then().statusCode(404).contentType("application/problem+json");
    }
}
