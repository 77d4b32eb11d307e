package dev.thoughtline.teachersim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** teacher-sim in-process on a random port, called over real HTTP. */
class TeacherSimTest {

    private final ObjectMapper mapper = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private TeacherSim sim;

    @AfterEach
    void stop() {
        if (sim != null) {
            sim.close();
        }
    }

    private TeacherSim start(Map<String, String> settings) {
        sim = TeacherSim.start(SimConfig.defaults().with(settings));
        return sim;
    }

    private HttpResponse<String> post(String body) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/chat/completions"))
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String ask(String question, String extra) {
        return "{\"model\":\"teacher-sim\",\"messages\":[{\"role\":\"system\",\"content\":\"Reason step by step.\"},"
                + "{\"role\":\"user\",\"content\":\"" + question + "\"}]" + extra + "}";
    }

    @Test
    void answersArithmeticWithAReasoningTraceAndABoxedAnswer() throws Exception {
        start(Map.of("accuracy", "1.0"));
        JsonNode r = mapper.readTree(post(ask("What is 12 * (3 + 4) - 5?", "")).body());
        JsonNode choice = r.at("/choices/0");
        assertThat(choice.at("/message/content").asText()).endsWith("\\boxed{79}.");
        assertThat(choice.at("/message/reasoning_content").asText()).isNotBlank();
        assertThat(choice.path("finish_reason").asText()).isEqualTo("stop");
        assertThat(r.at("/usage/completion_tokens").asInt()).isGreaterThan(8);
        assertThat(r.path("object").asText()).isEqualTo("chat.completion");
    }

    @Test
    void answersWrongWhenAccuracyIsZeroAndGivesFractionsExactly() throws Exception {
        start(Map.of("accuracy", "0.0"));
        String content = mapper.readTree(post(ask("Compute 2 + 2", "")).body()).at("/choices/0/message/content").asText();
        assertThat(content).contains("\\boxed{").doesNotContain("\\boxed{4}");
        sim.close();
        start(Map.of("accuracy", "1.0"));
        assertThat(mapper.readTree(post(ask("Compute 1/3 + 1/6", "")).body()).at("/choices/0/message/content").asText())
                .contains("\\boxed{\\frac{1}{2}}");
    }

    @Test
    void isDeterministicForASeedAndASampleSeed() throws Exception {
        start(Map.of("seed", "7", "tokens-sd", "40"));
        String a = mapper.readTree(post(ask("Find 17 + 25", ",\"seed\":1")).body()).at("/choices/0/message").toString();
        String b = mapper.readTree(post(ask("Find 17 + 25", ",\"seed\":1")).body()).at("/choices/0/message").toString();
        String c = mapper.readTree(post(ask("Find 17 + 25", ",\"seed\":2")).body()).at("/choices/0/message").toString();
        assertThat(a).isEqualTo(b).isNotEqualTo(c);
    }

    @Test
    void ratesDifficultyFromOneToTenTheSameWayEveryTime() throws Exception {
        start(Map.of());
        String prompt = "Rate the difficulty of this problem on a scale of 1-10. Problem: prove there are infinitely many primes.";
        String first = mapper.readTree(post(ask(prompt, ",\"seed\":1")).body()).at("/choices/0/message/content").asText();
        String second = mapper.readTree(post(ask(prompt, ",\"seed\":9")).body()).at("/choices/0/message/content").asText();
        assertThat(first).matches("(?s).*\\\\boxed\\{([1-9]|10)\\}\\.");
        assertThat(second.substring(second.indexOf("\\boxed"))).isEqualTo(first.substring(first.indexOf("\\boxed")));
    }

    @Test
    void judgesWhetherABoxedResponseIsTheValueOfTheQuestionsExpression() throws Exception {
        start(Map.of("accuracy", "0"));
        String template = "Judge the response. Question:\\nWhat is 6 * 7 - 2?\\n\\nResponse:\\nSo it is \\\\boxed{%s}.\\n\\n"
                + "Answer \\\\boxed{yes} if it is correct and \\\\boxed{no} if it is not.";
        String right = mapper.readTree(post(ask(String.format(template, "40"), "")).body()).at("/choices/0/message/content").asText();
        String wrong = mapper.readTree(post(ask(String.format(template, "41"), "")).body()).at("/choices/0/message/content").asText();
        assertThat(right).endsWith("\\boxed{yes}.");
        assertThat(wrong).endsWith("\\boxed{no}.");
        // nothing to evaluate: the usual answer, not a verdict
        String unsure = mapper.readTree(post(ask("Question: name a colour. Response: \\\\boxed{red}. Answer \\\\boxed{yes} or \\\\boxed{no}.", "")).body())
                .at("/choices/0/message/content").asText();
        assertThat(unsure).doesNotContain("boxed{yes}").doesNotContain("boxed{no}");
    }

    @Test
    void returnsNChoicesAndPutsReasoningInThinkTagsWhenAsked() throws Exception {
        start(Map.of("think-tags", "true", "accuracy", "1"));
        JsonNode r = mapper.readTree(post(ask("What is 6*7?", ",\"n\":3")).body());
        assertThat(r.path("choices")).hasSize(3);
        for (JsonNode c : r.path("choices")) {
            assertThat(c.at("/message/content").asText()).startsWith("<think>\n").contains("\n</think>\n\n").endsWith("\\boxed{42}.");
            assertThat(c.at("/message").has("reasoning_content")).isFalse();
        }
    }

    @Test
    void streamsServerSentEventsWithUsageAndDone() throws Exception {
        start(Map.of("accuracy", "1", "itl-ms", "1", "ttft-ms", "5"));
        HttpResponse<String> r = post(ask("What is 9 - 3?", ",\"stream\":true,\"stream_options\":{\"include_usage\":true}"));
        assertThat(r.headers().firstValue("Content-Type")).contains("text/event-stream");
        StringBuilder reasoning = new StringBuilder();
        StringBuilder content = new StringBuilder();
        String finish = null;
        JsonNode usage = null;
        List<String> events = new ArrayList<>();
        for (String line : r.body().split("\n")) {
            if (!line.startsWith("data: ")) {
                continue;
            }
            String data = line.substring(6);
            events.add(data);
            if (data.equals("[DONE]")) {
                continue;
            }
            JsonNode chunk = mapper.readTree(data);
            if (chunk.hasNonNull("usage")) {
                usage = chunk.get("usage");
            }
            for (JsonNode c : chunk.path("choices")) {
                reasoning.append(c.at("/delta/reasoning_content").asText(""));
                content.append(c.at("/delta/content").asText(""));
                if (c.hasNonNull("finish_reason")) {
                    finish = c.get("finish_reason").asText();
                }
            }
        }
        assertThat(events.get(events.size() - 1)).isEqualTo("[DONE]");
        assertThat(content.toString()).endsWith("\\boxed{6}.");
        assertThat(reasoning.toString()).isNotBlank();
        assertThat(finish).isEqualTo("stop");
        assertThat(usage).isNotNull();
        assertThat(usage.path("completion_tokens").asInt()).isGreaterThan(8);
    }

    @Test
    void refusesWith429AndRetryAfterPastTheWaitingQueue() throws Exception {
        start(Map.of("max-num-seqs", "2", "max-waiting", "1", "ttft-ms", "1500", "retry-after-seconds", "3"));
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            calls.add(http.sendAsync(HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/chat/completions"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(ask("1+" + i, "")))
                    .build(), HttpResponse.BodyHandlers.ofString()));
            Thread.sleep(100);
        }
        List<HttpResponse<String>> done = calls.stream().map(CompletableFuture::join).toList();
        assertThat(done.stream().filter(r -> r.statusCode() == 200)).hasSize(3);
        List<HttpResponse<String>> refused = done.stream().filter(r -> r.statusCode() == 429).toList();
        assertThat(refused).hasSize(2);
        assertThat(refused.get(0).headers().firstValue("Retry-After")).contains("3");
    }

    @Test
    void aClientThatLeavesTheQueueFreesItsPlace() throws Exception {
        start(Map.of("max-num-seqs", "1", "max-waiting", "1", "ttft-ms", "1500"));
        CompletableFuture<HttpResponse<String>> running = http.sendAsync(HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/chat/completions"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(ask("1+1", ""))).build(),
                HttpResponse.BodyHandlers.ofString());
        Thread.sleep(200);
        String body = ask("2+2", "");
        try (java.net.Socket queued = new java.net.Socket("localhost", sim.port())) {
            queued.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length() + "\r\n\r\n" + body).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            queued.getOutputStream().flush();
            Thread.sleep(200);
        }
        long deadline = System.currentTimeMillis() + 3000;
        while (sim.outcomes("cancelled") == 0 && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertThat(sim.outcomes("cancelled")).isEqualTo(1);
        assertThat(post(ask("3+3", "")).statusCode()).as("the freed place takes a new request").isEqualTo(200);
        assertThat(running.join().statusCode()).isEqualTo(200);
    }

    @Test
    void pathologicalExpressionsAreAnsweredQuickly() throws Exception {
        start(Map.of());
        long t0 = System.nanoTime();
        assertThat(post(ask("(((9^999)^999)^999) and " + "(".repeat(3000) + "1" + ")".repeat(3000) + " and "
                + "1 ".repeat(5000), "")).statusCode()).isEqualTo(200);
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(5_000);
    }

    @Test
    void injectsTheFailuresItIsAskedFor() throws Exception {
        start(Map.of("rate-503", "1.0"));
        assertThat(post(ask("1+1", "")).statusCode()).isEqualTo(503);
        sim.close();
        start(Map.of("rate-429", "1.0", "retry-after-seconds", "2"));
        HttpResponse<String> limited = post(ask("1+1", ""));
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.headers().firstValue("Retry-After")).contains("2");
        sim.close();
        start(Map.of("rate-truncate", "1.0"));
        JsonNode cut = mapper.readTree(post(ask("1+1", "")).body());
        assertThat(cut.at("/choices/0/finish_reason").asText()).isEqualTo("length");
        assertThat(cut.at("/choices/0/message/content").asText()).doesNotContain("\\boxed");
        sim.close();
        start(Map.of("rate-drop", "1.0"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> post(ask("1+1", ",\"stream\":true")))
                .isInstanceOf(IOException.class);
        assertThat(sim.outcomes("drop")).isEqualTo(1);
    }

    @Test
    void aStalledStreamSendsNothingForTheStallThenDrops() throws Exception {
        start(Map.of("rate-stall", "1.0", "stall-ms", "700", "itl-ms", "1"));
        long t0 = System.nanoTime();
        HttpResponse<java.io.InputStream> r = http.send(HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/chat/completions"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(ask("5+5", ",\"stream\":true")))
                .build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        String received;
        try (java.io.InputStream in = r.body()) {
            java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
            try {
                in.transferTo(got);
            } catch (IOException expected) {
                // the simulator drops the connection after the stall
            }
            received = got.toString(java.nio.charset.StandardCharsets.UTF_8);
        }
        assertThat((System.nanoTime() - t0) / 1_000_000).isGreaterThanOrEqualTo(700);
        assertThat(received).contains("reasoning_content").doesNotContain("[DONE]").doesNotContain("finish_reason\":\"stop");
        assertThat(sim.outcomes("stall")).isEqualTo(1);
    }

    @Test
    void aMaxTokensBelowTheAnswerTruncatesIt() throws Exception {
        start(Map.of());
        JsonNode r = mapper.readTree(post(ask("2*3", ",\"max_tokens\":5")).body());
        assertThat(r.at("/choices/0/finish_reason").asText()).isEqualTo("length");
        assertThat(r.at("/usage/completion_tokens").asInt()).isEqualTo(5);
    }

    @Test
    void rejectsBadRequestsTheWayOpenAiServersDo() throws Exception {
        start(Map.of());
        assertThat(post("{not json").statusCode()).isEqualTo(400);
        assertThat(post("{\"model\":\"teacher-sim\",\"messages\":[]}").statusCode()).isEqualTo(400);
        HttpResponse<String> unknown = post("{\"model\":\"gpt-9\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(mapper.readTree(unknown.body()).at("/error/message").asText()).contains("gpt-9");
    }

    @Test
    void servesModelsHealthAndVllmMetrics() throws Exception {
        start(Map.of("model", "qwq-sim"));
        HttpResponse<String> models = http.send(HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/models")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(mapper.readTree(models.body()).at("/data/0/id").asText()).isEqualTo("qwq-sim");
        String base = "http://localhost:" + sim.port();
        assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(), HttpResponse.BodyHandlers.ofString())
                .statusCode()).isEqualTo(200);
        http.send(HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/chat/completions")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"qwq-sim\",\"messages\":[{\"role\":\"user\",\"content\":\"1+2\"}]}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        String metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).contains("vllm:num_requests_running{model_name=\"qwq-sim\"} 0")
                .contains("vllm:num_requests_waiting{model_name=\"qwq-sim\"} 0")
                .contains("vllm:time_to_first_token_seconds_count{model_name=\"qwq-sim\"} 1")
                .contains("vllm:e2e_request_latency_seconds_bucket")
                .contains("vllm:request_success_total{model_name=\"qwq-sim\",finished_reason=\"stop\"} 1");
    }

    @Test
    void commandLineSettingsAreCheckedByName() {
        SimConfig c = SimConfig.parse(new String[] {"--max-num-seqs=64", "--itl-ms=20", "--think-tags=true"});
        assertThat(c.maxNumSeqs()).isEqualTo(64);
        assertThat(c.itlMs()).isEqualTo(20.0);
        assertThat(c.thinkTags()).isTrue();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SimConfig.parse(new String[] {"--max-seqs=1"}))
                .hasMessageContaining("unknown setting 'max-seqs'");
    }
}
