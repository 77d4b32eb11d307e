package dev.thoughtline.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.thoughtline.teachersim.SimConfig;
import dev.thoughtline.teachersim.TeacherSim;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bad input to every operation of every service, as each documents itself: the packaged services' OpenAPI documents
 * are read, every operation under {@code /api/v1} gets a corpus of bad path parameters, bad query parameters and bad
 * bodies, and every answer must be a 4xx problem with a title (never a 5xx), the service must stay ready, and nothing
 * stored may change (every list and fixture the GET operations show is the same before and after). Skips when the
 * services are not built.
 */
class BadInputCorpusTest {

    private static final List<String> PATH_VALUES = List.of("abc", "-1", "0", "99999999999999999999", "9223372036854775807",
            "-9223372036854775809", "1.5", "1e3", "a".repeat(10_000), "..%2F..%2Fq%2Fhealth", "%2E%2E", "%C3%A9%E6%BC%A2%F0%9F%98%80",
            "%00", "x%00y", "%FF%FE", "%20", "%0A");
    private static final List<String> QUERY_VALUES = List.of("", "abc", "-1", "0", "99999999999999999999", "1e3", "a".repeat(10_000),
            "%00", "%FF%FE", "%C3%A9");
    private static final Map<String, List<String>> MORE_QUERY_VALUES = Map.of(
            "after", List.of("zzz", "-5", "9223372036854775808", "1%2C2", "%3Cscript%3E", "0x10"),
            "limit", List.of("0", "-1", "10001", "abc", "2147483648", "1.5"));
    private static final String MUTATION = "@@mutation@@";

    private static PackagedSuite suite;
    private static TeacherSim sim;
    /** Valid path values, by "service segment param" (the operation's first segment under /api/v1). */
    private static final Map<String, String> valid = new LinkedHashMap<>();
    /** A valid body per JSON operation ("service METHOD path"), never sent as it is: the base of the mutations. */
    private static final Map<String, ObjectNode> bases = new LinkedHashMap<>();
    private static final Map<String, JsonNode> openapi = new LinkedHashMap<>();

    @BeforeAll
    static void fixtures() {
        PackagedSuite.assumeBuilt();
        sim = TeacherSim.start(SimConfig.defaults().with("tokens-mean", 20).with("tokens-sd", 2));
        String simOrigin = "http://localhost:" + sim.port();
        suite = PackagedSuite.start("corpus", List.of(simOrigin), Map.of());
        for (String s : PackagedSuite.SERVICES) {
            openapi.put(s, suite.ok(suite.send(HttpRequest.newBuilder(URI.create(suite.url(s) + "/q/openapi?format=json")).build())));
        }
        String q = "question-service";
        String g = "generation-service";
        String f = "filter-service";
        String e = "eval-service";
        // one of everything, complete: what the corpus must leave as it is
        long teacher = suite.ok(suite.post(g, "/api/v1/teachers", Map.of("name", "corpus", "baseUrl", sim.baseUrl(), "model", "teacher-sim")))
                .get("id").asLong();
        long source = suite.ok(suite.post(q, "/api/v1/sources", Map.of("name", "corpus", "domain", "math", "origin", "human"))).get("id").asLong();
        StringBuilder lines = new StringBuilder();
        for (int i = 1; i <= 6; i++) {
            lines.append("{\"id\":\"c").append(i).append("\",\"text\":\"What is ").append(i).append(" + 40?\",\"answer\":\"").append(i + 40).append("\"}\n");
        }
        long imported = suite.ok(suite.send(suite.request(q, "/api/v1/sources/" + source + "/imports").header("Content-Type", "application/x-ndjson")
                .POST(HttpRequest.BodyPublishers.ofString(lines.toString())).build())).get("importId").asLong();
        JsonNode mix = suite.ok(suite.post(q, "/api/v1/mixes", Map.of("name", "corpus-mix", "components", List.of(Map.of("source", "corpus", "count", 6)))));
        String mixRef = mix.get("ref").asText();
        String question = PackagedSuite.tree(suite.get(q, "/api/v1/datasets/" + mix.get("id").asText() + "/items?limit=1").body().strip())
                .get("id").asText();
        JsonNode job = suite.ok(suite.post(g, "/api/v1/jobs", Map.of("name", "corpus-job", "input", mixRef, "teacher", "corpus",
                "promptTemplate", "{{text}}")));
        String jobRef = suite.await(g, "/api/v1/jobs/" + job.get("id").asText(), j -> "complete".equals(j.path("status").asText()),
                Duration.ofMinutes(1)).get("dataset").asText();
        JsonNode run = suite.ok(suite.post(f, "/api/v1/filter-runs", PackagedSuite.tree("{\"name\":\"corpus-filter\",\"input\":\"" + mixRef
                + "\",\"steps\":[{\"type\":\"length\",\"params\":{\"min\":1}}]}")));
        suite.await(f, "/api/v1/filter-runs/" + run.get("id").asText(), r -> "complete".equals(r.path("status").asText()), Duration.ofMinutes(1));
        JsonNode bench = suite.ok(suite.send(suite.request(e, "/api/v1/benchmarks?name=corpus-bench&answerType=integer")
                .header("Content-Type", "application/x-ndjson").POST(HttpRequest.BodyPublishers.ofString(
                        "{\"id\":\"b1\",\"text\":\"What is 2 + 2?\",\"answer\":\"4\"}\n{\"id\":\"b2\",\"text\":\"What is 3 * 3?\",\"answer\":\"9\"}\n"))
                .build()));
        String benchDataset = bench.get("dataset").asText();
        suite.ok(suite.post(e, "/api/v1/models", Map.of("name", "corpus-model", "teacher", "corpus", "trainedOn", List.of(jobRef))));
        suite.ok(suite.post(e, "/api/v1/eval-runs", Map.of("name", "corpus-run", "model", "corpus-model", "benchmarks", List.of("corpus-bench"),
                "repeats", 1, "maxTokens", 200)));
        suite.ok(suite.post(e, "/api/v1/teacher-reports", Map.of("name", "corpus-report", "benchmark", "corpus-bench", "teachers", List.of("corpus"),
                "repeats", 1, "maxTokens", 200)));
        suite.await(e, "/api/v1/eval-runs", runs -> {
            for (JsonNode r : runs) {
                if (!"complete".equals(r.path("status").asText())) {
                    return false;
                }
            }
            return runs.size() == 2;
        }, Duration.ofMinutes(2));

        valid.put(q + " datasets id", mix.get("id").asText());
        valid.put(q + " imports id", Long.toString(imported));
        valid.put(q + " questions id", question);
        valid.put(q + " sources id", Long.toString(source));
        valid.put(g + " datasets id", job.get("id").asText());
        valid.put(g + " jobs id", job.get("id").asText());
        valid.put(g + " teachers id", Long.toString(teacher));
        valid.put(f + " datasets id", run.get("id").asText());
        valid.put(f + " filter-runs id", run.get("id").asText());
        valid.put(f + " filter-runs stage", "0");
        valid.put(e + " datasets id", benchDataset.substring(benchDataset.lastIndexOf('/') + 1));
        valid.put(e + " benchmarks benchmark", "corpus-bench");
        valid.put(e + " eval-runs run", "corpus-run");
        valid.put(e + " eval-runs benchmark", "corpus-bench");
        valid.put(e + " models name", "corpus-model");
        valid.put(e + " teacher-reports name", "corpus-report");

        // requests that would each create something new: only their mutations are sent
        base(q + " POST /api/v1/sources", "{\"name\":\"corpus-new\",\"domain\":\"math\",\"origin\":\"human\",\"license\":\"cc-by\","
                + "\"description\":\"d\",\"quality\":0.5}");
        base(q + " PATCH /api/v1/sources/{id}", "{\"quality\":0.5,\"license\":\"cc-by\",\"description\":\"d\"}");
        base(q + " POST /api/v1/mixes", "{\"name\":\"corpus-new\",\"components\":[{\"source\":\"corpus\",\"count\":2,\"weight\":null}],"
                + "\"size\":2,\"seed\":1}");
        base(q + " POST /api/v1/sources/{id}/imports/dataset", "{\"from\":\"" + jobRef + "\",\"fields\":{\"text\":\"content\"}}");
        base(q + " POST /api/v1/sources/{id}/imports/huggingface", "{\"dataset\":\"openai/gsm8k\",\"config\":\"main\",\"split\":\"test\","
                + "\"offset\":0,\"limit\":1,\"fields\":{\"text\":\"question\"}}");
        base(g + " POST /api/v1/teachers", "{\"name\":\"corpus-new\",\"baseUrl\":\"" + sim.baseUrl() + "\",\"model\":\"teacher-sim\","
                + "\"apiKeyEnv\":\"THOUGHTLINE_TEACHER_KEY_NONE\",\"cacheNamespace\":\"ns\",\"defaults\":{\"temperature\":0.5,\"topP\":0.9,"
                + "\"maxTokens\":100},\"limits\":{\"rpm\":10,\"tpm\":1000,\"maxConcurrency\":2},\"pricing\":{\"inputPerMTok\":1,"
                + "\"outputPerMTok\":2},\"supportsN\":false}");
        base(g + " POST /api/v1/jobs", "{\"name\":\"corpus-new\",\"input\":\"" + mixRef + "\",\"teacher\":\"corpus\",\"samplesPerItem\":1,"
                + "\"promptTemplate\":\"{{text}}\",\"systemPrompt\":\"s\",\"params\":{\"temperature\":0.5}}");
        base(f + " POST /api/v1/filter-runs", "{\"name\":\"corpus-new\",\"input\":\"" + mixRef + "\",\"steps\":[{\"type\":\"length\","
                + "\"name\":\"l\",\"params\":{\"min\":1},\"keep\":{\"topN\":2}}]}");
        base(e + " POST /api/v1/benchmarks", "{\"name\":\"corpus-new\",\"spec\":\"aime24\",\"answerType\":\"integer\",\"repeats\":1,"
                + "\"promptTemplate\":\"{{text}}\",\"fields\":{\"id\":\"id\",\"text\":\"problem\",\"answer\":\"answer\"},"
                + "\"huggingface\":{\"dataset\":\"math-ai/aime24\",\"config\":\"default\",\"split\":\"test\",\"offset\":0,\"limit\":1}}");
        base(e + " POST /api/v1/models", "{\"name\":\"corpus-new\",\"teacher\":\"corpus\",\"trainedOn\":[\"" + jobRef + "\"],\"description\":\"d\"}");
        base(e + " POST /api/v1/eval-runs", "{\"name\":\"corpus-new\",\"model\":\"corpus-model\",\"benchmarks\":[\"corpus-bench\"],"
                + "\"repeats\":1,\"temperature\":0.5,\"maxTokens\":100,\"seed\":1}");
        base(e + " POST /api/v1/teacher-reports", "{\"name\":\"corpus-new\",\"benchmark\":\"corpus-bench\",\"teachers\":[\"corpus\"],"
                + "\"repeats\":1,\"temperature\":0.5,\"maxTokens\":100,\"seed\":1}");
    }

    private static void base(String key, String json) {
        bases.put(key, (ObjectNode) PackagedSuite.tree(json));
    }

    @AfterAll
    static void stop() {
        if (suite != null) {
            suite.close();
        }
        if (sim != null) {
            sim.close();
        }
    }

    /** One request of the corpus: what it is, for the report. */
    private record Sent(String method, String target, String contentType, byte[] body, String what, boolean mustRefuse) {
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"question-service", "generation-service", "filter-service", "eval-service"})
    void everyOperationAnswersBadInputWithAProblemAndChangesNothing(String service) {
        Map<String, String> before = snapshot();
        List<String> violations = new ArrayList<>();
        int sent = 0;
        long started = System.nanoTime();
        JsonNode doc = openapi.get(service);
        for (var path : (Iterable<Map.Entry<String, JsonNode>>) doc.get("paths")::fields) {
            if (!path.getKey().startsWith("/api/v1/")) {
                continue;
            }
            for (var op : (Iterable<Map.Entry<String, JsonNode>>) path.getValue()::fields) {
                for (Sent s : corpus(service, path.getKey(), op.getKey().toUpperCase(), op.getValue(), doc)) {
                    sent++;
                    check(service, s, violations);
                }
            }
        }
        // a request line past the HTTP layer's limit (16 KiB) never reaches the API: a bare 414, the one 4xx that cannot
        // be a problem (Quarkus offers no hook for it), after which the service goes on as before
        try {
            String[] tooLong = RawHttp.send(suite.url(service), "GET /api/v1/datasets/" + "a".repeat(20_000)
                    + " HTTP/1.1\r\n", new byte[0]);
            assertThat(tooLong[0]).contains(" 414 ");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        assertThat(suite.alive(service)).isTrue();
        assertThat(suite.send(HttpRequest.newBuilder(URI.create(suite.url(service) + "/q/health/ready")).build()).statusCode())
                .as(service + " is ready").isEqualTo(200);
        Map<String, String> after = snapshot();
        for (String key : before.keySet()) {
            if (!before.get(key).equals(after.get(key))) {
                violations.add("stored data changed: " + key + "\n  before: " + before.get(key) + "\n  after:  " + after.get(key));
            }
        }
        System.out.printf("%s: %d requests in %d ms; slowest: %s%n", service, sent, (System.nanoTime() - started) / 1_000_000,
                slowest.stream().map(Map.Entry::getValue).toList());
        slowest.clear();
        assertThat(violations).as(service + ": " + violations.size() + " of " + sent + " requests").isEmpty();
        assertThat(sent).isGreaterThan(100);
    }

    // ---- the corpus --------------------------------------------------------------------------------------------

    private List<Sent> corpus(String service, String template, String method, JsonNode op, JsonNode doc) {
        List<Sent> out = new ArrayList<>();
        List<String> pathParams = new ArrayList<>();
        List<String> queryParams = new ArrayList<>();
        for (JsonNode p : op.path("parameters")) {
            ("path".equals(p.get("in").asText()) ? pathParams : queryParams).add(p.get("name").asText());
        }
        String segment = template.substring("/api/v1/".length()).split("/")[0];
        Map<String, String> good = new LinkedHashMap<>();
        for (String p : pathParams) {
            good.put(p, valid.get(service + " " + segment + " " + p));
            assertThat(good.get(p)).as("a valid value for {" + p + "} of " + service + " " + template).isNotNull();
        }
        JsonNode content = op.path("requestBody").path("content");
        String jsonSchema = content.path("application/json").path("schema").path("$ref").asText(null);
        boolean ndjson = content.has("application/x-ndjson");
        // an empty JSON object is what an operation with a JSON body gets while its path and query are under test
        String filler = jsonSchema != null ? "{}" : null;

        // path parameters, one at a time, the others valid
        for (String p : pathParams) {
            for (String bad : PATH_VALUES) {
                Map<String, String> values = new LinkedHashMap<>(good);
                values.put(p, bad);
                out.add(new Sent(method, fill(template, values), filler == null ? null : "application/json",
                        filler == null ? null : bytes(filler), "path " + p + "=" + shorten(bad), false));
            }
        }
        // query parameters, one at a time
        String path = fill(template, good);
        for (String q : queryParams) {
            List<String> values = new ArrayList<>(QUERY_VALUES);
            values.addAll(MORE_QUERY_VALUES.getOrDefault(q, List.of()));
            for (String bad : values) {
                String target = path + "?" + q + "=" + bad;
                if (ndjson) {
                    // an upload with an empty body: nothing to store, whatever the query says
                    out.add(new Sent(method, target, "application/x-ndjson", new byte[0], "query " + q + "=" + shorten(bad), false));
                } else {
                    out.add(new Sent(method, target, filler == null ? null : "application/json", filler == null ? null : bytes(filler),
                            "query " + q + "=" + shorten(bad), false));
                }
            }
        }
        // bodies
        if (jsonSchema != null) {
            for (Map.Entry<String, byte[]> b : jsonBodies().entrySet()) {
                out.add(new Sent(method, path, "application/json", b.getValue(), "body " + b.getKey(), false));
            }
            for (String type : List.of("text/plain", "application/xml", "application/x-www-form-urlencoded")) {
                out.add(new Sent(method, path, type, bytes("{}"), "body {} as " + type, false));
            }
            JsonNode schema = schema(doc, jsonSchema);
            // a property alone misses the others, so nothing can be stored whatever the service makes of it, except in
            // a PATCH, where one property is a whole request: there only values of a wrong type, never out of range
            boolean alone = !"PATCH".equals(method);
            for (var prop : (Iterable<Map.Entry<String, JsonNode>>) schema.path("properties")::fields) {
                for (Map.Entry<String, String> v : wrongValues(prop.getValue(), doc, alone).entrySet()) {
                    out.add(new Sent(method, path, "application/json", bytes("{\"" + prop.getKey() + "\":" + v.getValue() + "}"),
                            "body {" + prop.getKey() + ": " + v.getKey() + "}", false));
                }
            }
            ObjectNode base = bases.get(service + " " + method + " " + template);
            assertThat(base).as("a valid body to mutate for " + service + " " + method + " " + template).isNotNull();
            for (Map.Entry<String, String> m : mutations(base, base, schema, doc, "").entrySet()) {
                out.add(new Sent(method, path, "application/json", bytes(m.getValue()), "valid body but " + m.getKey(), true));
            }
        }
        if (ndjson) {
            // eval-service's upload reads its lines only once a name and answer type are given
            String target = path + ("eval-service".equals(service) ? "?name=corpus-new&answerType=integer" : "");
            for (Map.Entry<String, byte[]> b : ndjsonBodies().entrySet()) {
                out.add(new Sent(method, target, "application/x-ndjson", b.getValue(), "ndjson " + b.getKey(), true));
            }
            out.add(new Sent(method, target, "application/xml", bytes("<a/>"), "ndjson as application/xml", true));
        }
        return out;
    }

    private static Map<String, byte[]> jsonBodies() {
        Map<String, byte[]> b = new LinkedHashMap<>();
        for (String s : List.of("", "null", "[]", "{}", "\"x\"", "5", "true", "{", "{\"a\":", "[1,2", "nul", "{\"a\":1}}", "{\"a\":1,}",
                "{'a':1}", "\uFEFF{}", "{\"name\":\"x\"} {\"name\":\"y\"}")) {
            b.put(s.isEmpty() ? "(empty)" : shorten(s), bytes(s));
        }
        b.put("100,000 nested arrays", bytes("[".repeat(100_000) + "]".repeat(100_000)));
        b.put("100,000 nested objects", bytes("{\"a\":".repeat(100_000) + "1" + "}".repeat(100_000)));
        b.put("a 900 KB name", bytes("{\"name\":\"" + "x".repeat(900 << 10) + "\"}"));
        b.put("an unescaped NUL", concat(bytes("{\"name\":\"a"), new byte[] {0}, bytes("b\"}")));
        b.put("invalid UTF-8", concat(bytes("{\"name\":\"a"), new byte[] {(byte) 0xff, (byte) 0xfe, (byte) 0xc3}, bytes("\"}")));
        b.put("a lone surrogate", bytes("{\"name\":\"\\ud800\"}"));
        return b;
    }

    private static Map<String, byte[]> ndjsonBodies() {
        Map<String, byte[]> b = new LinkedHashMap<>();
        b.put("(empty)", new byte[0]);
        b.put("lines of garbage", bytes("garbage\n{\n[1]\n\"x\"\nnull\n{}\n5\n{\"text\":{}}\n{\"text\":\"\"}\n"));
        byte[] line = new byte[(2 << 20) + 9];
        java.util.Arrays.fill(line, (byte) 'a');
        System.arraycopy(bytes("{\"text\":\""), 0, line, 0, 9);
        b.put("a 2 MiB line without newline", line);
        b.put("invalid UTF-8", concat(bytes("{\"text\":\"What is 1 + 1?"), new byte[] {(byte) 0xff, (byte) 0xc3}, bytes("\",\"answer\":\"2\"}\n")));
        b.put("a NUL in a text", bytes("{\"id\":\"n\",\"text\":\"What is 1 + \\u0000 1?\",\"answer\":\"2\"}\n"));
        b.put("100,000 nested arrays", bytes("[".repeat(100_000) + "]".repeat(100_000) + "\n"));
        return b;
    }

    /**
     * JSON values of another type than {@code schema} declares (never ones Jackson converts by default, as 5 for
     * "5": those are accepted input), and, for a property alone, values out of any range.
     */
    private static Map<String, String> wrongValues(JsonNode schema, JsonNode doc, boolean alone) {
        Map<String, String> v = new LinkedHashMap<>();
        String ref = schema.path("$ref").asText(null);
        JsonNode resolved = ref == null ? schema : schema(doc, ref);
        String type = resolved.path("type").asText(resolved.has("enum") ? "string" : resolved.has("properties") ? "object" : "any");
        switch (type) {
            case "string" -> {
                v.put("an object", "{\"k\":1}");
                v.put("an array", "[\"x\"]");
                v.put("a NUL", "\"a\\u0000b\"");
                if (resolved.has("enum")) {
                    v.put("no such value", "\"no-such-value\"");
                }
                if (alone) {
                    v.put("10,000 characters", "\"" + "a".repeat(10_000) + "\"");
                    v.put("900 KB", "\"" + "a".repeat(900 << 10) + "\"");
                }
            }
            case "integer" -> {
                v.put("a word", "\"abc\"");
                v.put("an object", "{}");
                v.put("an array", "[1]");
                v.put("a boolean", "true");
                v.put("past 64 bits", "99999999999999999999999");
                if (alone) {
                    v.put("-1", "-1");
                    v.put("a fraction", "1.5");
                }
            }
            case "number" -> {
                v.put("a word", "\"abc\"");
                v.put("an object", "{}");
                v.put("an array", "[1]");
                v.put("a boolean", "true");
                v.put("infinite", "1e400");
                v.put("NaN as a string", "\"NaN\"");
                if (alone) {
                    v.put("-1", "-1");
                }
            }
            case "boolean" -> {
                v.put("a word", "\"maybe\"");
                v.put("an object", "{}");
                v.put("an array", "[true]");
            }
            case "array" -> {
                v.put("a string", "\"x\"");
                v.put("an object", "{}");
                v.put("a number", "5");
                v.put("a null element", "[null]");
                v.put("an element of another type", resolved.path("items").has("$ref") ? "[\"x\"]" : "[{}]");
                if (alone) {
                    v.put("100,000 elements", "[" + "\"x\",".repeat(99_999) + "\"x\"]");
                }
            }
            default -> {
                // an object, a map or any JSON value (JsonNode): an object is what every one of them takes
                v.put("a string", "\"x\"");
                v.put("an array", "[]");
                v.put("a number", "5");
                if (resolved.has("additionalProperties")) {
                    v.put("a value of another type", "{\"text\":{}}");
                }
            }
        }
        return v;
    }

    /** The base with one value at a time made wrong, nested objects and first array elements included. */
    private static Map<String, String> mutations(JsonNode base, JsonNode node, JsonNode schema, JsonNode doc, String at) {
        Map<String, String> out = new LinkedHashMap<>();
        for (var prop : (Iterable<Map.Entry<String, JsonNode>>) schema.path("properties")::fields) {
            String name = prop.getKey();
            if (!node.has(name) || node.get(name).isNull()) {
                continue;
            }
            for (Map.Entry<String, String> v : wrongValues(prop.getValue(), doc, false).entrySet()) {
                out.put(at + name + " " + v.getKey(), replace(base, at + name, v.getValue()));
            }
            JsonNode ps = prop.getValue();
            JsonNode target = node.get(name);
            if (ps.has("$ref") && schema(doc, ps.get("$ref").asText()).has("properties") && target.isObject()) {
                out.putAll(mutations(base, target, schema(doc, ps.get("$ref").asText()), doc, at + name + "."));
            } else if ("array".equals(ps.path("type").asText()) && ps.path("items").has("$ref") && target.isArray() && !target.isEmpty()) {
                out.putAll(mutations(base, target.get(0), schema(doc, ps.path("items").get("$ref").asText()), doc, at + name + "[0]."));
            }
        }
        return out;
    }

    /** The base as JSON with the value at {@code path} (dots, [0]) replaced by the JSON text {@code value}. */
    private static String replace(JsonNode base, String path, String value) {
        JsonNode copy = base.deepCopy();
        JsonNode parent = copy;
        String[] steps = path.split("\\.");
        for (int i = 0; i < steps.length - 1; i++) {
            String s = steps[i];
            parent = s.endsWith("[0]") ? parent.get(s.substring(0, s.length() - 3)).get(0) : parent.get(s);
        }
        // a placeholder, then the value's text: 1e400 and 23-digit numbers have no Java value to put in a node
        ((ObjectNode) parent).set(steps[steps.length - 1], new TextNode(MUTATION));
        return PackagedSuite.toJson(copy).replace("\"" + MUTATION + "\"", value);
    }

    private static JsonNode schema(JsonNode doc, String ref) {
        return doc.at(ref.substring(1));
    }

    private static String fill(String template, Map<String, String> values) {
        String out = template;
        for (Map.Entry<String, String> v : values.entrySet()) {
            out = out.replace("{" + v.getKey() + "}", v.getValue());
        }
        return out;
    }

    // ---- sending and judging -------------------------------------------------------------------------------------

    /** The slowest requests of the current service's corpus, for the report. */
    private final java.util.PriorityQueue<Map.Entry<Long, String>> slowest = new java.util.PriorityQueue<>(Map.Entry.comparingByKey());

    private void check(String service, Sent s, List<String> violations) {
        String label = service + " " + s.method() + " " + shorten(s.target()) + " [" + s.what() + "]";
        HttpRequest.Builder b;
        try {
            b = HttpRequest.newBuilder(URI.create(suite.url(service) + s.target())).timeout(Duration.ofSeconds(30))
                    .header("Authorization", "Bearer " + PackagedSuite.TOKEN);
        } catch (IllegalArgumentException e) {
            throw new AssertionError("the corpus built a target the client cannot send: " + label, e);
        }
        if (s.contentType() != null) {
            b.header("Content-Type", s.contentType());
        }
        b.method(s.method(), s.body() == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(s.body()));
        long start = System.nanoTime();
        HttpResponse<String> r;
        try {
            r = suite.http().send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            violations.add(label + ": no answer: " + e);
            return;
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        slowest.add(Map.entry(ms, ms + " ms " + label));
        if (slowest.size() > 3) {
            slowest.poll();
        }
        int status = r.statusCode();
        String type = r.headers().firstValue("Content-Type").orElse("");
        if (status >= 500) {
            violations.add(label + ": " + status + " " + shorten(r.body()));
        } else if (status >= 400) {
            JsonNode problem = null;
            try {
                problem = type.startsWith("application/problem+json") ? PackagedSuite.JSON.readTree(r.body()) : null;
            } catch (Exception notJson) {
                // reported below
            }
            if (problem == null || problem.path("title").asText().isBlank()) {
                violations.add(label + ": " + status + " is not a problem with a title: " + type + " " + shorten(r.body()));
            }
        } else if (s.mustRefuse()) {
            violations.add(label + ": accepted (" + status + "): " + shorten(r.body()));
        }
        if (ms > 5_000) {
            violations.add(label + ": took " + ms + " ms");
        }
    }

    /**
     * What every GET without parameters, and every GET of a fixture, shows: the lists and the fixtures themselves.
     * Fields that change with time alone, not with what is stored, are left out (below).
     */
    private Map<String, String> snapshot() {
        Map<String, String> out = new TreeMap<>();
        for (String service : PackagedSuite.SERVICES) {
            JsonNode doc = openapi.get(service);
            for (var path : (Iterable<Map.Entry<String, JsonNode>>) doc.get("paths")::fields) {
                JsonNode get = path.getValue().get("get");
                if (get == null || !path.getKey().startsWith("/api/v1/") || path.getKey().endsWith("/events")) {
                    continue;
                }
                String segment = path.getKey().substring("/api/v1/".length()).split("/")[0];
                Map<String, String> good = new LinkedHashMap<>();
                boolean all = true;
                for (JsonNode p : get.path("parameters")) {
                    if ("path".equals(p.get("in").asText())) {
                        String v = valid.get(service + " " + segment + " " + p.get("name").asText());
                        all &= v != null;
                        good.put(p.get("name").asText(), v);
                    }
                }
                if (!all) {
                    continue;
                }
                String target = fill(path.getKey(), good);
                HttpResponse<String> r = suite.get(service, target);
                if (r.statusCode() == 400 && "/api/v1/compare".equals(target)) {
                    continue;
                }
                out.put(service + " GET " + target, r.statusCode() + " " + stable(r.body()));
            }
        }
        return out;
    }

    /** The body without what changes by time alone. */
    private static String stable(String body) {
        StringBuilder out = new StringBuilder();
        for (String line : body.split("\n")) {
            JsonNode n;
            try {
                n = PackagedSuite.JSON.readTree(line);
            } catch (Exception notJson) {
                out.append(line).append('\n');
                continue;
            }
            strip(n);
            out.append(n).append('\n');
        }
        return out.toString();
    }

    private static void strip(JsonNode n) {
        if (n instanceof ObjectNode o) {
            // the teacher's circuit and the job's rate are what the replica sees now; nothing a request stores
            o.remove(List.of("teacherCircuit", "tokensPerSecond", "etaSeconds"));
            o.forEach(BadInputCorpusTest::strip);
        } else if (n instanceof ArrayNode a) {
            a.forEach(BadInputCorpusTest::strip);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static String shorten(String s) {
        String one = s.replace("\n", "\\n").replace("\0", "\\0");
        return one.length() <= 160 ? one : one.substring(0, 120) + "...(" + one.length() + " chars)";
    }

}
