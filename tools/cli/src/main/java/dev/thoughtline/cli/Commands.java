package dev.thoughtline.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.picocli.runtime.annotations.TopCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** The {@code thoughtline} command and its subcommands. */
@TopCommand
@Command(name = "thoughtline", mixinStandardHelpOptions = true, version = "thoughtline 0.1.0",
        description = "Run reasoning-data recipes across the Thoughtline services, watch them, export the result.",
        subcommands = {Commands.RecipeCommand.class, Commands.Status.class, Commands.Datasets.class, Commands.Export.class,
                Commands.Questions.class})
public class Commands {

    @Command(name = "recipe", description = "Recipes.", subcommands = {RecipeRun.class}, mixinStandardHelpOptions = true)
    static class RecipeCommand {
    }

    @Command(name = "run", mixinStandardHelpOptions = true,
            description = "Run a recipe's stages in order; a second run resumes instead of starting again.")
    static class RecipeRun implements Callable<Integer> {

        @Parameters(index = "0", paramLabel = "FILE", description = "the recipe (YAML)")
        Path file;

        @Option(names = "--poll", defaultValue = "500", description = "milliseconds between progress polls (default ${DEFAULT-VALUE})")
        long pollMillis;

        @Option(names = "--set", paramLabel = "NAME=VALUE", description = "a value for ${NAME} in the recipe, over the environment (repeatable)")
        java.util.Map<String, String> values = new java.util.HashMap<>();

        @Mixin
        Services services;

        private final ObjectMapper mapper;

        RecipeRun(ObjectMapper mapper) {
            this.mapper = mapper;
        }

        @Override
        public Integer call() {
            java.util.Map<String, String> env = new java.util.HashMap<>(System.getenv());
            env.putAll(values);
            Recipe recipe = Recipe.load(file, env);
            System.out.println("recipe " + recipe.name() + " (" + file + ")");
            RecipeRunner runner = new RecipeRunner(recipe, services, services.http(mapper), mapper, System.out, pollMillis);
            JsonNode eval = runner.run();
            System.out.println();
            System.out.println("summary");
            for (RecipeRunner.Stage s : runner.stages()) {
                System.out.printf(Locale.ROOT, "  %-28s %,9d  %s%n", s.name(), s.items(), s.note());
            }
            System.out.printf(Locale.ROOT, "  %-28s %,9d  ($%.4f)%n", "completion tokens", runner.completionTokens(), runner.cost());
            if (eval != null) {
                for (JsonNode r : eval.path("results")) {
                    System.out.printf(Locale.ROOT, "  %-28s %.3f +- %s (%s, %d repeats)%n", "accuracy on " + r.path("benchmark").asText(),
                            r.path("metrics").path("accuracy").asDouble(),
                            r.path("metrics").path("stdErr").isNumber() ? String.format(Locale.ROOT, "%.3f", r.path("metrics").path("stdErr").asDouble()) : "n/a",
                            eval.path("model").asText(), r.path("metrics").path("repeats").asInt());
                }
            }
            for (RecipeRunner.Stage s : runner.stages()) {
                if (s.name().equals("export")) {
                    System.out.println("exported dataset: " + s.dataset());
                }
            }
            System.out.println("final datasets: " + String.join(" ", runner.finalDatasets()));
            return 0;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Generation jobs, filter runs and eval runs, with their state.")
    static class Status implements Callable<Integer> {

        @Mixin
        Services services;

        private final ObjectMapper mapper;

        Status(ObjectMapper mapper) {
            this.mapper = mapper;
        }

        @Override
        public Integer call() {
            Http http = services.http(mapper);
            System.out.println("generation jobs");
            for (JsonNode j : http.get(services.generation("/jobs"))) {
                System.out.printf(Locale.ROOT, "  %-36s %-9s %s %,d/%,d  %,d failed  $%.4f%n", j.path("name").asText(), j.path("status").asText(),
                        Progress.bar(j.path("done").asLong() + j.path("failed").asLong(), j.path("total").asLong()), j.path("done").asLong(),
                        j.path("total").asLong(), j.path("failed").asLong(), j.path("cost").asDouble());
            }
            System.out.println("filter runs");
            for (JsonNode f : http.get(services.filter("/filter-runs"))) {
                System.out.printf(Locale.ROOT, "  %-36s %-9s %,d of %,d kept%s%n", f.path("name").asText(), f.path("status").asText(),
                        f.path("keptCount").asLong(), f.path("itemCount").asLong(), f.hasNonNull("error") ? "  " + f.get("error").asText() : "");
            }
            System.out.println("eval runs");
            for (JsonNode e : http.get(services.eval("/eval-runs"))) {
                StringBuilder scores = new StringBuilder();
                for (JsonNode r : e.path("results")) {
                    if (r.path("metrics").path("accuracy").isNumber()) {
                        scores.append(String.format(Locale.ROOT, "  %s %.3f", r.path("benchmark").asText(), r.path("metrics").path("accuracy").asDouble()));
                    }
                }
                System.out.printf(Locale.ROOT, "  %-36s %-9s%s%s%n", e.path("name").asText(), e.path("status").asText(), scores,
                        e.hasNonNull("error") ? "  " + e.get("error").asText() : "");
            }
            return 0;
        }
    }

    @Command(name = "datasets", mixinStandardHelpOptions = true, description = "Every dataset every service serves.")
    static class Datasets implements Callable<Integer> {

        @Mixin
        Services services;

        private final ObjectMapper mapper;

        Datasets(ObjectMapper mapper) {
            this.mapper = mapper;
        }

        @Override
        public Integer call() {
            Http http = services.http(mapper);
            for (String url : List.of(services.question("/datasets"), services.generation("/datasets"), services.filter("/datasets"),
                    services.eval("/datasets"))) {
                for (JsonNode d : http.get(url)) {
                    System.out.printf(Locale.ROOT, "%-10s %-9s %,9d  %-36s %s%n", d.path("kind").asText(), d.path("status").asText(),
                            d.path("itemCount").asLong(), d.path("name").asText(), d.path("ref").asText());
                }
            }
            return 0;
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true, description = "Write a trace dataset as training data.")
    static class Export implements Callable<Integer> {

        @Parameters(index = "0", paramLabel = "DATASET", description = "its DatasetRef (a URL)")
        String dataset;

        @Option(names = "--format", defaultValue = "sharegpt", description = "sharegpt or openai (default ${DEFAULT-VALUE})")
        String format;

        @Option(names = "--out", required = true, description = "the file to write (JSON lines)")
        Path out;

        @Mixin
        Services services;

        private final ObjectMapper mapper;

        Export(ObjectMapper mapper) {
            this.mapper = mapper;
        }

        @Override
        public Integer call() {
            long n = new Exporter(services.http(mapper), mapper).export(List.of(dataset), format, out);
            System.out.printf(Locale.ROOT, "%,d rows -> %s%n", n, out);
            return 0;
        }
    }

    @Command(name = "questions", description = "Question helpers.", subcommands = {Generate.class}, mixinStandardHelpOptions = true)
    static class Questions {
    }

    @Command(name = "generate", mixinStandardHelpOptions = true,
            description = "Write procedural math problems with computed answers as NDJSON {id, text, answer}.")
    static class Generate implements Callable<Integer> {

        @Option(names = "--count", defaultValue = "100", description = "how many (default ${DEFAULT-VALUE})")
        int count;

        @Option(names = "--seed", defaultValue = "1", description = "the same seed gives the same problems (default ${DEFAULT-VALUE})")
        long seed;

        @Option(names = "--prefix", defaultValue = "gen", description = "id prefix (default ${DEFAULT-VALUE})")
        String prefix;

        @Option(names = "--out", required = true, description = "the NDJSON file to write")
        Path out;

        private final ObjectMapper mapper;

        Generate(ObjectMapper mapper) {
            this.mapper = mapper;
        }

        @Override
        public Integer call() throws IOException {
            if (count < 1 || count > 10_000_000) {
                throw new CliException("--count must be between 1 and 10000000");
            }
            Path dir = out.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            try (BufferedWriter w = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
                for (QuestionGenerator.Problem p : QuestionGenerator.generate(count, seed, prefix)) {
                    w.write(mapper.createObjectNode().put("id", p.id()).put("text", p.text()).put("answer", p.answer()).toString());
                    w.write('\n');
                }
            }
            System.out.printf(Locale.ROOT, "%,d problems -> %s%n", count, out);
            return 0;
        }
    }

    /** A {@link CliException} is a one-line message and exit code 1, not a stack trace. */
    static final class Errors implements CommandLine.IExecutionExceptionHandler {
        @Override
        public int handleExecutionException(Exception ex, CommandLine cmd, CommandLine.ParseResult parseResult) {
            if (ex instanceof CliException) {
                cmd.getErr().println("thoughtline: " + ex.getMessage());
                return 1;
            }
            cmd.getErr().println("thoughtline: " + ex);
            return 2;
        }
    }
}
