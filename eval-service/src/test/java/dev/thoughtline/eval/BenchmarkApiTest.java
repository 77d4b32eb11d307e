package dev.thoughtline.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.thoughtline.testing.SharedData;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

@QuarkusTest
class BenchmarkApiTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Test
    void theRealBenchmarkFilesImportWithTheirSpecsAndAreServedAsBenchmarkDatasets() throws IOException {
        Map<String, String> files = Map.of("aime24", "aime24.jsonl", "aime25", "aime25.jsonl", "amc23", "amc23.jsonl",
                "math500", "math500.jsonl", "hmmt-feb25", "hmmt_feb25.jsonl");
        Assumptions.assumeTrue(SharedData.file("benchmarks/aime24.jsonl").isPresent(), "../shared/data is absent");
        for (Map.Entry<String, String> f : files.entrySet()) {
            Optional<Path> path = SharedData.file("benchmarks/" + f.getValue());
            Assumptions.assumeTrue(path.isPresent(), f.getValue() + " is absent");
            List<String> lines = Files.readAllLines(path.get()).stream().filter(l -> !l.isBlank()).toList();
            String name = "real-" + f.getKey();
            JsonPath b = Api.upload("name=" + name + "&spec=" + f.getKey(), String.join("\n", lines))
                    .then().statusCode(201).extract().jsonPath();
            assertThat(b.getInt("itemCount")).as(name).isEqualTo(lines.size());
            assertThat(b.getString("answerType")).isEqualTo(f.getKey().equals("math500") || f.getKey().equals("hmmt-feb25") ? "expression" : "integer");
            String dataset = b.getString("dataset");
            String path0 = java.net.URI.create(dataset).getPath();
            given().get(path0).then().statusCode(200).body("kind", org.hamcrest.Matchers.equalTo("benchmark"))
                    .body("status", org.hamcrest.Matchers.equalTo("complete")).body("itemCount", org.hamcrest.Matchers.equalTo(lines.size()));
            List<Map<String, Object>> items = Api.all(path0 + "/items");
            assertThat(items).hasSize(lines.size());
            for (int i = 0; i < lines.size(); i++) {
                JsonNode row = MAPPER.readTree(lines.get(i));
                assertThat(items.get(i).get("id")).isEqualTo(row.get("id").asText());
                assertThat(items.get(i).get("text")).isEqualTo(row.get("problem").asText());
                assertThat(items.get(i).get("answer")).isEqualTo(row.get("answer").asText().strip());
            }
        }
        given().get("/api/v1/benchmarks/real-math500").then().statusCode(200).body("repeats", org.hamcrest.Matchers.equalTo(1));
        given().get("/api/v1/benchmarks/real-aime24").then().statusCode(200).body("repeats", org.hamcrest.Matchers.equalTo(10));
    }

    @Test
    void theSameUploadAgainAnswersTheExistingBenchmarkAndOtherContentUnderItsNameIsAConflict() {
        String body = "{\"id\":\"a\",\"text\":\"1 + 1\",\"answer\":\"2\"}\n{\"id\":\"b\",\"text\":\"2 + 2\",\"answer\":\"4\"}\n";
        long id = Api.upload("name=twice&answerType=integer", body).then().statusCode(201).extract().jsonPath().getLong("id");
        Api.upload("name=twice&answerType=integer", body).then().statusCode(200).body("id", org.hamcrest.Matchers.equalTo((int) id));
        Api.upload("name=twice&answerType=integer", body.replace("\"4\"", "\"5\"")).then().statusCode(409)
                .contentType("application/problem+json").body("detail", containsString("twice"));
        Api.upload("name=twice&answerType=integer&repeats=3", body).then().statusCode(409);
    }

    @Test
    void aBenchmarkWithMissingAnswersOrDuplicateIdsIsRefusedWholeWithEachBadLine() {
        String body = "{\"id\":\"a\",\"text\":\"1 + 1\",\"answer\":\"2\"}\n"
                + "{\"id\":\"b\",\"text\":\"2 + 2\"}\n"
                + "{\"id\":\"a\",\"text\":\"3 + 3\",\"answer\":\"6\"}\n"
                + "{\"id\":\"c\",\"text\":\"4 + 4\",\"answer\":\"8\"}\n";
        Api.upload("name=holes&answerType=integer", body).then().statusCode(422).contentType("application/problem+json")
                .body("detail", containsString("2 of 4 rows"))
                .body("errors.line", org.hamcrest.Matchers.contains(2, 3))
                .body("errors[0].reason", containsString("no answer"))
                .body("errors[1].reason", containsString("already the id of line 1"));
        given().get("/api/v1/benchmarks/holes").then().statusCode(404).contentType("application/problem+json");
        given().get("/api/v1/benchmarks").then().statusCode(200).body("name", not(hasItem("holes")));
    }

    @Test
    void aLineThatIsNotUtf8OrTooLongIsAnErrorOfItsLineNotAReplacementCharacter() {
        byte[] notUtf8 = "{\"id\":\"a\",\"text\":\"1 + 1\",\"answer\":\"2\"}\n{\"id\":\"b\",\"text\":\"2 + \u00ff\",\"answer\":\"4\"}\n"
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        given().contentType("application/x-ndjson").body(notUtf8).post("/api/v1/benchmarks?name=latin1&answerType=integer").then()
                .statusCode(422).contentType("application/problem+json")
                .body("errors.line", org.hamcrest.Matchers.contains(2)).body("errors[0].reason", containsString("invalid UTF-8 at byte 23"));
        Api.upload("name=long&answerType=integer", "{\"id\":\"a\",\"text\":\"" + "9".repeat(2 << 20) + "\",\"answer\":\"2\"}")
                .then().statusCode(422).body("errors[0].reason", containsString("longer than 1048576 bytes"));
        given().get("/api/v1/benchmarks").then().statusCode(200).body("name", not(hasItem("latin1"))).body("name", not(hasItem("long")));
    }

    @Test
    void settingsThatCannotWorkAreRefusedBeforeAnythingIsRead() {
        String body = "{\"id\":\"a\",\"text\":\"1 + 1\",\"answer\":\"2\"}";
        Api.upload("name=x&spec=aime26", body).then().statusCode(400).body("detail", containsString("aime24"));
        Api.upload("name=x", body).then().statusCode(400).body("detail", containsString("answerType"));
        Api.upload("name=x&answerType=integer&repeats=0", body).then().statusCode(400).body("detail", containsString("repeats"));
        Api.upload("name=x&answerType=integer&promptTemplate=Solve%20it", body).then().statusCode(400).body("detail", containsString("{{text}}"));
        Api.upload("name=x&answerType=number", body).then().statusCode(400).body("detail", containsString("integer, expression or choice"));
        Api.upload("answerType=integer", body).then().statusCode(400).body("detail", containsString("name"));
        Api.upload("name=x&answerType=integer&correct=c", body).then().statusCode(400).body("detail", containsString("choice"));
        Api.upload("name=x&answerType=integer", "").then().statusCode(422).body("detail", containsString("no items"));
        given().contentType(ContentType.XML).body("<a/>").post("/api/v1/benchmarks?name=x").then().statusCode(415);
        given().get("/api/v1/benchmarks/nope").then().statusCode(404).contentType("application/problem+json");
        given().get("/api/v1/datasets/999999").then().statusCode(404).contentType("application/problem+json");
    }

    @Test
    void multipleChoiceRowsWithACorrectAndIncorrectChoicesBecomeLetteredQuestions() {
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            body.append("{\"Record ID\":\"r").append(i).append("\",\"Question\":\"Which gas is number ").append(i)
                    .append("?\",\"Correct Answer\":\"neon\",\"Incorrect Answer 1\":\"argon\",\"Incorrect Answer 2\":\"xenon\",\"Incorrect Answer 3\":\"radon\"}\n");
        }
        JsonPath b = Api.upload("name=gpqa-like&spec=gpqa-diamond&id=Record ID&text=Question&correct=Correct Answer"
                        + "&incorrect=Incorrect Answer 1,Incorrect Answer 2,Incorrect Answer 3", body.toString())
                .then().log().ifValidationFails().statusCode(201).extract().jsonPath();
        assertThat(b.getString("answerType")).isEqualTo("choice");
        assertThat(b.getInt("repeats")).isEqualTo(3);
        List<Map<String, Object>> items = Api.all(java.net.URI.create(b.getString("dataset")).getPath() + "/items");
        java.util.Set<Object> letters = new java.util.HashSet<>();
        for (Map<String, Object> item : items) {
            String letter = (String) item.get("answer");
            letters.add(letter);
            assertThat((String) item.get("text")).contains(letter + ") neon").contains("A) ").contains("D) ");
        }
        assertThat(letters).as("40 questions spread over the letters").hasSize(4);
    }

    @Test
    void aBenchmarkImportsFromTheDatasetsServerPageByPageThroughATransientError() {
        int before = DatasetsServerResource.REQUESTS.get();
        JsonPath b = given().contentType(ContentType.JSON).body("{\"name\":\"hf-arith\",\"answerType\":\"integer\",\"repeats\":2,"
                        + "\"fields\":{\"id\":\"uid\"},\"huggingface\":{\"dataset\":\"test/arith\",\"config\":\"default\",\"split\":\"test\"}}")
                .post("/api/v1/benchmarks").then().statusCode(201).extract().jsonPath();
        assertThat(b.getInt("itemCount")).isEqualTo(DatasetsServerResource.ROWS);
        assertThat(b.getString("origin.dataset")).isEqualTo("test/arith");
        // 3 pages and the 503 before the first
        assertThat(DatasetsServerResource.REQUESTS.get() - before).isEqualTo(4);
        List<Map<String, Object>> items = Api.all(java.net.URI.create(b.getString("dataset")).getPath() + "/items");
        assertThat(items.get(249)).containsEntry("id", "hf-249").containsEntry("answer", "498");
        given().contentType(ContentType.JSON).body("{\"name\":\"hf-missing\",\"answerType\":\"integer\",\"huggingface\":{\"dataset\":\"test/none\"}}")
                .post("/api/v1/benchmarks").then().statusCode(422).body("detail", containsString("does not exist on the Hub"));
        given().contentType(ContentType.JSON).body("{\"name\":\"hf-nothing\",\"answerType\":\"integer\"}")
                .post("/api/v1/benchmarks").then().statusCode(400).body("detail", containsString("huggingface.dataset"));
        // names a caller cannot mean are refused before the datasets server is asked anything
        int asked = DatasetsServerResource.REQUESTS.get();
        given().contentType(ContentType.JSON).body("{\"name\":\"hf-nul\",\"answerType\":\"integer\",\"huggingface\":{\"dataset\":\"test/arith\","
                + "\"config\":\"de\\u0000fault\"}}").post("/api/v1/benchmarks").then().statusCode(400)
                .body("detail", containsString("without control characters"));
        given().contentType(ContentType.JSON).body("{\"name\":\"hf-nul\",\"answerType\":\"integer\",\"fields\":{\"text\":\"q\\u0000\"},"
                + "\"huggingface\":{\"dataset\":\"test/arith\"}}").post("/api/v1/benchmarks").then().statusCode(400)
                .body("detail", containsString("without control characters"));
        assertThat(DatasetsServerResource.REQUESTS.get()).isEqualTo(asked);
    }
}
