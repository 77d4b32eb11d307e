package dev.thoughtline.question;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.thoughtline.question.Api.unique;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/** Imports that read another server page by page: the Hugging Face datasets server and any DatasetRef. */
@QuarkusTest
class PagedImportTest {

    private static List<String> rows(String tag, int n) {
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            rows.add("{\"question\":\"Row " + i + " of " + tag + ": compute " + i + "*3\",\"final\":\"" + (3 * i) + "\",\"uid\":\"r" + i + "\"}");
        }
        return rows;
    }

    private static long startHuggingFace(long source, String dataset, String extra) {
        return given().contentType(ContentType.JSON)
                .body("{\"dataset\":\"" + dataset + "\",\"config\":\"main\",\"split\":\"train\",\"fields\":{\"text\":\"question\",\"answer\":\"final\",\"id\":\"uid\"}" + extra + "}")
                .post("/api/v1/sources/" + source + "/imports/huggingface")
                .then().statusCode(202).header("Location", containsString("/api/v1/imports/"))
                .extract().jsonPath().getLong("id");
    }

    @Test
    void importsEverySplitRowAcrossPagesRetryingAPageThatFails() {
        String tag = unique("hf");
        FakeUpstream.rows(tag, "main", "train", rows(tag, 250));
        FakeUpstream.fail(tag + "@100", 2);
        long source = Api.source(tag, "math");
        JsonPath run = Api.awaitImport(startHuggingFace(source, tag, ""));
        assertThat(run.getString("status")).isEqualTo("complete");
        assertThat(run.getLong("received")).isEqualTo(250);
        assertThat(run.getLong("imported")).isEqualTo(250);
        assertThat(run.getString("kind")).isEqualTo("huggingface");
        String ref = Api.mix("{\"name\":\"" + tag + "\",\"components\":[{\"source\":\"" + tag + "\",\"count\":250}]}");
        Api.Item item = Api.items(ref, 1000).stream().filter(j -> "r7".equals(j.getString("metadata.externalId"))).findFirst().orElseThrow();
        assertThat(item.getString("text")).isEqualTo("Row 7 of " + tag + ": compute 7*3");
        assertThat(item.getString("answer")).isEqualTo("21");
    }

    @Test
    void honoursOffsetAndLimit() {
        String tag = unique("hflimit");
        FakeUpstream.rows(tag, "main", "train", rows(tag, 300));
        long source = Api.source(tag, "math");
        JsonPath run = Api.awaitImport(startHuggingFace(source, tag, ",\"offset\":50,\"limit\":120"));
        assertThat(run.getString("status")).isEqualTo("complete");
        assertThat(run.getLong("imported")).isEqualTo(120);
        given().get("/api/v1/sources/" + source).then().body("questions", equalTo(120));
    }

    @Test
    void aFailedImportResumesFromItsLastCommittedPageWithoutDuplicates() {
        String tag = unique("hfresume");
        FakeUpstream.rows(tag, "main", "train", rows(tag, 340));
        FakeUpstream.fail(tag + "@200", 1000);
        long source = Api.source(tag, "math");
        long id = startHuggingFace(source, tag, "");
        JsonPath failed = Api.awaitImport(id);
        assertThat(failed.getString("status")).isEqualTo("failed");
        assertThat(failed.getString("failure")).contains("500");
        assertThat(failed.getString("cursor")).isEqualTo("200");
        assertThat(failed.getLong("imported")).isEqualTo(200);

        FakeUpstream.fail(tag + "@200", 0);
        given().post("/api/v1/imports/" + id + "/resume").then().statusCode(202);
        JsonPath done = Api.awaitImport(id);
        assertThat(done.getString("status")).isEqualTo("complete");
        assertThat(done.getLong("received")).isEqualTo(340);
        assertThat(done.getLong("imported")).isEqualTo(340);
        assertThat(done.getLong("duplicates")).isZero();
        given().get("/api/v1/sources/" + source).then().body("questions", equalTo(340)).body("duplicates", equalTo(0));
        given().post("/api/v1/imports/" + id + "/resume").then().statusCode(409).contentType("application/problem+json");
    }

    @Test
    void anUnknownSplitFailsTheRunAtOnceWithTheServersMessage() {
        String tag = unique("hf404");
        long source = Api.source(tag, "math");
        int before = FakeUpstream.requests();
        JsonPath run = Api.awaitImport(startHuggingFace(source, "nobody/" + tag, ""));
        assertThat(run.getString("status")).isEqualTo("failed");
        assertThat(run.getString("failure")).contains("404").contains("does not exist");
        assertThat(FakeUpstream.requests() - before).isEqualTo(1);
    }

    @Test
    void rejectsIncompleteHuggingFaceRequests() {
        long source = Api.source(unique("hfbad"), "math");
        given().contentType(ContentType.JSON).body("{\"dataset\":\"openai/gsm8k\",\"config\":\"main\"}")
                .post("/api/v1/sources/" + source + "/imports/huggingface").then().statusCode(400)
                .contentType("application/problem+json").body("detail", containsString("split"));
        given().contentType(ContentType.JSON).body("{\"dataset\":\"d\",\"config\":\"c\",\"split\":\"s\",\"fields\":{\"prompt\":\"q\"}}")
                .post("/api/v1/sources/" + source + "/imports/huggingface").then().statusCode(400)
                .body("detail", containsString("unknown field mapping 'prompt'"));
        given().contentType(ContentType.JSON).body("{\"dataset\":\"d\",\"config\":\"c\",\"split\":\"s\"}")
                .post("/api/v1/sources/777777/imports/huggingface").then().statusCode(404);
        given().contentType(ContentType.JSON).body("{\"dataset\":\"openai/gsm8k\",\"config\":\"main\",\"split\":\"te\\u0000st\"}")
                .post("/api/v1/sources/" + source + "/imports/huggingface").then().statusCode(400)
                .body("detail", containsString("without control characters"));
        given().get("/api/v1/sources/" + source + "/imports").then().statusCode(200).body("size()", equalTo(0));
        given().get("/api/v1/imports/777777").then().statusCode(404).contentType("application/problem+json");
    }

    @Test
    void importsQuestionsATeacherWroteFromAnyDatasetRefAndKeepsTheLineage() {
        String tag = unique("fromref");
        List<String> items = new ArrayList<>();
        for (int i = 0; i < 2300; i++) {
            items.add("{\"id\":\"t" + i + "\",\"questionId\":\"seed-" + (i % 10) + "\",\"sampleIndex\":" + (i % 4)
                    + ",\"content\":\"Invented problem " + i + " by the teacher for " + tag + "\",\"finishReason\":\"stop\"}");
        }
        FakeUpstream.items(tag, items);
        FakeUpstream.fail(tag + "@1000", 1);
        String from = FakeUpstream.url() + "/contract/" + tag;
        long source = Api.source(tag, "math");
        long id = given().contentType(ContentType.JSON).body("{\"from\":\"" + from + "\",\"fields\":{\"text\":\"content\"}}")
                .post("/api/v1/sources/" + source + "/imports/dataset").then().statusCode(202)
                .body("kind", equalTo("dataset")).extract().jsonPath().getLong("id");
        JsonPath run = Api.awaitImport(id);
        assertThat(run.getString("status")).isEqualTo("complete");
        assertThat(run.getLong("imported")).isEqualTo(2300);

        JsonPath ds = given().contentType(ContentType.JSON)
                .body("{\"name\":\"" + tag + "\",\"components\":[{\"source\":\"" + tag + "\",\"count\":5}]}")
                .post("/api/v1/mixes").then().statusCode(201).extract().jsonPath();
        assertThat(ds.getList("parents")).containsExactly(from);
        assertThat(Api.items(ds.getString("ref"), 10)).allSatisfy(j -> assertThat(j.getMap("metadata")).containsKey("questionId"));
    }

    @jakarta.inject.Inject
    io.vertx.mutiny.sqlclient.Pool pool;

    @Test
    void anImportWhoseReplicaDiedIsTakenOverAndFinishedFromItsLastCommittedPage() {
        String tag = unique("orphan");
        List<String> items = new ArrayList<>();
        for (int i = 0; i < 1500; i++) {
            items.add("{\"id\":\"o" + i + "\",\"content\":\"Orphaned problem " + i + " for " + tag + "\"}");
        }
        FakeUpstream.items(tag, items);
        String from = FakeUpstream.url() + "/contract/" + tag;
        long source = Api.source(tag, "math");
        // what a replica that died a page into the import leaves behind: the run, its first page's progress, and a
        // lease that ran out under another owner's name
        long id = pool.preparedQuery("""
                        INSERT INTO import_run (source_id, kind, status, params, cursor, worker, received, imported)
                        VALUES ($1, 'DATASET', 'RUNNING', $2, $3, gen_random_uuid(), 0, 0) RETURNING id""")
                .execute(io.vertx.mutiny.sqlclient.Tuple.of(source, "{\"from\":\"" + from + "\",\"fields\":{\"text\":\"content\"}}",
                        from + "/items?limit=1000"))
                .await().indefinitely().iterator().next().getLong(0);
        pool.preparedQuery("INSERT INTO work_lease (kind, id, owner, epoch, lease_until) VALUES ('import', $1, 'a-replica-that-died', 3, now() - interval '1 second')")
                .execute(io.vertx.mutiny.sqlclient.Tuple.of(id)).await().indefinitely();

        JsonPath run = Api.awaitImport(id);
        assertThat(run.getString("status")).isEqualTo("complete");
        assertThat(run.getLong("imported")).isEqualTo(1500);
        assertThat(pool.preparedQuery("SELECT count(*) FROM work_lease WHERE kind = 'import' AND id = $1")
                .execute(io.vertx.mutiny.sqlclient.Tuple.of(id)).await().indefinitely().iterator().next().getLong(0)).isZero();
    }

    @Test
    void anUnreachableDatasetRefFailsTheRunWithTheReason() {
        String tag = unique("gone");
        long source = Api.source(tag, "math");
        long id = given().contentType(ContentType.JSON).body("{\"from\":\"" + FakeUpstream.url() + "/contract/" + tag + "\"}")
                .post("/api/v1/sources/" + source + "/imports/dataset").then().statusCode(202).extract().jsonPath().getLong("id");
        JsonPath run = Api.awaitImport(id);
        assertThat(run.getString("status")).isEqualTo("failed");
        assertThat(run.getString("failure")).contains("404");
        given().contentType(ContentType.JSON).body("{\"from\":\"not a url\"}")
                .post("/api/v1/sources/" + source + "/imports/dataset").then().statusCode(400).contentType("application/problem+json");
    }

    @Test
    void aDatasetRefTheOutboundPolicyRefusesIsA422BeforeAnythingIsStored() {
        long source = Api.source(unique("meta"), "math");
        given().contentType(ContentType.JSON).body("{\"from\":\"http://169.254.169.254/latest/api/v1/datasets/1\"}")
                .post("/api/v1/sources/" + source + "/imports/dataset").then().statusCode(422).contentType("application/problem+json")
                .body("detail", containsString("refused by the outbound policy"));
        given().get("/api/v1/sources/" + source + "/imports").then().statusCode(200).body("size()", equalTo(0));
    }
}
