package dev.thoughtline.generation.rest;

import dev.thoughtline.generation.service.TeacherKeys;
import dev.thoughtline.support.ApiException;

import java.net.URI;

/**
 * Registers a teacher. {@code apiKeyEnv} names an environment variable (from a Secret) holding the key, one of the
 * {@code THOUGHTLINE_TEACHER_KEY_*} variables ({@link TeacherKeys}); the key itself is never sent here, stored,
 * returned or logged. {@code cacheNamespace} keeps the teacher's samples apart from those of other teachers on the
 * same endpoint and model (without it they share the request cache).
 */
public record TeacherRequest(String name, String baseUrl, String model, String apiKeyEnv, String cacheNamespace,
                             Defaults defaults, Limits limits, Pricing pricing, Boolean supportsN) {

    /** Sampling defaults a job can override. */
    public record Defaults(Double temperature, Double topP, Integer maxTokens) {
    }

    /** Limits for the whole cluster: requests and tokens per minute, requests in flight. */
    public record Limits(Integer rpm, Long tpm, Integer maxConcurrency) {
    }

    /** US dollars per million tokens. */
    public record Pricing(Double inputPerMTok, Double outputPerMTok) {
    }

    public void validate() {
        if (name == null || name.isBlank() || name.length() > 200 || name.indexOf('\0') >= 0) {
            throw ApiException.badRequest("name is required: at most 200 characters, without NUL");
        }
        if (baseUrl == null || baseUrl.isBlank()) {
            throw ApiException.badRequest("baseUrl is required: the OpenAI base URL, e.g. http://vllm:8000/v1");
        }
        URI uri;
        try {
            uri = URI.create(baseUrl.trim());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("baseUrl is not a URL: " + baseUrl);
        }
        if (!uri.isAbsolute() || uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
            throw ApiException.badRequest("baseUrl must be an absolute http(s) URL, got: " + baseUrl);
        }
        if (uri.getRawUserInfo() != null) {
            throw ApiException.badRequest("baseUrl must not carry credentials: name the key's environment variable in apiKeyEnv");
        }
        if (model == null || model.isBlank() || model.indexOf('\0') >= 0) {
            throw ApiException.badRequest("model is required: the model name the endpoint serves");
        }
        if (apiKeyEnv != null && !TeacherKeys.isKeyName(apiKeyEnv)) {
            throw ApiException.badRequest("apiKeyEnv must name a teacher key variable: " + TeacherKeys.PREFIX
                    + "NAME (capital letters, digits, _), set from a Secret; no other environment variable can hold a key");
        }
        if (cacheNamespace != null && (cacheNamespace.isBlank() || cacheNamespace.length() > 200
                || cacheNamespace.chars().anyMatch(Character::isISOControl))) {
            throw ApiException.badRequest("cacheNamespace must be 1 to 200 characters without control characters");
        }
        if (defaults != null) {
            if (defaults.temperature() != null && !(defaults.temperature() >= 0 && defaults.temperature() <= 2)) {
                throw ApiException.badRequest("defaults.temperature must be between 0 and 2");
            }
            if (defaults.topP() != null && !(defaults.topP() > 0 && defaults.topP() <= 1)) {
                throw ApiException.badRequest("defaults.topP must be in (0, 1]");
            }
            if (defaults.maxTokens() != null && (defaults.maxTokens() < 1 || defaults.maxTokens() > 1_000_000)) {
                throw ApiException.badRequest("defaults.maxTokens must be between 1 and 1000000");
            }
        }
        if (limits != null) {
            if (limits.rpm() != null && limits.rpm() < 1) {
                throw ApiException.badRequest("limits.rpm must be 1 or more (omit it for no limit)");
            }
            if (limits.tpm() != null && limits.tpm() < 1) {
                throw ApiException.badRequest("limits.tpm must be 1 or more (omit it for no limit)");
            }
            if (limits.maxConcurrency() != null && (limits.maxConcurrency() < 1 || limits.maxConcurrency() > 100_000)) {
                throw ApiException.badRequest("limits.maxConcurrency must be between 1 and 100000");
            }
        }
        if (pricing != null) {
            for (Double p : new Double[] {pricing.inputPerMTok(), pricing.outputPerMTok()}) {
                if (p != null && !(p >= 0 && p < 1e9)) {
                    throw ApiException.badRequest("pricing must be 0 or more dollars per million tokens");
                }
            }
        }
    }
}
