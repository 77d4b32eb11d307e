package dev.thoughtline.question;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

import static dev.thoughtline.question.Api.unique;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

@QuarkusTest
class MixTest {

    /** Two sources with n questions each; returns their names. */
    private static String[] twoSources(String tag, int n) {
        String a = tag + "-a";
        String b = tag + "-b";
        Api.importLines(Api.source(a, "math"), "", Api.questions(a, n)).statusCode(200);
        Api.importLines(Api.source(b, "science"), "", Api.questions(b, n)).statusCode(200);
        return new String[] {a, b};
    }

    private static List<String> ids(String ref) {
        return Api.items(ref, 1000).stream().map(j -> j.getString("id")).toList();
    }

    @Test
    void theSameSeedPicksTheSameIdsAndAnotherSeedOthers() {
        String tag = unique("seed");
        String[] s = twoSources(tag, 200);
        String comps = "\"components\":[{\"source\":\"" + s[0] + "\",\"count\":50},{\"source\":\"" + s[1] + "\",\"count\":30}]";
        List<String> first = ids(Api.mix("{\"name\":\"" + tag + "-1\"," + comps + ",\"seed\":42}"));
        List<String> again = ids(Api.mix("{\"name\":\"" + tag + "-2\"," + comps + ",\"seed\":42}"));
        List<String> other = ids(Api.mix("{\"name\":\"" + tag + "-3\"," + comps + ",\"seed\":43}"));
        assertThat(first).hasSize(80).doesNotHaveDuplicates();
        assertThat(again).isEqualTo(first);
        assertThat(other).hasSize(80).isNotEqualTo(first);
    }

    @Test
    void countsAndWeightsSplitTheSizeAndTheRecipeSaysHow() {
        String tag = unique("weights");
        String[] s = twoSources(tag, 100);
        String c = tag + "-c";
        Api.importLines(Api.source(c, "code"), "", Api.questions(c, 100)).statusCode(200);
        JsonPath ds = given().contentType(ContentType.JSON).body("{\"name\":\"" + tag + "\",\"size\":100,\"seed\":5,\"components\":["
                        + "{\"source\":\"" + s[0] + "\",\"count\":10},{\"source\":\"" + s[1] + "\",\"weight\":2},{\"source\":\"" + c + "\",\"weight\":1}]}")
                .post("/api/v1/mixes").then().statusCode(201).extract().jsonPath();
        assertThat(ds.getLong("itemCount")).isEqualTo(100);
        assertThat(ds.getString("kind")).isEqualTo("question");
        assertThat(ds.getString("status")).isEqualTo("complete");
        assertThat(ds.getList("recipe.components.count", Integer.class)).containsExactly(10, 60, 30);
        assertThat(ds.getInt("recipe.seed")).isEqualTo(5);
        Map<String, Long> bySource = Api.items(ds.getString("ref"), 1000).stream()
                .collect(Collectors.groupingBy(j -> j.getString("source"), Collectors.counting()));
        assertThat(bySource).containsEntry(s[0], 10L).containsEntry(s[1], 60L).containsEntry(c, 30L);
    }

    @Test
    void topNKeepsTheSourcesWithTheHighestQualityInEqualShares() {
        String tag = unique("top");
        List<String> names = new ArrayList<>();
        double[] quality = {0.2, 0.9, 0.5};
        for (int i = 0; i < 3; i++) {
            String n = tag + "-" + i;
            long id = Api.source(n, "math");
            Api.importLines(id, "", Api.questions(n, 40)).statusCode(200);
            given().contentType(ContentType.JSON).body("{\"quality\":" + quality[i] + "}").patch("/api/v1/sources/" + id).then().statusCode(200);
            names.add(n);
        }
        String comps = names.stream().map(n -> "{\"source\":\"" + n + "\"}").collect(Collectors.joining(","));
        String ref = Api.mix("{\"name\":\"" + tag + "\",\"topN\":2,\"size\":61,\"components\":[" + comps + "]}");
        Map<String, Long> bySource = Api.items(ref, 1000).stream()
                .collect(Collectors.groupingBy(j -> j.getString("source"), Collectors.counting()));
        assertThat(bySource).containsOnlyKeys(names.get(1), names.get(2));
        assertThat(bySource.get(names.get(1)) + bySource.get(names.get(2))).isEqualTo(61);
        assertThat(Math.abs(bySource.get(names.get(1)) - bySource.get(names.get(2)))).isLessThanOrEqualTo(1);
    }

    @Test
    void askingForMoreQuestionsThanExistIsA422AndMakesNothing() {
        String tag = unique("short");
        String[] s = twoSources(tag, 10);
        given().contentType(ContentType.JSON).body("{\"name\":\"" + tag + "\",\"components\":[{\"source\":\"" + s[0]
                        + "\",\"count\":11},{\"source\":\"" + s[1] + "\",\"count\":5}]}")
                .post("/api/v1/mixes").then().statusCode(422).contentType("application/problem+json")
                .body("detail", containsString("'" + s[0] + "' has 10 questions, the mix asks for 11"));
        List<String> names = given().get("/api/v1/datasets").then().statusCode(200).extract().jsonPath().getList("name");
        assertThat(names).doesNotContain(tag);
    }

    @Test
    void theSameNameAndRequestReturnTheDatasetAndAnotherRequestConflicts() {
        String tag = unique("idem");
        String[] s = twoSources(tag, 10);
        String body = "{\"name\":\"" + tag + "\",\"components\":[{\"source\":\"" + s[0] + "\",\"count\":3}],\"seed\":1}";
        String ref = Api.mix(body);
        given().contentType(ContentType.JSON).body(body).post("/api/v1/mixes").then().statusCode(200).body("ref", equalTo(ref));
        given().contentType(ContentType.JSON).body(body.replace("\"count\":3", "\"count\":4")).post("/api/v1/mixes")
                .then().statusCode(409).contentType("application/problem+json");
    }

    @Test
    void rejectsMalformedMixRequests() {
        String tag = unique("badmix");
        String[] s = twoSources(tag, 5);
        String[][] cases = {
                {"{\"name\":\"" + tag + "\"}", "400", "components are required"},
                {"{\"components\":[{\"source\":\"" + s[0] + "\",\"count\":1}]}", "400", "name is required"},
                {"{\"name\":\"" + tag + "\",\"components\":[{\"source\":\"" + s[0] + "\",\"count\":1,\"weight\":1}]}", "400", "either count or weight"},
                {"{\"name\":\"" + tag + "\",\"components\":[{\"source\":\"" + s[0] + "\",\"weight\":1}]}", "400", "size is required"},
                {"{\"name\":\"" + tag + "\",\"components\":[{\"source\":\"" + s[0] + "\",\"count\":0}]}", "400", ".count must be between 1 and"},
                {"{\"name\":\"" + tag + "\",\"components\":[{\"source\":\"" + s[0] + "\",\"count\":1},{\"source\":\"" + s[0] + "\",\"count\":1}]}", "400", "listed twice"},
                {"{\"name\":\"" + tag + "\",\"components\":[{\"source\":\"no-such-source\",\"count\":1}]}", "422", "'no-such-source' does not exist"},
                {"{\"name\":\"" + tag + "\",\"topN\":0,\"size\":3}", "400", "topN must be 1 or more"},
                {"{\"name\":\"" + tag + "\",\"components\":[{\"source\":\"" + s[0] + "\",\"count\":\"many\"}]}", "400", null},
                {"{\"name\":\"" + tag + "\",\"size\":9223372036854775807,\"components\":[{\"source\":\"" + s[0] + "\",\"weight\":1},{\"source\":\"" + s[1] + "\",\"weight\":1}]}", "400", "size must be between"},
                {"{\"name\":\"" + tag + "\",\"components\":[{\"source\":\"99999999999999999999\",\"count\":1}]}", "422", "does not exist"},
                {"{\"name\":\"" + "n".repeat(3000) + "\",\"components\":[{\"source\":\"" + s[0] + "\",\"count\":1}]}", "400", "at most 200"},
                {"{\"name\":\"a\\u0000b\",\"components\":[{\"source\":\"" + s[0] + "\",\"count\":1}]}", "400", "NUL"},
        };
        for (String[] c : cases) {
            var r = given().contentType(ContentType.JSON).body(c[0]).post("/api/v1/mixes").then()
                    .statusCode(Integer.parseInt(c[1])).contentType("application/problem+json");
            if (c[2] != null) {
                r.body("detail", containsString(c[2]));
            }
        }
    }

    @Test
    void pagingReturnsEveryItemExactlyOnceWhileOtherSourcesAreBeingImported() throws Exception {
        String tag = unique("paging");
        String name = tag + "-src";
        Api.importLines(Api.source(name, "math"), "", Api.questions(name, 2500)).statusCode(200);
        String ref = Api.mix("{\"name\":\"" + tag + "\",\"components\":[{\"source\":\"" + name + "\",\"count\":2500}],\"seed\":9}");

        CompletableFuture<Void> imports = CompletableFuture.runAsync(() -> {
            for (int i = 0; i < 4; i++) {
                String other = tag + "-other-" + i;
                Api.importLines(Api.source(other, "math"), "", Api.questions(other, 3000)).statusCode(200);
            }
        });
        Set<String> seen = new HashSet<>();
        List<String> order = new ArrayList<>();
        int pages = 0;
        while (!imports.isDone() || pages < 3) {
            List<Api.Item> items = Api.items(ref, 97);
            pages++;
            order = items.stream().map(j -> j.getString("id")).toList();
            seen = new HashSet<>(order);
            assertThat(order).hasSize(2500);
            assertThat(seen).hasSize(2500);
            assertThat(items).allSatisfy(j -> assertThat(j.getString("source")).isEqualTo(name));
        }
        imports.get();
        assertThat(Api.items(ref, 10_000).stream().map(j -> j.getString("id")).toList()).isEqualTo(order);
    }

    @Test
    void pagesOfLongItemsAreCutToTheByteBudgetAndStillCoverEveryItem() {
        String tag = unique("long");
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            lines.append("{\"text\":\"").append(i).append(' ').append(tag).append(' ').append("word ".repeat(80_000)).append("\"}\n");
        }
        Api.importLines(Api.source(tag, "code"), "", lines.toString()).statusCode(200).body("imported", equalTo(5));
        String ref = Api.mix("{\"name\":\"" + tag + "\",\"components\":[{\"source\":\"" + tag + "\",\"count\":5}]}");
        var first = given().get(ref + "/items?limit=10").then().statusCode(200)
                .header("Link", containsString("rel=\"next\"")).extract().response();
        assertThat(first.asString().split("\n")).hasSize(2);
        assertThat(first.asByteArray().length).isLessThanOrEqualTo(1 << 20);
        assertThat(Api.items(ref, 10).stream().map(j -> j.getString("id")).distinct().count()).isEqualTo(5);
    }

    @Test
    void datasetsFollowTheContract() {
        String tag = unique("contract");
        String[] s = twoSources(tag, 25);
        String ref = Api.mix("{\"name\":\"" + tag + "\",\"components\":[{\"source\":\"" + s[0] + "\",\"count\":25}]}");
        given().get(ref).then().statusCode(200).body("kind", equalTo("question")).body("status", equalTo("complete"))
                .body("itemCount", equalTo(25)).body("ref", equalTo(ref)).body("parents.size()", equalTo(0));
        var first = given().get(ref + "/items?limit=10").then().statusCode(200).contentType("application/x-ndjson")
                .header("Link", containsString("rel=\"next\"")).extract().response();
        JsonPath item = new JsonPath(first.asString().split("\n")[0]);
        assertThat(item.getString("id")).isNotBlank();
        assertThat(item.getString("text")).contains(s[0]);
        assertThat(item.getString("domain")).isEqualTo("math");
        assertThat(item.getString("source")).isEqualTo(s[0]);
        assertThat(item.getString("answer")).isNotNull();
        assertThat(item.getMap("metadata")).containsKey("externalId");
        given().get(ref + "/items?limit=25").then().statusCode(200).header("Link", nullValue());
        given().get(ref + "/items?after=25").then().statusCode(200).header("Link", nullValue()).body(equalTo(""));
        given().get(ref + "/items?after=9223372036854775807&limit=10000").then().statusCode(200).body(equalTo(""));
        for (String bad : new String[] {"limit=0", "limit=10001", "limit=ten", "after=abc", "after=-1"}) {
            given().get(ref + "/items?" + bad).then().statusCode(400).contentType("application/problem+json");
        }
        given().get("/api/v1/datasets/999999").then().statusCode(404).contentType("application/problem+json");
        given().get("/api/v1/datasets/999999/items").then().statusCode(404).contentType("application/problem+json");
    }
}
