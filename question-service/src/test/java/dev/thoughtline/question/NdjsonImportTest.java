package dev.thoughtline.question;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static dev.thoughtline.question.Api.unique;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

@QuarkusTest
class NdjsonImportTest {

    @Test
    void importsTheGoodLinesAndReportsEveryBadLineWithItsNumberAndReason() throws Exception {
        String tag = unique("bad");
        long source = Api.source(tag, "math");
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("{\"text\":\"first good " + tag + "\"}\n").getBytes(StandardCharsets.UTF_8));       // 1
        body.writeBytes("{\"text\": \"unterminated\n".getBytes(StandardCharsets.UTF_8));                    // 2
        body.writeBytes("{\"question\":\"no text field\"}\n".getBytes(StandardCharsets.UTF_8));             // 3
        body.writeBytes("{\"text\":\"   \\n  \"}\n".getBytes(StandardCharsets.UTF_8));                      // 4
        body.writeBytes("{\"text\":42}\n".getBytes(StandardCharsets.UTF_8));                                 // 5
        body.writeBytes(new byte[] {'{', '"', 't', 'e', 'x', 't', '"', ':', '"', (byte) 0xC3, '"', '}', '\n'}); // 6
        body.writeBytes(("{\"text\":\"" + "x".repeat(1 << 20) + "\"}\n").getBytes(StandardCharsets.UTF_8)); // 7
        body.writeBytes("{\"text\":\"nul \\u0000 inside\"}\n".getBytes(StandardCharsets.UTF_8));            // 8
        body.writeBytes("[\"an\",\"array\"]\n".getBytes(StandardCharsets.UTF_8));                            // 9
        body.writeBytes("\n".getBytes(StandardCharsets.UTF_8));                                              // 10 blank
        body.writeBytes(("{\"text\":\"second good " + tag + "\",\"answer\":7}\n").getBytes(StandardCharsets.UTF_8)); // 11
        body.writeBytes(("{\"text\":\"bad answer " + tag + "\",\"answer\":[1]}").getBytes(StandardCharsets.UTF_8));  // 12, no newline

        JsonPath report = Api.importBytes(source, "", body.toByteArray()).statusCode(200).extract().jsonPath();
        assertThat(report.getLong("received")).isEqualTo(11);
        assertThat(report.getLong("imported")).isEqualTo(2);
        assertThat(report.getLong("rejected")).isEqualTo(9);
        assertThat(report.getList("errors.line", Integer.class)).containsExactly(2, 3, 4, 5, 6, 7, 8, 9, 12);
        List<String> reasons = report.getList("errors.reason");
        assertThat(reasons.get(0)).startsWith("malformed JSON");
        assertThat(reasons.get(1)).isEqualTo("missing text field 'text'");
        assertThat(reasons.get(2)).isEqualTo("text field 'text' is empty");
        assertThat(reasons.get(3)).isEqualTo("text field 'text' must be a string, got a number");
        assertThat(reasons.get(4)).startsWith("invalid UTF-8");
        assertThat(reasons.get(5)).isEqualTo("line is longer than 1048576 bytes");
        assertThat(reasons.get(6)).contains("NUL");
        assertThat(reasons.get(7)).isEqualTo("not a JSON object");
        assertThat(reasons.get(8)).contains("answer field 'answer' must be a string or a number");
        given().get("/api/v1/sources/" + source).then().body("questions", equalTo(2));
    }

    @Test
    void exactDuplicatesAreCountedAndLinkedToTheQuestionTheyRepeatWithinAndAcrossSources() {
        String tag = unique("dup");
        long a = Api.source(tag + "-a", "math");
        long b = Api.source(tag + "-b", "math");
        String q = "How many primes are below " + tag + "?";
        JsonPath first = Api.importLines(a, "", "{\"id\":\"a1\",\"text\":\"" + q + "\"}\n"
                + "{\"id\":\"a2\",\"text\":\"  How many   primes are below\\t" + tag + "?  \"}\n").statusCode(200).extract().jsonPath();
        assertThat(first.getLong("imported")).isEqualTo(1);
        assertThat(first.getLong("duplicates")).isEqualTo(1);
        JsonPath second = Api.importLines(b, "", "{\"id\":\"b1\",\"text\":\"" + q + "\"}\n").statusCode(200).extract().jsonPath();
        assertThat(second.getLong("imported")).isZero();
        assertThat(second.getLong("duplicates")).isEqualTo(1);

        String ref = Api.mix("{\"name\":\"" + tag + "\",\"components\":[{\"source\":\"" + tag + "-a\",\"count\":1}]}");
        String id = Api.items(ref, 10).get(0).getString("id");
        JsonPath question = given().get("/api/v1/questions/" + id).then().statusCode(200).extract().jsonPath();
        assertThat(question.getString("externalId")).isEqualTo("a1");
        assertThat(question.getList("duplicates.externalId")).containsExactly("a2", "b1");
        assertThat(question.getList("duplicates.source")).containsExactly(tag + "-a", tag + "-b");
        given().get("/api/v1/sources/" + b).then().body("questions", equalTo(0)).body("duplicates", equalTo(1));
    }

    @Test
    void normalisesUnicodeToNfkcAndTidiesWhitespaceButKeepsLineBreaks() {
        String tag = unique("nfkc");
        long source = Api.source(tag, "code");
        Api.importLines(source, "", "{\"text\":\"\\uFF37\\uFF48\\uFF41\\uFF54 is \\uFF12\\uFF0B\\uFF12? " + tag
                + "  \\r\\n\\r\\n    return x;   \\n\\n\"}\n").statusCode(200).body("imported", equalTo(1));
        String ref = Api.mix("{\"name\":\"" + tag + "\",\"components\":[{\"source\":\"" + tag + "\",\"count\":1}]}");
        Api.Item item = Api.items(ref, 10).get(0);
        assertThat(item.getString("text")).isEqualTo("What is 2+2? " + tag + "\n\n    return x;");
        assertThat(item.getString("domain")).isEqualTo("code");
    }

    @Test
    void fieldMappingReadsNestedFieldsAndKeepsTheChosenMetadata() {
        String tag = unique("map");
        long source = Api.source(tag, "math");
        Api.importLines(source, "text=problem.statement&answer=solution&id=uid&metadata=level",
                "{\"uid\":17,\"problem\":{\"statement\":\"Find x " + tag + "\"},\"solution\":\"3\",\"level\":5,\"noise\":\"drop\"}\n")
                .statusCode(200).body("imported", equalTo(1));
        String ref = Api.mix("{\"name\":\"" + tag + "\",\"components\":[{\"source\":\"" + tag + "\",\"count\":1}]}");
        Api.Item item = Api.items(ref, 10).get(0);
        assertThat(item.getString("text")).isEqualTo("Find x " + tag);
        assertThat(item.getString("answer")).isEqualTo("3");
        assertThat(item.getString("source")).isEqualTo(tag);
        assertThat(item.getMap("metadata")).containsEntry("level", 5).containsEntry("externalId", "17").doesNotContainKey("noise");
    }

    @Test
    void aPerLineDomainMustBeKnown() {
        String tag = unique("dom");
        long source = Api.source(tag, "math");
        JsonPath r = Api.importLines(source, "domain=subject", "{\"text\":\"a " + tag + "\",\"subject\":\"science\"}\n"
                + "{\"text\":\"b " + tag + "\",\"subject\":\"astrology\"}\n").statusCode(200).extract().jsonPath();
        assertThat(r.getLong("imported")).isEqualTo(1);
        assertThat(r.getString("errors[0].reason")).contains("unknown domain 'astrology'");
        String ref = Api.mix("{\"name\":\"" + tag + "\",\"components\":[{\"source\":\"" + tag + "\",\"count\":1}]}");
        assertThat(Api.items(ref, 10).get(0).getString("domain")).isEqualTo("science");
    }

    @Test
    void anUnknownFieldMappingIsA400AndImportsNothing() {
        String tag = unique("unk");
        long source = Api.source(tag, "math");
        Api.importLines(source, "txt=problem", Api.questions(tag, 3)).statusCode(400)
                .contentType("application/problem+json").body("detail", containsString("unknown field mapping 'txt'"));
        given().get("/api/v1/sources/" + source).then().body("questions", equalTo(0));
        given().get("/api/v1/sources/" + source + "/imports").then().statusCode(200).body("size()", equalTo(0));
    }

    @Test
    void anEmptyBodyAnUnknownSourceAndAWrongContentTypeAreClear4xx() {
        long source = Api.source(unique("empty"), "math");
        Api.importLines(source, "", "").statusCode(400).contentType("application/problem+json")
                .body("detail", containsString("empty"));
        Api.importLines(source, "", "\n\n  \n").statusCode(400);
        Api.importLines(424242, "", Api.questions(unique("nosrc"), 1)).statusCode(404)
                .contentType("application/problem+json").body("detail", equalTo("source 424242 does not exist"));
        given().contentType("application/xml").body("<q/>").post("/api/v1/sources/" + source + "/imports")
                .then().statusCode(415).contentType("application/problem+json");
    }

    @Test
    void anUploadWithoutALineToImportIsA422WithTheLinesErrorsAndStoresNothing() {
        String tag = unique("none");
        long source = Api.source(tag, "math");
        byte[] notUtf8 = {'{', '"', 't', 'e', 'x', 't', '"', ':', '"', (byte) 0xff, '"', '}', '\n'};
        Api.importLines(source, "", "garbage\n{\"text\":null}\n[1]\n{\"text\":\"a\\u0000b\"}\n").statusCode(422)
                .contentType("application/problem+json").body("detail", containsString("none of the 4 lines"))
                .body("errors.size()", equalTo(4)).body("errors[0].line", equalTo(1));
        Api.importBytes(source, "", notUtf8).statusCode(422).body("errors[0].reason", containsString("invalid UTF-8"));
        given().get("/api/v1/sources/" + source + "/imports").then().statusCode(200).body("size()", equalTo(0));
        given().get("/api/v1/sources/" + source).then().body("questions", equalTo(0)).body("duplicates", equalTo(0));
    }

    @Test
    void aBadUploadLeavesWhatIsStoredAsItWas() {
        String tag = unique("keep");
        long source = Api.source(tag, "math");
        String good = Api.questions(tag, 20);
        Api.importLines(source, "", good).statusCode(200).body("imported", equalTo(20));
        String refBefore = Api.mix("{\"name\":\"" + tag + "-1\",\"components\":[{\"source\":\"" + tag + "\",\"count\":20}],\"seed\":3}");
        List<String> before = Api.items(refBefore, 100).stream().map(j -> j.getString("text")).toList();

        Api.importLines(source, "", "garbage\n{\"text\":null}\n" + good).statusCode(200)
                .body("imported", equalTo(0)).body("duplicates", equalTo(20)).body("rejected", equalTo(2));

        String refAfter = Api.mix("{\"name\":\"" + tag + "-2\",\"components\":[{\"source\":\"" + tag + "\",\"count\":20}],\"seed\":3}");
        assertThat(Api.items(refAfter, 100).stream().map(j -> j.getString("text")).toList()).isEqualTo(before);
        assertThat(Api.items(refBefore, 100).stream().map(j -> j.getString("text")).toList()).isEqualTo(before);
    }

    @Test
    void aLargeUploadIsImportedInBatchesWithEveryLineCounted() {
        String tag = unique("big");
        long source = Api.source(tag, "math");
        Api.importLines(source, "", Api.questions(tag, 12_345) + Api.questions(tag, 100)).statusCode(200)
                .body("received", equalTo(12_445)).body("imported", equalTo(12_345)).body("duplicates", equalTo(100));
        given().get("/api/v1/sources/" + source).then().body("questions", equalTo(12_345)).body("duplicates", equalTo(100));
    }
}
