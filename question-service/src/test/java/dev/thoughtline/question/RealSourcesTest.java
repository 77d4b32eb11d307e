package dev.thoughtline.question;

import dev.thoughtline.testing.SharedData;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static dev.thoughtline.question.Api.unique;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Real question files written by others (../shared/data/sources); skipped where they are absent. */
@QuarkusTest
class RealSourcesTest {

    private static byte[] read(String relative) throws Exception {
        var file = SharedData.file(relative);
        assumeTrue(file.isPresent(), "../shared/data/" + relative + " is not here");
        return Files.readAllBytes(file.get());
    }

    private static long lines(byte[] b) {
        long n = 0;
        for (byte x : b) {
            if (x == '\n') {
                n++;
            }
        }
        return b.length > 0 && b[b.length - 1] != '\n' ? n + 1 : n;
    }

    @Test
    void importsGsm8kTestWholeWithItsFinalAnswers() throws Exception {
        byte[] gsm = read("sources/gsm8k_test.jsonl");
        String name = unique("gsm8k-test");
        long source = Api.source(name, "math");
        JsonPath report = Api.importBytes(source, "text=question&answer=final_answer", gsm).statusCode(200).extract().jsonPath();
        assertThat(report.getLong("received")).isEqualTo(lines(gsm)).isEqualTo(1319);
        assertThat(report.getLong("rejected")).isZero();
        assertThat(report.getLong("imported") + report.getLong("duplicates")).isEqualTo(1319);
        assertThat(report.getLong("imported")).isGreaterThan(1300);
        String ref = Api.mix("{\"name\":\"" + name + "\",\"components\":[{\"source\":\"" + name + "\",\"count\":" + report.getLong("imported") + "}]}");
        assertThat(Api.items(ref, 10_000)).allSatisfy(j -> assertThat(j.getString("answer")).matches("-?\\d+(\\.\\d+)?"));
    }

    @Test
    void importsMathTrainWithItsBoxedAnswersAndDedupsItAgainstItself() throws Exception {
        byte[] math = read("sources/math_train_5k.jsonl");
        String name = unique("math-train");
        long source = Api.source(name, "math");
        JsonPath report = Api.importBytes(source, "text=problem&answer=answer&metadata=extra", math).statusCode(200).extract().jsonPath();
        assertThat(report.getLong("received")).isEqualTo(5000);
        assertThat(report.getLong("rejected")).isZero();
        long imported = report.getLong("imported");
        assertThat(imported + report.getLong("duplicates")).isEqualTo(5000);
        Api.importBytes(Api.source(name + "-again", "math"), "text=problem", math).statusCode(200)
                .extract().jsonPath().getLong("duplicates");
        given().get("/api/v1/sources/" + source).then().statusCode(200);
        assertThat(given().get("/api/v1/sources").then().extract().jsonPath()
                .getLong("find { it.name == '" + name + "-again' }.duplicates")).isEqualTo(5000);
    }
}
