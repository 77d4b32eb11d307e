package dev.thoughtline.eval;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Random;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.hamcrest.Matchers.containsString;

/**
 * Eval runs end to end: eval-service submits generation jobs to the real generation-service, whose teachers are
 * simulated endpoints right with a known probability, then scores the traces with libs/answer-check.
 */
@QuarkusTest
class EvalRunTest {

    static final int ITEMS = 60;

    @BeforeEach
    void teachersModelsAndABenchmark() {
        Assumptions.assumeTrue(GenerationServiceResource.url != null, "generation-service is not built: eval runs need it");
        // each endpoint serves a model of its own name: generation-service's request cache is keyed by the model
        Api.teacher("strong", GenerationServiceResource.strongUrl, "strong-sim");
        Api.teacher("weak", GenerationServiceResource.weakUrl, "weak-sim");
        Api.teacher("broken", GenerationServiceResource.brokenUrl, "broken-sim");
        Api.teacher("gone", "http://localhost:9/v1", "gone-sim");
        StringBuilder body = new StringBuilder();
        Random r = new Random(5);
        for (int i = 0; i < ITEMS; i++) {
            int a = 10 + r.nextInt(90);
            int b = 10 + r.nextInt(90);
            int c = r.nextInt(50);
            body.append("{\"id\":\"q").append(i).append("\",\"text\":\"Compute ").append(a).append(" * ").append(b).append(" + ").append(c)
                    .append(".\",\"answer\":\"").append(a * b + c).append("\"}\n");
        }
        Api.upload("name=arith&answerType=integer&repeats=4", body.toString()).then().statusCode(org.hamcrest.Matchers.isOneOf(200, 201));
        for (String[] m : new String[][]{{"strong-model", "strong"}, {"weak-model", "weak"}, {"broken-model", "broken"}, {"gone-model", "gone"}}) {
            if (given().get("/api/v1/models/" + m[0]).statusCode() == 404) {
                Api.model(m[0], m[1]);
            }
        }
    }

    @Test
    void theMeasuredAccuracyOfATeacherRightWithProbabilityPLiesWithinItsStatisticalBound() {
        JsonPath run = Api.run("{\"name\":\"strong-arith\",\"model\":\"strong-model\",\"benchmarks\":[\"arith\"],\"seed\":11}");
        assertThat(run.getString("status")).as(run.prettify()).isEqualTo("complete");
        Map<String, Object> m = run.getMap("results[0].metrics");
        double accuracy = ((Number) m.get("accuracy")).doubleValue();
        int samples = ITEMS * 4;
        double p = GenerationServiceResource.STRONG;
        // four standard errors of a proportion over 240 independent samples: fails by chance once in 15,000 runs
        assertThat(accuracy).isCloseTo(p, within(4 * Math.sqrt(p * (1 - p) / samples)));
        assertThat(((Number) m.get("samples")).intValue()).isEqualTo(samples);
        assertThat(((Number) m.get("missing")).intValue()).isZero();
        assertThat(((Number) m.get("truncationRate")).doubleValue()).isZero();
        assertThat(((Number) m.get("meanCompletionTokens")).doubleValue()).isBetween(20.0, 80.0);
        assertThat(((Number) m.get("cost")).doubleValue()).isPositive();

        // the standard error is the sample standard deviation of the repeat accuracies over the square root of 4
        @SuppressWarnings("unchecked")
        List<Number> repeats = (List<Number>) m.get("repeatAccuracies");
        double mean = repeats.stream().mapToDouble(Number::doubleValue).average().orElseThrow();
        double ss = repeats.stream().mapToDouble(x -> (x.doubleValue() - mean) * (x.doubleValue() - mean)).sum();
        assertThat(mean).isCloseTo(accuracy, within(1e-6));
        assertThat(((Number) m.get("stdErr")).doubleValue()).isCloseTo(Math.sqrt(ss / 3) / 2, within(1e-6));

        // per-item records: every item, every repeat; pass@k from them by the closed form
        List<Map<String, Object>> items = Api.all("/api/v1/eval-runs/strong-arith/results/arith/items");
        assertThat(items).hasSize(ITEMS);
        double pass1 = 0;
        double pass4 = 0;
        double pass2 = 0;
        for (Map<String, Object> item : items) {
            int c = ((Number) item.get("passes")).intValue();
            assertThat((List<?>) item.get("repeats")).hasSize(4);
            pass1 += c / 4.0;
            pass2 += 1 - (c > 2 ? 0 : binom(4 - c, 2) / binom(4, 2));
            pass4 += c > 0 ? 1 : 0;
        }
        @SuppressWarnings("unchecked")
        Map<String, Number> passAtK = (Map<String, Number>) m.get("passAtK");
        assertThat(passAtK.get("1").doubleValue()).isCloseTo(pass1 / ITEMS, within(1e-6)).isCloseTo(accuracy, within(1e-6));
        assertThat(passAtK.get("2").doubleValue()).isCloseTo(pass2 / ITEMS, within(1e-6));
        assertThat(passAtK.get("4").doubleValue()).isCloseTo(pass4 / ITEMS, within(1e-6));
        // a sample's own record says what was extracted and whether it matched
        @SuppressWarnings("unchecked")
        Map<String, Object> first = ((List<Map<String, Object>>) items.get(0).get("repeats")).get(0);
        assertThat(first).containsKeys("extracted", "verdict", "finishReason", "completionTokens");
    }

    private static double binom(int n, int k) {
        double r = 1;
        for (int i = 1; i <= k; i++) {
            r = r * (n - k + i) / i;
        }
        return k > n ? 0 : r;
    }

    @Test
    void pairedComparisonTellsAStrongerModelFromAWeakerOneOnTheSameItems() {
        Api.run("{\"name\":\"cmp-strong\",\"model\":\"strong-model\",\"benchmarks\":[\"arith\"]}");
        Api.run("{\"name\":\"cmp-weak\",\"model\":\"weak-model\",\"benchmarks\":[\"arith\"]}");
        JsonPath c = given().get("/api/v1/compare?a=cmp-strong&b=cmp-weak").then().statusCode(200).extract().jsonPath();
        double diff = c.getDouble("benchmarks[0].meanDifference");
        double se = c.getDouble("benchmarks[0].stdErr");
        assertThat(c.getInt("benchmarks[0].items")).isEqualTo(ITEMS);
        assertThat(diff).isCloseTo(c.getDouble("benchmarks[0].accuracyA") - c.getDouble("benchmarks[0].accuracyB"), within(1e-5));
        assertThat(diff).isCloseTo(GenerationServiceResource.STRONG - GenerationServiceResource.WEAK, within(0.2));
        assertThat(se).isPositive().isLessThan(0.1);
        assertThat(c.getDouble("benchmarks[0].ci95[0]")).isPositive();
        assertThat(c.getInt("benchmarks[0].aBetter")).isGreaterThan(c.getInt("benchmarks[0].bBetter"));
        given().get("/api/v1/compare?a=cmp-strong").then().statusCode(400);
        given().get("/api/v1/compare?a=cmp-strong&b=nope").then().statusCode(404);
        given().get("/api/v1/compare?a=cmp-strong&b=cmp-weak&benchmark=math500").then().statusCode(422);
    }

    @Test
    void theLeaderboardRanksModelsAndTheDatasetsTheyWereTrainedOnThroughTheirLineage() {
        JsonPath weak = Api.run("{\"name\":\"lb-weak\",\"model\":\"weak-model\",\"benchmarks\":[\"arith\"]}");
        String traces = weak.getString("results[0].metrics.traces");
        // a model trained on those traces: its lineage runs through generation-service back to the benchmark
        Api.model("distilled", "strong", traces);
        Api.run("{\"name\":\"lb-distilled\",\"model\":\"distilled\",\"benchmarks\":[\"arith\"]}");
        JsonPath lb = given().get("/api/v1/leaderboard?benchmark=arith").then().statusCode(200).extract().jsonPath();
        assertThat(lb.getList("benchmarks")).containsExactly("arith");
        List<String> order = lb.getList("models.model");
        assertThat(order.indexOf("distilled")).isLessThan(order.indexOf("weak-model"));
        Map<String, Object> distilled = lb.getMap("models.find { it.model == 'distilled' }");
        assertThat(distilled.get("trainedOn")).isEqualTo(List.of(traces));
        List<Map<String, Object>> lineage = lb.getList("models.find { it.model == 'distilled' }.lineage");
        assertThat(lineage).extracting(l -> l.get("kind")).containsExactly("trace", "benchmark");
        assertThat(lineage.get(1).get("name")).isEqualTo("arith");
        Map<String, Object> byTraces = lb.getMap("byDataset.find { it.dataset == '" + traces + "' }");
        assertThat(byTraces.get("models")).isEqualTo(List.of("distilled"));
        assertThat(((Number) byTraces.get("meanAverage")).doubleValue())
                .isEqualTo(((Number) distilled.get("average")).doubleValue());
    }

    @Test
    void truncatedAnswersAreCountedAndScoredAsTheyAre() {
        JsonPath run = Api.run("{\"name\":\"short\",\"model\":\"strong-model\",\"benchmarks\":[\"arith\"],\"repeats\":1,\"maxTokens\":8}");
        assertThat(run.getString("status")).isEqualTo("complete");
        assertThat(run.getDouble("results[0].metrics.truncationRate")).isGreaterThan(0.9);
        assertThat(run.getDouble("results[0].metrics.accuracy")).isLessThan(0.2);
        assertThat(run.getInt("results[0].metrics.repeats")).isEqualTo(1);
        assertThat(run.get("results[0].metrics.stdErr") == null).as("one repeat has no standard error").isTrue();
    }

    @Test
    void badRequestsAreClearClientErrorsAndTheSameRequestAgainIsTheSameRun() {
        post("{\"model\":\"nobody\",\"benchmarks\":[\"arith\"]}").then().statusCode(422).body("detail", containsString("unknown model"));
        post("{\"model\":\"strong-model\",\"benchmarks\":[\"aime99\"]}").then().statusCode(422).body("detail", containsString("aime99"));
        post("{\"model\":\"strong-model\",\"benchmarks\":[\"arith\"],\"repeats\":0}").then().statusCode(400).body("detail", containsString("repeats"));
        post("{\"model\":\"strong-model\",\"benchmarks\":[]}").then().statusCode(400);
        post("{\"model\":\"strong-model\",\"benchmarks\":[\"arith\",\"arith\"]}").then().statusCode(400);
        post("{\"model\":\"strong-model\",\"benchmarks\":[\"arith\"],\"temperature\":3}").then().statusCode(400);
        post("{\"model\":\"strong-model\",\"benchmarks\":[\"arith\"],\"maxTokens\":0}").then().statusCode(400);
        post("not json").then().statusCode(400);
        given().contentType(ContentType.JSON).body("{\"name\":\"m\",\"teacher\":\"nobody\"}").post("/api/v1/models").then().statusCode(422)
                .body("detail", containsString("no teacher named 'nobody'"));
        given().contentType(ContentType.JSON).body("{\"name\":\"m\",\"teacher\":\"strong\",\"trainedOn\":[\"not a url\"]}").post("/api/v1/models")
                .then().statusCode(400);
        given().contentType(ContentType.JSON).body("{\"name\":\"strong-model\",\"teacher\":\"weak\"}").post("/api/v1/models").then().statusCode(409);
        // a lineage the leaderboard could never read is refused when the model is registered
        given().contentType(ContentType.JSON).body("{\"name\":\"m-meta\",\"teacher\":\"strong\",\"trainedOn\":[\"http://169.254.169.254/api/v1/datasets/1\"]}")
                .post("/api/v1/models").then().statusCode(422).contentType("application/problem+json")
                .body("detail", containsString("refused by the outbound policy"));
        given().get("/api/v1/models/m-meta").then().statusCode(404);
        given().get("/api/v1/eval-runs/nope").then().statusCode(404).contentType("application/problem+json");
        // a NUL in a name: PostgreSQL cannot hold it, the caller can fix it
        for (String path : List.of("/api/v1/eval-runs/%00", "/api/v1/models/a%00b", "/api/v1/benchmarks/%00", "/api/v1/compare?a=%00&b=x")) {
            given().urlEncodingEnabled(false).get(path).then().statusCode(400).contentType("application/problem+json")
                    .body("detail", containsString("NUL"));
        }

        String body = "{\"model\":\"strong-model\",\"benchmarks\":[\"arith\"],\"repeats\":1,\"seed\":99}";
        long id = post(body).then().statusCode(202).extract().jsonPath().getLong("id");
        post(body).then().statusCode(200).body("id", org.hamcrest.Matchers.equalTo((int) id));
        Api.await(id);
        String name = given().get("/api/v1/eval-runs/" + id).jsonPath().getString("name");
        post("{\"name\":\"" + name + "\",\"model\":\"weak-model\",\"benchmarks\":[\"arith\"]}").then().statusCode(409);
    }

    @Test
    void aModelWhoseEndpointDoesNotAnswerOrOnlyFailsFailsItsRunWithTheReason() {
        JsonPath gone = Api.run("{\"name\":\"gone-run\",\"model\":\"gone-model\",\"benchmarks\":[\"arith\"],\"repeats\":1}");
        assertThat(gone.getString("status")).isEqualTo("failed");
        assertThat(gone.getString("error")).contains("does not answer");
        JsonPath broken = Api.run("{\"name\":\"broken-run\",\"model\":\"broken-model\",\"benchmarks\":[\"arith\"],\"repeats\":1}");
        assertThat(broken.getString("status")).isEqualTo("failed");
        assertThat(broken.getString("error")).contains("unreachable").contains("500");
    }

    @Test
    void aTeacherReportRanksCandidateTeachersByAccuracyWithTheirTokensAndCost() {
        given().contentType(ContentType.JSON).body("{\"name\":\"pick\",\"benchmark\":\"arith\",\"teachers\":[\"weak\",\"strong\"],\"repeats\":2}")
                .post("/api/v1/teacher-reports").then().statusCode(202).body("teachers.teacher", org.hamcrest.Matchers.hasItems("weak", "strong"));
        Api.await(given().get("/api/v1/eval-runs/pick-weak").jsonPath().getLong("id"));
        Api.await(given().get("/api/v1/eval-runs/pick-strong").jsonPath().getLong("id"));
        JsonPath report = given().get("/api/v1/teacher-reports/pick").then().statusCode(200).extract().jsonPath();
        assertThat(report.getList("teachers.teacher")).containsExactly("strong", "weak");
        assertThat(report.getString("benchmark")).isEqualTo("arith");
        assertThat(report.getDouble("teachers[0].accuracy")).isGreaterThan(report.getDouble("teachers[1].accuracy"));
        assertThat(report.getDouble("teachers[0].meanReasoningTokens")).isPositive()
                .isLessThanOrEqualTo(report.getDouble("teachers[0].meanCompletionTokens"));
        assertThat(report.getDouble("teachers[0].costPer1000Samples")).isPositive();
        given().get("/api/v1/teacher-reports/none").then().statusCode(404);
        // teacher-report runs are not models: they stay off the leaderboard
        assertThat(given().get("/api/v1/leaderboard").jsonPath().getList("models.model")).doesNotContainNull();
    }

    private static io.restassured.response.Response post(String body) {
        return given().contentType(ContentType.JSON).body(body).post("/api/v1/eval-runs");
    }
}
