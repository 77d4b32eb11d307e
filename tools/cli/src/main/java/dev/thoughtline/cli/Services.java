package dev.thoughtline.cli;

import picocli.CommandLine.Option;

/**
 * Where the four services are (options, else THOUGHTLINE_*_URL from the environment, else localhost) and the bearer
 * token to show them ({@code --token}, else THOUGHTLINE_TOKEN; none by default), and how long a request is tried
 * again while its service cannot answer ({@code --retry-for}).
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

    @Option(names = "--retry-for", defaultValue = "${env:THOUGHTLINE_RETRY_FOR:-60}", paramLabel = "SECONDS",
            description = "how long a request is sent again while its service cannot be reached or answers 502, 503 or 504, as while "
                    + "its replicas restart (default: $THOUGHTLINE_RETRY_FOR or ${DEFAULT-VALUE}; 0: never)")
    long retryFor;

    Http http(com.fasterxml.jackson.databind.ObjectMapper mapper) {
        if (retryFor < 0) {
            throw new CliException("--retry-for is seconds, 0 or more: " + retryFor);
        }
        return new Http(mapper, token, java.time.Duration.ofSeconds(retryFor));
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
