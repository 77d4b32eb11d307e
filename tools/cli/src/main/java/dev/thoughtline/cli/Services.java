package dev.thoughtline.cli;

import picocli.CommandLine.Option;

/**
 * Where the four services are (options, else THOUGHTLINE_*_URL from the environment, else localhost) and the bearer
 * token to show them ({@code --token}, else THOUGHTLINE_TOKEN; none by default).
 */
public class Services {

    @Option(names = "--question-url", defaultValue = "${env:THOUGHTLINE_QUESTION_URL:-http://localhost:8081}",
            description = "question-service (default: $THOUGHTLINE_QUESTION_URL or ${DEFAULT-VALUE})")
    String question;

    @Option(names = "--generation-url", defaultValue = "${env:THOUGHTLINE_GENERATION_URL:-http://localhost:8082}",
            description = "generation-service (default: $THOUGHTLINE_GENERATION_URL or ${DEFAULT-VALUE})")
    String generation;

    @Option(names = "--filter-url", defaultValue = "${env:THOUGHTLINE_FILTER_URL:-http://localhost:8083}",
            description = "filter-service (default: $THOUGHTLINE_FILTER_URL or ${DEFAULT-VALUE})")
    String filter;

    @Option(names = "--eval-url", defaultValue = "${env:THOUGHTLINE_EVAL_URL:-http://localhost:8084}",
            description = "eval-service (default: $THOUGHTLINE_EVAL_URL or ${DEFAULT-VALUE})")
    String eval;

    @Option(names = "--token", defaultValue = "${env:THOUGHTLINE_TOKEN}", description = "bearer token for the services (default: $THOUGHTLINE_TOKEN)")
    String token;

    Http http(com.fasterxml.jackson.databind.ObjectMapper mapper) {
        return new Http(mapper, token);
    }

    static String api(String base, String path) {
        return (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/api/v1" + path;
    }

    String question(String path) {
        return api(question, path);
    }

    String generation(String path) {
        return api(generation, path);
    }

    String filter(String path) {
        return api(filter, path);
    }

    String eval(String path) {
        return api(eval, path);
    }
}
