package dev.thoughtline.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs a recipe's stages in order through the services' APIs: the teacher, benchmarks, sources and their imports,
 * then per domain a mix, question filters (decontamination included), generation with K samples and answer
 * filters; then the export and an eval. Every object is named after the recipe, and every service answers a
 * repeated request with the existing object, so running a recipe again resumes where it stopped instead of
 * starting over (and pays nothing twice).
 */
final class RecipeRunner {

    /** What each stage produced, for the summary. */
    record Stage(String name, String dataset, long items, String note) {
    }

    private final Recipe recipe;
    private final Services services;
    private final Http http;
    private final ObjectMapper mapper;
    private final PrintStream out;
    private final Progress progress;
    private final long pollMillis;
    private final List<Stage> stages = new ArrayList<>();
    private final Map<String, String> benchmarkRefs = new LinkedHashMap<>();
    private final List<String> finalRefs = new ArrayList<>();
    private long completionTokens;
    private double cost;

    RecipeRunner(Recipe recipe, Services services, Http http, ObjectMapper mapper, PrintStream out, long pollMillis) {
        this.recipe = recipe;
        this.services = services;
        this.http = http;
        this.mapper = mapper;
        this.out = out;
        this.progress = new Progress(out);
        this.pollMillis = pollMillis;
    }

    List<Stage> stages() {
        return stages;
    }

    List<String> finalDatasets() {
        return finalRefs;
    }

    long completionTokens() {
        return completionTokens;
    }

    double cost() {
        return cost;
    }

    /** Runs every stage; returns the eval result (null without an eval section). */
    JsonNode run() {
        JsonNode r = recipe.root();
        String name = recipe.name();
        String teacher = teacher(Recipe.object(r, "teacher", "the recipe"));
        for (JsonNode b : r.path("benchmarks")) {
            benchmark(b);
        }
        Map<String, String> sources = new LinkedHashMap<>();
        for (JsonNode s : r.path("sources")) {
            sources.put(Recipe.text(s, "name", "a source"), source(s));
        }
        JsonNode domains = Recipe.object(r, "domains", "the recipe");
        Iterator<Map.Entry<String, JsonNode>> it = domains.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> d = it.next();
            finalRefs.add(domain(name + "-" + d.getKey(), d.getKey(), d.getValue(), teacher));
        }
        JsonNode export = r.get("export");
        if (export != null) {
            String format = export.path("format").asText("sharegpt");
            Path file = recipe.file(Recipe.text(export, "out", "export"));
            long n = new Exporter(http, mapper).export(finalRefs, format, file);
            stages.add(new Stage("export", file.toString(), n, format));
            progress.done(String.format(Locale.ROOT, "%-28s %,d rows -> %s", "export (" + format + ")", n, file));
        }
        JsonNode eval = r.get("eval");
        return eval == null ? null : eval(name, eval, teacher);
    }

    // --- stages

    private String teacher(JsonNode t) {
        String name = Recipe.text(t, "name", "teacher");
        Http.Reply reply = http.post(services.generation("/teachers"), t);
        progress.done(String.format(Locale.ROOT, "%-28s %s at %s (%s)", "teacher", name, t.path("baseUrl").asText(),
                reply.status() == 201 ? "registered" : "as registered before"));
        return name;
    }

    private void benchmark(JsonNode b) {
        String name = Recipe.text(b, "name", "a benchmark");
        JsonNode created;
        if (b.has("file")) {
            StringBuilder q = new StringBuilder("/benchmarks?name=").append(enc(name));
            for (String key : List.of("spec", "answerType", "repeats", "promptTemplate", "id", "text", "answer", "correct", "incorrect")) {
                if (b.hasNonNull(key)) {
                    q.append('&').append(key).append('=').append(enc(b.get(key).asText()));
                }
            }
            created = http.postNdjson(services.eval(q.toString()), recipe.file(b.get("file").asText())).body();
        } else {
            ObjectNode body = ((ObjectNode) b).deepCopy();
            created = http.post(services.eval("/benchmarks"), body).body();
        }
        benchmarkRefs.put(name, created.path("dataset").asText());
        stages.add(new Stage("benchmark " + name, created.path("dataset").asText(), created.path("itemCount").asLong(), ""));
        progress.done(String.format(Locale.ROOT, "%-28s %,d items", "benchmark " + name, created.path("itemCount").asLong()));
    }

    private String source(JsonNode s) {
        String name = Recipe.text(s, "name", "a source");
        ObjectNode body = mapper.createObjectNode().put("name", name).put("domain", Recipe.text(s, "domain", "source " + name))
                .put("origin", s.path("origin").asText("synthetic"));
        if (s.hasNonNull("license")) {
            body.put("license", s.get("license").asText());
        }
        long id = http.post(services.question("/sources"), body).body().path("id").asLong();
        if (s.has("file")) {
            StringBuilder q = new StringBuilder("/sources/").append(id).append("/imports?");
            s.path("fields").fields().forEachRemaining(f -> q.append(enc(f.getKey())).append('=').append(enc(f.getValue().asText())).append('&'));
            JsonNode report = http.postNdjson(services.question(q.toString()), recipe.file(s.get("file").asText())).body();
            progress.done(String.format(Locale.ROOT, "%-28s %,d lines: %,d new, %,d duplicates, %,d rejected", "import " + name,
                    report.path("received").asLong(), report.path("imported").asLong(), report.path("duplicates").asLong(),
                    report.path("rejected").asLong()));
        } else if (s.has("huggingface")) {
            ObjectNode hf = ((ObjectNode) s.get("huggingface")).deepCopy();
            if (s.has("fields")) {
                hf.set("fields", s.get("fields"));
            }
            JsonNode run = http.post(services.question("/sources/" + id + "/imports/huggingface"), hf).body();
            long importId = run.path("id").asLong();
            while (run.path("status").asText().equals("running")) {
                progress.status("import " + name, String.format(Locale.ROOT, "%,d imported", run.path("imported").asLong()));
                sleep();
                run = http.get(services.question("/imports/" + importId));
            }
            if (!run.path("status").asText().equals("complete")) {
                throw new CliException("import " + name + " is " + run.path("status").asText() + ": " + run.path("failure").asText());
            }
            progress.done(String.format(Locale.ROOT, "%-28s %,d imported from %s", "import " + name, run.path("imported").asLong(),
                    hf.path("dataset").asText()));
        }
        return name;
    }

    private String domain(String prefix, String domain, JsonNode d, String teacher) {
        JsonNode mix = Recipe.object(d, "mix", "domain " + domain);
        ObjectNode mixBody = ((ObjectNode) mix).deepCopy().put("name", prefix + "-mix");
        JsonNode info = http.post(services.question("/mixes"), mixBody).body();
        String ref = info.path("ref").asText();
        stages.add(new Stage(domain + ": mix", ref, info.path("itemCount").asLong(), ""));
        progress.done(String.format(Locale.ROOT, "%-28s %,d questions", domain + ": mix", info.path("itemCount").asLong()));

        if (d.path("questionFilters").size() > 0) {
            ref = filter(prefix + "-questions", domain + ": question filters", ref, d.get("questionFilters"), teacher);
        }
        JsonNode g = Recipe.object(d, "generation", "domain " + domain);
        ref = generate(prefix + "-traces", domain + ": generation", ref, g, teacher);
        if (d.path("answerFilters").size() > 0) {
            ref = filter(prefix + "-answers", domain + ": answer filters", ref, d.get("answerFilters"), teacher);
        }
        return ref;
    }

    /** A filter run; LLM steps without a teacher get the recipe's, decontamination names benchmarks of the recipe. */
    private String filter(String name, String label, String input, JsonNode steps, String teacher) {
        ArrayNode resolved = mapper.createArrayNode();
        for (JsonNode step : steps) {
            ObjectNode s = ((ObjectNode) step).deepCopy();
            String type = s.path("type").asText();
            ObjectNode params = s.has("params") ? (ObjectNode) s.get("params") : s.putObject("params");
            if (List.of("llm-difficulty", "response-length", "ask-llm", "llm-judge").contains(type) && !params.has("teacher")) {
                params.put("teacher", teacher);
            }
            if (type.equals("decontaminate")) {
                ArrayNode refs = mapper.createArrayNode();
                for (JsonNode b : params.path("benchmarks")) {
                    String ref = benchmarkRefs.getOrDefault(b.asText(), b.asText());
                    refs.add(ref);
                }
                params.set("benchmarks", refs);
            }
            if (params.isEmpty()) {
                s.remove("params");
            }
            resolved.add(s);
        }
        ObjectNode body = mapper.createObjectNode().put("name", name).put("input", input);
        body.set("steps", resolved);
        JsonNode run = http.post(services.filter("/filter-runs"), body).body();
        long id = run.path("id").asLong();
        long started = System.nanoTime();
        while (run.path("status").asText().equals("running")) {
            progress.status(label, "running " + Progress.duration((System.nanoTime() - started) / 1e9));
            sleep();
            run = http.get(services.filter("/filter-runs/" + id));
        }
        if (!run.path("status").asText().equals("complete")) {
            throw new CliException(label + ": filter run " + name + " failed: " + run.path("error").asText());
        }
        StringBuilder steps0 = new StringBuilder();
        for (JsonNode s : run.path("stats")) {
            steps0.append(steps0.length() == 0 ? "" : ", ").append(s.path("name").asText()).append(' ')
                    .append(s.path("in").asLong()).append("->").append(s.path("out").asLong());
        }
        stages.add(new Stage(label, run.path("output").asText(), run.path("keptCount").asLong(), steps0.toString()));
        progress.done(String.format(Locale.ROOT, "%-28s %,d of %,d kept (%s)", label, run.path("keptCount").asLong(),
                run.path("itemCount").asLong(), steps0));
        return run.path("output").asText();
    }

    private String generate(String name, String label, String input, JsonNode g, String teacher) {
        ObjectNode body = mapper.createObjectNode().put("name", name).put("input", input)
                .put("teacher", g.path("teacher").asText(teacher)).put("samplesPerItem", g.path("samplesPerItem").asInt(16))
                .put("promptTemplate", g.path("promptTemplate").asText("{{text}}"));
        if (g.hasNonNull("systemPrompt")) {
            body.put("systemPrompt", g.get("systemPrompt").asText());
        }
        if (g.has("params")) {
            body.set("params", g.get("params"));
        }
        JsonNode job = http.post(services.generation("/jobs"), body).body();
        long id = job.path("id").asLong();
        while (!finished(job)) {
            if (job.path("total").asLong() == 0) {
                progress.status(label, "loading its input");
                sleep();
                job = http.get(services.generation("/jobs/" + id));
                continue;
            }
            progress.update(label, job.path("done").asLong() + job.path("failed").asLong(), job.path("total").asLong(), jobLine(job));
            sleep();
            job = http.get(services.generation("/jobs/" + id));
        }
        if (!job.path("status").asText().equals("complete")) {
            throw new CliException(label + ": generation job " + name + " is " + job.path("status").asText() + ": " + job.path("error").asText());
        }
        completionTokens += job.path("completionTokens").asLong();
        cost += job.path("cost").asDouble();
        stages.add(new Stage(label, job.path("dataset").asText(), job.path("done").asLong(),
                job.path("failed").asLong() + " failed, " + job.path("cached").asLong() + " from the cache"));
        progress.done(String.format(Locale.ROOT, "%-28s %,d samples (%,d failed, %,d cached), %,d completion tokens, $%.4f", label,
                job.path("done").asLong(), job.path("failed").asLong(), job.path("cached").asLong(), job.path("completionTokens").asLong(),
                job.path("cost").asDouble()));
        return job.path("dataset").asText();
    }

    private static boolean finished(JsonNode job) {
        String s = job.path("status").asText();
        return !(s.equals("running") || s.equals("pending") || s.equals("loading") || s.equals("paused"));
    }

    private static String jobLine(JsonNode job) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%,.0f tok/s  $%.4f", job.path("tokensPerSecond").asDouble(),
                job.path("cost").asDouble()));
        if (job.path("etaSeconds").isNumber()) {
            sb.append("  ETA ").append(Progress.duration(job.get("etaSeconds").asDouble()));
        }
        if (job.path("status").asText().equals("paused")) {
            sb.append("  paused");
        }
        return sb.toString();
    }

    private JsonNode eval(String recipeName, JsonNode e, String teacher) {
        JsonNode model = Recipe.object(e, "model", "eval");
        String modelName = Recipe.text(model, "name", "eval.model");
        ObjectNode m = mapper.createObjectNode().put("name", modelName).put("teacher", model.path("teacher").asText(teacher));
        ArrayNode trainedOn = m.putArray("trainedOn");
        finalRefs.forEach(trainedOn::add);
        if (model.hasNonNull("description")) {
            m.put("description", model.get("description").asText());
        }
        http.post(services.eval("/models"), m);
        ObjectNode body = mapper.createObjectNode().put("name", recipeName + "-eval").put("model", modelName);
        ArrayNode benchmarks = body.putArray("benchmarks");
        for (JsonNode b : e.path("benchmarks")) {
            benchmarks.add(b.asText());
        }
        for (String key : List.of("repeats", "temperature", "maxTokens", "seed")) {
            if (e.hasNonNull(key)) {
                body.set(key, e.get(key));
            }
        }
        JsonNode run = http.post(services.eval("/eval-runs"), body).body();
        long id = run.path("id").asLong();
        long started = System.nanoTime();
        while (run.path("status").asText().equals("running")) {
            progress.status("eval", "running " + Progress.duration((System.nanoTime() - started) / 1e9));
            sleep();
            run = http.get(services.eval("/eval-runs/" + id));
        }
        if (!run.path("status").asText().equals("complete")) {
            throw new CliException("eval run " + run.path("name").asText() + " failed: " + run.path("error").asText());
        }
        for (JsonNode result : run.path("results")) {
            JsonNode metrics = result.path("metrics");
            progress.done(String.format(Locale.ROOT, "%-28s accuracy %.3f +- %s over %d repeats of %d items", "eval " + result.path("benchmark").asText(),
                    metrics.path("accuracy").asDouble(), metrics.path("stdErr").isNumber() ? String.format(Locale.ROOT, "%.3f", metrics.get("stdErr").asDouble()) : "n/a",
                    metrics.path("repeats").asInt(), metrics.path("items").asInt()));
        }
        return run;
    }

    private void sleep() {
        try {
            Thread.sleep(pollMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted");
        }
    }

    private static String enc(String s) {
        return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8);
    }
}
