package dev.thoughtline.teachersim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A simulated OpenAI-compatible teacher, the way vLLM simulators serve load tests: {@code POST
 * /v1/chat/completions} (plain and SSE-streamed, {@code n}), {@code GET /v1/models}, {@code GET /metrics}
 * with vLLM's metric names, {@code GET /health}. It keeps at most {@code maxNumSeqs} requests generating,
 * queues {@code maxWaiting} more and refuses the rest with 429; it answers with a reasoning trace and a
 * {@code \boxed{}} answer after a simulated time to first token and inter-token latency, and injects
 * failures at configured rates. Start it in-process with {@link #start(SimConfig)} or alone with
 * {@code java -jar teacher-sim-runner.jar --port=8000}.
 */
public final class TeacherSim implements AutoCloseable {

    private static final String[] WORDS = ("let me think about this carefully first we note that the problem asks "
            + "for a value so we compute each part step by step then check the result again since it must be "
            + "consistent with every condition given hence we simplify and verify").split(" ");
    private static final double[] BUCKETS = {0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0,
            2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0};

    private final SimConfig config;
    private final Vertx vertx;
    private final HttpServer server;
    private final ObjectMapper mapper = new ObjectMapper();
    // touched only on the server's event loop: one server instance runs on one context
    private int running;
    private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
    private final AtomicLong requestCounter = new AtomicLong();
    private final Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
    private final Histogram ttft = new Histogram();
    private final Histogram e2e = new Histogram();
    private final LongAdder promptTokens = new LongAdder();
    private final LongAdder generationTokens = new LongAdder();

    private TeacherSim(SimConfig config, Vertx vertx, HttpServer server) {
        this.config = config;
        this.vertx = vertx;
        this.server = server;
    }

    /** Starts a simulator; blocks until it listens. */
    public static TeacherSim start(SimConfig config) {
        Vertx vertx = Vertx.vertx();
        HttpServer server = vertx.createHttpServer();
        TeacherSim sim = new TeacherSim(config, vertx, server);
        server.requestHandler(sim::handle);
        try {
            server.listen(config.port()).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            vertx.close();
            throw new IllegalStateException("teacher-sim cannot listen on port " + config.port() + ": " + e.getMessage(), e);
        }
        return sim;
    }

    public int port() {
        return server.actualPort();
    }

    /** The OpenAI base URL, ending in {@code /v1}. */
    public String baseUrl() {
        return "http://localhost:" + port() + "/v1";
    }

    public SimConfig config() {
        return config;
    }

    private final java.util.Set<String> authorizations = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** Requests received on {@code /v1/chat/completions}. */
    public long requests() {
        return requestCounter.get();
    }

    /** How requests ended, by outcome: {@code stop}, {@code length}, {@code 429}, {@code 500}, {@code 503}, {@code drop}, {@code stall}, {@code 400}, {@code 404}, {@code cancelled}. */
    public long outcomes(String outcome) {
        LongAdder a = outcomes.get(outcome);
        return a == null ? 0 : a.sum();
    }

    /**
     * The distinct {@code Authorization} header values requests under {@code /v1} carried ("none" for none), so that a
     * test can tell which keys reached this teacher.
     */
    public java.util.Set<String> authorizations() {
        return java.util.Set.copyOf(authorizations);
    }

    @Override
    public void close() {
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("teacher-sim did not stop cleanly", e);
        }
    }

    public static void main(String[] args) {
        SimConfig config;
        try {
            config = SimConfig.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("teacher-sim: " + e.getMessage());
            System.exit(2);
            return;
        }
        TeacherSim sim = start(config.port() == 0 ? config.with("port", 8000) : config);
        Runtime.getRuntime().addShutdownHook(new Thread(sim::close, "teacher-sim-stop"));
        System.out.println("teacher-sim listening on " + sim.baseUrl() + " (model " + config.model() + ")");
    }

    // ---- routing -----------------------------------------------------------------------------------------

    private void handle(HttpServerRequest req) {
        String path = req.path();
        if (path.startsWith("/v1/")) {
            String auth = req.getHeader("Authorization");
            authorizations.add(auth == null ? "none" : auth);
        }
        switch (req.method().name() + " " + path) {
            case "GET /health" -> req.response().setStatusCode(200).end();
            case "GET /v1/models" -> json(req.response(), 200, models());
            case "GET /metrics" -> req.response().putHeader("Content-Type", "text/plain; version=0.0.4").end(metrics());
            case "POST /v1/chat/completions" -> req.body().onSuccess(body -> chat(req, body))
                    .onFailure(e -> error(req.response(), 400, "cannot read the body: " + e.getMessage(), "BadRequestError"));
            default -> error(req.response(), 404, "no route " + req.method() + " " + path, "NotFoundError");
        }
    }

    private ObjectNode models() {
        ObjectNode root = mapper.createObjectNode().put("object", "list");
        root.putArray("data").addObject().put("id", config.model()).put("object", "model")
                .put("created", 1_700_000_000L).put("owned_by", "thoughtline").put("max_model_len", 131072);
        return root;
    }

    // ---- chat completions ----------------------------------------------------------------------------------

    /** One parsed request. */
    private record Ask(String id, String prompt, int n, int maxTokens, boolean stream, boolean usage, long seed,
                       int promptTokens) {
    }

    private void chat(HttpServerRequest req, Buffer body) {
        long number = requestCounter.incrementAndGet();
        Ask ask;
        try {
            ask = parse(body);
        } catch (IllegalArgumentException e) {
            count("400");
            error(req.response(), 400, e.getMessage(), "BadRequestError");
            return;
        } catch (ModelNotFound e) {
            count("404");
            error(req.response(), 404, e.getMessage(), "NotFoundError");
            return;
        }
        SplittableRandom fate = new SplittableRandom(mix(config.seed(), number, 0x5EED));
        double roll = fate.nextDouble();
        if ((roll -= config.rate429()) < 0) {
            refuse(req, "429", "rate limited (injected)");
            return;
        }
        if ((roll -= config.rate500()) < 0) {
            count("500");
            error(req.response(), 500, "internal error (injected)", "InternalServerError");
            return;
        }
        if ((roll -= config.rate503()) < 0) {
            count("503");
            error(req.response(), 503, "service unavailable (injected)", "ServiceUnavailableError");
            return;
        }
        String mishap = null;
        if ((roll -= config.rateDrop()) < 0) {
            mishap = "drop";
        } else if ((roll -= config.rateStall()) < 0) {
            mishap = "stall";
        } else if ((roll -= config.rateTruncate()) < 0) {
            mishap = "truncate";
        }
        String fault = mishap;
        long arrived = System.nanoTime();
        Runnable generate = () -> {
            if (req.response().closed()) {
                count("cancelled");
                release();
                return;
            }
            try {
                generate(req, ask, fault, arrived);
            } catch (RuntimeException e) {
                count("500");
                release();
                error(req.response(), 500, "the simulator failed: " + e, "InternalServerError");
            }
        };
        if (running < config.maxNumSeqs()) {
            running++;
            generate.run();
        } else if (waiting.size() < config.maxWaiting()) {
            waiting.add(generate);
            // a client that leaves while queued frees its place at once
            req.response().closeHandler(v -> {
                if (waiting.remove(generate)) {
                    count("cancelled");
                }
            });
        } else {
            refuse(req, "429", "the server is full: " + running + " running, " + waiting.size() + " waiting");
        }
    }

    private void refuse(HttpServerRequest req, String outcome, String message) {
        count(outcome);
        req.response().putHeader("Retry-After", Integer.toString(config.retryAfterSeconds()));
        error(req.response(), 429, message, "RateLimitError");
    }

    /** Frees a generation slot and starts the next waiting request. */
    private void release() {
        running--;
        Runnable next = waiting.poll();
        if (next != null) {
            running++;
            next.run();
        }
    }

    private Ask parse(Buffer body) {
        JsonNode root;
        try {
            root = mapper.readTree(body.getBytes());
        } catch (Exception e) {
            throw new IllegalArgumentException("the body is not JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("the body must be a JSON object");
        }
        String model = root.path("model").asText(null);
        if (model == null) {
            throw new IllegalArgumentException("model is required");
        }
        if (!model.equals(config.model())) {
            throw new ModelNotFound("The model `" + model + "` does not exist.");
        }
        JsonNode messages = root.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw new IllegalArgumentException("messages must be a non-empty array");
        }
        StringBuilder all = new StringBuilder();
        String lastUser = null;
        for (JsonNode m : messages) {
            String text = text(m.get("content"));
            all.append(text).append('\n');
            if ("user".equals(m.path("role").asText())) {
                lastUser = text;
            }
        }
        if (lastUser == null) {
            throw new IllegalArgumentException("messages need a user message");
        }
        int n = root.path("n").asInt(1);
        if (n < 1 || n > 128) {
            throw new IllegalArgumentException("n must be between 1 and 128");
        }
        int maxTokens = root.hasNonNull("max_completion_tokens") ? root.get("max_completion_tokens").asInt()
                : root.path("max_tokens").asInt(32768);
        if (maxTokens < 1) {
            throw new IllegalArgumentException("max_tokens must be at least 1");
        }
        boolean stream = root.path("stream").asBoolean(false);
        boolean usage = root.path("stream_options").path("include_usage").asBoolean(false);
        long seed = root.path("seed").asLong(0);
        return new Ask("chatcmpl-" + Long.toHexString(mix(config.seed(), requestCounter.get(), 7)), lastUser, n, maxTokens,
                stream, usage, mix(config.seed(), seed, Answerer.hash(all.toString())),
                all.toString().split("\\s+").length);
    }

    private static String text(JsonNode content) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.textValue();
        }
        StringBuilder sb = new StringBuilder();
        for (JsonNode part : content) {
            sb.append(part.path("text").asText(""));
        }
        return sb.toString();
    }

    /** One choice's output: its tokens, each reasoning or content, and why it ended. */
    private record Output(List<String> tokens, int reasoningTokens, String finishReason) {
    }

    private Output output(Ask ask, int index, boolean truncate) {
        SplittableRandom rng = new SplittableRandom(mix(ask.seed(), index, 0xC401CE));
        Answerer.Answer answer = Answerer.answer(ask.prompt(), config.accuracy(), rng);
        int length = (int) Math.max(8, Math.round(config.tokensMean() + rng.nextGaussian() * config.tokensSd()));
        List<String> tokens = new ArrayList<>(length + 8);
        String[] tail = ("So the final answer is \\boxed{" + answer.value() + "}.").split(" ");
        int reasoning = Math.max(1, length - tail.length);
        if (config.thinkTags()) {
            tokens.add("<think>\n");
        }
        for (int i = 0; i < reasoning; i++) {
            tokens.add(WORDS[rng.nextInt(WORDS.length)] + " ");
        }
        int reasoningTokens = tokens.size();
        if (config.thinkTags()) {
            tokens.add("\n</think>\n\n");
            reasoningTokens = 0;
        }
        for (int i = 0; i < tail.length; i++) {
            tokens.add(i + 1 < tail.length ? tail[i] + " " : tail[i]);
        }
        String finish = "stop";
        int cut = tokens.size();
        if (truncate) {
            cut = Math.max(1, tokens.size() / 2);
        }
        if (ask.maxTokens() < cut) {
            cut = ask.maxTokens();
        }
        if (cut < tokens.size()) {
            finish = "length";
            tokens = new ArrayList<>(tokens.subList(0, cut));
            reasoningTokens = Math.min(reasoningTokens, cut);
        }
        return new Output(tokens, reasoningTokens, finish);
    }

    private void generate(HttpServerRequest req, Ask ask, String fault, long arrived) {
        HttpServerResponse res = req.response();
        List<Output> outputs = new ArrayList<>(ask.n());
        for (int i = 0; i < ask.n(); i++) {
            outputs.add(output(ask, i, "truncate".equals(fault)));
        }
        int steps = outputs.stream().mapToInt(o -> o.tokens().size()).max().orElse(0);
        SplittableRandom timing = new SplittableRandom(mix(ask.seed(), 99, 0x71AE));
        double slowdown = 1 + config.loadSlowdown() * running / (double) Math.max(1, config.maxNumSeqs());
        double[] at = new double[steps + 1];
        at[0] = Math.max(0, config.ttftMs() + timing.nextGaussian() * config.ttftSdMs()) * slowdown;
        for (int k = 1; k <= steps; k++) {
            at[k] = at[k - 1] + Math.max(0, config.itlMs() + timing.nextGaussian() * config.itlSdMs()) * slowdown;
        }
        boolean[] done = {false};
        res.closeHandler(v -> {
            if (!done[0]) {
                done[0] = true;
                count("cancelled");
                release();
            }
        });
        Runnable finish = () -> {
            if (!done[0]) {
                done[0] = true;
                release();
            }
        };
        int failAt = fault != null && (fault.equals("drop") || fault.equals("stall")) ? Math.max(1, steps / 2) : -1;
        long start = System.nanoTime();
        if (ask.stream()) {
            res.setChunked(true).putHeader("Content-Type", "text/event-stream").putHeader("Cache-Control", "no-cache");
            ObjectNode first = chunk(ask);
            ArrayNode choices = first.putArray("choices");
            for (int i = 0; i < ask.n(); i++) {
                choices.addObject().put("index", i).putNull("finish_reason").putObject("delta").put("role", "assistant").put("content", "");
            }
            res.write(sse(first));
            streamFrom(req, ask, outputs, at, 0, failAt, fault, start, arrived, done, finish);
        } else {
            long total = Math.round(failAt >= 0 ? at[failAt] : at[steps]);
            later(total, () -> {
                if (done[0]) {
                    return;
                }
                if (failAt >= 0) {
                    fail(req, fault, done, finish);
                    return;
                }
                ttft.observe(seconds(arrived, start) + at[0] / 1000);
                respondWhole(res, ask, outputs);
                e2e.observe(seconds(arrived, System.nanoTime()));
                finish.run();
            });
        }
    }

    private void streamFrom(HttpServerRequest req, Ask ask, List<Output> outputs, double[] at, int step, int failAt,
                            String fault, long start, long arrived, boolean[] done, Runnable finish) {
        int steps = at.length - 1;
        // tokens due within 2 ms of each other go out in one tick
        int end = step;
        while (end < steps && at[end] - at[step] < 2) {
            end++;
        }
        if (end == step) {
            end = Math.min(steps, step + 1);
        }
        int from = step;
        int to = failAt >= 0 && failAt > from ? Math.min(end, failAt) : end;
        long delay = Math.round(at[from] - (System.nanoTime() - start) / 1e6);
        later(delay, () -> {
            if (done[0]) {
                return;
            }
            HttpServerResponse res = req.response();
            if (from == 0) {
                ttft.observe(seconds(arrived, System.nanoTime()));
            }
            StringBuilder out = new StringBuilder();
            for (int k = from; k < to; k++) {
                for (int i = 0; i < outputs.size(); i++) {
                    Output o = outputs.get(i);
                    if (k < o.tokens().size()) {
                        ObjectNode c = chunk(ask);
                        ObjectNode delta = c.putArray("choices").addObject().put("index", i).putNull("finish_reason").putObject("delta");
                        delta.put(k < o.reasoningTokens() ? "reasoning_content" : "content", o.tokens().get(k));
                        out.append(sse(c));
                    }
                }
            }
            if (out.length() > 0) {
                res.write(out.toString());
            }
            if (failAt >= 0 && to >= failAt) {
                fail(req, fault, done, finish);
                return;
            }
            if (to < steps) {
                streamFrom(req, ask, outputs, at, to, failAt, fault, start, arrived, done, finish);
                return;
            }
            StringBuilder tail = new StringBuilder();
            for (int i = 0; i < outputs.size(); i++) {
                ObjectNode c = chunk(ask);
                c.putArray("choices").addObject().put("index", i).put("finish_reason", outputs.get(i).finishReason()).putObject("delta");
                tail.append(sse(c));
            }
            if (ask.usage()) {
                ObjectNode c = chunk(ask);
                c.putArray("choices");
                c.set("usage", usage(ask, outputs));
                tail.append(sse(c));
            }
            tail.append("data: [DONE]\n\n");
            count(outputs.get(0).finishReason());
            tokens(ask, outputs);
            res.end(tail.toString());
            e2e.observe(seconds(arrived, System.nanoTime()));
            finish.run();
        });
    }

    private void fail(HttpServerRequest req, String fault, boolean[] done, Runnable finish) {
        count(fault);
        if ("drop".equals(fault)) {
            finish.run();
            req.connection().close();
            return;
        }
        // stall: hold the connection silent, then drop it
        later(config.stallMs(), () -> {
            if (!done[0]) {
                finish.run();
                req.connection().close();
            }
        });
    }

    private void respondWhole(HttpServerResponse res, Ask ask, List<Output> outputs) {
        ObjectNode root = mapper.createObjectNode().put("id", ask.id()).put("object", "chat.completion")
                .put("created", System.currentTimeMillis() / 1000).put("model", config.model());
        ArrayNode choices = root.putArray("choices");
        for (int i = 0; i < outputs.size(); i++) {
            Output o = outputs.get(i);
            StringBuilder reasoning = new StringBuilder();
            StringBuilder content = new StringBuilder();
            for (int k = 0; k < o.tokens().size(); k++) {
                (k < o.reasoningTokens() ? reasoning : content).append(o.tokens().get(k));
            }
            ObjectNode message = choices.addObject().put("index", i).put("finish_reason", o.finishReason())
                    .putObject("message").put("role", "assistant").put("content", content.toString());
            if (!config.thinkTags()) {
                message.put("reasoning_content", reasoning.toString());
            }
        }
        root.set("usage", usage(ask, outputs));
        count(outputs.get(0).finishReason());
        tokens(ask, outputs);
        json(res, 200, root);
    }

    private ObjectNode usage(Ask ask, List<Output> outputs) {
        int completion = outputs.stream().mapToInt(o -> o.tokens().size()).sum();
        return mapper.createObjectNode().put("prompt_tokens", ask.promptTokens()).put("completion_tokens", completion)
                .put("total_tokens", ask.promptTokens() + completion);
    }

    private void tokens(Ask ask, List<Output> outputs) {
        promptTokens.add(ask.promptTokens());
        generationTokens.add(outputs.stream().mapToInt(o -> o.tokens().size()).sum());
    }

    private ObjectNode chunk(Ask ask) {
        return mapper.createObjectNode().put("id", ask.id()).put("object", "chat.completion.chunk")
                .put("created", System.currentTimeMillis() / 1000).put("model", config.model());
    }

    private String sse(ObjectNode node) {
        return "data: " + node + "\n\n";
    }

    private void later(long delayMs, Runnable action) {
        if (delayMs < 1) {
            vertx.runOnContext(v -> action.run());
        } else {
            vertx.setTimer(delayMs, id -> action.run());
        }
    }

    private void json(HttpServerResponse res, int status, JsonNode body) {
        res.setStatusCode(status).putHeader("Content-Type", "application/json").end(body.toString());
    }

    private void error(HttpServerResponse res, int status, String message, String type) {
        ObjectNode root = mapper.createObjectNode();
        root.putObject("error").put("message", message).put("type", type).put("code", status);
        json(res, status, root);
    }

    private void count(String outcome) {
        outcomes.computeIfAbsent(outcome, k -> new LongAdder()).increment();
    }

    private static double seconds(long fromNanos, long toNanos) {
        return (toNanos - fromNanos) / 1e9;
    }

    static long mix(long a, long b, long c) {
        long h = a * 0x9E3779B97F4A7C15L + b;
        h = (h ^ (h >>> 31)) * 0xBF58476D1CE4E5B9L + c;
        return h ^ (h >>> 29);
    }

    // ---- metrics ---------------------------------------------------------------------------------------

    private String metrics() {
        String label = "{model_name=\"" + config.model() + "\"}";
        StringBuilder sb = new StringBuilder();
        sb.append("# HELP vllm:num_requests_running Number of requests currently running.\n")
                .append("# TYPE vllm:num_requests_running gauge\n")
                .append("vllm:num_requests_running").append(label).append(' ').append(running).append('\n')
                .append("# HELP vllm:num_requests_waiting Number of requests waiting to be processed.\n")
                .append("# TYPE vllm:num_requests_waiting gauge\n")
                .append("vllm:num_requests_waiting").append(label).append(' ').append(waiting.size()).append('\n')
                .append("# TYPE vllm:prompt_tokens_total counter\n")
                .append("vllm:prompt_tokens_total").append(label).append(' ').append(promptTokens.sum()).append('\n')
                .append("# TYPE vllm:generation_tokens_total counter\n")
                .append("vllm:generation_tokens_total").append(label).append(' ').append(generationTokens.sum()).append('\n')
                .append("# TYPE vllm:request_success_total counter\n");
        for (String reason : new String[] {"stop", "length"}) {
            sb.append("vllm:request_success_total{model_name=\"").append(config.model()).append("\",finished_reason=\"")
                    .append(reason).append("\"} ").append(outcomes(reason)).append('\n');
        }
        ttft.write(sb, "vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds.", config.model());
        e2e.write(sb, "vllm:e2e_request_latency_seconds", "Histogram of end to end request latency in seconds.", config.model());
        sb.append("# TYPE teacher_sim_outcomes_total counter\n");
        outcomes.forEach((k, v) -> sb.append("teacher_sim_outcomes_total{outcome=\"").append(k).append("\"} ").append(v.sum()).append('\n'));
        return sb.toString();
    }

    /** A Prometheus histogram over {@link #BUCKETS}. */
    private static final class Histogram {
        private final LongAdder[] counts = new LongAdder[BUCKETS.length];
        private final LongAdder total = new LongAdder();
        private final java.util.concurrent.atomic.DoubleAdder sum = new java.util.concurrent.atomic.DoubleAdder();

        Histogram() {
            for (int i = 0; i < counts.length; i++) {
                counts[i] = new LongAdder();
            }
        }

        void observe(double seconds) {
            for (int i = 0; i < BUCKETS.length; i++) {
                if (seconds <= BUCKETS[i]) {
                    counts[i].increment();
                }
            }
            total.increment();
            sum.add(seconds);
        }

        void write(StringBuilder sb, String name, String help, String model) {
            sb.append("# HELP ").append(name).append(' ').append(help).append('\n')
                    .append("# TYPE ").append(name).append(" histogram\n");
            for (int i = 0; i < BUCKETS.length; i++) {
                sb.append(name).append("_bucket{model_name=\"").append(model).append("\",le=\"").append(BUCKETS[i]).append("\"} ")
                        .append(counts[i].sum()).append('\n');
            }
            sb.append(name).append("_bucket{model_name=\"").append(model).append("\",le=\"+Inf\"} ").append(total.sum()).append('\n')
                    .append(name).append("_sum{model_name=\"").append(model).append("\"} ").append(sum.sum()).append('\n')
                    .append(name).append("_count{model_name=\"").append(model).append("\"} ").append(total.sum()).append('\n');
        }
    }

    private static final class ModelNotFound extends RuntimeException {
        ModelNotFound(String message) {
            super(message);
        }
    }
}
